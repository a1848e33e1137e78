package cli

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/export"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/internal/synth"
)

// latestQuarterEnd is the last day of the latest calendar quarter that
// ended before day.
func latestQuarterEnd(day time.Time) time.Time {
	return period.LatestCompleteQuarter(day.UTC().AddDate(0, 0, -1)).End
}

func runDemo(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "demo", "[--out DIR]",
		"Generates a SYNTHETIC regional dataset that follows the publicly reported repatriation\n"+
			"operations (Uzbekistan, Kazakhstan, Kyrgyzstan, Tajikistan), loads it into a temporary\n"+
			"store and writes an analyst and a donor report for the latest complete quarter, then\n"+
			"says where they are. The exports are kept too, to try rrstat load on.")
	out := fs.String("out", "out/demo", "the folder for the exports and the two reports")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "demo", "unexpected argument %q", pos[0])
	}
	now := e.now().UTC()
	asOf := latestQuarterEnd(now)
	p := period.LatestCompleteQuarter(asOf)
	exports := filepath.Join(*out, "exports")
	if err := os.RemoveAll(exports); err != nil {
		return failf(e, "demo", "%v", err)
	}
	fmt.Fprintf(e.stderr, "Generating synthetic exports as of %s ...\n", period.ISO(asOf))
	sum, err := synth.Generate(exports, synth.Options{Seed: 2019, AsOf: asOf})
	if err != nil {
		return failf(e, "demo", "%v", err)
	}
	tmp, err := os.MkdirTemp("", "rrstat-demo-")
	if err != nil {
		return failf(e, "demo", "%v", err)
	}
	defer os.RemoveAll(tmp)
	store, err := duckdb.Open(ctx, filepath.Join(tmp, "demo.duckdb"), duckdb.Options{})
	if err != nil {
		return failf(e, "demo", "%v", err)
	}
	defer store.Close()
	for _, c := range sum.Countries {
		ex, err := source.Open(c.Dir, source.Options{TempDir: tmp})
		if err != nil {
			return failf(e, "demo", "%v", err)
		}
		ls, err := store.Load(ctx, ex, duckdb.LoadOptions{Now: now})
		ex.Close()
		if err != nil {
			return failf(e, "demo", "load %s: %v", c.Dir, err)
		}
		var rows int64
		for _, tn := range export.TableNames {
			rows += ls.Tables.Get(tn).Loaded
		}
		fmt.Fprintf(e.stderr, "  loaded %s: %d persons, %d rows, %d rejected\n", ls.Country, ls.Tables.Returnees.Loaded, rows, len(ls.Rejects))
	}
	cat, err := loadCatalogue("")
	if err != nil {
		return failf(e, "demo", "%v", err)
	}
	l, err := loadLayout("", cat)
	if err != nil {
		return failf(e, "demo", "%v", err)
	}
	var folders []string
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		dir := filepath.Join(*out, p.Label+"-"+string(aud))
		m, err := publish.Make(ctx, duckdb.Held{Store: store}, cat, publish.Request{
			Period: p, Audience: aud, K: 5, Params: report.DefaultParams, Layout: l,
			Out: dir, Synthetic: true, Version: Version, Now: now,
		})
		if err != nil {
			return failf(e, "demo", "%s report: %v", aud, err)
		}
		folders = append(folders, m.Folder)
	}
	fmt.Fprintf(e.stderr, "\nSynthetic demo data, %s (%s to %s):\n", p.Label, period.ISO(p.Start), period.ISO(p.End))
	fmt.Fprintf(e.stderr, "  exports:        %s/export-*\n", exports)
	fmt.Fprintf(e.stderr, "  analyst report: %s/  (internal use: every cell)\n", folders[0])
	fmt.Fprintf(e.stderr, "  donor report:   %s/  (disclosure control, k = 5)\n", folders[1])
	fmt.Fprintf(e.stderr, "Open %s in a browser, or %s in a spreadsheet.\n",
		filepath.Join(folders[0], publish.FileDashboard), filepath.Join(folders[0], publish.FileWorkbook))
	return ExitOK
}
