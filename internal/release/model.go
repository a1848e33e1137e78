package release

import (
	"errors"
	"fmt"
	"hash/fnv"
	"math"
	"slices"
	"sort"
	"strconv"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/clp"
	"rrstat/internal/indicator"
)

// A group is the indicators whose figures share unknowns: an indicator on
// its own, or a stock and the flow its increments are (RET_CUMULATIVE and
// RET_ARRIVED). Groups share no unknown, so each is modelled on its own.
type group struct {
	name    string
	members []*indicator.Indicator
	// timeline: the figures are sums over the elementary intervals between
	// the period bounds (a flow, or a stock with increments); otherwise one
	// unknown per last day (a stock) or per period (TimePeriod).
	timeline bool
	time     indicator.Time
}

// groups returns the groups of a catalogue and, for each indicator id,
// its group.
func groups(cat indicator.Catalogue) ([]*group, map[string]*group) {
	of := map[string]*group{}
	var out []*group
	for _, ind := range cat {
		if _, done := of[ind.ID]; done {
			continue
		}
		g := &group{name: ind.ID, members: []*indicator.Indicator{ind}, time: ind.Time,
			timeline: ind.Time == indicator.TimeFlow || ind.Increments != ""}
		if ind.Increments != "" {
			if flow := cat.Lookup(ind.Increments); flow != nil {
				if prev, ok := of[flow.ID]; ok {
					prev.members = append(prev.members, ind)
					prev.timeline = true
					of[ind.ID] = prev
					continue
				}
				g.members = append(g.members, flow)
				of[flow.ID] = g
			}
		}
		of[ind.ID] = g
		out = append(out, g)
	}
	return out, of
}

func (g *group) partitions() map[string]bool {
	m := map[string]bool{}
	for _, ind := range g.members {
		for _, p := range ind.Partitions {
			m[p] = true
		}
	}
	return m
}

func (g *group) sumCountries() bool {
	for _, ind := range g.members {
		if !ind.SumCountries {
			return false
		}
	}
	return true
}

func (g *group) member(id string) *indicator.Indicator {
	for _, ind := range g.members {
		if ind.ID == id {
			return ind
		}
	}
	return nil
}

// day numbers a date.
func day(t time.Time) int32 { return int32(t.Unix() / 86400) }

// family is the unknowns of one figure of one country (or ALL over a set
// of countries), dimension and category, over the group's atoms.
type family struct {
	country, dim, cat string
	fig               Figure
}

// meaning is what a published figure is: a family over a range of atoms.
// Two cells of the same meaning are one number (rule 7c).
type meaning struct {
	family
	lo, hi int32 // atoms lo..hi-1
}

// instance is a cell of a release in the model.
type instance struct {
	rel  *Release
	cell *Cell
	idx  int // index of the cell in rel.Cells
	lo   int32
	hi   int32
	ckey string
}

// equation is sum(coef[i] * x[vars[i]]) = rhs.
type equation struct {
	vars []int32
	coef []int8
	rhs  int64
	// pub is the meaning a published figure gives, or nil for a relation.
	pub *meaning
	// active is false for a published figure all of whose cells are
	// hidden (apply).
	active bool
}

// sensitive is a figure rule 1 suppressed: its range must include 0 and k.
type sensitive struct {
	inst *instance
	fig  Figure
	val  int64
	vars []int32
}

// model is the linear system of one group.
type model struct {
	g       *group
	atoms   int32
	bounds  []int32            // timeline: the bounds b_0 < b_1 ...; atom 0 is before b_0, atom i in [b_(i-1), b_i)
	ends    []int32            // stock: the distinct last days
	spans   [][2]int32         // period: the distinct periods
	vix     map[atomKey]int32  // the unknown of a family's piece
	cuts    map[family][]int32 // the bounds of each family's pieces
	eqs     []equation
	sens    []sensitive
	pubs    map[meaning]*pubInfo
	revs    []Revision
	known   []bool
	val     []int64
	reason  []int32 // the equation that fixed a variable, -1
	nvars   int32
	conflic int // equations contradicting fixed values (revisions)
	comps   *components
	occurs  [][]int32             // the equations of each unknown
	cache   map[string][2]float64 // ranges by component signature, shared between models
	lowOnly bool                  // see components.lowOnly
}

// pubInfo is a published meaning: its latest value and who published it.
type pubInfo struct {
	val    int64
	seq    int64
	insts  []*instance
	vals   []int64 // each instance's value
	fig    Figure
	eq     int32
	latest *instance
}

// build models the group's cells of the releases (oldest first), every
// published cell published; apply hides some of them again (the
// protection's trials) without building anew.
func build(g *group, rels []*Release) *model {
	m := &model{g: g, pubs: map[meaning]*pubInfo{}}
	var insts []*instance
	for _, r := range rels {
		for i := range r.Cells {
			c := &r.Cells[i]
			if g.member(c.Indicator) == nil {
				continue
			}
			insts = append(insts, &instance{rel: r, cell: c, idx: i, ckey: r.countryKey(c.Country)})
		}
	}
	// The atoms.
	switch {
	case g.timeline:
		set := map[int32]bool{}
		for _, in := range insts {
			ind := g.member(in.cell.Indicator)
			if ind.Time == indicator.TimeFlow {
				set[day(in.cell.Start)] = true
			}
			set[day(in.cell.End)+1] = true
		}
		for d := range set {
			m.bounds = append(m.bounds, d)
		}
		slices.Sort(m.bounds)
		m.atoms = int32(len(m.bounds))
		for _, in := range insts {
			hi := int32(slices.Index(m.bounds, day(in.cell.End)+1)) + 1
			lo := int32(0)
			if g.member(in.cell.Indicator).Time == indicator.TimeFlow {
				lo = int32(slices.Index(m.bounds, day(in.cell.Start))) + 1
			}
			in.lo, in.hi = lo, hi
		}
	case g.time == indicator.TimePeriod:
		set := map[[2]int32]bool{}
		for _, in := range insts {
			set[[2]int32{day(in.cell.Start), day(in.cell.End)}] = true
		}
		for s := range set {
			m.spans = append(m.spans, s)
		}
		slices.SortFunc(m.spans, func(a, b [2]int32) int {
			if a[0] != b[0] {
				return int(a[0] - b[0])
			}
			return int(a[1] - b[1])
		})
		m.atoms = int32(len(m.spans))
		for _, in := range insts {
			i := int32(slices.Index(m.spans, [2]int32{day(in.cell.Start), day(in.cell.End)}))
			in.lo, in.hi = i, i+1
		}
	default:
		set := map[int32]bool{}
		for _, in := range insts {
			set[day(in.cell.End)] = true
		}
		for d := range set {
			m.ends = append(m.ends, d)
		}
		slices.Sort(m.ends)
		m.atoms = int32(len(m.ends))
		for _, in := range insts {
			i := int32(slices.Index(m.ends, day(in.cell.End)))
			in.lo, in.hi = i, i+1
		}
	}
	// The unknowns: one per figure of a country key, dimension and
	// category (a percentage's difference beside its numerator and
	// denominator) and piece of time. A family's pieces lie between the
	// bounds its cells have (its cuts): atoms no cell of the family tells
	// apart are one unknown. A relation between families holds on the
	// pieces between the cuts they all have; the finer relations of the
	// atoms within are not written, as for the family's own unknowns (for
	// a partition over the elementary intervals this loses nothing: given
	// the totals of each interval and of each category, a split of every
	// category over the intervals exists).
	var famList []family
	seenFam := map[family]bool{}
	cutSet := map[family]map[int32]bool{}
	for _, in := range insts {
		for _, f := range figures(in.cell.Kind) {
			fam := family{in.ckey, in.cell.Dimension, in.cell.Category, f}
			if !seenFam[fam] {
				seenFam[fam] = true
				famList = append(famList, fam)
				cutSet[fam] = map[int32]bool{}
			}
			cutSet[fam][in.lo] = true
			cutSet[fam][in.hi] = true
		}
	}
	m.cuts = map[family][]int32{}
	for f, set := range cutSet {
		cs := make([]int32, 0, len(set))
		for c := range set {
			cs = append(cs, c)
		}
		slices.Sort(cs)
		m.cuts[f] = cs
	}
	m.vix = map[atomKey]int32{}
	// common returns the cuts all the families have, in order.
	common := func(fams ...family) []int32 {
		var out []int32
		for _, c := range m.cuts[fams[0]] {
			all := true
			for _, f := range fams[1:] {
				_, found := slices.BinarySearch(m.cuts[f], c)
				all = all && found
			}
			if all {
				out = append(out, c)
			}
		}
		return out
	}
	// relation writes sum(coef * family over [lo, hi)) = 0 for every
	// piece between the families' common cuts.
	relation := func(fams []family, coefs []int8) {
		cs := common(fams...)
		for i := 0; i+1 < len(cs); i++ {
			var e equation
			for j, f := range fams {
				for _, v := range m.varsIn(f, cs[i], cs[i+1]) {
					e.vars = append(e.vars, v)
					e.coef = append(e.coef, coefs[j])
				}
			}
			m.eqs = append(m.eqs, e)
		}
	}
	// sum writes that the first family is the sum of the others.
	sum := func(fams []family) {
		coefs := make([]int8, len(fams))
		for i := range coefs {
			coefs[i] = 1
		}
		coefs[0] = -1
		relation(fams, coefs)
	}
	// Partition and country relations need the totals and ALL's parts.
	parts := g.partitions()
	byCountryDim := map[[2]string][]string{} // (country, dim) -> categories
	allSets := map[string][]string{}
	for _, in := range insts {
		if in.cell.Country == cell.AllCountries {
			allSets[in.ckey] = in.rel.Countries
		}
	}
	for _, f := range famList {
		if f.dim != cell.TotalDimension {
			k := [2]string{f.country, f.dim}
			if !slices.Contains(byCountryDim[k], f.cat) {
				byCountryDim[k] = append(byCountryDim[k], f.cat)
			}
		}
	}
	// Published figures: one equation per meaning, the latest value.
	for _, in := range insts {
		c := in.cell
		published := c.Published()
		for _, f := range figures(c.Kind) {
			if f == Difference {
				continue
			}
			mn := meaning{family{in.ckey, c.Dimension, c.Category, f}, in.lo, in.hi}
			if !published {
				continue
			}
			v := c.value(f)
			p, ok := m.pubs[mn]
			if !ok {
				p = &pubInfo{fig: f, eq: -1}
				m.pubs[mn] = p
			} else if p.val != v && p.latest != nil {
				m.revs = append(m.revs, Revision{Indicator: c.Indicator, Period: c.Period, Country: c.Country, Dimension: c.Dimension, Category: c.Category,
					Figure: f.String(), Earlier: p.latest.rel.ID, Was: p.val, Later: in.rel.ID, Now: v})
			}
			if p.latest == nil || in.rel.Seq >= p.seq {
				p.val, p.seq, p.latest = v, in.rel.Seq, in
			}
			p.insts = append(p.insts, in)
			p.vals = append(p.vals, v)
		}
	}
	keys := make([]meaning, 0, len(m.pubs))
	for mn := range m.pubs {
		keys = append(keys, mn)
	}
	sortMeanings(keys)
	for _, mn := range keys {
		p := m.pubs[mn]
		e := equation{rhs: p.val}
		for _, v := range m.varsIn(mn.family, mn.lo, mn.hi) {
			e.vars = append(e.vars, v)
			e.coef = append(e.coef, 1)
		}
		mnc := mn
		e.pub = &mnc
		p.eq = int32(len(m.eqs))
		m.eqs = append(m.eqs, e)
	}
	// Relations, atom by atom.
	for _, f := range famList {
		if f.fig != Difference {
			continue
		}
		// denominator = numerator + difference
		n, d := family{f.country, f.dim, f.cat, Count}, family{f.country, f.dim, f.cat, Denominator}
		relation([]family{d, n, f}, []int8{1, -1, -1})
	}
	countryKeys := map[string]bool{}
	for _, f := range famList {
		countryKeys[f.country] = true
	}
	var cks []string
	for k := range countryKeys {
		cks = append(cks, k)
	}
	sort.Strings(cks)
	var dims []string
	for d := range parts {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	allFigs := []Figure{Count, Denominator, Difference}
	for _, ck := range cks {
		for _, dim := range dims {
			cats := byCountryDim[[2]string{ck, dim}]
			if len(cats) == 0 {
				continue
			}
			for _, fg := range allFigs {
				tot := family{ck, cell.TotalDimension, cell.TotalDimension, fg}
				if !seenFam[tot] {
					continue
				}
				fams := []family{tot}
				for _, c := range cats {
					if f := (family{ck, dim, c, fg}); seenFam[f] {
						fams = append(fams, f)
					}
				}
				sum(fams)
			}
		}
	}
	if g.sumCountries() {
		for _, f := range famList {
			set, ok := allSets[f.country]
			if !ok {
				continue
			}
			fams := []family{f}
			for _, c := range set {
				if p := (family{c, f.dim, f.cat, f.fig}); seenFam[p] {
					fams = append(fams, p)
				}
			}
			sum(fams)
		}
	}
	// The figures rule 1 suppressed, from 1 to k-1.
	for _, in := range insts {
		c := in.cell
		if c.Flag != cell.Suppressed {
			continue
		}
		for _, f := range figures(c.Kind) {
			v := c.value(f)
			if v < 1 || v >= int64(in.rel.K) {
				continue
			}
			fam := family{in.ckey, c.Dimension, c.Category, f}
			s := sensitive{inst: in, fig: f, val: v, vars: m.varsIn(fam, in.lo, in.hi)}
			m.sens = append(m.sens, s)
		}
	}
	for i := range m.eqs {
		m.eqs[i].active = true
	}
	m.occurs = make([][]int32, m.nvars)
	for ei, e := range m.eqs {
		for _, v := range e.vars {
			m.occurs[v] = append(m.occurs[v], int32(ei))
		}
	}
	m.propagate()
	return m
}

// apply hides the given cells (of any release) as if they had not been
// published: a published figure's equation stands while any release
// published it unhidden, with the latest such value; it then propagates
// the fixed unknowns again.
func (m *model) apply(hidden map[*Cell]bool) {
	for _, p := range m.pubs {
		e := &m.eqs[p.eq]
		e.active = false
		var seq int64 = -1
		for i, in := range p.insts {
			if hidden[in.cell] || in.rel.Seq < seq {
				continue
			}
			e.active, e.rhs, seq = true, p.vals[i], in.rel.Seq
		}
	}
	m.close()
	m.comps = nil
	m.propagate()
}

// atomKey is a family at an atom.
type atomKey struct {
	family
	a int32
}

// varsIn returns the unknowns of a family's pieces from cut lo to cut hi.
func (m *model) varsIn(f family, lo, hi int32) []int32 {
	cs := m.cuts[f]
	i, _ := slices.BinarySearch(cs, lo)
	var out []int32
	for ; i+1 < len(cs) && cs[i+1] <= hi; i++ {
		out = append(out, m.varOf(f, int32(i)))
	}
	return out
}

// varOf returns the unknown of a family's piece, made when first asked.
func (m *model) varOf(f family, a int32) int32 {
	k := atomKey{f, a}
	if v, ok := m.vix[k]; ok {
		return v
	}
	v := m.nvars
	m.vix[k] = v
	m.nvars++
	return v
}

func sortMeanings(ms []meaning) {
	slices.SortFunc(ms, func(a, b meaning) int {
		switch {
		case a.country != b.country:
			return cmpStr(a.country, b.country)
		case a.dim != b.dim:
			return cmpStr(a.dim, b.dim)
		case a.cat != b.cat:
			return cmpStr(a.cat, b.cat)
		case a.fig != b.fig:
			return int(a.fig) - int(b.fig)
		case a.lo != b.lo:
			return int(a.lo - b.lo)
		}
		return int(a.hi - b.hi)
	})
}

func cmpStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// propagate fixes every variable an equation leaves no freedom: an
// equation with one unknown left fixes it, which may leave another with
// one, and so on. An equation that finds all its variables fixed and does
// not hold is a contradiction (figures revised between releases): it is
// counted and set aside.
func (m *model) propagate() {
	n := m.nvars
	m.known = make([]bool, n)
	m.val = make([]int64, n)
	m.reason = make([]int32, n)
	for i := range m.reason {
		m.reason[i] = -1
	}
	m.conflic = 0
	occurs := m.occurs
	unknown := make([]int32, len(m.eqs))
	var queue []int32
	for ei, e := range m.eqs {
		if !e.active {
			unknown[ei] = -1
			continue
		}
		unknown[ei] = int32(len(e.vars))
		if unknown[ei] == 1 {
			queue = append(queue, int32(ei))
		}
	}
	for len(queue) > 0 {
		ei := queue[0]
		queue = queue[1:]
		if unknown[ei] != 1 {
			continue
		}
		e := &m.eqs[ei]
		rest := e.rhs
		free := int32(-1)
		var coef int8
		for i, v := range e.vars {
			if m.known[v] {
				rest -= int64(e.coef[i]) * m.val[v]
			} else {
				free, coef = v, e.coef[i]
			}
		}
		if free < 0 {
			continue
		}
		m.known[free] = true
		m.val[free] = rest * int64(coef) // coef is ±1
		m.reason[free] = ei
		for _, oe := range occurs[free] {
			if unknown[oe] < 0 {
				continue
			}
			unknown[oe]--
			if unknown[oe] == 1 {
				queue = append(queue, oe)
			}
		}
	}
	for ei, e := range m.eqs {
		if unknown[ei] != 0 {
			continue
		}
		var s int64
		for i, v := range e.vars {
			s += int64(e.coef[i]) * m.val[v]
		}
		if s != e.rhs {
			m.conflic++
		}
	}
}

// rangeOf returns the least and the greatest value the system leaves to
// the sum of vars. ok is false when the system has no solution (figures
// revised between releases contradict each other).
func (m *model) rangeOf(vars []int32, comps *components) (lo, hi float64, ok bool) {
	var fixed int64
	byComp := map[int32][]int32{}
	for _, v := range vars {
		if m.known[v] {
			fixed += m.val[v]
			continue
		}
		c := comps.of(v)
		byComp[c] = append(byComp[c], v)
	}
	lo, hi = float64(fixed), float64(fixed)
	ids := make([]int32, 0, len(byComp))
	for c := range byComp {
		ids = append(ids, c)
	}
	slices.Sort(ids)
	for _, c := range ids {
		l, h, okc := comps.solve(m, c, byComp[c])
		if !okc {
			return 0, 0, false
		}
		lo += l
		hi += h
	}
	return lo, hi, true
}

// components splits the unknowns into independent sets: two unknowns are
// in one set when an equation holds both.
type components struct {
	parent []int32
	eqsOf  map[int32][]int32     // component root -> equations
	cache  map[string][2]float64 // shared by the models of one Audit or Protect
	bad    map[int32]bool
	lps    map[int32]*componentLP
	sigs   map[int32]string
	// lowOnly skips the greatest value when the least is above 0: the
	// figure is exposed whatever it is (Protect's checks).
	lowOnly bool
}

// components returns the model's components, made once.
func (m *model) components() *components {
	if m.comps == nil {
		m.comps = m.split()
	}
	return m.comps
}

// close frees what the model's linear programmes hold in CLP.
func (m *model) close() {
	if m.comps != nil {
		m.comps.close()
	}
}

func (m *model) split() *components {
	cache := m.cache
	if cache == nil {
		cache = map[string][2]float64{}
	}
	cs := &components{parent: make([]int32, m.nvars), eqsOf: map[int32][]int32{}, cache: cache, bad: map[int32]bool{}, lps: map[int32]*componentLP{}, sigs: map[int32]string{}, lowOnly: m.lowOnly}
	for i := range cs.parent {
		cs.parent[i] = int32(i)
	}
	for _, e := range m.eqs {
		if !e.active {
			continue
		}
		first := int32(-1)
		for _, v := range e.vars {
			if m.known[v] {
				continue
			}
			if first < 0 {
				first = v
			} else {
				cs.union(first, v)
			}
		}
	}
	for ei, e := range m.eqs {
		if !e.active {
			continue
		}
		for _, v := range e.vars {
			if !m.known[v] {
				r := cs.of(v)
				cs.eqsOf[r] = append(cs.eqsOf[r], int32(ei))
				break
			}
		}
	}
	return cs
}

func (cs *components) of(v int32) int32 {
	for cs.parent[v] != v {
		cs.parent[v] = cs.parent[cs.parent[v]]
		v = cs.parent[v]
	}
	return v
}

func (cs *components) union(a, b int32) {
	ra, rb := cs.of(a), cs.of(b)
	if ra != rb {
		if ra < rb {
			cs.parent[rb] = ra
		} else {
			cs.parent[ra] = rb
		}
	}
}

// solve returns the range of the sum of vars (all unknowns of component c)
// over the component's solutions with every unknown at least 0; ok is
// false when the component's equations have no solution.
func (cs *components) solve(m *model, c int32, vars []int32) (float64, float64, bool) {
	if cs.bad[c] {
		return 0, 0, false
	}
	key := cs.signature(m, c) + fmt.Sprint(cs.lowOnly, vars)
	if r, ok := cs.cache[key]; ok {
		return r[0], r[1], true
	}
	lp := cs.lps[c]
	if lp == nil {
		lp = cs.load(m, c)
		cs.lps[c] = lp
	}
	for _, v := range vars {
		if _, ok := lp.col[v]; !ok {
			// An unknown no equation holds: anything from 0 up.
			cs.cache[key] = [2]float64{0, math.Inf(1)}
			return 0, math.Inf(1), true
		}
	}
	obj := make([]float64, len(lp.col))
	for _, v := range vars {
		obj[lp.col[v]] = 1
	}
	lo, err := lp.model.Minimise(obj)
	switch {
	case errors.Is(err, clp.ErrInfeasible):
		cs.bad[c] = true
		return 0, 0, false
	case err != nil:
		lo = 0 // the solver gave no answer: the weakest claim
	}
	if cs.lowOnly && lo > tolerance {
		// Enough to know the figure is exposed (a check, not a report).
		cs.cache[key] = [2]float64{lo, math.Inf(1)}
		return lo, math.Inf(1), true
	}
	for i := range obj {
		obj[i] = -obj[i]
	}
	hi, err := lp.model.Minimise(obj)
	switch {
	case errors.Is(err, clp.ErrInfeasible):
		cs.bad[c] = true
		return 0, 0, false
	case err != nil:
		hi = math.Inf(1)
	default:
		hi = -hi
	}
	cs.cache[key] = [2]float64{lo, hi}
	return lo, hi, true
}

// signature identifies a component by its equations over its unknowns and
// their right-hand sides: two models (a protection's trials) that share a
// component share its ranges, and the cache of components holds them.
func (cs *components) signature(m *model, c int32) string {
	if s, ok := cs.sigs[c]; ok {
		return s
	}
	rows := make([]string, 0, len(cs.eqsOf[c]))
	var b []byte
	for _, ei := range cs.eqsOf[c] {
		e := m.eqs[ei]
		b = b[:0]
		rhs := e.rhs
		type term struct {
			v int32
			c int8
		}
		var ts []term
		for i, v := range e.vars {
			if m.known[v] {
				rhs -= int64(e.coef[i]) * m.val[v]
			} else {
				ts = append(ts, term{v, e.coef[i]})
			}
		}
		slices.SortFunc(ts, func(a, b term) int { return int(a.v - b.v) })
		for _, t := range ts {
			b = strconv.AppendInt(b, int64(t.v)*int64(t.c), 36)
			b = append(b, ' ')
		}
		b = append(b, '=')
		b = strconv.AppendInt(b, rhs, 36)
		rows = append(rows, string(b))
	}
	slices.Sort(rows)
	h := fnv.New128a()
	for _, r := range rows {
		h.Write([]byte(r))
		h.Write([]byte{'\n'})
	}
	sig := string(h.Sum(nil))
	cs.sigs[c] = sig
	return sig
}

// componentLP is a component's linear programme.
type componentLP struct {
	model *clp.Model
	col   map[int32]int // variable -> column
}

// load builds the linear programme of component c: its equations over
// its unknowns, the fixed variables moved to the right-hand side.
func (cs *components) load(m *model, c int32) *componentLP {
	lp := &componentLP{col: map[int32]int{}}
	var rows []clp.Row
	var rhs []float64
	for _, ei := range cs.eqsOf[c] {
		e := m.eqs[ei]
		var row clp.Row
		b := float64(e.rhs)
		for i, v := range e.vars {
			if m.known[v] {
				b -= float64(e.coef[i]) * float64(m.val[v])
				continue
			}
			j, ok := lp.col[v]
			if !ok {
				j = len(lp.col)
				lp.col[v] = j
			}
			row.Cols = append(row.Cols, int32(j))
			row.Coef = append(row.Coef, float64(e.coef[i]))
		}
		rows = append(rows, row)
		rhs = append(rhs, b)
	}
	lp.model = clp.New(len(lp.col), rows, rhs)
	return lp
}

// close frees the components' linear programmes.
func (cs *components) close() {
	for _, lp := range cs.lps {
		lp.model.Close()
	}
	cs.lps = map[int32]*componentLP{}
}
