package release

import (
	"strings"
	"testing"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/queries"
)

func catalogue(t *testing.T) indicator.Catalogue {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// c builds a cell: "IND PERIOD COUNTRY DIM=CAT N [D] [flag]" where N and D
// are the figures (published, or hidden when the flag is s(uppressed) or
// x (secondary)).
func c(t *testing.T, cat indicator.Catalogue, spec string) Cell {
	t.Helper()
	f := strings.Fields(spec)
	ind := cat.Lookup(f[0])
	if ind == nil {
		t.Fatalf("no indicator %s", f[0])
	}
	p, err := period.Parse(f[1])
	if err != nil {
		t.Fatal(err)
	}
	dim, catg, _ := strings.Cut(f[3], "=")
	out := Cell{Indicator: ind.ID, Kind: ind.Kind, Period: p.Label, Start: p.Start, End: p.End, Country: f[2], Dimension: dim, Category: catg}
	nums := f[4:]
	if last := nums[len(nums)-1]; last == "s" || last == "x" {
		out.Flag = map[string]cell.Flag{"s": cell.Suppressed, "x": cell.Secondary}[last]
		nums = nums[:len(nums)-1]
	}
	var vals []int64
	for _, n := range nums {
		var v int64
		for _, ch := range n {
			v = v*10 + int64(ch-'0')
		}
		vals = append(vals, v)
	}
	switch ind.Kind {
	case cell.Count:
		out.Numerator = vals[0]
	case cell.Percentage:
		out.Numerator, out.Denominator = vals[0], vals[1]
	case cell.Mean:
		out.Denominator = vals[0]
	}
	return out
}

func rel(t *testing.T, cat indicator.Catalogue, id string, seq int64, countries []string, specs ...string) *Release {
	t.Helper()
	r := &Release{ID: id, Seq: seq, K: 5, Countries: countries, CreatedAt: time.Unix(seq, 0)}
	for _, s := range specs {
		r.Cells = append(r.Cells, c(t, cat, s))
	}
	return r
}

func exposedSet(res *Result) map[string]bool {
	m := map[string]bool{}
	for _, e := range res.Exposed {
		m[e.Release+" "+e.Indicator+" "+e.Period+" "+e.Country+" "+e.Dimension+"="+e.Category+" "+e.Figure] = true
	}
	return m
}

func TestAuditCriterion(t *testing.T) {
	cat := catalogue(t)
	uz := []string{"UZ"}
	tests := []struct {
		name    string
		rels    func() []*Release
		exposed []string // "release indicator period country dim=cat figure"
		clean   bool
	}{
		{
			// Rule 2 is satisfied (two categories suppressed), but their sum
			// 1 + 2 = 3 is known and below k: a group of three exists.
			name: "two suppressed categories summing to 3",
			rels: func() []*Release {
				return []*Release{rel(t, cat, "A", 1, uz,
					"SVC_DELIVERED 2025Q3 UZ total=total 40",
					"SVC_DELIVERED 2025Q3 UZ provider_type=government 37",
					"SVC_DELIVERED 2025Q3 UZ provider_type=ngo 1 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=community 2 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=international 0",
				)}
			},
			exposed: []string{"A SVC_DELIVERED 2025Q3 UZ provider_type=ngo numerator", "A SVC_DELIVERED 2025Q3 UZ provider_type=community numerator"},
		},
		{
			name: "three suppressed categories summing to 9 are safe",
			rels: func() []*Release {
				return []*Release{rel(t, cat, "A", 1, uz,
					"SVC_DELIVERED 2025Q3 UZ total=total 40",
					"SVC_DELIVERED 2025Q3 UZ provider_type=government 31",
					"SVC_DELIVERED 2025Q3 UZ provider_type=ngo 1 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=community 2 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=international 6 x",
				)}
			},
			clean: true,
		},
		{
			// Returned to date at the end of Q3 minus at the end of Q2 is the
			// arrivals of Q3, which rule 1 suppressed.
			name: "stock and flow",
			rels: func() []*Release {
				return []*Release{
					rel(t, cat, "Q2", 1, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 100"),
					rel(t, cat, "Q3", 2, uz, "RET_CUMULATIVE 2025Q3 UZ total=total 103", "RET_ARRIVED 2025Q3 UZ total=total 3 s"),
				}
			},
			exposed: []string{"Q3 RET_ARRIVED 2025Q3 UZ total=total numerator"},
		},
		{
			name: "a stock a year apart does not give a quarter",
			rels: func() []*Release {
				return []*Release{
					rel(t, cat, "Q2", 1, uz, "RET_CUMULATIVE 2024Q3 UZ total=total 100"),
					rel(t, cat, "Q3", 2, uz, "RET_CUMULATIVE 2025Q3 UZ total=total 130", "RET_ARRIVED 2025Q3 UZ total=total 3 s"),
				}
			},
			clean: true,
		},
		{
			// A year minus three of its quarters is the fourth.
			name: "a year and its quarters",
			rels: func() []*Release {
				return []*Release{
					rel(t, cat, "Q1", 1, uz, "CASE_CLOSED 2024Q1 UZ total=total 10"),
					rel(t, cat, "Q2", 2, uz, "CASE_CLOSED 2024Q2 UZ total=total 12"),
					rel(t, cat, "Q3", 3, uz, "CASE_CLOSED 2024Q3 UZ total=total 9"),
					rel(t, cat, "Q4", 4, uz, "CASE_CLOSED 2024Q4 UZ total=total 2 s"),
					rel(t, cat, "Y", 5, uz, "CASE_CLOSED 2024 UZ total=total 33"),
				}
			},
			exposed: []string{"Q4 CASE_CLOSED 2024Q4 UZ total=total numerator"},
		},
		{
			// ALL over UZ, KZ, TM minus ALL over UZ, KZ is TM.
			name: "two country selections of one period",
			rels: func() []*Release {
				return []*Release{
					rel(t, cat, "A", 1, []string{"KZ", "TM", "UZ"},
						"RET_CUMULATIVE 2025Q3 ALL total=total 201", "RET_CUMULATIVE 2025Q3 KZ total=total 100 x",
						"RET_CUMULATIVE 2025Q3 TM total=total 1 s", "RET_CUMULATIVE 2025Q3 UZ total=total 100"),
					rel(t, cat, "B", 2, []string{"KZ", "UZ"},
						"RET_CUMULATIVE 2025Q3 ALL total=total 200", "RET_CUMULATIVE 2025Q3 KZ total=total 100", "RET_CUMULATIVE 2025Q3 UZ total=total 100"),
				}
			},
			exposed: []string{"A RET_CUMULATIVE 2025Q3 TM total=total numerator"},
		},
		{
			// A percentage: numerator, denominator and difference.
			name: "a percentage's difference",
			rels: func() []*Release {
				return []*Release{rel(t, cat, "A", 1, uz,
					"NEED_MET 2025Q3 UZ total=total 50 60",
					"NEED_MET 2025Q3 UZ sex=F 48 50",
					"NEED_MET 2025Q3 UZ sex=M 2 10 s")}
			},
			exposed: []string{"A NEED_MET 2025Q3 UZ sex=M numerator"},
		},
		{
			// The latest published value stands.
			name: "a revision between two snapshots",
			rels: func() []*Release {
				return []*Release{
					rel(t, cat, "A", 1, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 100"),
					rel(t, cat, "B", 2, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 98", "RET_CUMULATIVE 2025Q3 UZ total=total 101", "RET_ARRIVED 2025Q3 UZ total=total 3 s"),
				}
			},
			exposed: []string{"B RET_ARRIVED 2025Q3 UZ total=total numerator"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Audit(cat, tt.rels())
			got := exposedSet(res)
			for _, w := range tt.exposed {
				if !got[w] {
					t.Errorf("%s not exposed; exposed: %v", w, res.Exposed)
				}
			}
			if len(got) != len(tt.exposed) {
				t.Errorf("exposed %v, want %v", res.Exposed, tt.exposed)
			}
			if tt.clean && !res.Clean() {
				t.Errorf("not clean: %+v", res)
			}
			if len(res.Unsolvable) > 0 {
				t.Errorf("unsolvable: %v", res.Unsolvable)
			}
			if tt.name == "a revision between two snapshots" {
				if len(res.Revisions) != 1 || res.Revisions[0].Was != 100 || res.Revisions[0].Now != 98 || res.Revisions[0].Later != "B" {
					t.Errorf("revisions = %+v", res.Revisions)
				}
			}
		})
	}
}

func TestProtect(t *testing.T) {
	cat := catalogue(t)
	uz := []string{"UZ"}
	tests := []struct {
		name   string
		ledger func() []*Release
		next   func() *Release
		want   []string // the cells Protect suppresses: "IND PERIOD COUNTRY DIM=CAT"
	}{
		{
			name:   "two suppressed categories summing to 3",
			ledger: func() []*Release { return nil },
			next: func() *Release {
				return rel(t, cat, "A", 1, uz,
					"SVC_DELIVERED 2025Q3 UZ total=total 40",
					"SVC_DELIVERED 2025Q3 UZ provider_type=government 37",
					"SVC_DELIVERED 2025Q3 UZ provider_type=ngo 1 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=community 2 s",
					"SVC_DELIVERED 2025Q3 UZ provider_type=international 0")
			},
			want: []string{"SVC_DELIVERED 2025Q3 UZ provider_type=government"},
		},
		{
			name: "stock and flow",
			ledger: func() []*Release {
				return []*Release{rel(t, cat, "Q2", 1, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 100")}
			},
			next: func() *Release {
				return rel(t, cat, "Q3", 2, uz, "RET_CUMULATIVE 2025Q3 UZ total=total 103", "RET_ARRIVED 2025Q3 UZ total=total 3 s")
			},
			want: []string{"RET_CUMULATIVE 2025Q3 UZ total=total"},
		},
		{
			name: "nothing to do",
			ledger: func() []*Release {
				return []*Release{rel(t, cat, "Q2", 1, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 100")}
			},
			next: func() *Release {
				return rel(t, cat, "Q3", 2, uz, "RET_CUMULATIVE 2025Q3 UZ total=total 120", "RET_ARRIVED 2025Q3 UZ total=total 20")
			},
		},
		{
			name: "already exposed by earlier releases",
			ledger: func() []*Release {
				return []*Release{
					rel(t, cat, "M", 1, uz, "RET_CUMULATIVE 2025-09 UZ total=total 103"),
					rel(t, cat, "Q2", 2, uz, "RET_CUMULATIVE 2025Q2 UZ total=total 100"),
				}
			},
			next: func() *Release {
				return rel(t, cat, "Q3", 3, uz, "RET_CUMULATIVE 2025Q3 UZ total=total 103", "RET_ARRIVED 2025Q3 UZ total=total 3 s")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ledger, next := tt.ledger(), tt.next()
			p := Protect(cat, ledger, next)
			var got []string
			for _, i := range p.Added {
				c := next.Cells[i]
				got = append(got, c.Indicator+" "+c.Period+" "+c.Country+" "+c.Dimension+"="+c.Category)
				next.Cells[i].Flag = cell.Secondary
			}
			if strings.Join(got, "; ") != strings.Join(tt.want, "; ") {
				t.Errorf("Protect suppressed %v, want %v", got, tt.want)
			}
			res := Audit(cat, append(ledger, next))
			if tt.name == "already exposed by earlier releases" {
				if len(p.Unprotectable) != 1 || res.Clean() {
					t.Errorf("unprotectable %v, audit %+v", p.Unprotectable, res)
				}
				return
			}
			if !res.Clean() {
				t.Errorf("audit after protection: %+v", res)
			}
		})
	}
}
