package xlsx

import (
	"strings"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/cell"
)

// The number formats of the workbook. A percentage is stored as an Excel
// percentage (0.716) and shown as 71.6%; a change is signed, a change of a
// percentage in percentage points (see pointsFormat).
const (
	FormatCount       = "#,##0"
	FormatPercent     = "0.0%"
	FormatMean        = "0.000"
	FormatChangeCount = "+#,##0;-#,##0;0"
	FormatChangeMean  = "+0.000;-0.000;0.000"
)

// pointsFormat is the format of a change of a percentage, in percentage
// points, with the unit of the report's language: +0.0" pp".
func pointsFormat(unit string) string {
	// A quote cannot stand inside a quoted text of a number format.
	u := `" ` + strings.ReplaceAll(unit, `"`, "") + `"`
	return "+0.0" + u + ";-0.0" + u + ";0.0" + u
}

// Colours (RGB hex) of the workbook.
const (
	colourInk    = "1F2937"
	colourNavy   = "1F3864"
	colourGrey   = "595959"
	colourRule   = "BFBFBF"
	colourBand   = "F2F2F2"
	colourHeader = "DCE6F1"
)

// rowStyles are the styles of the cells of one kind of table row.
type rowStyles struct {
	count, percent, mean            int
	changeCount, changePts, changeM int
	mark, blank, label              int
}

// number returns the style of a figure of kind k.
func (r rowStyles) number(k cell.Kind) int {
	switch k {
	case cell.Percentage:
		return r.percent
	case cell.Mean:
		return r.mean
	}
	return r.count
}

// change returns the style of a change of a figure of kind k.
func (r rowStyles) change(k cell.Kind) int {
	switch k {
	case cell.Percentage:
		return r.changePts
	case cell.Mean:
		return r.changeM
	}
	return r.changeCount
}

// styles are the cell styles of a workbook.
type styles struct {
	title, meta, metaLine, noticeAnalyst, noticeDonor int
	synthetic                                         int
	note, section, caption                            int
	header, headerLeft, headerGroup                   int
	group                                             int
	body, total, sub                                  rowStyles
	keyLabel, keyValue, text, textWrap                int
	link                                              int
	data                                              int
}

// row returns the styles of a body or total row.
func (s *styles) row(total bool) rowStyles {
	if total {
		return s.total
	}
	return s.body
}

func newStyles(f *excelize.File, points string) (*styles, error) {
	st := &styles{}
	var err error
	add := func(s *excelize.Style) int {
		if err != nil {
			return 0
		}
		var id int
		id, err = f.NewStyle(s)
		return id
	}
	font := func(size float64, bold bool, colour string) *excelize.Font {
		return &excelize.Font{Family: "Calibri", Size: size, Bold: bold, Color: colour}
	}
	fill := func(colour string) excelize.Fill {
		return excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{colour}}
	}
	hair := []excelize.Border{{Type: "bottom", Color: colourRule, Style: 1}}
	top := []excelize.Border{{Type: "top", Color: colourInk, Style: 1}, {Type: "bottom", Color: colourRule, Style: 1}}
	wrapTop := &excelize.Alignment{Vertical: "top", WrapText: true}

	st.title = add(&excelize.Style{Font: font(15, true, colourNavy), Alignment: &excelize.Alignment{Vertical: "center"}})
	st.meta = add(&excelize.Style{Font: font(10, false, colourGrey), Alignment: wrapTop})
	st.metaLine = add(&excelize.Style{Font: font(10, false, colourGrey)})
	banner := func(ink, bg string) int {
		return add(&excelize.Style{Font: font(10, true, ink), Fill: fill(bg),
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	}
	st.noticeAnalyst = banner("9C0006", "FCE4E4")
	st.noticeDonor = banner(colourNavy, "DDEBF7")
	st.synthetic = banner("7F6000", "FFF2CC")
	st.note = add(&excelize.Style{Font: font(9, false, colourGrey), Alignment: wrapTop})
	st.caption = add(&excelize.Style{Font: font(9, true, colourGrey), Alignment: &excelize.Alignment{Vertical: "bottom"}})
	st.section = add(&excelize.Style{Font: font(12, true, colourNavy), Alignment: &excelize.Alignment{Vertical: "bottom"}})

	headerFont := font(10, true, colourInk)
	headerBorder := []excelize.Border{{Type: "top", Color: colourInk, Style: 1}, {Type: "bottom", Color: colourInk, Style: 1}}
	st.header = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader), Border: headerBorder,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	st.headerLeft = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader), Border: headerBorder,
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}})
	st.headerGroup = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader),
		Border:    []excelize.Border{{Type: "top", Color: colourInk, Style: 1}, {Type: "bottom", Color: colourRule, Style: 1}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	st.group = add(&excelize.Style{Font: font(10, true, colourNavy), Fill: fill(colourBand), Alignment: &excelize.Alignment{Vertical: "center"}})

	pts := pointsFormat(points)
	numbers := func(bold bool, border []excelize.Border, ink string, indent int) rowStyles {
		f := font(10, bold, ink)
		num := func(format string) int {
			return add(&excelize.Style{Font: f, Border: border, CustomNumFmt: &format})
		}
		return rowStyles{
			count: num(FormatCount), percent: num(FormatPercent), mean: num(FormatMean),
			changeCount: num(FormatChangeCount), changePts: num(pts), changeM: num(FormatChangeMean),
			mark:  add(&excelize.Style{Font: font(10, bold, colourGrey), Border: border, Alignment: &excelize.Alignment{Horizontal: "right"}}),
			blank: add(&excelize.Style{Font: f, Border: border}),
			label: add(&excelize.Style{Font: f, Border: border, Alignment: &excelize.Alignment{Indent: indent, Vertical: "center"}}),
		}
	}
	st.body = numbers(false, hair, colourInk, 1)
	st.total = numbers(true, top, colourInk, 0)
	// sub are the rows under a figure's row: its target and what was
	// achieved.
	st.sub = numbers(false, hair, colourGrey, 3)

	st.keyLabel = add(&excelize.Style{Font: font(10, true, colourInk), Alignment: &excelize.Alignment{Vertical: "top"}, Border: hair})
	st.keyValue = add(&excelize.Style{Font: font(10, false, colourInk), Alignment: wrapTop, Border: hair})
	st.text = add(&excelize.Style{Font: font(10, false, colourInk), Border: hair, Alignment: &excelize.Alignment{Vertical: "top"}})
	st.textWrap = add(&excelize.Style{Font: font(10, false, colourInk), Border: hair, Alignment: wrapTop})
	st.link = add(&excelize.Style{Font: &excelize.Font{Family: "Calibri", Size: 10, Color: "0563C1", Underline: "single"}})
	st.data = add(&excelize.Style{Font: font(9, false, colourGrey)})
	return st, err
}
