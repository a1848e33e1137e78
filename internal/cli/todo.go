package cli

import "context"

// Not yet built; each returns failure so nothing pretends to work.
func runServe(ctx context.Context, e *env, args []string) int { return failf(e, "serve", "not built yet") }
func runToken(ctx context.Context, e *env, args []string) int { return failf(e, "token", "not built yet") }
