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
		m := build(g, rels)
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

// reached returns the suppressed figures of the new release, and those of
// earlier releases with an unknown in a component that a figure the new
// release publishes has an unknown in (in the model's present state, which
// hides the new release's figures): no other figure's range can change
// when the new release is published.
func (m *model) reached(next *Release) []sensitive {
	comps := m.components()
	touched := map[int32]bool{}
	for _, p := range m.pubs {
		for _, in := range p.insts {
			if in.rel != next {
				continue
			}
			for _, v := range m.eqs[p.eq].vars {
				if !m.known[v] {
					touched[comps.of(v)] = true
				}
			}
		}
	}
	var out []sensitive
	for _, s := range m.sens {
		hit := s.inst.rel == next
		for _, v := range s.vars {
			hit = hit || (!m.known[v] && touched[comps.of(v)])
		}
		if hit {
			out = append(out, s)
		}
	}
	return out
}

// pinned counts the figures whose every unknown is fixed.
func (m *model) pinned(figs []sensitive) int {
	n := 0
	for _, f := range figs {
		all := true
		for _, v := range f.vars {
			all = all && m.known[v]
		}
		if all {
			n++
		}
	}
	return n
}

// distance says how far a figure's range is from holding both 0 and k:
// 0 when it does (or cannot be computed: the weakest claim).
func (m *model) distance(s sensitive) float64 {
	low := m.lowOnly
	m.lowOnly = false
	defer func() { m.lowOnly = low }()
	comps := m.components()
	comps.lowOnly = false
	defer func() { comps.lowOnly = low }()
	lo, hi, ok := m.rangeOf(s.vars, comps)
	if !ok {
		return 0
	}
	d := max(0, lo-tolerance) + max(0, float64(s.inst.rel.K)-tolerance-hi)
	return d
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
const candidatesTried = 8

// candidatesFreeing is how many candidates that free the figure on their
// own Protect compares before it chooses.
const candidatesFreeing = 3

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
// (hiding it again hides nothing). Candidates are ranked (rank):
// breakdowns, then totals that are not headline figures, headline figures
// last; within each, the report's own period before earlier periods of
// its window, smaller cells before larger ones (zeros last), then the
// catalogue's order. They are tried in that order, at most
// candidatesTried, until candidatesFreeing of them free the figure on
// their own: of those, the one that leaves the fewest figures pinned down
// exactly is suppressed (ties: the higher ranked); when none does, the one that
// brings the figure's range closest to holding 0 and k, and the search
// goes on. This repeats until no
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
		// The earlier releases alone: what they expose cannot be helped,
		// and a figure the new release's figures do not reach keeps the
		// range it had. Only the figures of the new release and those
		// whose unknowns share a component with a figure the new release
		// publishes are checked.
		none := map[*Cell]bool{}
		for i := range next.Cells {
			c := &next.Cells[i]
			if c.Published() && g.member(c.Indicator) != nil {
				none[c] = true
			}
		}
		m := build(g, rels)
		m.cache, m.lowOnly = cache, true
		m.apply(none)
		figs := m.reached(next)
		var exp []sensitive
		for _, s := range m.stillExposed(figs) {
			e, _, _ := m.check(s, m.components())
			out.Unprotectable = append(out.Unprotectable, e)
			skip := s.key()
			figs = slices.DeleteFunc(figs, func(f sensitive) bool { return f.key() == skip })
		}
		// With the new release: the exposed figures, worked through in
		// order. Suppressing a cell only removes knowledge: a figure freed
		// stays free, so each is checked again only when its turn comes.
		m.apply(hidden)
		exp = m.stillExposed(figs)
		for len(exp) > 0 {
			x := exp[0]
			if len(m.stillExposed(exp[:1])) == 0 {
				exp = exp[1:]
				continue
			}
			cands := m.candidates(x, next, hidden)
			if len(cands) == 0 {
				e, _, _ := m.check(x, m.components())
				out.Unprotectable = append(out.Unprotectable, e)
				exp = exp[1:]
				continue
			}
			slices.SortStableFunc(cands, func(a, b *Cell) int { return rank(a, b, own, next.Headline, order) })
			// Try the best ranked candidates: of those that free x on
			// their own, the one leaving the fewest figures pinned down
			// exactly wins; when none does, the one that brings x's range
			// closest to holding 0 and k.
			var best, closest *Cell
			bestLeft := 0
			gap := math.Inf(1)
			freeing := 0
			for _, c := range cands[:min(len(cands), candidatesTried)] {
				if freeing == candidatesFreeing {
					break
				}
				hidden[c] = true
				m.apply(hidden)
				if d := m.distance(x); d > 0 {
					if d < gap {
						closest, gap = c, d
					}
					delete(hidden, c)
					continue
				}
				freeing++
				left := m.pinned(exp)
				delete(hidden, c)
				if best == nil || left < bestLeft {
					best, bestLeft = c, left
				}
				if left == 0 {
					break
				}
			}
			if best == nil {
				best = closest
				if best == nil {
					best = cands[0]
				}
			}
			hidden[best] = true
			for i := range next.Cells {
				if &next.Cells[i] == best {
					out.Added = append(out.Added, i)
				}
			}
			m.apply(hidden)
		}
		m.close()
	}
	return out
}

// rank orders candidates: breakdowns first, then totals that are not
// headline figures (the earlier periods of the window, indicators the
// report does not headline), headline figures last; within each, the own
// period first, smaller non-zero cells first (zeros last), then the
// catalogue's order.
func rank(a, b *Cell, own string, headline []string, order map[string]int) int {
	class := func(c *Cell) int {
		switch {
		case c.Dimension != cell.TotalDimension:
			return 0
		case c.Period == own && slices.Contains(headline, c.Indicator):
			return 2
		}
		return 1
	}
	if ca, cb := class(a), class(b); ca != cb {
		return ca - cb
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
