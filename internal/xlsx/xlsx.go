// Package xlsx draws a report's view (internal/view) as report.xlsx
// (outputs.md, series.md): a Summary sheet of headline figures with their
// change and targets, a Trends sheet, one sheet per indicator of the layout
// with its table, native charts of its breakdown and its trend window, and
// the Definitions, Data quality and About sheets, as the view's Sheets
// switch them.
//
// The writer draws and decides nothing: every word, figure and mark comes
// from the view, in the report's language. A figure the view built from a
// suppressed cell has no number, so the workbook cannot hold one.
//
// Every sheet is written with excelize's StreamWriter, so nothing from the
// data can become a formula: text is written as inline strings, numbers as
// numbers. The charts draw from a hidden sheet that holds only numbers and
// truly empty cells (Excel and LibreOffice would plot a text such as the
// suppression mark as zero); the tables the reader sees show the marks.
package xlsx

import (
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
	"rrstat/internal/view"
)

// ErrNoView is returned by Write for a nil view.
var ErrNoView = errors.New("no view to draw")

// Write draws v as an Excel workbook on w: the Summary first, then Trends,
// one sheet per panel, Definitions, Data quality and About as v.Sheets
// switches them, and the hidden sheet the charts draw from. It returns
// ErrNoView for a nil view and wraps excelize's errors otherwise.
func Write(w io.Writer, v *view.View) error {
	if v == nil {
		return ErrNoView
	}
	b, err := newBook(v)
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

// book is one workbook being drawn.
type book struct {
	f  *excelize.File
	v  *view.View
	st *styles
	// names are the sheets of the workbook in order; made says which
	// exist (for the links of the Summary's contents).
	names []string
	made  map[string]bool
	data  *dataSheet // the hidden chart data; nil when no chart is drawn
}

func newBook(v *view.View) (*book, error) {
	b := &book{f: excelize.NewFile(), v: v, made: map[string]bool{}}
	st, err := newStyles(b.f, v.Words.Points)
	if err != nil {
		b.f.Close()
		return nil, fmt.Errorf("workbook styles: %w", err)
	}
	b.st = st
	return b, nil
}

// sheetNames lists the sheets v has, in order; the last is the hidden
// chart data sheet when there are indicator sheets.
func (b *book) sheetNames() []string {
	v := b.v
	names := []string{v.Words.Summary}
	if v.Sheets.Trends {
		names = append(names, v.Words.Trends)
	}
	if v.Sheets.Indicators {
		for _, p := range v.Panels {
			names = append(names, p.Title)
		}
	}
	if v.Sheets.Definitions {
		names = append(names, v.Words.Definitions)
	}
	if v.DataQuality != nil {
		names = append(names, v.Words.DataQuality)
	}
	if v.Sheets.About {
		names = append(names, v.Words.About)
	}
	return names
}

func (b *book) write() error {
	v := b.v
	b.names = b.sheetNames()
	if err := b.f.SetSheetName("Sheet1", b.names[0]); err != nil {
		return fmt.Errorf("sheet %s: %w", b.names[0], err)
	}
	for _, n := range b.names[1:] {
		if _, err := b.f.NewSheet(n); err != nil {
			return fmt.Errorf("sheet %s: %w", n, err)
		}
	}
	for _, n := range b.names {
		b.made[n] = true
	}
	if v.Sheets.Indicators && len(v.Panels) > 0 {
		d, err := b.newDataSheet(v.Words.ChartSheet)
		if err != nil {
			return fmt.Errorf("sheet %s: %w", v.Words.ChartSheet, err)
		}
		b.data = d
	}
	steps := []struct {
		sheet string
		on    bool
		draw  func() error
	}{
		{v.Words.Summary, true, b.summary},
		{v.Words.Trends, v.Sheets.Trends, b.trends},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := s.draw(); err != nil {
			return fmt.Errorf("sheet %s: %w", s.sheet, err)
		}
	}
	if v.Sheets.Indicators {
		for i := range v.Panels {
			if err := b.panel(&v.Panels[i]); err != nil {
				return fmt.Errorf("sheet %s: %w", v.Panels[i].Title, err)
			}
		}
	}
	steps = []struct {
		sheet string
		on    bool
		draw  func() error
	}{
		{v.Words.Definitions, v.Sheets.Definitions, b.definitions},
		{v.Words.DataQuality, v.DataQuality != nil, b.dataQuality},
		{v.Words.About, v.Sheets.About, b.about},
	}
	for _, s := range steps {
		if !s.on {
			continue
		}
		if err := s.draw(); err != nil {
			return fmt.Errorf("sheet %s: %w", s.sheet, err)
		}
	}
	if b.data != nil {
		if err := b.data.sw.Flush(); err != nil {
			return fmt.Errorf("sheet %s: %w", b.data.name, err)
		}
		// Hidden, so that nobody reads its blanks for zeros; the charts
		// still draw from it (plotVisOnly is off).
		if err := b.f.SetSheetVisible(b.data.name, false); err != nil {
			return fmt.Errorf("sheet %s: %w", b.data.name, err)
		}
	}
	b.f.SetActiveSheet(0)
	created := v.GeneratedAt.UTC().Format(time.RFC3339)
	return b.f.SetDocProps(&excelize.DocProperties{
		Title:       v.Title + ", " + v.Period,
		Subject:     v.Subject,
		Creator:     "rrstat " + v.Version,
		Description: v.Notice,
		Created:     created,
		Modified:    created,
		Category:    v.Audience,
		Language:    v.Lang,
	})
}

// Paper and print geometry. Sizes are in screen pixels (96 a inch), as
// Excel lays out a sheet: a column of width w characters is about 7w+5
// pixels wide, a row of h points 4h/3 pixels high.
const (
	paperA4 = 9 // Excel's paper size code for A4

	marginSide   = 0.4 // inches
	marginTop    = 0.5
	marginHeader = 0.25

	// The printable width and height of A4 within the margins.
	portraitWidth   = 210/25.4*96 - 2*marginSide*96
	portraitHeight  = 297/25.4*96 - 2*marginTop*96
	landscapeWidth  = 297/25.4*96 - 2*marginSide*96
	landscapeHeight = 210/25.4*96 - 2*marginTop*96

	// minPortraitScale is the smallest scale at which a sheet is still
	// printed upright; a wider one is printed in landscape.
	minPortraitScale = 0.78
	// pageSlack keeps a margin for the applications' own rounding when
	// deciding whether a block fits on a page.
	pageSlack = 0.97

	rowPt = 15.0 // the height of a plain row
	rowPx = 20   // the same in pixels

	// excelize anchors a chart on columns of 8 pixels a character and on
	// rows of 18 pixels (4/3.4 of 15 points), not on what Excel draws.
	excelizeC     = 8.0
	excelizeRowPx = 18
)

// colPx is how wide a column of w characters is drawn.
func colPx(w float64) float64 { return math.Trunc(w*7 + 5) }

// geometry is how a sheet prints: its orientation, the scale that fits it
// to the page width, and the height of a page in sheet pixels.
type geometry struct {
	widths    []float64 // column widths in characters
	landscape bool
	pageH     float64
}

func newGeometry(widths []float64, forceLandscape bool) geometry {
	g := geometry{widths: widths}
	w := 0.0
	for _, c := range widths {
		w += colPx(c)
	}
	scale := math.Min(1, portraitWidth/w)
	pageH := portraitHeight
	if forceLandscape || scale < minPortraitScale {
		g.landscape = true
		scale = math.Min(1, landscapeWidth/w)
		pageH = landscapeHeight
	}
	g.pageH = pageH / scale * pageSlack
	return g
}

// pager follows where the rows written so far fall on the printed pages,
// so that a block (a chart with its table) can start a new page rather
// than be split.
type pager struct {
	pageH  float64
	y      float64 // pixels used on the current page
	titles float64 // pixels of the rows repeated atop every page
}

// add places a row of h pixels, starting a page where it does not fit.
func (p *pager) add(h float64) {
	if p.y+h > p.pageH && p.y > p.titles {
		p.y = p.titles
	}
	p.y += h
}

// fits reports whether a block of h pixels fits on the current page.
func (p *pager) fits(h float64) bool { return p.y+h <= p.pageH || p.y <= p.titles }

// sheet is a sheet being written: its StreamWriter, the last row written
// and where the rows fall on the pages.
type sheet struct {
	b    *book
	name string
	sw   *excelize.StreamWriter
	row  int
	geo  geometry
	pg   pager
	// width is the number of columns text blocks are merged across.
	width int
}

// open starts writing a sheet made by write: its column widths, how it
// prints (A4, fitted to the page width, landscape when it is wide) and its
// page header and footer. A frozen pane must be set with freeze before the
// first row.
func (b *book) open(name string, widths []float64, forceLandscape bool) (*sheet, error) {
	// The sheet's properties are written when its StreamWriter starts.
	fit := true
	if err := b.f.SetSheetProps(name, &excelize.SheetPropsOptions{FitToPage: &fit}); err != nil {
		return nil, err
	}
	sw, err := b.f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	// excelize puts each column it is given before those it has: set them
	// last first, so that they are written in order, as Excel requires.
	for i := len(widths) - 1; i >= 0; i-- {
		if err := sw.SetColWidth(i+1, i+1, widths[i]); err != nil {
			return nil, err
		}
	}
	s := &sheet{b: b, name: name, sw: sw, geo: newGeometry(widths, forceLandscape), width: len(widths)}
	s.pg.pageH = s.geo.pageH
	return s, b.pageSetup(name, s.geo.landscape)
}

// pageSetup prints a sheet on A4, fitted to the page width, with the
// report and its audience atop every page and the sheet and page number
// at the foot.
func (b *book) pageSetup(name string, landscape bool) error {
	orient := "portrait"
	if landscape {
		orient = "landscape"
	}
	size, fitW, fitH := paperA4, 1, 0
	if err := b.f.SetPageLayout(name, &excelize.PageLayoutOptions{Size: &size, Orientation: &orient, FitToWidth: &fitW, FitToHeight: &fitH}); err != nil {
		return err
	}
	side, top, hf := marginSide, marginTop, marginHeader
	if err := b.f.SetPageMargins(name, &excelize.PageLayoutMarginsOptions{Left: &side, Right: &side, Top: &top, Bottom: &top, Header: &hf, Footer: &hf}); err != nil {
		return err
	}
	v := b.v
	page := strings.NewReplacer("{page}", "&P", "{pages}", "&N").Replace(hfText(v.Words.PageOf))
	return b.f.SetHeaderFooter(name, &excelize.HeaderFooterOptions{
		OddHeader: "&L&8 " + hfText(v.Title+", "+v.Period) + "&R&8&B " + hfText(v.PageHeader),
		OddFooter: "&L&8 &A&R&8 " + page,
	})
}

// hfText escapes text for a page header or footer, where & starts a code.
func hfText(s string) string { return strings.ReplaceAll(s, "&", "&&") }

// freeze freezes the columns before col and the rows up to row. It must
// be called before the first row is written.
func (s *sheet) freeze(col, row int) error {
	return s.sw.SetPanes(&excelize.Panes{
		Freeze: true, XSplit: col, YSplit: row,
		TopLeftCell: cellName(col+1, row+1), ActivePane: "bottomRight",
		Selection: []excelize.Selection{{SQRef: cellName(col+1, row+1), ActiveCell: cellName(col+1, row+1), Pane: "bottomRight"}},
	})
}

// set writes values at row n (after the last one written), h points high.
func (s *sheet) set(n int, values []any, h float64) error {
	for s.row+1 < n {
		s.row++
		s.pg.add(rowPx)
	}
	s.row = n
	s.pg.add(h * 4 / 3)
	return s.sw.SetRow(cellName(1, n), values, excelize.RowOpts{Height: h})
}

// next writes values on the row after the last one, h points high.
func (s *sheet) next(values []any, h float64) error { return s.set(s.row+1, values, h) }

// skip leaves n empty rows.
func (s *sheet) skip(n int) {
	s.row += n
	for range n {
		s.pg.add(rowPx)
	}
}

// keep starts a new page before the next row unless a block of h pixels
// fits on the current one.
func (s *sheet) keep(h float64) error {
	if s.pg.fits(h) {
		return nil
	}
	s.pg.y = s.pg.titles
	return s.sw.InsertPageBreak(cellName(1, s.row+1))
}

// repeat prints rows first to last, h points high together, atop every
// page.
func (s *sheet) repeat(first, last int, h float64) error {
	s.pg.titles = h * 4 / 3
	return s.b.f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("%s!$%d:$%d", sheetRef(s.name), first, last),
		Scope:    s.name,
	})
}

// chars is the width of the first n columns in characters.
func (s *sheet) chars(n int) float64 {
	w := 0.0
	for i := 0; i < n && i < len(s.geo.widths); i++ {
		w += s.geo.widths[i]
	}
	return w
}

// wrapped writes a text merged across the sheet's width, wrapped, as high
// as it needs.
func (s *sheet) wrapped(style int, text string, lineH float64) error {
	vals := make([]any, s.width)
	for i := range vals {
		vals[i] = styled(style, "")
	}
	vals[0] = styled(style, text)
	if err := s.next(vals, textHeight(text, s.chars(s.width), lineH)+3); err != nil {
		return err
	}
	if s.width > 1 {
		return s.sw.MergeCell(cellName(1, s.row), cellName(s.width, s.row))
	}
	return nil
}

// titleBlock writes the title, the lines under it, the audience notice and
// the synthetic-data notice, from row 1 (titleRows says how many rows).
func (s *sheet) titleBlock(title string, lines ...string) error {
	st := s.b.st
	if err := s.set(1, []any{styled(st.title, title)}, 24); err != nil {
		return err
	}
	for _, l := range lines {
		if l == "" {
			continue
		}
		if err := s.wrapped(st.meta, l, 13); err != nil {
			return err
		}
	}
	return s.notices()
}

// notices writes the audience notice and, for synthetic data, its notice.
func (s *sheet) notices() error {
	v, st := s.b.v, s.b.st
	style := st.noticeAnalyst
	if v.Donor {
		style = st.noticeDonor
	}
	if err := s.wrapped(style, v.Notice, 14); err != nil {
		return err
	}
	if v.SyntheticNotice != "" {
		return s.wrapped(st.synthetic, v.SyntheticNotice, 14)
	}
	return nil
}

// titleRows is how many rows titleBlock writes for its lines.
func (b *book) titleRows(lines ...string) int {
	n := 2 // title, notice
	for _, l := range lines {
		if l != "" {
			n++
		}
	}
	if b.v.SyntheticNotice != "" {
		n++
	}
	return n
}

// notes writes footnotes, each merged across the sheet and wrapped.
func (s *sheet) notes(notes ...string) error {
	for _, n := range notes {
		if n == "" {
			continue
		}
		if err := s.wrapped(s.b.st.note, n, 12); err != nil {
			return err
		}
	}
	return nil
}

// notesHeight is how high notes are written, in pixels.
func (s *sheet) notesHeight(notes ...string) float64 {
	h := 0.0
	for _, n := range notes {
		if n != "" {
			h += (textHeight(n, s.chars(s.width), 12) + 3) * 4 / 3
		}
	}
	return h
}

// textHeight returns the height in points of a wrapped text of s in a cell
// chars characters wide, at lineHeight points a line.
func textHeight(s string, chars, lineHeight float64) float64 {
	chars = math.Max(chars, 10)
	lines := 0
	for _, para := range strings.Split(s, "\n") {
		// Proportional text of 10 points is narrower than the column's
		// character width (a digit of 11 points): 1.2 characters a unit.
		lines += int(float64(len([]rune(para)))/(chars*1.2)) + 1
	}
	return float64(lines) * lineHeight
}

// styled returns a text cell. All text goes through here: the
// StreamWriter writes it as an inline string, never as a formula, whatever
// it starts with.
func styled(style int, s string) excelize.Cell {
	return excelize.Cell{StyleID: style, Value: s}
}

// figure returns the cell of a figure: its number in the kind's format, or
// its mark as text, or an empty cell for an absent one. total selects the
// bold styles of a total row.
func (b *book) figure(f view.Figure, total bool) excelize.Cell {
	row := b.st.row(total)
	switch {
	case f.Mark == view.Absent:
		return excelize.Cell{StyleID: row.blank}
	case !f.HasNumber():
		return excelize.Cell{StyleID: row.mark, Value: f.Text}
	}
	return excelize.Cell{StyleID: row.number(f.Kind), Value: number(f)}
}

// number is a figure's number as the workbook stores it: a count as an
// integer, a percentage as an Excel percentage (0.716 for 71.6 per cent,
// formatted 0.0%), a mean as it is.
func number(f view.Figure) any {
	switch f.Kind {
	case cell.Count:
		if n, err := strconv.ParseInt(f.Value, 10, 64); err == nil {
			return n
		}
	case cell.Percentage:
		return fraction(f.Value, f.Number)
	}
	return f.Number
}

// fraction returns a percentage written as "71.6" as the fraction 0.716,
// exactly as the decimal reads (not 71.6/100 in floating point, which may
// be 0.7159999999999999); number is the fallback for a value that does not
// parse.
func fraction(value string, number float64) float64 {
	r, ok := new(big.Rat).SetString(value)
	if !ok {
		return number / 100
	}
	f, _ := r.Quo(r, big.NewRat(100, 1)).Float64()
	return f
}

// change returns the cell of a change: its number with its sign in the
// kind's change format (percentage points for a percentage), or its mark.
func (b *book) change(c view.Change, kind cell.Kind, total bool) excelize.Cell {
	row := b.st.row(total)
	if !c.HasNumber() {
		return excelize.Cell{StyleID: row.mark, Value: c.Text}
	}
	return excelize.Cell{StyleID: row.change(kind), Value: c.Number}
}

// sheetRef quotes a sheet name for a reference, doubling any apostrophe.
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

// labelWidth is the width of a label column for texts, between lo and hi
// characters.
func labelWidth(lo, hi float64, texts ...string) float64 {
	w := lo
	for _, t := range texts {
		w = math.Max(w, float64(len([]rune(t)))*1.05+2)
	}
	return math.Min(w, hi)
}
