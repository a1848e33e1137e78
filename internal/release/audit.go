package release

import (
	"math"
	"slices"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
)

// tolerance absorbs the simplex's rounding: ranges are of whole numbers.
const tolerance = 1e-6

// Result is an audit of releases together (disclosure.md rule 10).
type Result struct {
	Releases int `json:"releases"`
	// Checked is the number of suppressed figures (rule 1, from 1 to k-1)
	// whose range was computed.
	Checked   int        `json:"checked"`
	Exposed   []Exposure `json:"exposed"`
	Revisions []Revision `json:"revisions"`
	// Unsolvable lists suppressed figures whose range cannot be computed:
	// figures revised between releases contradict each other around them.
	Unsolvable []Exposure `json:"unsolvable"`
}

// Clean reports whether no suppressed figure is exposed or unsolvable.
func (r *Result) Clean() bool { return len(r.Exposed) == 0 && len(r.Unsolvable) == 0 }

// Audit checks every release together: for every figure rule 1 suppressed
// in any release, from 1 to k-1, the range that the published figures and
// the relations of the catalogue leave possible must include 0 and k.
// Releases are in ledger order (oldest first); the latest published value
// of a figure stands and an earlier different one is listed as a revision.
func Audit(cat indicator.Catalogue, rels []*Release) *Result {
	res := &Result{Releases: len(rels), Exposed: []Exposure{}, Revisions: []Revision{}, Unsolvable: []Exposure{}}
	gs, _ := groups(cat)
	for _, g := range gs {
		m := build(g, rels, nil)
		defer m.close()
		res.Revisions = append(res.Revisions, m.revs...)
		comps := m.components()
		for _, s := range m.sens {
			res.Checked++
			e, exposed, ok := m.check(s, comps)
			switch {
			case !ok:
				res.Unsolvable = append(res.Unsolvable, e)
			case exposed:
				res.Exposed = append(res.Exposed, e)
			}
		}
	}
	return res
}

// check computes the range of a suppressed figure.
func (m *model) check(s sensitive, comps *components) (Exposure, bool, bool) {
	c := s.inst.cell
	e := Exposure{Release: s.inst.rel.ID, Indicator: c.Indicator, Period: c.Period, Country: c.Country,
		Dimension: c.Dimension, Category: c.Category, Figure: s.fig.String(), K: s.inst.rel.K}
	lo, hi, ok := m.rangeOf(s.vars, comps)
	if !ok {
		return e, false, false
	}
	e.Min = math.Round(lo*1e6) / 1e6
	if math.IsInf(hi, 1) {
		e.Infinite, e.Max = true, -1
	} else {
		e.Max = math.Round(hi*1e6) / 1e6
	}
	exposed := lo > tolerance || hi < float64(s.inst.rel.K)-tolerance
	return e, exposed, true
}

// sensKey identifies a suppressed figure across models.
type sensKey struct {
	rel *Release
	idx int
	fig Figure
}

func (s sensitive) key() sensKey { return sensKey{s.inst.rel, s.inst.idx, s.fig} }

// exposures returns the suppressed figures of a model that are exposed,
// leaving out those in skip, in the model's order.
func (m *model) exposures(skip map[sensKey]bool) []sensitive {
	comps := m.components()
	var out []sensitive
	for _, s := range m.sens {
		if skip[s.key()] {
			continue
		}
		if _, exposed, ok := m.check(s, comps); exposed || !ok {
			out = append(out, s)
		}
	}
	return out
}

// stillExposed returns those of the figures (of another model of the same
// releases) that this model exposes, in their order.
func (m *model) stillExposed(figs []sensitive) []sensitive {
	comps := m.components()
	byKey := map[sensKey]sensitive{}
	for _, s := range m.sens {
		byKey[s.key()] = s
	}
	var out []sensitive
	for _, f := range figs {
		s, ok := byKey[f.key()]
		if !ok {
			continue
		}
		if _, exposed, ok := m.check(s, comps); exposed || !ok {
			out = append(out, s)
		}
	}
	return out
}

// Protection is what Protect did to a new release.
type Protection struct {
	// Added are the indices of the new release's cells it suppressed
	// (flag secondary), in the order it chose them.
	Added []int
	// Unprotectable lists suppressed figures that the earlier releases
	// alone already expose: the new release cannot hide them again.
	Unprotectable []Exposure
}

// candidatesTried is how many of the best-placed candidates Protect
// tries before it suppresses one: the one that leaves the fewest figures
// exposed.
const candidatesTried = 3

// Protect checks a new release against the ledger (oldest first) and
// suppresses further cells of the new release until none of the
// ledger's or its own suppressed figures is exposed (disclosure.md rule 9).
// It changes no cell; the caller flags those in Added secondary. Cells of
// the ledger never change.
//
// The order in which cells are suppressed is fixed. For the first exposed
// figure (in the catalogue's order), the candidates are the new release's
// published cells from which its range follows: the cells whose figures
// fix it, through every figure they depend on, and the cells of its
// component. A cell that an earlier release published too is no candidate
// (hiding it again hides nothing). Candidates are ranked: breakdowns
// before totals, the report's own period before earlier periods of its
// window, smaller cells before larger ones (zeros last), then the
// catalogue's order;
// of the first candidatesTried, the one that leaves the fewest figures
// exposed is suppressed (ties: the higher ranked). This repeats until no
// figure is exposed. Suppressing a cell only removes knowledge, so the
// loop ends.
func Protect(cat indicator.Catalogue, ledger []*Release, next *Release) *Protection {
	out := &Protection{}
	rels := append(append([]*Release(nil), ledger...), next)
	gs, _ := groups(cat)
	own := next.Period
	hidden := map[*Cell]bool{}
	order := map[string]int{}
	for i, ind := range cat {
		order[ind.ID] = i
	}
	cache := map[string][2]float64{}
	build := func(g *group, rels []*Release, hidden map[*Cell]bool) *model {
		m := build(g, rels, hidden)
		m.cache, m.lowOnly = cache, true
		return m
	}
	for _, g := range gs {
		touched := false
		for i := range next.Cells {
			if g.member(next.Cells[i].Indicator) != nil {
				touched = true
				break
			}
		}
		if !touched {
			continue
		}
		// What the earlier releases expose on their own, with the new
		// release publishing nothing, cannot be helped.
		none := map[*Cell]bool{}
		for i := range next.Cells {
			c := &next.Cells[i]
			if c.Published() && g.member(c.Indicator) != nil {
				none[c] = true
			}
		}
		skip := map[sensKey]bool{}
		base := build(g, rels, none)
		for _, s := range base.exposures(nil) {
			skip[s.key()] = true
			e, _, _ := base.check(s, base.components())
			out.Unprotectable = append(out.Unprotectable, e)
		}
		base.close()
		// Suppressing a cell only removes knowledge: a figure that is safe
		// stays safe. Only the figures exposed so far are checked again.
		m := build(g, rels, hidden)
		exp := m.exposures(skip)
		for len(exp) > 0 {
			x := exp[0]
			cands := m.candidates(x, next, hidden)
			if len(cands) == 0 {
				e, _, _ := m.check(x, m.components())
				out.Unprotectable = append(out.Unprotectable, e)
				exp = exp[1:]
				continue
			}
			m.close()
			slices.SortStableFunc(cands, func(a, b *Cell) int { return rank(a, b, own, order) })
			var best *Cell
			var bestExp []sensitive
			for _, c := range cands[:min(len(cands), candidatesTried)] {
				hidden[c] = true
				trial := build(g, rels, hidden)
				left := trial.stillExposed(exp)
				trial.close()
				delete(hidden, c)
				if best == nil || len(left) < len(bestExp) {
					best, bestExp = c, left
				}
				if len(left) == 0 {
					break
				}
			}
			hidden[best] = true
			for i := range next.Cells {
				if &next.Cells[i] == best {
					out.Added = append(out.Added, i)
				}
			}
			m = build(g, rels, hidden)
			exp = m.stillExposed(bestExp)
		}
		m.close()
	}
	return out
}

// rank orders candidates: breakdowns before totals, the own period
// first, smaller non-zero cells first (zeros last), then the catalogue's
// order.
func rank(a, b *Cell, own string, order map[string]int) int {
	at, bt := a.Dimension == cell.TotalDimension, b.Dimension == cell.TotalDimension
	if at != bt {
		if at {
			return 1
		}
		return -1
	}
	ao, bo := a.Period == own, b.Period == own
	if ao != bo {
		if ao {
			return -1
		}
		return 1
	}
	// A zero is the last resort: hiding it hides little, and it reads as
	// if there were some (rule 2 likewise takes the smallest non-zero).
	if sa, sb := size(a), size(b); sa != sb {
		switch {
		case sa == 0:
			return 1
		case sb == 0:
			return -1
		case sa < sb:
			return -1
		}
		return 1
	}
	if order[a.Indicator] != order[b.Indicator] {
		return order[a.Indicator] - order[b.Indicator]
	}
	for _, p := range [][2]string{{a.Period, b.Period}, {a.Country, b.Country}, {a.Dimension, b.Dimension}, {a.Category, b.Category}} {
		if c := cmpStr(p[0], p[1]); c != 0 {
			return c
		}
	}
	return 0
}

func size(c *Cell) int64 {
	if c.Kind == cell.Count {
		return c.Numerator
	}
	return c.Denominator
}

// candidates returns the new release's published cells whose figures the
// range of x follows from: the equations that fixed its variables, through
// every variable they hold, and the equations of its component.
func (m *model) candidates(x sensitive, next *Release, hidden map[*Cell]bool) []*Cell {
	comps := m.components()
	seenEq := map[int32]bool{}
	seenVar := map[int32]bool{}
	var stack []int32
	push := func(v int32) {
		if !seenVar[v] {
			seenVar[v] = true
			stack = append(stack, v)
		}
	}
	for _, v := range x.vars {
		push(v)
	}
	visitEq := func(ei int32) {
		if seenEq[ei] {
			return
		}
		seenEq[ei] = true
		for _, v := range m.eqs[ei].vars {
			push(v)
		}
	}
	for len(stack) > 0 {
		v := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if m.known[v] {
			if r := m.reason[v]; r >= 0 {
				visitEq(r)
			}
			continue
		}
		for _, ei := range comps.eqsOf[comps.of(v)] {
			visitEq(ei)
		}
	}
	var out []*Cell
	seen := map[*Cell]bool{}
	for ei := range seenEq {
		e := m.eqs[ei]
		if e.pub == nil {
			continue
		}
		p := m.pubs[*e.pub]
		onlyNext := true
		for _, in := range p.insts {
			if in.rel != next {
				onlyNext = false
			}
		}
		if !onlyNext {
			continue
		}
		for _, in := range p.insts {
			if c := in.cell; !hidden[c] && !seen[c] {
				seen[c] = true
				out = append(out, c)
			}
		}
	}
	// A map's order is random: sort for a fixed order before ranking.
	slices.SortFunc(out, func(a, b *Cell) int {
		for _, p := range [][2]string{{a.Indicator, b.Indicator}, {a.Period, b.Period}, {a.Country, b.Country}, {a.Dimension, b.Dimension}, {a.Category, b.Category}} {
			if c := cmpStr(p[0], p[1]); c != 0 {
				return c
			}
		}
		return 0
	})
	return out
}
