package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/export"
	"rrstat/internal/source"
)

// loadResult is what load --json and validate --json print (cli.md).
type loadResult struct {
	Exports []*export.Summary `json:"exports"`
}

type loadFlags struct {
	db, encoding string
	maxReject    float64
	drop         listFlag
	json         bool
}

func runLoad(ctx context.Context, e *env, args []string) int {
	return loadOrValidate(ctx, e, args, false)
}

func runValidate(ctx context.Context, e *env, args []string) int {
	return loadOrValidate(ctx, e, args, true)
}

func loadOrValidate(ctx context.Context, e *env, args []string, dry bool) int {
	name, synopsis, about := "load", "[--db PATH] [--encoding NAME] [--max-reject PCT] [--drop-column NAME]... [--json] EXPORT...",
		"Loads each EXPORT (a folder of CSV or Parquet files, a .zip of CSV files, or an .xlsx\n"+
			"workbook) as a new snapshot of its country, each atomically on its own. Every row is\n"+
			"loaded, merged or rejected with a reason; the rejects are printed and stored.\n"+
			"Exits 1 if any export failed."
	if dry {
		name, synopsis, about = "validate", "[--encoding NAME] [--max-reject PCT] [--drop-column NAME]... [--json] EXPORT...",
			"Runs the checks of load on each EXPORT and prints the same result, touching no store.\n"+
				"A status of \"valid\" means load would accept the export."
	}
	fs := newFlags(e, name, synopsis, about)
	var f loadFlags
	if !dry {
		fs.StringVar(&f.db, "db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	}
	fs.StringVar(&f.encoding, "encoding", "utf-8", "text encoding of CSV files: utf-8, utf-16 or windows-1251 (cp1251)")
	fs.Float64Var(&f.maxReject, "max-reject", 5, "the most rows of a table, in per cent, that may be rejected before the load fails")
	fs.Var(&f.drop, "drop-column", "a direct-identifier `NAME` column to leave out instead of refusing the export (repeatable)")
	fs.BoolVar(&f.json, "json", false, "print the result as JSON on stdout")
	paths, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(paths) == 0 {
		return usageError(e, name, "give at least one EXPORT")
	}
	if _, err := source.NormalizeEncoding(f.encoding); err != nil {
		return usageError(e, name, "%v", err)
	}
	if f.maxReject < 0 || f.maxReject > 100 {
		return usageError(e, name, "--max-reject must be from 0 to 100")
	}
	// A load opens the store for writing only while it writes, waiting for
	// another process that holds it (the service, a report); validate
	// loads into a store in memory.
	var store storeWriter
	if dry {
		mem, err := duckdb.Open(ctx, "", duckdb.Options{MemoryLimit: loadMemoryLimit})
		if err != nil {
			return failf(e, name, "%v", err)
		}
		defer mem.Close()
		// What does not fit in memory goes to a private folder, not to
		// .tmp in the current one: validate touches no files.
		tmp, err := os.MkdirTemp("", "rrstat-validate-")
		if err != nil {
			return failf(e, name, "%v", err)
		}
		defer os.RemoveAll(tmp)
		if _, err := mem.DB.ExecContext(ctx, "SET temp_directory = "+sqlQuote(tmp)); err != nil {
			return failf(e, name, "%v", err)
		}
		store = func(ctx context.Context, fn func(*duckdb.Store) error) error { return fn(mem) }
	} else {
		acc := e.storeAccess(name, e.dbPath(f.db))
		acc.Options.MemoryLimit = loadMemoryLimit
		store = acc.Write
	}
	res := loadResult{Exports: []*export.Summary{}}
	failed := false
	for _, p := range paths {
		sum := loadOne(ctx, e, store, p, f, dry)
		res.Exports = append(res.Exports, sum)
		if sum.Status == export.StatusFailed {
			failed = true
		}
		if !f.json {
			printSummary(e.stderr, sum, dry)
		}
	}
	if f.json {
		if err := e.writeJSON(res); err != nil {
			return failf(e, name, "%v", err)
		}
	}
	if failed {
		return ExitFailed
	}
	return ExitOK
}

// storeWriter runs a function with the store open for writing.
type storeWriter func(ctx context.Context, fn func(*duckdb.Store) error) error

// loadMemoryLimit is DuckDB's memory limit for load and validate. Without
// it DuckDB keeps what it has read cached up to most of the machine's
// memory: a load of a million persons peaked at 1.2 GB, a validate at
// 2.3 GB. With it they stay under 0.8 GB, as fast (issue #12); what does
// not fit goes to DuckDB's temporary files.
const loadMemoryLimit = "512MB"

func sqlQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// loadOne opens and loads one export; every failure ends up in the summary.
func loadOne(ctx context.Context, e *env, store storeWriter, path string, f loadFlags, dry bool) *export.Summary {
	start := time.Now()
	ex, err := source.Open(path, source.Options{Encoding: f.encoding, DropColumns: f.drop})
	if e.getenv("RRSTAT_TRACE") != "" {
		fmt.Fprintf(e.stderr, "trace %7.2fs open, hash and scan %s\n", time.Since(start).Seconds(), path)
	}
	if err != nil {
		return &export.Summary{Path: path, Status: export.StatusFailed, Error: plainError(err),
			Rejects: []export.Reject{}, Warnings: []string{}}
	}
	defer ex.Close()
	prog := newProgress(e)
	var sum *export.Summary
	err = store(ctx, func(s *duckdb.Store) error {
		var err error
		sum, err = s.Load(ctx, ex, duckdb.LoadOptions{MaxRejectPct: duckdb.Percent(f.maxReject), DryRun: dry, Now: e.now(), Progress: prog.update})
		return err
	})
	prog.finish()
	if sum == nil { // the store could not be opened
		return &export.Summary{Path: path, Status: export.StatusFailed, Error: plainError(err),
			Rejects: []export.Reject{}, Warnings: []string{}}
	}
	if err != nil {
		sum.Error = plainError(err)
	}
	return sum
}

// plainError strips the sentinel prefixes from an error for a reader.
// rejectedNote formats a count of rejected rows into format ("" for none).
func rejectedNote(n int64, format string) string {
	switch n {
	case 0:
		return ""
	case 1:
		return fmt.Sprintf(format, "1 row")
	}
	return fmt.Sprintf(format, fmt.Sprintf("%d rows", n))
}

func plainError(err error) string {
	msg := err.Error()
	for _, p := range []error{export.ErrRefused, duckdb.ErrLoadFailed} {
		msg = strings.TrimPrefix(msg, p.Error()+": ")
	}
	return msg
}

func printSummary(w io.Writer, s *export.Summary, dry bool) {
	var rejected int64
	for _, tn := range export.TableNames {
		rejected += s.Tables.Get(tn).Rejected
	}
	switch s.Status {
	case export.StatusLoaded:
		fmt.Fprintf(w, "%s: loaded %s as snapshot %s%s\n", s.Path, s.Country, s.SnapshotID, rejectedNote(rejected, ", %s rejected"))
	case export.StatusUnchanged:
		// The counts are the stored snapshot's: this load read nothing.
		fmt.Fprintf(w, "%s: unchanged: identical to the current %s snapshot %s; nothing was loaded\n", s.Path, s.Country, s.SnapshotID)
		return
	case export.StatusValid:
		fmt.Fprintf(w, "%s (%s): valid%s; nothing was stored\n", s.Path, s.Country, rejectedNote(rejected, ", %s would be rejected"))
	default:
		// A refusal of the path itself names it already.
		fmt.Fprintf(w, "%s: FAILED: %s\n", s.Path, strings.TrimPrefix(s.Error, s.Path+": "))
		if dry {
			fmt.Fprintln(w, "  rrstat load would refuse this export and leave the store as it was.")
		} else {
			fmt.Fprintln(w, "  Nothing was loaded from this export; the store is as it was.")
		}
	}
	if s.Tables.Returnees.RowsRead > 0 || s.Status != export.StatusFailed {
		fmt.Fprintf(w, "  %-10s %10s %10s %8s %9s\n", "table", "rows read", "loaded", "merged", "rejected")
		for _, tn := range export.TableNames {
			c := s.Tables.Get(tn)
			fmt.Fprintf(w, "  %-10s %10d %10d %8d %9d\n", tn, c.RowsRead, c.Loaded, c.Merged, c.Rejected)
		}
	}
	const show = 20
	if n := len(s.Rejects); n > 0 {
		fmt.Fprintf(w, "  rejected rows (%d):\n", n)
		for i, r := range s.Rejects {
			if i == show {
				fmt.Fprintf(w, "    ... and %d more (use --json for all)\n", n-show)
				break
			}
			col := ""
			if r.Column != "" {
				col = ", column " + r.Column
			}
			fmt.Fprintf(w, "    %s line %d%s, value %s: %s\n", r.File, r.Line, col, strconv.Quote(r.Value), r.Reason)
		}
	}
	for _, wn := range s.Warnings {
		fmt.Fprintf(w, "  warning: %s\n", wn)
	}
}
