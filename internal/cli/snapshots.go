package cli

import (
	"context"
	"fmt"
	"text/tabwriter"

	"rrstat/internal/duckdb"
	"rrstat/internal/report"
)

func runSnapshots(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "snapshots", "[--db PATH] [--json]", "Lists the snapshots in the store: id, country, loaded-at, content hash, rows, current or not.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	asJSON := fs.Bool("json", false, "print the list as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "snapshots", "unexpected argument %q", pos[0])
	}
	var snaps []report.Snapshot
	err := e.storeAccess("snapshots", e.dbPath(*db)).Read(ctx, func(store *duckdb.Store) error {
		var err error
		snaps, err = store.Snapshots(ctx)
		return err
	})
	if err != nil {
		return failf(e, "snapshots", "%v", err)
	}
	if *asJSON {
		if err := e.writeJSON(struct {
			Snapshots []report.Snapshot `json:"snapshots"`
		}{snaps}); err != nil {
			return failf(e, "snapshots", "%v", err)
		}
		return ExitOK
	}
	if len(snaps) == 0 {
		fmt.Fprintln(e.stdout, "The store holds no snapshot yet; load an export with rrstat load.")
		return ExitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "SNAPSHOT\tCOUNTRY\tLOADED AT (UTC)\tCONTENT SHA-256\tPERSONS\tROWS\tCURRENT")
	for _, s := range snaps {
		cur := ""
		if s.Current {
			cur = "current"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\t%d\t%s\n", s.ID, s.Country, s.LoadedAt.Format("2006-01-02 15:04:05"), s.ContentSHA256[:16]+"…", s.Persons, s.Rows, cur)
	}
	tw.Flush()
	return ExitOK
}
