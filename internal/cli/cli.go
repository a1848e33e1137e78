// Package cli is the rrstat command line: Run parses the arguments and
// dispatches to one subcommand per file (load.go, report.go, serve.go ...).
package cli

import (
	"context"
	"fmt"
	"io"
)

// Exit statuses of cli.md.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Run runs rrstat with args (without the program name) and returns the exit
// status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	_ = ctx
	fmt.Fprintln(stderr, "rrstat: not wired yet")
	return ExitUsage
}
