package publish_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"rrstat/internal/cell"
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

// The attack of issue 10, as a donor would make it: donor reports for ten
// consecutive periods (eight quarters and their two years) from one store
// of the demo's data, every one with its 8-quarter trend window. The
// attacker reads only the donor folders (indicators.csv, series.csv,
// manifest.json) and works out whatever the published figures and the
// relations a reader knows give exactly: categories against their total,
// countries against ALL, a year against its quarters, and returned to
// date at the end of two periods against the arrivals between. A
// suppressed figure of 1 to k-1 that comes out exactly, or a group of
// suppressed figures whose known sum is 1 to k-1, is a finding. With the
// series protection no finding is left and the audit of the ledger (the
// linear ranges) is clean; without it the attacker finds what the issue
// reported.
func TestSeriesAttack(t *testing.T) {
	if testing.Short() {
		t.Skip("ten donor reports twice")
	}
	periods := []string{"2024Q1", "2024Q2", "2024Q3", "2024Q4", "2024", "2025Q1", "2025Q2", "2025Q3", "2025Q4", "2025"}
	for _, protect := range []bool{true, false} {
		t.Run(fmt.Sprintf("protection=%v", protect), func(t *testing.T) {
			if !protect {
				defer publish.WithoutSeriesProtection()()
			}
			f := demoStore(t)
			ctx := context.Background()
			dir := t.TempDir()
			var folders []string
			truth := map[string]*cell.Table{} // analyst tables, by period label, for judging findings
			rulesOnly, own, base := 0, 0, 0
			start := time.Now()
			for _, per := range periods {
				p, _ := period.Parse(per)
				out := filepath.Join(dir, per)
				t0 := time.Now()
				m, err := publish.Make(ctx, duckdb.Held{Store: f.store}, f.cat, publish.Request{Period: p, Audience: report.Donor, K: 5,
					Params: report.DefaultParams, Layout: f.lay, Out: out, Version: "test", Now: loadAt})
				if err != nil {
					t.Fatalf("%s: %v", per, err)
				}
				folders = append(folders, out)
				t.Logf("%s: %v, %d + %d suppressed by rules 1-2, %d by the protection (%d in its own period)", per, time.Since(t0).Round(time.Millisecond),
					m.Disclosure.Primary, m.Disclosure.Secondary, m.Disclosure.Series, m.Disclosure.SeriesOwn)
				rulesOnly += m.Disclosure.Primary + m.Disclosure.Secondary
				own += m.Cells.Suppressed + m.Cells.Secondary
				base += m.Cells.Suppressed + m.Cells.Secondary - m.Disclosure.SeriesOwn
				// The analyst figures, to tell a true finding from a guess.
				comp, err := f.store.Compute(ctx, f.cat, period.Window(p, 8), report.DefaultParams, duckdb.Selection{})
				if err != nil {
					t.Fatal(err)
				}
				for _, tab := range comp.Window {
					truth[tab.Period] = tab
				}
			}
			t.Logf("ten donor reports in %v", time.Since(start).Round(time.Millisecond))
			findings := attack(t, f.cat, folders, truth, 5)
			rels, err := f.store.Releases(ctx)
			if err != nil {
				t.Fatal(err)
			}
			res := release.Audit(f.cat, rels)
			if protect {
				for i, fd := range findings {
					if i < 20 {
						t.Errorf("finding: %s", fd)
					}
				}
				if len(findings) > 0 {
					t.Errorf("%d findings with the series protection", len(findings))
				}
				if !res.Clean() {
					t.Errorf("audit of the ledger: %d exposed, %d unsolvable: %v", len(res.Exposed), len(res.Unsolvable), res.Exposed)
				}
				// Cost: the cells suppressed in the releases' own periods
				// against what rules 1-2 alone suppress there.
				t.Logf("own periods: %d cells suppressed, %d by rules 1-2 alone: %.2fx; all published cells: %d by rules 1-2, %d by the protection",
					own, base, float64(own)/float64(base), rulesOnly, countSeries(rels))
				if float64(own) >= 2.5*float64(base) {
					t.Errorf("the protection suppresses %d cells in the own periods, %.2f times the %d of rules 1-2 (at most 2.5)", own, float64(own)/float64(base), base)
				}
				return
			}
			exact := 0
			for _, fd := range findings {
				if fd.exact {
					exact++
				}
			}
			t.Logf("without the series protection: %d findings (%d exact), audit: %d exposed", len(findings), exact, len(res.Exposed))
			if exact == 0 || res.Clean() {
				t.Errorf("without the series protection the attack finds nothing: %d findings, audit clean %v", len(findings), res.Clean())
			}
		})
	}
}

func countSeries(rels []*release.Release) int {
	n := 0
	for _, r := range rels {
		n += r.Series
	}
	return n
}

// demoStore is a store of the demo's data: the publicly reported
// operations of the four countries with synthetic exports, and the
// sample's one Turkmen returnee (a country of one person).
func demoStore(t *testing.T) *fixture {
	t.Helper()
	ctx := context.Background()
	s, err := duckdb.Open(ctx, filepath.Join(t.TempDir(), "store.duckdb"), duckdb.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	dir := t.TempDir()
	if _, err := synth.Generate(dir, synth.Options{Seed: 1, AsOf: time.Date(2025, 12, 31, 0, 0, 0, 0, time.UTC)}); err != nil {
		t.Fatal(err)
	}
	exports, _ := filepath.Glob(filepath.Join(dir, "export-*"))
	exports = append(exports, filepath.Join("..", "..", "testdata", "sample", "export-TM"))
	for _, exp := range exports {
		ex, err := source.Open(exp, source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		_, err = s.Load(ctx, ex, duckdb.LoadOptions{Now: loadAt})
		ex.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	lay, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		t.Fatal(err)
	}
	return &fixture{s, cat, lay}
}

// finding is a suppressed figure the attacker pinned down.
type finding struct {
	what  string
	exact bool // the figure itself, or else a group's sum
	value int64
}

func (f finding) String() string {
	if f.exact {
		return fmt.Sprintf("%s = %d", f.what, f.value)
	}
	return fmt.Sprintf("%s: the group sums to %d", f.what, f.value)
}

// key is what a published figure is, as the attacker names it.
type key struct {
	ind, time, country, dim, cat string
	fig                          byte // n numerator/count, d denominator
}

func (k key) String() string {
	return fmt.Sprintf("%s %s %s %s=%s %c", k.ind, k.time, k.country, k.dim, k.cat, k.fig)
}

// attack works out what the donor folders give away, knowing only what a
// donor knows: the published figures, the catalogue's declared relations
// and the calendar. truth (the analyst tables by period) only judges.
func attack(t *testing.T, cat indicator.Catalogue, folders []string, truth map[string]*cell.Table, k int64) []finding {
	t.Helper()
	known := map[key]int64{}
	type sup struct {
		key   key
		label string // period label, to look up the truth
		c     cell.Key
	}
	var hidden []sup
	tkey := func(ind *indicator.Indicator, p period.Period) string {
		if ind.Time == indicator.TimeStock {
			return period.ISO(p.End)
		}
		return period.ISO(p.Start) + ".." + period.ISO(p.End)
	}
	// structure: for the relations, every (indicator, time, country) table
	// seen and its categories per dimension; the countries of each ALL.
	cats := map[[3]string]map[string][]string{} // ind, time, country -> dim -> categories
	allSets := map[string][]string{}
	periodsOf := map[string]period.Period{}
	for _, fo := range folders {
		b, err := os.ReadFile(filepath.Join(fo, publish.FileManifest))
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			Countries []string `json:"countries"`
		}
		json.Unmarshal(b, &m)
		all := "ALL:" + strings.Join(m.Countries, ",")
		allSets[all] = m.Countries
		for _, name := range []string{publish.FileIndicators, publish.FileSeries} {
			data, err := os.ReadFile(filepath.Join(fo, name))
			if err != nil {
				t.Fatal(err)
			}
			tabs, err := cell.ReadCSVPeriods(bytes.NewReader(data), cat.Kinds())
			if err != nil {
				t.Fatal(err)
			}
			for label, tab := range tabs {
				p, err := period.Parse(label)
				if err != nil {
					t.Fatal(err)
				}
				periodsOf[label] = p
				for i := range tab.Cells {
					c := &tab.Cells[i]
					ind := cat.Lookup(c.Indicator)
					country := c.Country
					if country == cell.AllCountries {
						country = all
					}
					tk := tkey(ind, p)
					tb := [3]string{c.Indicator, tk, country}
					if cats[tb] == nil {
						cats[tb] = map[string][]string{}
					}
					if c.Dimension != cell.TotalDimension && !slices.Contains(cats[tb][c.Dimension], c.Category) {
						cats[tb][c.Dimension] = append(cats[tb][c.Dimension], c.Category)
					}
					for _, fig := range []byte{'n', 'd'} {
						if (c.Kind == cell.Count && fig == 'd') || (c.Kind == cell.Mean && fig == 'n') {
							continue
						}
						kk := key{c.Indicator, tk, country, c.Dimension, c.Category, fig}
						switch {
						case c.Published():
							v := c.Fig.Numerator
							if fig == 'd' {
								v = c.Fig.Denominator
							}
							known[kk] = v
						case c.Flag == cell.Suppressed:
							hidden = append(hidden, sup{kk, label, c.Key()})
						}
					}
				}
			}
		}
	}
	// Sums: each relation is a list of (sign, key) = 0.
	type term struct {
		sign int64
		k    key
	}
	var rels [][]term
	for tb, dims := range cats {
		ind := cat.Lookup(tb[0])
		for _, dim := range ind.Partitions {
			cs := dims[dim]
			if len(cs) == 0 {
				continue
			}
			for _, fig := range []byte{'n', 'd'} {
				r := []term{{-1, key{tb[0], tb[1], tb[2], cell.TotalDimension, cell.TotalDimension, fig}}}
				for _, c := range cs {
					r = append(r, term{1, key{tb[0], tb[1], tb[2], dim, c, fig}})
				}
				rels = append(rels, r)
			}
		}
		if strings.HasPrefix(tb[2], "ALL:") && ind.SumCountries {
			for _, dim := range append([]string{cell.TotalDimension}, ind.Disaggregations...) {
				cs := []string{cell.TotalDimension}
				if dim != cell.TotalDimension {
					cs = dims[dim]
				}
				for _, c := range cs {
					for _, fig := range []byte{'n', 'd'} {
						r := []term{{-1, key{tb[0], tb[1], tb[2], dim, c, fig}}}
						for _, cc := range allSets[tb[2]] {
							if _, ok := cats[[3]string{tb[0], tb[1], cc}]; ok {
								r = append(r, term{1, key{tb[0], tb[1], cc, dim, c, fig}})
							}
						}
						rels = append(rels, r)
					}
				}
			}
		}
	}
	// Flows over time: a year is the sum of its quarters; returned to date
	// at the end of a quarter minus at the end of the one before is that
	// quarter's arrivals.
	var years, quarters []period.Period
	for _, p := range periodsOf {
		switch p.Kind {
		case period.Year:
			years = append(years, p)
		case period.Quarter:
			quarters = append(quarters, p)
		}
	}
	for _, ind := range cat {
		if ind.Time != indicator.TimeFlow {
			continue
		}
		for _, y := range years {
			for tb, dims := range cats {
				if tb[0] != ind.ID || tb[1] != tkey(ind, y) {
					continue
				}
				for _, dim := range append([]string{cell.TotalDimension}, ind.Disaggregations...) {
					cs := []string{cell.TotalDimension}
					if dim != cell.TotalDimension {
						cs = dims[dim]
					}
					for _, c := range cs {
						r := []term{{-1, key{ind.ID, tb[1], tb[2], dim, c, 'n'}}}
						for q := 1; q <= 4; q++ {
							qp, _ := period.Parse(fmt.Sprintf("%dQ%d", y.Start.Year(), q))
							r = append(r, term{1, key{ind.ID, tkey(ind, qp), tb[2], dim, c, 'n'}})
						}
						rels = append(rels, r)
					}
				}
			}
		}
	}
	for _, ind := range cat {
		if ind.Increments == "" {
			continue
		}
		flow := cat.Lookup(ind.Increments)
		for _, q := range quarters {
			prev := q.Shift(-1)
			for tb, dims := range cats {
				if tb[0] != flow.ID || tb[1] != tkey(flow, q) {
					continue
				}
				for _, dim := range append([]string{cell.TotalDimension}, flow.Disaggregations...) {
					if dim != cell.TotalDimension && !slices.Contains(ind.Disaggregations, dim) {
						continue
					}
					cs := []string{cell.TotalDimension}
					if dim != cell.TotalDimension {
						cs = dims[dim]
					}
					for _, c := range cs {
						rels = append(rels, []term{
							{1, key{ind.ID, tkey(ind, q), tb[2], dim, c, 'n'}},
							{-1, key{ind.ID, tkey(ind, prev), tb[2], dim, c, 'n'}},
							{-1, key{flow.ID, tkey(flow, q), tb[2], dim, c, 'n'}},
						})
					}
				}
			}
		}
	}
	// Work out what the relations give, until nothing more comes.
	for changed := true; changed; {
		changed = false
		for _, r := range rels {
			var rest int64
			var unknown []term
			for _, tm := range r {
				if v, ok := known[tm.k]; ok {
					rest -= tm.sign * v
				} else {
					unknown = append(unknown, tm)
				}
			}
			if len(unknown) == 1 {
				known[unknown[0].k] = rest * unknown[0].sign
				changed = true
			}
		}
	}
	// The findings: suppressed figures (rule 1) worked out exactly and
	// small, and groups of suppressed figures whose sum is small.
	trueFig := func(s sup) (int64, bool) {
		tab := truth[s.label]
		if tab == nil {
			return 0, false
		}
		for i := range tab.Cells {
			if c := &tab.Cells[i]; c.Key() == s.c {
				if s.key.fig == 'd' {
					return c.Fig.Denominator, true
				}
				return c.Fig.Numerator, true
			}
		}
		return 0, false
	}
	var out []finding
	seen := map[key]bool{}
	hiddenKeys := map[key]sup{}
	for _, s := range hidden {
		hiddenKeys[s.key] = s
		if seen[s.key] {
			continue
		}
		seen[s.key] = true
		v, ok := known[s.key]
		if !ok {
			continue
		}
		tv, ok := trueFig(s)
		if !ok {
			t.Fatalf("no analyst figure for %s", s.key)
		}
		if v != tv {
			t.Fatalf("the attacker's %s = %d, the analyst figure %d: the attack's relations are wrong", s.key, v, tv)
		}
		if v >= 1 && v < k {
			out = append(out, finding{s.key.String(), true, v})
		}
	}
	for _, r := range rels {
		var rest int64
		var unknown []term
		for _, tm := range r {
			if v, ok := known[tm.k]; ok {
				rest -= tm.sign * v
			} else {
				unknown = append(unknown, tm)
			}
		}
		if len(unknown) < 2 {
			continue
		}
		same := true
		for _, u := range unknown {
			same = same && u.sign == unknown[0].sign
		}
		sum := rest * unknown[0].sign
		if !same || sum < 1 || sum >= k {
			continue
		}
		for _, u := range unknown {
			if _, ok := hiddenKeys[u.k]; ok {
				var names []string
				for _, u := range unknown {
					names = append(names, u.k.String())
				}
				sort.Strings(names)
				out = append(out, finding{strings.Join(names, " + "), false, sum})
				break
			}
		}
	}
	return out
}
