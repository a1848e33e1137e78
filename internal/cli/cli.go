// Package cli is the rrstat command line (cli.md): Run parses the arguments
// and dispatches to one subcommand per file (load.go, report.go, serve.go
// ...). It is a function of its arguments and streams, so tests run the real
// command line end to end.
package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"rrstat/internal/duckdb"
)

// Exit statuses of cli.md.
const (
	ExitOK     = 0
	ExitFailed = 1
	ExitUsage  = 2
)

// Version is the tool version, set at build time with
// -ldflags "-X rrstat/internal/cli.Version=...".
var Version = "0.1.0-dev"

// env is what a command runs with.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	now            func() time.Time
	isTerminal     func(io.Writer) bool
}

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, e *env, args []string) int
}

func commands() []command {
	return []command{
		{"load", "load exports into the store as new snapshots", runLoad},
		{"validate", "check exports like load, touching no store", runValidate},
		{"snapshots", "list the snapshots in the store", runSnapshots},
		{"releases", "list the donor releases recorded in the store", runReleases},
		{"audit", "check every donor release of the store together", runAudit},
		{"report", "write a report folder for a period", runReport},
		{"indicators", "list the indicator catalogue", runIndicators},
		{"demo", "generate a synthetic regional dataset and report on it", runDemo},
		{"serve", "run the HTTP service", runServe},
		{"token", "create or revoke access tokens of the HTTP service", runToken},
		{"synth", "write synthetic exports (for trials and benchmarks)", runSynth},
		{"version", "print the version", runVersion},
	}
}

// Run runs rrstat with args (without the program name) and returns the exit
// status.
func Run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr, getenv: os.Getenv, now: time.Now, isTerminal: isTerminal}
	return e.dispatch(ctx, args)
}

func (e *env) dispatch(ctx context.Context, args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		e.usage(e.stdout)
		if len(args) == 0 {
			return ExitUsage
		}
		return ExitOK
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
	}
	fmt.Fprintf(e.stderr, "rrstat: unknown command %q\n\n", args[0])
	e.usage(e.stderr)
	return ExitUsage
}

func (e *env) usage(w io.Writer) {
	fmt.Fprintln(w, "rrstat turns anonymised case exports of rehabilitation and reintegration")
	fmt.Fprintln(w, "programmes into indicators, charts and spreadsheets.")
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Usage: rrstat COMMAND [options] [arguments]")
	fmt.Fprintln(w)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-11s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w, "Run rrstat COMMAND --help for the options of a command.")
}

// newFlags returns a flag set whose usage prints the synopsis and options.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.Init(name, flag.ContinueOnError)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: rrstat %s %s\n\n%s\n", name, synopsis, about)
		var opts []string
		fs.VisitAll(func(f *flag.Flag) { opts = append(opts, f.Name) })
		if len(opts) > 0 {
			fmt.Fprintln(w, "\nOptions:")
			fs.VisitAll(func(f *flag.Flag) {
				arg, usage := flag.UnquoteUsage(f)
				if arg != "" {
					arg = " " + arg
				}
				fmt.Fprintf(w, "  --%s%s\n        %s", f.Name, arg, usage)
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
					fmt.Fprintf(w, " (default %s)", f.DefValue)
				}
				fmt.Fprintln(w)
			})
		}
	}
	return fs
}

// parse parses flags and positional arguments in any order ("load EXPORT
// --json" works as well as "load --json EXPORT"). It returns the
// positionals and, when parsing stopped, the exit status to return: ExitOK
// after --help, ExitUsage after a usage error (reported on stderr).
func parse(e *env, fs *flag.FlagSet, args []string) ([]string, int, bool) {
	var pos []string
	for {
		fs.SetOutput(io.Discard)
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(e.stdout)
			fs.Usage()
			return nil, ExitOK, false
		}
		if err != nil {
			fmt.Fprintf(e.stderr, "rrstat %s: %v\n", fs.Name(), err)
			fmt.Fprintf(e.stderr, "Run rrstat %s --help for usage.\n", fs.Name())
			return nil, ExitUsage, false
		}
		rest := fs.Args()
		if len(rest) == 0 {
			return pos, 0, true
		}
		if rest[0] == "--" {
			return append(pos, rest[1:]...), 0, true
		}
		pos = append(pos, rest[0])
		args = rest[1:]
	}
}

// usageError reports wrong usage and returns ExitUsage.
func usageError(e *env, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "rrstat %s: %s\n", cmd, fmt.Sprintf(format, args...))
	fmt.Fprintf(e.stderr, "Run rrstat %s --help for usage.\n", cmd)
	return ExitUsage
}

// failf reports a refusal or failure and returns ExitFailed.
func failf(e *env, cmd, format string, args ...any) int {
	fmt.Fprintf(e.stderr, "rrstat %s: %s\n", cmd, fmt.Sprintf(format, args...))
	return ExitFailed
}

// listFlag is a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// dbPath returns --db, else $RRSTAT_DB, else rrstat.duckdb (cli.md).
func (e *env) dbPath(flagValue string) string {
	if flagValue != "" {
		return flagValue
	}
	if v := e.getenv("RRSTAT_DB"); v != "" {
		return v
	}
	return "rrstat.duckdb"
}

// storeAccess returns the access to the store at path for command cmd:
// while another process writes the store (a load, the service), the
// command waits for it and says so once on stderr.
func (e *env) storeAccess(cmd, path string) *duckdb.Access {
	return &duckdb.Access{Path: path, Wait: func(holder string) {
		fmt.Fprintf(e.stderr, "rrstat %s: waiting for the store %s, in use by %s\n", cmd, path, holder)
	}}
}

// writeJSON prints v as indented JSON on stdout.
func (e *env) writeJSON(v any) error {
	enc := json.NewEncoder(e.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func runVersion(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "version", "", "Prints the version of rrstat.")
	if _, code, ok := parse(e, fs, args); !ok {
		return code
	}
	fmt.Fprintln(e.stdout, "rrstat", Version)
	return ExitOK
}
