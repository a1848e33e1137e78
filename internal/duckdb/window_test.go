package duckdb

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/internal/synth"
	"rrstat/queries"
)

// The query files compute a whole window in one pass (windowSetup). The
// reference is the catalogue as it was written for one period at a time
// (testdata/single, with $p0 and $p1: Compute runs such a query once per
// period), which the sample's expected files and the hand-built tests
// pinned. Every period of every window must give the same cells.
func TestWindowMatchesOnePeriodQueries(t *testing.T) {
	s := openTemp(t)
	dir := t.TempDir()
	asOf := time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)
	if _, err := synth.Generate(dir, synth.Options{Seed: 3, AsOf: asOf, Persons: 3000}); err != nil {
		t.Fatal(err)
	}
	exports, _ := filepath.Glob(filepath.Join(dir, "export-*"))
	for _, exp := range exports {
		ex, err := source.Open(exp, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Load(context.Background(), ex, LoadOptions{Now: loadAt}); err != nil {
			t.Fatal(err)
		}
		ex.Close()
	}
	loadSample(t, s, "TM") // a country of one person
	window, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	single, err := indicator.Load(os.DirFS(filepath.Join("testdata", "single")), "testdata/single")
	if err != nil {
		t.Fatal(err)
	}
	type win struct {
		p string
		n int
	}
	wins := []win{
		{"2025Q3", 8}, {"2025-08", 12}, {"2025", 5}, {"2019Q3", 3}, {"2030Q1", 2}, {"1900Q1", 2},
		{"2024-02", 3}, {"2026", 2},
	}
	// and a few drawn at random, every kind, any length up to 40
	rng := rand.New(rand.NewPCG(11, 12))
	for range 6 {
		y := 2018 + rng.IntN(9)
		switch rng.IntN(3) {
		case 0:
			wins = append(wins, win{fmt.Sprintf("%dQ%d", y, 1+rng.IntN(4)), 1 + rng.IntN(40)})
		case 1:
			wins = append(wins, win{fmt.Sprintf("%d-%02d", y, 1+rng.IntN(12)), 1 + rng.IntN(40)})
		default:
			wins = append(wins, win{fmt.Sprint(y), 1 + rng.IntN(12)})
		}
	}
	for _, w := range wins {
		t.Run(fmt.Sprintf("%s_%d", w.p, w.n), func(t *testing.T) {
			p, err := period.Parse(w.p)
			if err != nil {
				t.Fatal(err)
			}
			ps := period.Window(p, w.n)
			got, err := s.Compute(context.Background(), window, ps, report.DefaultParams, Selection{})
			if err != nil {
				t.Fatal(err)
			}
			want, err := s.Compute(context.Background(), single, ps, report.DefaultParams, Selection{})
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Window) != len(ps) || got.Cells != got.Window[len(ps)-1] {
				t.Fatalf("window of %d tables, own period last: got %d", len(ps), len(got.Window))
			}
			nonzero := 0
			for i := range ps {
				g, wt := got.Window[i], want.Window[i]
				if g.Period != ps[i].Label || len(g.Cells) != len(wt.Cells) {
					t.Fatalf("%s: period %s with %d cells, want %s with %d", w.p, g.Period, len(g.Cells), wt.Period, len(wt.Cells))
				}
				bad := 0
				for j := range g.Cells {
					a, b := rec(g, j), rec(wt, j)
					if a != b {
						if bad++; bad <= 5 {
							t.Errorf("%s: got  %s\n%20s want %s", ps[i].Label, a, "", b)
						}
					}
					if g.Cells[j].Fig.Numerator != 0 || g.Cells[j].Fig.Denominator != 0 {
						nonzero++
					}
				}
				if bad > 5 {
					t.Errorf("%s: %d cells differ", ps[i].Label, bad)
				}
			}
			t.Logf("%d periods, %d non-zero cells", len(ps), nonzero)
		})
	}
}

func rec(t *cell.Table, i int) string { return fmt.Sprint(t.Cells[i].Record(t.Period)) }
