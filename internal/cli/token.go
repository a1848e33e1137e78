package cli

import (
	"context"
	"errors"
	"fmt"
	"text/tabwriter"

	"rrstat/internal/httpapi"
)

// tokensPath returns --tokens, else the token file next to the store.
func (e *env) tokensPath(flagValue, db string) string {
	if flagValue != "" {
		return flagValue
	}
	return e.dbPath(db) + ".tokens.json"
}

func runToken(ctx context.Context, e *env, args []string) int {
	usage := func() {
		fmt.Fprintln(e.stdout, "Usage: rrstat token create [--tokens PATH] --role analyst|donor --name NAME")
		fmt.Fprintln(e.stdout, "       rrstat token revoke [--tokens PATH] --name NAME")
		fmt.Fprintln(e.stdout, "       rrstat token list   [--tokens PATH]")
		fmt.Fprintln(e.stdout)
		fmt.Fprintln(e.stdout, "Creates, revokes and lists the access tokens of rrstat serve. The token file holds")
		fmt.Fprintln(e.stdout, "only a hash of each token; a new token is printed once. Run rrstat token create --help")
		fmt.Fprintln(e.stdout, "for the options.")
	}
	if len(args) == 0 {
		usage()
		return ExitUsage
	}
	switch args[0] {
	case "-h", "--help", "help":
		usage()
		return ExitOK
	case "create":
		return runTokenCreate(ctx, e, args[1:])
	case "revoke":
		return runTokenRevoke(ctx, e, args[1:])
	case "list":
		return runTokenList(ctx, e, args[1:])
	}
	if s := closest(args[0], []string{"create", "revoke", "list"}); s != "" {
		return usageError(e, "token", "unknown subcommand %q; did you mean %s?", args[0], s)
	}
	return usageError(e, "token", "unknown subcommand %q: use create, revoke or list", args[0])
}

func runTokenCreate(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "token create", "[--tokens PATH] --role analyst|donor --name NAME",
		"Creates an access token of rrstat serve and prints it alone on the last line of stdout.\n"+
			"It is shown this once: the token file keeps only its SHA-256. An analyst token may\n"+
			"upload exports and make and fetch any report; a donor token may make and fetch\n"+
			"donor reports only.")
	tokens := fs.String("tokens", "", "the token `PATH` (default: next to the store, <db>.tokens.json)")
	db := fs.String("db", "", "the store file whose token file is meant (default $RRSTAT_DB, else rrstat.duckdb)")
	role := fs.String("role", "", "analyst or donor")
	name := fs.String("name", "", "who the token is for (letters, digits, '.', '_', '@', '-'); shown in the audit log")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "token create", "unexpected argument %q", pos[0])
	}
	r, okRole := httpapi.ParseRole(*role)
	if !okRole {
		return usageError(e, "token create", "--role must be analyst or donor")
	}
	if *name == "" {
		return usageError(e, "token create", "--name is required")
	}
	path := e.tokensPath(*tokens, *db)
	tok, err := httpapi.CreateToken(path, r, *name, e.now())
	if errors.Is(err, httpapi.ErrBadName) {
		return usageError(e, "token create", "%v", err)
	}
	if err != nil {
		return failf(e, "token create", "%v", err)
	}
	fmt.Fprintf(e.stderr, "created %s token %q in %s; it is shown once, below: keep it secret\n", r, *name, path)
	fmt.Fprintln(e.stdout, tok)
	return ExitOK
}

func runTokenRevoke(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "token revoke", "[--tokens PATH] --name NAME",
		"Removes the token called NAME; the service refuses it from its next request on.")
	tokens := fs.String("tokens", "", "the token `PATH` (default: next to the store, <db>.tokens.json)")
	db := fs.String("db", "", "the store file whose token file is meant (default $RRSTAT_DB, else rrstat.duckdb)")
	name := fs.String("name", "", "the name of the token to revoke")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "token revoke", "unexpected argument %q", pos[0])
	}
	if *name == "" {
		return usageError(e, "token revoke", "--name is required")
	}
	path := e.tokensPath(*tokens, *db)
	if err := httpapi.RevokeToken(path, *name); err != nil {
		return failf(e, "token revoke", "%v", err)
	}
	fmt.Fprintf(e.stderr, "revoked token %q in %s\n", *name, path)
	return ExitOK
}

func runTokenList(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "token list", "[--tokens PATH] [--json]", "Lists the tokens by name, role and creation time (never the tokens themselves).")
	tokens := fs.String("tokens", "", "the token `PATH` (default: next to the store, <db>.tokens.json)")
	db := fs.String("db", "", "the store file whose token file is meant (default $RRSTAT_DB, else rrstat.duckdb)")
	asJSON := fs.Bool("json", false, "print the list as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "token list", "unexpected argument %q", pos[0])
	}
	toks, err := httpapi.ReadTokens(e.tokensPath(*tokens, *db))
	if err != nil {
		return failf(e, "token list", "%v", err)
	}
	if *asJSON {
		type entry struct {
			Name      string `json:"name"`
			Role      string `json:"role"`
			CreatedAt string `json:"created_at"`
		}
		out := []entry{}
		for _, t := range toks {
			out = append(out, entry{t.Name, string(t.Role), t.CreatedAt.UTC().Format("2006-01-02T15:04:05Z")})
		}
		if err := e.writeJSON(struct {
			Tokens []entry `json:"tokens"`
		}{out}); err != nil {
			return failf(e, "token list", "%v", err)
		}
		return ExitOK
	}
	if len(toks) == 0 {
		fmt.Fprintln(e.stdout, "No token yet; create one with rrstat token create.")
		return ExitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tROLE\tCREATED (UTC)")
	for _, t := range toks {
		fmt.Fprintf(tw, "%s\t%s\t%s\n", t.Name, t.Role, t.CreatedAt.UTC().Format("2006-01-02 15:04:05"))
	}
	tw.Flush()
	return ExitOK
}
