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
	"regexp"
	"slices"
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
	if args[0] == "--version" || args[0] == "-version" {
		return runVersion(ctx, e, args[1:])
	}
	var names []string
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, e, args[1:])
		}
		names = append(names, c.name)
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(e.stderr, "rrstat: %s is not a command; options go after the command (rrstat COMMAND --help lists them)\n\n", args[0])
		e.usage(e.stderr)
		return ExitUsage
	}
	if s := closest(args[0], names); s != "" {
		fmt.Fprintf(e.stderr, "rrstat: unknown command %q; did you mean %s?\n", args[0], s)
		fmt.Fprintln(e.stderr, "Run rrstat --help for the commands.")
		return ExitUsage
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
// The flags the synopsis shows outside brackets (--period P) are required:
// --help lists them first.
func newFlags(e *env, name, synopsis, about string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	required := requiredFlags(synopsis)
	fs.Usage = func() {
		w := fs.Output()
		fmt.Fprintf(w, "Usage: rrstat %s %s\n\n%s\n", name, synopsis, about)
		var req, opt []*flag.Flag
		fs.VisitAll(func(f *flag.Flag) {
			if slices.Contains(required, f.Name) {
				req = append(req, f)
			} else {
				opt = append(opt, f)
			}
		})
		// Required flags in the synopsis' order.
		slices.SortStableFunc(req, func(a, b *flag.Flag) int {
			return slices.Index(required, a.Name) - slices.Index(required, b.Name)
		})
		for _, group := range []struct {
			title string
			flags []*flag.Flag
		}{{"Required:", req}, {"Options:", opt}} {
			if len(group.flags) == 0 {
				continue
			}
			fmt.Fprintln(w, "\n"+group.title)
			for _, f := range group.flags {
				arg, usage := flag.UnquoteUsage(f)
				if arg != "" {
					arg = " " + arg
				}
				fmt.Fprintf(w, "  --%s%s\n        %s", f.Name, arg, usage)
				if f.DefValue != "" && f.DefValue != "false" && f.DefValue != "[]" && f.DefValue != "0" {
					fmt.Fprintf(w, " (default %s)", f.DefValue)
				}
				fmt.Fprintln(w)
			}
		}
	}
	return fs
}

// requiredFlags returns the flags a synopsis names outside brackets, in
// order: "[--db PATH] --period P [--k N]" requires period.
func requiredFlags(synopsis string) []string {
	var out []string
	depth := 0
	for _, word := range strings.Fields(synopsis) {
		if depth == 0 && strings.HasPrefix(word, "--") {
			out = append(out, strings.TrimRight(strings.TrimPrefix(word, "--"), "]."))
		}
		depth += strings.Count(word, "[") - strings.Count(word, "]")
	}
	return out
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
			fmt.Fprintf(e.stderr, "rrstat %s: %s\n", fs.Name(), flagError(fs, err))
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

// flagError rewrites an error of the flag package for a reader: flags are
// written --name, and an unknown flag names the closest defined one.
func flagError(fs *flag.FlagSet, err error) string {
	msg := err.Error()
	const undefined = "flag provided but not defined: -"
	if name, ok := strings.CutPrefix(msg, undefined); ok {
		var names []string
		fs.VisitAll(func(f *flag.Flag) { names = append(names, f.Name) })
		if s := closest(strings.TrimLeft(name, "-"), names); s != "" {
			return fmt.Sprintf("unknown flag --%s; did you mean --%s?", strings.TrimLeft(name, "-"), s)
		}
		return fmt.Sprintf("unknown flag --%s", strings.TrimLeft(name, "-"))
	}
	// "flag needs an argument: -period", "invalid value ... for flag -k: ..."
	return reFlagName.ReplaceAllString(msg, "$1--$2")
}

var reFlagName = regexp.MustCompile(`(^|[ :])-([a-z][a-z0-9-]*)`)

// closest returns the candidate nearest to word (case aside, an edit away
// for a word of three or four letters, two for a longer one, letters
// swapped counting as one edit), else the only candidate word begins, or
// "" when none is near enough to be a likely typo.
func closest(word string, candidates []string) string {
	w := strings.ToLower(word)
	best, bestD := "", 0
	for _, c := range candidates {
		d := editDistance(w, c)
		if best == "" || d < bestD {
			best, bestD = c, d
		}
	}
	limit := 0 // a one- or two-letter word is near anything as short
	switch {
	case len(w) >= 5:
		limit = 2
	case len(w) >= 3:
		limit = 1
	}
	if best != "" && bestD <= limit {
		return best
	}
	var prefixed []string
	for _, c := range candidates {
		if len(w) >= 2 && strings.HasPrefix(c, w) {
			prefixed = append(prefixed, c)
		}
	}
	if len(prefixed) == 1 {
		return prefixed[0]
	}
	return ""
}

// editDistance is the optimal string alignment distance of a and b:
// insertions, deletions, substitutions and swaps of neighbours.
func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	d := make([][]int, len(ra)+1)
	for i := range d {
		d[i] = make([]int, len(rb)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(ra); i++ {
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(ra)][len(rb)]
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
