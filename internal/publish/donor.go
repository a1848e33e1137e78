package publish

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"slices"

	"rrstat/internal/cell"
	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/labels"
	"rrstat/internal/release"
	"rrstat/internal/report"
)

// protect is the series protection (tests switch it off to show what it
// prevents).
var protect = release.Protect

// donor is a donor report on its way to the ledger: every cell it will
// publish, with the figures the analysts see.
type donor struct {
	cat   indicator.Catalogue
	heads []string     // the layout's headline indicators
	cells []*cell.Cell // into r.Tables
	pers  []int        // the period (index into r.Periods) of each
	figs  []cell.Figures
}

// newDonor lists the cells a donor report publishes: every cell of its own
// period (indicators.csv), the total and sex of every period of its window
// (series.csv), and the headline totals of the periods a change compares
// with (a change and the figure beside it give the earlier figure away).
// It keeps their analyst figures for the ledger.
func newDonor(r *report.Report, cat indicator.Catalogue) *donor {
	d := &donor{cat: cat}
	own := len(r.Tables) - 1
	first := len(r.Tables) - r.Window
	heads := r.Layout.Headline
	if len(heads) == 0 {
		for _, it := range r.Layout.Items {
			heads = append(heads, it.ID)
		}
	}
	d.heads = heads
	for i, t := range r.Tables {
		for j := range t.Cells {
			c := &t.Cells[j]
			var keep bool
			switch {
			case i == own:
				keep = true
			case i >= first:
				keep = slices.Contains(cell.SeriesDimensions, c.Dimension)
			default:
				keep = c.Dimension == cell.TotalDimension && slices.Contains(heads, c.Indicator)
			}
			if !keep {
				continue
			}
			d.cells = append(d.cells, c)
			d.pers = append(d.pers, i)
			var f cell.Figures
			if c.Fig != nil {
				f = *c.Fig
			}
			d.figs = append(d.figs, f)
		}
	}
	return d
}

// release protects the report against the ledger, writes its folder and
// records it, holding the store for writing.
func (d *donor) release(ctx context.Context, s *duckdb.Store, req Request, r *report.Report, lab *labels.Labels, m *Manifest) error {
	ledger, err := s.Releases(ctx)
	if err != nil {
		return err
	}
	seq, err := s.NextReleaseSeq(ctx)
	if err != nil {
		return err
	}
	var suffix [4]byte
	rand.Read(suffix[:])
	rel := &release.Release{
		ID: fmt.Sprintf("R%04d-%s", seq, hex.EncodeToString(suffix[:])), Seq: seq, CreatedAt: req.Now,
		Period: r.Period.Label, Window: r.Window, K: r.K, Countries: r.Countries, Headline: d.heads,
	}
	for _, sn := range r.Snapshots {
		rel.Snapshots = append(rel.Snapshots, sn.ID)
	}
	for i, c := range d.cells {
		p := r.Periods[d.pers[i]]
		rc := release.Cell{Indicator: c.Indicator, Kind: c.Kind, Period: p.Label, Start: p.Start, End: p.End,
			Country: c.Country, Dimension: c.Dimension, Category: c.Category, Flag: c.Flag,
			Numerator: d.figs[i].Numerator, Denominator: d.figs[i].Denominator}
		if c.Kind == cell.Mean {
			rc.Numerator = 0 // a mean's sum is not a count
		}
		switch c.Flag {
		case cell.Suppressed:
			rel.Primary++
		case cell.Secondary:
			rel.Secondary++
		}
		rel.Cells = append(rel.Cells, rc)
	}
	folder, err := filepath.Abs(req.Out)
	if err != nil {
		return err
	}
	prot := protect(d.cat, ledger, rel)
	for _, i := range prot.Added {
		rel.Cells[i].Flag = cell.Secondary
		d.cells[i].Suppress(cell.Secondary)
		if d.pers[i] == len(r.Tables)-1 {
			m.Disclosure.SeriesOwn++
		}
	}
	rel.Series = len(prot.Added)
	r.Protection = &report.Protection{Primary: rel.Primary, Secondary: rel.Secondary, Series: rel.Series, Release: rel.ID}
	m.Release = rel.ID
	m.Disclosure.Primary, m.Disclosure.Secondary, m.Disclosure.Series = rel.Primary, rel.Secondary, rel.Series
	m.Disclosure.Unprotectable = len(prot.Unprotectable)
	rec := &recorder{
		record:  func() error { return s.RecordRelease(ctx, rel, folder) },
		publish: func() error { return s.PublishRelease(context.WithoutCancel(ctx), rel.ID) },
		drop:    func() error { return s.DropRelease(context.WithoutCancel(ctx), rel.ID) },
	}
	return finish(ctx, req, r, lab, m, rec)
}
