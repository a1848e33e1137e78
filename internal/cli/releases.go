package cli

import (
	"context"
	"fmt"
	"strings"
	"text/tabwriter"

	"rrstat/internal/duckdb"
	"rrstat/internal/release"
)

// ledger reads the release ledger of the store.
func (e *env) ledger(ctx context.Context, cmd, path string) ([]*release.Release, error) {
	var rels []*release.Release
	err := e.storeAccess(cmd, path).Read(ctx, func(store *duckdb.Store) error {
		var err error
		rels, err = store.Releases(ctx)
		return err
	})
	return rels, err
}

func runReleases(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "releases", "[--db PATH] [--json]",
		"Lists the donor releases of the store (disclosure.md rule 6): every donor report made from it,\n"+
			"with its period, window, k, countries and the cells it published and suppressed.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	asJSON := fs.Bool("json", false, "print the list as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "releases", "unexpected argument %q", pos[0])
	}
	rels, err := e.ledger(ctx, "releases", e.dbPath(*db))
	if err != nil {
		return failf(e, "releases", "%v", err)
	}
	list := []release.Listing{}
	for _, r := range rels {
		list = append(list, r.List())
	}
	if *asJSON {
		if err := e.writeJSON(struct {
			Releases []release.Listing `json:"releases"`
		}{list}); err != nil {
			return failf(e, "releases", "%v", err)
		}
		return ExitOK
	}
	if len(list) == 0 {
		fmt.Fprintln(e.stdout, "The store has no donor release yet; rrstat report --audience donor makes one.")
		return ExitOK
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "RELEASE\tMADE (UTC)\tPERIOD\tWINDOW\tK\tCOUNTRIES\tPUBLISHED\tSUPPRESSED (RULE 1, 2, SERIES)")
	for _, l := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%d\t%s\t%d\t%d, %d, %d\n", l.ID, l.CreatedAt.Format("2006-01-02 15:04:05"), l.Period, l.Window, l.K,
			strings.Join(l.Countries, " "), l.Published, l.Suppressed.Rule1, l.Suppressed.Rule2, l.Suppressed.Series)
	}
	tw.Flush()
	return ExitOK
}

func runAudit(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "audit", "[--db PATH] [--json]",
		"Checks every donor release of the store together (disclosure.md rule 10): for every figure that\n"+
			"rule 1 suppressed, the range that all published figures and the relations between them leave\n"+
			"possible must include 0 and k. Lists exposed figures and revised ones; exits 1 when a figure\n"+
			"is exposed.")
	db := fs.String("db", "", "the store file (default $RRSTAT_DB, else rrstat.duckdb)")
	qdir := fs.String("queries", "", "a folder of indicator query files to use instead of the built-in ones")
	asJSON := fs.Bool("json", false, "print the audit as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "audit", "unexpected argument %q", pos[0])
	}
	cat, err := loadCatalogue(*qdir)
	if err != nil {
		return failf(e, "audit", "%v", err)
	}
	rels, err := e.ledger(ctx, "audit", e.dbPath(*db))
	if err != nil {
		return failf(e, "audit", "%v", err)
	}
	res := release.Audit(cat, rels)
	if *asJSON {
		if err := e.writeJSON(res); err != nil {
			return failf(e, "audit", "%v", err)
		}
	} else {
		fmt.Fprintf(e.stdout, "%d releases, %d suppressed figures checked: %d exposed, %d revised figures, %d that cannot be checked\n",
			res.Releases, res.Checked, len(res.Exposed), len(res.Revisions), len(res.Unsolvable))
		for _, x := range res.Exposed {
			fmt.Fprintf(e.stdout, "exposed: %s\n", x)
		}
		for _, x := range res.Unsolvable {
			fmt.Fprintf(e.stdout, "cannot be checked (revised figures contradict each other): %s\n", x)
		}
		for _, r := range res.Revisions {
			fmt.Fprintf(e.stdout, "revised: %s %s %s %s=%s %s: %d in %s, %d in %s\n", r.Indicator, r.Period, r.Country, r.Dimension, r.Category, r.Figure, r.Was, r.Earlier, r.Now, r.Later)
		}
	}
	if !res.Clean() {
		if !*asJSON {
			fmt.Fprintln(e.stderr, "rrstat audit: some suppressed figures can be worked out from the releases together")
		}
		return ExitFailed
	}
	return ExitOK
}
