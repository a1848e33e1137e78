package bench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"testing"
	"time"

	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/release"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/internal/synth"
	"rrstat/queries"
	"rrstat/reports"
)

// BenchmarkLedger measures the series protection (issue 10): donor reports
// of 30 consecutive quarters (2018Q3 to 2025Q4), each with its 8-quarter
// window, from one store of N persons of synthetic data; every report is
// checked against the ledger of the ones before it. It reports the time of
// a donor report (computing, rules 1-2, protection, files), the median and
// the greatest of the last ten, and the cells suppressed in the reports'
// own periods against what rules 1-2 alone suppress there, with the
// window and without it (--window 1).
//
//	RRSTAT_BENCH=1 go test -run '^$' -bench BenchmarkLedger -benchtime 1x -timeout 60m ./internal/bench/
func BenchmarkLedger(b *testing.B) {
	needBench(b)
	n := 100_000
	if v, err := strconv.Atoi(os.Getenv("RRSTAT_BENCH_PERSONS")); err == nil {
		n = v
	}
	dir := b.TempDir()
	if _, err := synth.Generate(dir, synth.Options{Seed: 7, AsOf: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC), Persons: n}); err != nil {
		b.Fatal(err)
	}
	for i := 0; i < b.N; i++ {
		for _, window := range []int{8, 1} {
			quarters := 30
			if window == 1 {
				quarters = 10
			}
			times, own, rules := ledgerRun(b, dir, window, quarters)
			last := append([]float64(nil), times[len(times)-10:]...)
			sort.Float64s(last)
			med, worst := (last[4]+last[5])/2, last[9]
			ratio := float64(own) / float64(rules)
			b.ReportMetric(med, fmt.Sprintf("w%d-median-s", window))
			b.ReportMetric(worst, fmt.Sprintf("w%d-max-s", window))
			b.ReportMetric(ratio, fmt.Sprintf("w%d-cost", window))
			b.Logf("%d persons, %d quarterly donor reports, window %d: last ten reports median %.2f s, at most %.2f s; own periods %d cells suppressed, %d by rules 1-2 alone: %.2fx",
				n, quarters, window, med, worst, own, rules, ratio)
		}
	}
}

// ledgerRun loads the exports of dir into a new store and makes donor
// reports of the last quarters up to 2025Q4 with the window; it returns
// each report's seconds and the cells suppressed in the own periods, in
// all and by rules 1-2 alone.
func ledgerRun(b *testing.B, dir string, window, quarters int) ([]float64, int, int) {
	b.Helper()
	ctx := context.Background()
	s, err := duckdb.Open(ctx, filepath.Join(b.TempDir(), "store.duckdb"), duckdb.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	exports, _ := filepath.Glob(filepath.Join(dir, "export-*"))
	for _, exp := range exports {
		ex, err := source.Open(exp, source.Options{})
		if err != nil {
			b.Fatal(err)
		}
		_, err = s.Load(ctx, ex, duckdb.LoadOptions{Now: time.Date(2026, 1, 15, 0, 0, 0, 0, time.UTC)})
		ex.Close()
		if err != nil {
			b.Fatal(err)
		}
	}
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		b.Fatal(err)
	}
	lay, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		b.Fatal(err)
	}
	last, _ := period.Parse("2025Q4")
	var times []float64
	own, rules := 0, 0
	out := b.TempDir()
	for i := quarters - 1; i >= 0; i-- {
		p := last.Shift(-i)
		start := time.Now()
		m, err := publish.Make(ctx, duckdb.Held{Store: s}, cat, publish.Request{Period: p, Window: window, Audience: report.Donor, K: 5,
			Params: report.DefaultParams, Layout: lay, Out: filepath.Join(out, p.Label), Version: "bench"})
		if err != nil {
			b.Fatal(err)
		}
		times = append(times, time.Since(start).Seconds())
		own += m.Cells.Suppressed + m.Cells.Secondary
		rules += m.Cells.Suppressed + m.Cells.Secondary - m.Disclosure.SeriesOwn
	}
	rels, err := s.Releases(ctx)
	if err != nil {
		b.Fatal(err)
	}
	if res := release.Audit(cat, rels); !res.Clean() {
		b.Fatalf("the audit of the ledger finds %d exposed figures", len(res.Exposed))
	}
	return times, own, rules
}
