// Package disclosure applies the disclosure control of disclosure.md to a
// cell table before it is shown to the donor audience: primary suppression
// of small cells, then secondary suppression so that no suppressed cell can
// be recovered by subtraction from a total, within a country or across
// countries.
//
// Apply works on a copy of the sizes and flags and only calls
// cell.Cell.Suppress once everything is decided, so every decision is taken
// on the analyst figures: the size of a cell (its count, or for a percentage
// or mean its denominator) is the size it had before any suppression.
package disclosure

import (
	"errors"
	"fmt"
	"slices"

	"rrstat/internal/cell"
)

// DefaultK is the threshold of disclosure.md when the configuration gives
// none.
const DefaultK = 5

// ErrOptions is wrapped by the error Apply returns for unusable options
// (a threshold below 1, no partition function).
var ErrOptions = errors.New("bad disclosure options")

// ErrTable is wrapped by the error Apply returns for a table it cannot
// protect: a duplicated cell, a cell without figures that is not flagged, a
// partition category without its total, or a country cell without its ALL
// cell.
var ErrTable = errors.New("table not fit for disclosure control")

// Options configure Apply.
type Options struct {
	// K is the threshold: a count, a denominator, a numerator or a
	// denominator minus numerator from 1 to K-1 is too small to publish.
	// K must be at least 1; K = 1 suppresses nothing.
	K int
	// IsPartition reports whether the categories of dimension add up to the
	// total of indicator (indicators.md); usually
	// indicator.Catalogue.Lookup(id).IsPartition. It must not be nil.
	IsPartition func(indicator, dimension string) bool
}

// Result says what Apply did.
type Result struct {
	// Primary is the number of cells Apply suppressed by the primary rule
	// (flag cell.Suppressed).
	Primary int
	// Secondary is the number of cells Apply suppressed to protect another
	// cell (flag cell.Secondary).
	Secondary int
	// Rounds is the number of secondary rounds run, the last of which
	// changed nothing; it is at least 1.
	Rounds int
}

// Apply suppresses the cells of t in place as disclosure.md says, for the
// donor audience.
//
// Primary suppression comes first: a count of 1 to K-1; a percentage whose
// numerator, denominator or denominator minus numerator is 1 to K-1; a mean
// whose denominator is 1 to K-1. Zero is never suppressed by this rule.
//
// Secondary suppression then runs in rounds. A round is:
//
//  1. the within-country rule, for every group (indicator, country with ALL
//     included, partition dimension) in the row order of the table
//     (indicators.csv order: indicator, country, dimension). If exactly one
//     category of the group is suppressed and the total is not, the
//     unsuppressed category of smallest non-zero size is suppressed (ties:
//     the first in category order), or the total when there is none. The
//     groups are visited one after another and each sees what the groups
//     before it in the same round did. This matters because the partition
//     dimensions of one indicator and country share their total: once an
//     earlier dimension (sex, say) had the total suppressed, a later one
//     (age_group) no longer has a published total to protect and is left as
//     it is. (The sample donor files are reproduced by this reading and
//     would be by the other one too, where every group reads the flags as
//     they stood at the start of the round: the case never occurs in them.
//     It can only occur from the second round on; TestApplyRules pins it.)
//  2. the across-country rule, for every group (indicator, dimension with
//     total included, category), on the flags left by step 1. If exactly one
//     country's cell is suppressed and the ALL cell is not, the unsuppressed
//     country cell of smallest non-zero size is suppressed (ties: the country
//     codes in byte order), or the ALL cell when there is none. These groups
//     share no cell, so their order does not matter.
//
// The order of the two steps does matter, and the sample donor files
// require within first: a round's across step sees what its within step
// did, and the next round's within step sees the across step.
//
// Rounds repeat until one changes nothing. Secondary suppressions are
// flagged cell.Secondary. Cells already suppressed on entry (a table that
// went through Apply before) keep their flag and count as suppressed, so
// applying Apply twice changes nothing the second time.
//
// The table's cells must be in the row order of indicators.csv; the
// category order within a dimension is taken from that order. Apply
// returns an error wrapping ErrOptions when opt.K < 1 or opt.IsPartition is
// nil, and one wrapping ErrTable when t cannot be protected (see ErrTable);
// t is unchanged in both cases.
func Apply(t *cell.Table, opt Options) (Result, error) {
	if opt.K < 1 {
		return Result{}, fmt.Errorf("%w: threshold k = %d, want 1 or more", ErrOptions, opt.K)
	}
	if opt.IsPartition == nil {
		return Result{}, fmt.Errorf("%w: no IsPartition function", ErrOptions)
	}
	s, err := newState(t, opt)
	if err != nil {
		return Result{}, err
	}
	var res Result
	k := int64(opt.K)
	for i := range t.Cells {
		if s.flag[i] == cell.Shown && primary(&t.Cells[i], k) {
			s.flag[i] = cell.Suppressed
			res.Primary++
		}
	}
	for {
		res.Rounds++
		n := 0
		for _, g := range s.within {
			n += s.protect(g.total, g.members)
		}
		for _, g := range s.across {
			n += s.protect(g.total, g.members)
		}
		res.Secondary += n
		if n == 0 {
			break
		}
	}
	for i := range t.Cells {
		c := &t.Cells[i]
		if s.flag[i] != cell.Shown && (c.Fig != nil || c.Flag != s.flag[i]) {
			c.Suppress(s.flag[i])
		}
	}
	return res, nil
}

// primary reports whether c must be suppressed by rule 1 of disclosure.md.
func primary(c *cell.Cell, k int64) bool {
	small := func(n int64) bool { return n >= 1 && n < k }
	f := c.Fig
	switch c.Kind {
	case cell.Count:
		return small(f.Numerator)
	case cell.Percentage:
		return small(f.Numerator) || small(f.Denominator) || small(f.Denominator-f.Numerator)
	case cell.Mean:
		return small(f.Denominator)
	}
	return false
}

// group is a total (a country's total of the indicator, or the ALL cell)
// and the cells that add up to it, as indices into the table, in the order
// ties are broken.
type group struct {
	total   int
	members []int
}

// state is the working copy Apply decides on.
type state struct {
	size   []int64     // analyst size of each cell, before any suppression
	flag   []cell.Flag // cell.Shown while the cell is published
	within []group     // (indicator, country, partition dimension), row order
	across []group     // (indicator, dimension, category), row order
}

func newState(t *cell.Table, opt Options) (*state, error) {
	n := len(t.Cells)
	s := &state{size: make([]int64, n), flag: make([]cell.Flag, n)}
	index := make(map[cell.Key]int, n)
	for i := range t.Cells {
		c := &t.Cells[i]
		if prev, ok := index[c.Key()]; ok {
			return nil, fmt.Errorf("%w: %s is in rows %d and %d", ErrTable, describe(c), prev+1, i+1)
		}
		index[c.Key()] = i
		switch {
		case c.Flag != cell.Shown:
			s.flag[i] = c.Flag
		case c.Fig == nil:
			return nil, fmt.Errorf("%w: %s has no figures and no flag", ErrTable, describe(c))
		default:
			s.size[i] = c.Size()
		}
	}

	type withinKey struct{ ind, country, dim string }
	type acrossKey struct{ ind, dim, cat string }
	withinAt := map[withinKey]int{}
	acrossAt := map[acrossKey]int{}
	for i := range t.Cells {
		c := &t.Cells[i]
		if c.Dimension != cell.TotalDimension && opt.IsPartition(c.Indicator, c.Dimension) {
			wk := withinKey{c.Indicator, c.Country, c.Dimension}
			g, ok := withinAt[wk]
			if !ok {
				tot, found := index[cell.Key{Indicator: c.Indicator, Country: c.Country, Dimension: cell.TotalDimension, Category: cell.TotalDimension}]
				if !found {
					return nil, fmt.Errorf("%w: %s has no total cell", ErrTable, describe(c))
				}
				g = len(s.within)
				withinAt[wk] = g
				s.within = append(s.within, group{total: tot})
			}
			s.within[g].members = append(s.within[g].members, i)
		}
		if c.Country == cell.AllCountries {
			continue
		}
		ak := acrossKey{c.Indicator, c.Dimension, c.Category}
		g, ok := acrossAt[ak]
		if !ok {
			all, found := index[cell.Key{Indicator: c.Indicator, Country: cell.AllCountries, Dimension: c.Dimension, Category: c.Category}]
			if !found {
				return nil, fmt.Errorf("%w: %s has no %s cell", ErrTable, describe(c), cell.AllCountries)
			}
			g = len(s.across)
			acrossAt[ak] = g
			s.across = append(s.across, group{total: all})
		}
		s.across[g].members = append(s.across[g].members, i)
	}
	// Ties across countries go alphabetically by country code, whatever
	// the row order of the table.
	for _, g := range s.across {
		slices.SortStableFunc(g.members, func(a, b int) int {
			ca, cb := t.Cells[a].Country, t.Cells[b].Country
			switch {
			case ca < cb:
				return -1
			case ca > cb:
				return 1
			}
			return 0
		})
	}
	return s, nil
}

// protect applies the secondary rule to one group: if exactly one member is
// suppressed and the total is not, it suppresses the published member of
// smallest non-zero size (the first of equals in member order), or else the
// total. It returns the number of cells it suppressed (0 or 1).
func (s *state) protect(total int, members []int) int {
	if s.flag[total] != cell.Shown {
		return 0
	}
	hidden := 0
	for _, m := range members {
		if s.flag[m] != cell.Shown {
			hidden++
		}
	}
	if hidden != 1 {
		return 0
	}
	pick := total
	for _, m := range members {
		if s.flag[m] != cell.Shown || s.size[m] == 0 {
			continue
		}
		if pick == total || s.size[m] < s.size[pick] {
			pick = m
		}
	}
	s.flag[pick] = cell.Secondary
	return 1
}

func describe(c *cell.Cell) string {
	return fmt.Sprintf("cell %s %s %s=%s", c.Indicator, c.Country, c.Dimension, c.Category)
}
