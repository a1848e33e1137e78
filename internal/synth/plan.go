package synth

import "math/rand/v2"

// hhKind is the composition of a household.
type hhKind uint8

const (
	kindMother hhKind = iota // a woman (head), her children, sometimes other women of the family
	kindCouple               // a man (head), his wife (spouse), their children
	kindMan                  // a man alone (men were mostly detained on arrival)
	kindMinors               // unaccompanied children: siblings without a parent in the wave
)

// household is one planned family group: its composition only. The persons
// are drawn from it later, from a random stream of its own, so chunks of
// households can be generated in parallel and still give the same bytes.
type household struct {
	wave        int32  // index into the country's waves
	firstPerson int32  // 0-based number of its first person in the country
	children    int32  // number of children
	boys        int32  // boys among the children; -1 = not fixed (random sex)
	others      uint8  // further adult women (household_role other)
	kind        hhKind //
	origin      uint8  // index into the wave's ReturnFrom
	womanLegal  uint8  // 1 + index into legalStatuses for the first woman; 0 = the usual mix
}

// persons returns the household's size.
func (h *household) persons() int {
	n := int(h.children) + int(h.others)
	switch h.kind {
	case kindMother, kindMan:
		n++
	case kindCouple:
		n += 2
	}
	return n
}

// Share of men who arrive with a wife of the same wave (and are then the
// household head, she the spouse); the others come alone.
const coupleShare = 0.3

// siblingSizes are the weights of the sizes 1..5 of a group of
// unaccompanied siblings.
var siblingSizes = []float64{0.35, 0.30, 0.20, 0.10, 0.05}

// planWave appends the households of one wave, in random order. Counts are
// exact: the wave's women, children, men, boys, orphans, families and
// detained women all come out as planned.
func planWave(r *rand.Rand, hh []household, wi int, w *Wave) []household {
	start := len(hh)
	C := w.Children
	minors := C // children travelling without a parent
	if w.Women+w.Men > 0 {
		minors = min(w.orphans, C)
	}
	for left := minors; left > 0; {
		n := min(left, 1+pickWeighted(r, siblingSizes))
		hh = append(hh, household{kind: kindMinors, children: int32(n)})
		left -= n
	}
	withParents := C - minors

	// Women: one household per woman, or per family where the note counts
	// families; the remaining women join a family as "other".
	heads := w.Women
	if w.families > 0 {
		heads = min(w.families, w.Women)
	}
	mothers := len(hh)
	for range heads {
		hh = append(hh, household{kind: kindMother})
	}
	mothersEnd := len(hh)
	for range w.Women - heads {
		hh[mothers+r.IntN(heads)].others++
	}
	// Men: a share marry into a mother household, the rest come alone.
	free := make([]int, 0, heads) // mother households still without a husband
	for i := mothers; i < mothersEnd; i++ {
		free = append(free, i)
	}
	menStart := len(hh)
	for range w.Men {
		if len(free) > 0 && r.Float64() < coupleShare {
			j := r.IntN(len(free))
			hh[free[j]].kind = kindCouple
			free[j] = free[len(free)-1]
			free = free[:len(free)-1]
			continue
		}
		hh = append(hh, household{kind: kindMan})
	}
	// Children with a parent: to the women, else (a wave of men only) to
	// the men. Each parent gets one child first, the rest at random, so
	// family sizes spread as 1 + Poisson.
	pFrom, pTo := mothers, mothersEnd
	if pTo == pFrom {
		pFrom, pTo = menStart, len(hh)
	}
	if n := pTo - pFrom; n > 0 {
		left := withParents
		if left >= n {
			for i := pFrom; i < pTo; i++ {
				hh[i].children++
			}
			left -= n
		}
		for ; left > 0; left-- {
			hh[pFrom+r.IntN(n)].children++
		}
	}
	seg := hh[start:]
	r.Shuffle(len(seg), func(i, j int) { seg[i], seg[j] = seg[j], seg[i] })

	// Exact boys (when the note gives them) by sequential sampling without
	// replacement; exact detained women on the first women in shuffled
	// order; origins in turn.
	boysLeft, childLeft := w.boys, C
	detained := w.womenDetained
	for i := range seg {
		h := &seg[i]
		h.wave = int32(wi)
		h.origin = uint8(i % len(w.ReturnFrom))
		h.boys = -1
		if w.boys+w.girls > 0 {
			h.boys = 0
			for range h.children {
				if r.IntN(childLeft) < boysLeft {
					h.boys++
					boysLeft--
				}
				childLeft--
			}
		}
		if detained > 0 && (h.kind == kindMother || h.kind == kindCouple) {
			h.womanLegal = 1 + legalInvestigation
			detained--
		}
	}
	return hh
}

// pickWeighted returns an index with probability proportional to its weight
// (the weights sum to 1).
func pickWeighted(r *rand.Rand, weights []float64) int {
	u := r.Float64()
	for i, w := range weights {
		if u < w {
			return i
		}
		u -= w
	}
	return len(weights) - 1
}
