package disclosure

import (
	"fmt"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/cell"
)

// A synthetic dimension of the generator: closed dimensions list every code
// in a fixed order; open ones (region) list the values that occur, sorted
// by byte value.
type genDim struct {
	name      string
	codes     []string // the closed code list, or the pool of an open one
	open      bool
	partition bool
}

var genDims = []genDim{
	{name: "sex", codes: []string{"F", "M"}, partition: true},
	{name: "age_group", codes: []string{"0-4", "5-11", "12-17", "18-59", "60+"}, partition: true},
	{name: "region", codes: []string{"Astana", "Bukhara", "Tashkent", "Tashkent city", "unknown"}, open: true, partition: true},
	{name: "service_type", codes: []string{"medical", "psychosocial", "education", "legal"}}, // a person may have several
}

var genCountries = []string{"KZ", "TJ", "TM", "UZ"}

// person is one synthetic person counted by one indicator.
type person struct {
	country  string
	cat      map[string]string // partition dimension -> category
	services []string          // the non-partition dimension
	inDen    bool              // in a percentage's denominator / a mean's persons
	inNum    bool              // in a percentage's numerator
	score    *big.Rat          // a mean's value
}

// generate returns a random analyst table, in indicators.csv row order, and
// the partition function that goes with it. Numbers are small so that
// suppression happens a lot, and zeros are frequent.
func generate(r *rand.Rand) (*cell.Table, func(string, string) bool) {
	var countries []string
	for _, c := range genCountries {
		if r.IntN(2) == 0 {
			countries = append(countries, c)
		}
	}
	if len(countries) == 0 {
		countries = []string{genCountries[r.IntN(len(genCountries))]}
	}
	parts := map[[2]string]bool{}
	tab := &cell.Table{Period: "2025Q3"}
	nInd := 1 + r.IntN(4)
	for i := range nInd {
		kind := []cell.Kind{cell.Count, cell.Percentage, cell.Mean}[r.IntN(3)]
		id := fmt.Sprintf("IND_%d", i)
		var dims []genDim
		for _, d := range genDims {
			if r.IntN(3) > 0 {
				dims = append(dims, d)
			}
		}
		for _, d := range dims {
			parts[[2]string{id, d.name}] = d.partition
		}
		// The persons of each country; a country may have none.
		var people []person
		for _, c := range countries {
			// Each country draws from a few of the open pool's values, so
			// some regions occur in one country only.
			pool := slices.Clone(genDims[2].codes)
			r.Shuffle(len(pool), func(a, b int) { pool[a], pool[b] = pool[b], pool[a] })
			pool = pool[:1+r.IntN(len(pool))]
			n := r.IntN(14)
			if r.IntN(5) == 0 {
				n += r.IntN(30)
			}
			for range n {
				p := person{country: c, cat: map[string]string{}}
				for _, d := range dims {
					switch {
					case d.open:
						p.cat[d.name] = pool[r.IntN(len(pool))]
					case d.partition:
						// Skewed towards the first codes so that others are zero.
						j := r.IntN(len(d.codes))
						if r.IntN(2) == 0 {
							j = r.IntN(1 + j)
						}
						p.cat[d.name] = d.codes[j]
					default:
						for _, s := range d.codes {
							if r.IntN(3) == 0 {
								p.services = append(p.services, s)
							}
						}
					}
				}
				p.inDen = r.IntN(4) > 0
				p.inNum = p.inDen && r.IntN(3) > 0
				p.score = big.NewRat(int64(r.IntN(101)), 100)
				people = append(people, p)
			}
		}
		for _, country := range append([]string{cell.AllCountries}, countries...) {
			var mine []person
			for _, p := range people {
				if country == cell.AllCountries || p.country == country {
					mine = append(mine, p)
				}
			}
			add := func(dim, cat string, in func(person) bool) {
				c := cell.Cell{Indicator: id, Kind: kind, Country: country, Dimension: dim, Category: cat, Fig: &cell.Figures{}}
				if kind == cell.Mean {
					c.Fig.Sum = new(big.Rat)
				}
				for _, p := range mine {
					if !in(p) {
						continue
					}
					switch kind {
					case cell.Count:
						c.Fig.Numerator++
					case cell.Percentage:
						if p.inDen {
							c.Fig.Denominator++
						}
						if p.inNum {
							c.Fig.Numerator++
						}
					case cell.Mean:
						if p.inDen {
							c.Fig.Denominator++
							c.Fig.Sum.Add(c.Fig.Sum, p.score)
						}
					}
				}
				tab.Cells = append(tab.Cells, c)
			}
			add(cell.TotalDimension, cell.TotalDimension, func(person) bool { return true })
			for _, d := range dims {
				cats := d.codes
				if d.open {
					seen := map[string]bool{}
					cats = nil
					for _, p := range mine {
						if v := p.cat[d.name]; !seen[v] {
							seen[v] = true
							cats = append(cats, v)
						}
					}
					slices.Sort(cats)
				}
				for _, cat := range cats {
					if d.partition {
						add(d.name, cat, func(p person) bool { return p.cat[d.name] == cat })
					} else {
						add(d.name, cat, func(p person) bool { return slices.Contains(p.services, cat) })
					}
				}
			}
		}
	}
	return tab, func(ind, dim string) bool { return parts[[2]string{ind, dim}] }
}

// clone copies a table deeply.
func clone(t *cell.Table) *cell.Table {
	out := &cell.Table{Period: t.Period, Cells: slices.Clone(t.Cells)}
	for i := range out.Cells {
		if f := out.Cells[i].Fig; f != nil {
			g := *f
			if f.Sum != nil {
				g.Sum = new(big.Rat).Set(f.Sum)
			}
			out.Cells[i].Fig = &g
		}
	}
	return out
}

// cmpRat lets go-cmp compare exact sums.
var cmpRat = cmp.Comparer(func(a, b *big.Rat) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Cmp(b) == 0
})

func TestApplyProperties(t *testing.T) {
	const seeds = 400
	suppressing := 0
	for seed := range uint64(seeds) {
		r := rand.New(rand.NewPCG(seed, 0x5eed))
		analyst, isPartition := generate(r)
		k := 2 + r.IntN(5) // 2..6
		tab := clone(analyst)
		res, err := Apply(tab, Options{K: k, IsPartition: isPartition})
		if err != nil {
			t.Fatalf("seed %d: %v", seed, err)
		}
		if res.Primary > 0 {
			suppressing++
		}
		for _, msg := range checkProtected(analyst, tab, k, isPartition, res) {
			t.Errorf("seed %d, k %d: %s", seed, k, msg)
		}

		again := clone(tab)
		res2, err := Apply(again, Options{K: k, IsPartition: isPartition})
		if err != nil {
			t.Fatalf("seed %d: second Apply: %v", seed, err)
		}
		if diff := cmp.Diff(Result{Rounds: 1}, res2); diff != "" {
			t.Errorf("seed %d: second Apply result (-want +got):\n%s", seed, diff)
		}
		if !sameTable(tab, again) {
			t.Errorf("seed %d: second Apply changed the table (-first +second):\n%s", seed, cmp.Diff(tab, again, cmpRat))
		}

		one := clone(analyst)
		res1, err := Apply(one, Options{K: 1, IsPartition: isPartition})
		if err != nil {
			t.Fatalf("seed %d: k = 1: %v", seed, err)
		}
		if diff := cmp.Diff(Result{Rounds: 1}, res1); diff != "" {
			t.Errorf("seed %d: k = 1 result (-want +got):\n%s", seed, diff)
		}
		if !sameTable(analyst, one) {
			t.Errorf("seed %d: k = 1 changed the table (-analyst +got):\n%s", seed, cmp.Diff(analyst, one, cmpRat))
		}
	}
	// The generator must actually exercise the rules.
	if suppressing < seeds/2 {
		t.Errorf("only %d of %d seeds had a primary suppression", suppressing, seeds)
	}
}

// checkProtected lists every way in which donor, the result of Apply with
// threshold k on analyst, breaks disclosure.md.
func checkProtected(analyst, donor *cell.Table, k int, isPartition func(string, string) bool, res Result) []string {
	var errs []string
	if len(analyst.Cells) != len(donor.Cells) {
		return []string{fmt.Sprintf("%d cells became %d", len(analyst.Cells), len(donor.Cells))}
	}
	hidden := func(c *cell.Cell) bool { return c.Flag != cell.Shown }
	var nPrimary, nSecondary int
	for i := range donor.Cells {
		a, d := &analyst.Cells[i], &donor.Cells[i]
		if a.Key() != d.Key() || a.Kind != d.Kind {
			errs = append(errs, fmt.Sprintf("row %d: %v became %v", i+1, a.Key(), d.Key()))
			continue
		}
		switch d.Flag {
		case cell.Shown:
			if !sameFigures(a.Fig, d.Fig) {
				errs = append(errs, fmt.Sprintf("%v: published figures differ (-analyst +donor):\n%s", d.Key(), cmp.Diff(a.Fig, d.Fig, cmpRat)))
			}
		case cell.Suppressed, cell.Secondary:
			if d.Fig != nil {
				errs = append(errs, fmt.Sprintf("%v: flagged %s but has figures", d.Key(), d.Flag))
			}
			if d.Flag == cell.Suppressed {
				nPrimary++
			} else {
				nSecondary++
			}
		default:
			errs = append(errs, fmt.Sprintf("%v: unknown flag %q", d.Key(), d.Flag))
		}
		if want := eligible(a, k); want != (d.Flag == cell.Suppressed) {
			errs = append(errs, fmt.Sprintf("%v %+v: primary-eligible %v but flag %q", d.Key(), *a.Fig, want, d.Flag))
		}
	}
	if nPrimary != res.Primary || nSecondary != res.Secondary {
		errs = append(errs, fmt.Sprintf("result %+v, flags count %d primary, %d secondary", res, nPrimary, nSecondary))
	}

	// Within a country: no partition group with a published total has
	// exactly one hidden category.
	idx := donor.Index()
	type wkey struct{ ind, country, dim string }
	within := map[wkey]int{}
	for i := range donor.Cells {
		c := &donor.Cells[i]
		if c.Dimension == cell.TotalDimension || !isPartition(c.Indicator, c.Dimension) {
			continue
		}
		wk := wkey{c.Indicator, c.Country, c.Dimension}
		within[wk] += 0
		if hidden(c) {
			within[wk]++
		}
	}
	for wk, n := range within {
		total := &donor.Cells[idx[cell.Key{Indicator: wk.ind, Country: wk.country, Dimension: cell.TotalDimension, Category: cell.TotalDimension}]]
		if n == 1 && !hidden(total) {
			errs = append(errs, fmt.Sprintf("%v: one hidden category and a published total", wk))
		}
	}

	// Across countries: no (indicator, dimension, category) with a
	// published ALL cell has exactly one hidden country cell.
	type akey struct{ ind, dim, cat string }
	across := map[akey]int{}
	for i := range donor.Cells {
		c := &donor.Cells[i]
		if c.Country == cell.AllCountries {
			continue
		}
		ak := akey{c.Indicator, c.Dimension, c.Category}
		across[ak] += 0
		if hidden(c) {
			across[ak]++
		}
	}
	for ak, n := range across {
		all := &donor.Cells[idx[cell.Key{Indicator: ak.ind, Country: cell.AllCountries, Dimension: ak.dim, Category: ak.cat}]]
		if n == 1 && !hidden(all) {
			errs = append(errs, fmt.Sprintf("%v: one hidden country and a published ALL cell", ak))
		}
	}
	return errs
}

// eligible is rule 1 of disclosure.md written out again, independently of
// the package: is the analyst cell a too small to publish at threshold k?
func eligible(a *cell.Cell, k int) bool {
	n, d := int(a.Fig.Numerator), int(a.Fig.Denominator)
	small := func(x int) bool { return 0 < x && x < k }
	switch a.Kind {
	case cell.Count:
		return small(n)
	case cell.Percentage:
		return small(n) || small(d) || small(d-n)
	default: // mean
		return small(d)
	}
}

// sameTable is a fast equality of tables; go-cmp only explains a difference.
func sameTable(a, b *cell.Table) bool {
	if a.Period != b.Period || len(a.Cells) != len(b.Cells) {
		return false
	}
	for i := range a.Cells {
		x, y := &a.Cells[i], &b.Cells[i]
		if x.Key() != y.Key() || x.Kind != y.Kind || x.Flag != y.Flag || !sameFigures(x.Fig, y.Fig) {
			return false
		}
	}
	return true
}

func sameFigures(a, b *cell.Figures) bool {
	if a == nil || b == nil {
		return a == b
	}
	if a.Numerator != b.Numerator || a.Denominator != b.Denominator {
		return false
	}
	if a.Sum == nil || b.Sum == nil {
		return a.Sum == b.Sum
	}
	return a.Sum.Cmp(b.Sum) == 0
}
