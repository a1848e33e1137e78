// Package xlsx writes report.xlsx (outputs.md) with excelize: a Summary
// sheet of headline figures, one sheet per indicator of the report layout
// with a table of its disaggregations by country and a native chart, and the
// Definitions, Data quality and About sheets.
//
// Every sheet is written with excelize's StreamWriter, so nothing from the
// data can become a formula: text is written as inline strings, numbers as
// numbers. A suppressed cell of a donor report (its Fig is nil) shows the
// symbol SymbolSuppressed; the writer never has its number to hide.
package xlsx

import (
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/report"
)

// The symbols a table shows instead of a number.
const (
	// SymbolSuppressed marks a cell removed by disclosure control.
	SymbolSuppressed = "x"
	// SymbolNoValue marks a percentage or mean whose denominator is zero.
	SymbolNoValue = "–"
)

// The names of the fixed sheets.
const (
	SheetSummary     = "Summary"
	SheetDefinitions = "Definitions"
	SheetDataQuality = "Data quality"
	SheetAbout       = "About"
)

// ErrNoLayout is returned by Write for a report without a layout or cells.
var ErrNoLayout = errors.New("report has no layout or no cells")

// Write writes r as an Excel workbook to w: Summary first, then one sheet
// per layout item (when the layout's sheets.indicators is on), then
// Definitions, Data quality and About as the layout switches them (a donor
// workbook always has About, which states the suppression rule and k). It
// returns ErrNoLayout when r has no layout or cells, and wraps excelize's
// errors otherwise.
func Write(w io.Writer, r *report.Report) error {
	if r == nil || r.Layout == nil || r.Cells == nil {
		return ErrNoLayout
	}
	b, err := newBook(r)
	if err != nil {
		return err
	}
	defer b.f.Close()
	if err := b.write(); err != nil {
		return err
	}
	if _, err := b.f.WriteTo(w); err != nil {
		return fmt.Errorf("write workbook: %w", err)
	}
	return nil
}

// book is one workbook being written.
type book struct {
	f         *excelize.File
	r         *report.Report
	donor     bool
	cells     map[cell.Key]*cell.Cell
	countries []string // ALL first, then the reporting countries
	st        styles
}

func newBook(r *report.Report) (*book, error) {
	b := &book{f: excelize.NewFile(), r: r, donor: r.Audience == report.Donor, cells: map[cell.Key]*cell.Cell{}}
	for i := range r.Cells.Cells {
		c := &r.Cells.Cells[i]
		b.cells[c.Key()] = c
	}
	b.countries = append([]string{cell.AllCountries}, r.Countries...)
	if len(r.Countries) == 0 {
		b.countries = r.Cells.Countries()
		if len(b.countries) == 0 || b.countries[0] != cell.AllCountries {
			b.countries = append([]string{cell.AllCountries}, b.countries...)
		}
	}
	var err error
	if b.st, err = newStyles(b.f); err != nil {
		b.f.Close()
		return nil, fmt.Errorf("workbook styles: %w", err)
	}
	return b, nil
}

func (b *book) write() error {
	l := b.r.Layout
	if err := b.f.SetSheetName("Sheet1", SheetSummary); err != nil {
		return err
	}
	if err := b.summary(); err != nil {
		return fmt.Errorf("sheet %s: %w", SheetSummary, err)
	}
	if l.Sheets.Indicators {
		for i := range l.Items {
			it := &l.Items[i]
			if err := b.indicatorSheet(it); err != nil {
				return fmt.Errorf("sheet %s: %w", itemTitle(it), err)
			}
		}
	}
	if l.Sheets.Definitions {
		if err := b.definitions(); err != nil {
			return fmt.Errorf("sheet %s: %w", SheetDefinitions, err)
		}
	}
	if l.Sheets.DataQuality {
		if err := b.dataQuality(); err != nil {
			return fmt.Errorf("sheet %s: %w", SheetDataQuality, err)
		}
	}
	if l.Sheets.About || b.donor {
		if err := b.about(); err != nil {
			return fmt.Errorf("sheet %s: %w", SheetAbout, err)
		}
	}
	b.f.SetActiveSheet(0)
	return b.f.SetDocProps(&excelize.DocProperties{
		Title:       l.Title.In("en") + ", " + b.r.Period.Label,
		Subject:     "Indicators of rehabilitation and reintegration programmes",
		Creator:     "rrstat " + b.r.ToolVersion,
		Description: b.notice(),
		Created:     b.r.GeneratedAt.UTC().Format(time.RFC3339),
		Modified:    b.r.GeneratedAt.UTC().Format(time.RFC3339),
		Category:    string(b.r.Audience),
	})
}

// notice is the audience line every sheet carries under its title.
func (b *book) notice() string {
	if b.donor {
		return fmt.Sprintf("Disclosure control applied: %s = suppressed to protect small numbers (k = %d). The rule is stated on the About sheet.", SymbolSuppressed, b.r.K)
	}
	return "INTERNAL USE ONLY: for the analysis team. Contains small numbers that could identify persons; do not share outside the team."
}

// syntheticNotice is shown on every sheet of a report on synthetic data.
const syntheticNotice = "SYNTHETIC DATA: generated for demonstration and testing. These are not real persons."

// periodText says what the period covers: "2025Q3 (1 July 2025 to 30
// September 2025)".
func (b *book) periodText() string {
	p := b.r.Period
	if p.Start.IsZero() {
		return p.Label
	}
	return fmt.Sprintf("%s (%s to %s)", p.Label, p.Start.Format("2 January 2006"), p.End.Format("2 January 2006"))
}

// lookup returns the cell of an indicator, country, dimension and category,
// or nil when the table has none (a region that does not occur in a
// country).
func (b *book) lookup(id, country, dim, cat string) *cell.Cell {
	return b.cells[cell.Key{Indicator: id, Country: country, Dimension: dim, Category: cat}]
}

// categories returns the categories of an indicator's dimension in table
// order: those of ALL first (ALL lists every category of any country), then
// any other found in a country.
func (b *book) categories(id, dim string) []string {
	if dim == cell.TotalDimension {
		return []string{cell.TotalDimension}
	}
	return b.r.Cells.Categories(id, dim, b.countries)
}

// symbols records which symbols a sheet used, for its footnotes.
type symbols struct {
	suppressed, noValue, absent bool
}

// value returns what a table shows for a cell's value, and marks the symbol
// used. total selects the bold styles of a total row.
func (b *book) value(c *cell.Cell, kind cell.Kind, total bool, used *symbols) any {
	st, sym, ok := b.figureStyle(c, total, used)
	if !ok {
		return sym
	}
	f, ok := c.Float()
	if !ok {
		used.noValue = true
		return excelize.Cell{StyleID: st.symbol, Value: SymbolNoValue}
	}
	switch kind {
	case cell.Count:
		return excelize.Cell{StyleID: st.count, Value: c.Fig.Numerator}
	case cell.Percentage:
		return excelize.Cell{StyleID: st.pct, Value: f}
	default:
		return excelize.Cell{StyleID: st.mean, Value: f}
	}
}

// base returns what a table shows for a cell's denominator (the base of a
// percentage, the persons averaged by a mean).
func (b *book) base(c *cell.Cell, total bool, used *symbols) any {
	st, sym, ok := b.figureStyle(c, total, used)
	if !ok {
		return sym
	}
	return excelize.Cell{StyleID: st.count, Value: c.Fig.Denominator}
}

// figureStyle returns the styles of a table row and, for a cell with no
// figures to show (absent, or suppressed), the symbol cell to write instead
// and false, marking the symbol used.
func (b *book) figureStyle(c *cell.Cell, total bool, used *symbols) (numberStyles, excelize.Cell, bool) {
	st := b.st.body
	if total {
		st = b.st.total
	}
	switch {
	case c == nil:
		used.absent = true
		return st, excelize.Cell{StyleID: st.symbol}, false
	case !c.Published():
		used.suppressed = true
		return st, excelize.Cell{StyleID: st.symbol, Value: SymbolSuppressed}, false
	}
	return st, excelize.Cell{}, true
}

// chartValue returns a cell's value for a chart's data range: a number, or
// nothing (a gap) for a suppressed cell or one without a value. A chart
// never refers to a symbol, which Excel would plot as zero.
func chartValue(c *cell.Cell) any {
	if c == nil || !c.Published() {
		return nil
	}
	f, ok := c.Float()
	if !ok {
		return nil
	}
	if c.Kind == cell.Count {
		return c.Fig.Numerator
	}
	return f
}

// footnotes returns the notes under a table for the symbols it used.
// withBase says whether the table shows the denominators.
func (b *book) footnotes(used symbols, withBase bool, kinds ...cell.Kind) []string {
	var notes []string
	if used.suppressed {
		notes = append(notes, fmt.Sprintf("%s  Suppressed to protect small numbers (k = %d); some further cells are suppressed so that none can be recovered from a total. See About.", SymbolSuppressed, b.r.K))
	}
	if used.noValue {
		notes = append(notes, SymbolNoValue+"  No value: nobody in the denominator.")
	}
	if used.absent {
		notes = append(notes, "Blank: the category does not occur in that country.")
	}
	for _, k := range uniqueKinds(kinds) {
		switch k {
		case cell.Percentage:
			n := "Percentages are per cent (0 to 100), rounded to one decimal."
			if withBase {
				n += " The base is the denominator: the number the percentage is taken of."
			}
			notes = append(notes, n)
		case cell.Mean:
			w := b.r.Params.Weights
			notes = append(notes, fmt.Sprintf("The reintegration score is the mean composite score (0 to 1, three decimals): %s economic + %s social + %s psychosocial.", w.Economic, w.Social, w.Psychosocial))
		}
	}
	return notes
}

func uniqueKinds(ks []cell.Kind) []cell.Kind {
	var out []cell.Kind
	for _, k := range ks {
		dup := false
		for _, o := range out {
			dup = dup || o == k
		}
		if !dup {
			out = append(out, k)
		}
	}
	return out
}

// headerTitle is a column heading of an indicator for the Summary sheet.
func headerTitle(ind *indicator.Indicator) string {
	return ind.Name
}

// unitText is the unit line under a Summary heading.
func unitText(k cell.Kind) string {
	switch k {
	case cell.Percentage:
		return "%"
	case cell.Mean:
		return "mean score"
	}
	return "number"
}

// kindText says what an indicator's value is.
func kindText(k cell.Kind) string {
	switch k {
	case cell.Percentage:
		return "percentage"
	case cell.Mean:
		return "mean"
	}
	return "count"
}

// sheetRef quotes a sheet name for a formula reference, doubling any
// apostrophe in it.
func sheetRef(sheet string) string {
	return "'" + strings.ReplaceAll(sheet, "'", "''") + "'"
}

// cellName returns the A1 name of a column and row (both 1-based).
func cellName(col, row int) string {
	n, _ := excelize.CoordinatesToCellName(col, row)
	return n
}

// absRange returns an absolute range reference on a sheet.
func absRange(sheet string, col1, row1, col2, row2 int) string {
	a, _ := excelize.CoordinatesToCellName(col1, row1, true)
	z, _ := excelize.CoordinatesToCellName(col2, row2, true)
	return sheetRef(sheet) + "!" + a + ":" + z
}

// hfText escapes text for an Excel page header or footer, where & starts a
// code.
func hfText(s string) string {
	return strings.ReplaceAll(s, "&", "&&")
}

// pageSetup prints a sheet in landscape, one page wide, with the audience on
// every page. It must run before the sheet's StreamWriter is flushed.
func (b *book) pageSetup(sheet string) error {
	orient, fitW, fitH := "landscape", 1, 0
	if err := b.f.SetPageLayout(sheet, &excelize.PageLayoutOptions{Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH}); err != nil {
		return err
	}
	right := "INTERNAL USE ONLY"
	if b.donor {
		right = fmt.Sprintf("Disclosure control applied (k = %d)", b.r.K)
	}
	if b.r.Synthetic {
		right = "SYNTHETIC DATA - " + right
	}
	head := "&L&8" + hfText(b.r.Layout.Title.In("en")+", "+b.r.Period.Label) + "&R&8&B" + hfText(right)
	return b.f.SetHeaderFooter(sheet, &excelize.HeaderFooterOptions{
		OddHeader: head,
		OddFooter: "&L&8&A&R&8Page &P of &N",
	})
}

// newSheet adds a sheet (Summary exists already), fits it to the page width
// and returns its StreamWriter.
func (b *book) newSheet(name string) (*excelize.StreamWriter, error) {
	if name != SheetSummary {
		if _, err := b.f.NewSheet(name); err != nil {
			return nil, err
		}
	}
	fit := true
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	return sw, b.pageSetup(name)
}

// rows is a StreamWriter with a current row number.
type rows struct {
	sw  *excelize.StreamWriter
	row int // the last row written
}

// set writes values at row n (which must be after the last one written).
func (w *rows) set(n int, values []any, opts ...excelize.RowOpts) error {
	w.row = n
	return w.sw.SetRow(cellName(1, n), values, opts...)
}

// next writes values on the row after the last one.
func (w *rows) next(values []any, opts ...excelize.RowOpts) error {
	return w.set(w.row+1, values, opts...)
}

// skip leaves n empty rows.
func (w *rows) skip(n int) { w.row += n }

// text returns a styled text cell. All text goes through here or through
// plain strings in SetRow: the StreamWriter writes it as an inline string,
// never as a formula, whatever it starts with.
func text(style int, s string) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: s}
}

// titleBlock writes the title, the subtitle lines, the audience notice and
// the synthetic-data notice from row 1; the notices are merged across width
// columns, which are chars characters wide together.
func (b *book) titleBlock(w *rows, width int, chars float64, title string, lines ...string) error {
	if err := w.set(1, []any{text(b.st.title, title)}, excelize.RowOpts{Height: 24}); err != nil {
		return err
	}
	for _, l := range lines {
		if err := w.next([]any{text(b.st.meta, l)}); err != nil {
			return err
		}
	}
	notice := b.st.noticeAnalyst
	if b.donor {
		notice = b.st.noticeDonor
	}
	if err := b.banner(w, width, chars, notice, b.notice()); err != nil {
		return err
	}
	if b.r.Synthetic {
		if err := b.banner(w, width, chars, b.st.synthetic, syntheticNotice); err != nil {
			return err
		}
	}
	return nil
}

// banner writes a filled, wrapped notice merged across width columns (chars
// characters wide together), tall enough for its text.
func (b *book) banner(w *rows, width int, chars float64, style int, s string) error {
	vals := make([]any, width)
	for i := range vals {
		vals[i] = text(style, "")
	}
	vals[0] = text(style, s)
	if err := w.next(vals, excelize.RowOpts{Height: textHeight(s, chars, 15) + 4}); err != nil {
		return err
	}
	if width > 1 {
		return w.sw.MergeCell(cellName(1, w.row), cellName(width, w.row))
	}
	return nil
}

// textHeight returns the height in points of a wrapped text of s in a cell
// chars characters wide, at lineHeight points a line.
func textHeight(s string, chars, lineHeight float64) float64 {
	if chars < 10 {
		chars = 10
	}
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		// Proportional text is narrower than the column's character width;
		// 1.1 characters a width unit is a fair estimate.
		n := int(float64(len([]rune(para)))/(chars*1.1)) + 1
		lines += n
	}
	return float64(lines) * lineHeight
}

// notes writes footnotes, one a row, in the note style.
func (b *book) notes(w *rows, notes []string) error {
	for _, n := range notes {
		if err := w.next([]any{text(b.st.note, n)}); err != nil {
			return err
		}
	}
	return nil
}

// countryHeader returns the heading of a country column.
func countryHeader(code string) string {
	return layout.CountryLabel(code)
}

// itemTitle is an item's sheet title until the writers draw the view
// model (internal/view), which takes it from the labels.
func itemTitle[T layout.Item | *layout.Item](item T) string {
	it, ok := any(item).(layout.Item)
	if !ok {
		it = *any(item).(*layout.Item)
	}
	if s := it.Title.In("en"); s != "" {
		return s
	}
	return it.ID
}
