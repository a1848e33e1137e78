package xlsx

import "github.com/xuri/excelize/v2"

// The number formats of the workbook. A percentage is stored as the
// percentage itself (40.0 for 40 per cent), so its format is a plain one
// decimal, not Excel's "%" format, which would multiply by 100.
const (
	FormatCount = "#,##0"
	FormatPct   = "0.0"
	FormatMean  = "0.000"
)

// Colours (RGB hex) of the workbook and its charts.
const (
	colourInk    = "1F2937"
	colourNavy   = "1F3864"
	colourGrey   = "595959"
	colourRule   = "BFBFBF"
	colourBand   = "F2F2F2"
	colourHeader = "DCE6F1"
)

// seriesColours are the chart colours: All countries first (navy), then one
// a country.
var seriesColours = []string{"1F3864", "4E9BD5", "E69F00", "3BA27A", "C0504D", "8064A2", "7F7F7F", "B8860B", "17BECF", "D36CA0"}

// numberStyles are the styles of one kind of table row.
type numberStyles struct {
	count, pct, mean, symbol, label int
}

// styles are the cell styles of a workbook.
type styles struct {
	title, meta, noticeAnalyst, noticeDonor, synthetic int
	definition, note, section                          int
	header, headerLeft, headerGroup                    int
	group                                              int
	body, total                                        numberStyles
	keyLabel, keyValue, text, textWrap                 int
	link                                               int
}

func newStyles(f *excelize.File) (styles, error) {
	var st styles
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
	top := []excelize.Border{{Type: "top", Color: colourInk, Style: 1}}
	fmtCount, fmtPct, fmtMean := FormatCount, FormatPct, FormatMean

	st.title = add(&excelize.Style{Font: font(15, true, colourNavy)})
	st.meta = add(&excelize.Style{Font: font(10, false, colourGrey)})
	banner := func(ink, bg string) int {
		return add(&excelize.Style{Font: font(10, true, ink), Fill: fill(bg),
			Alignment: &excelize.Alignment{Vertical: "center", WrapText: true}})
	}
	st.noticeAnalyst = banner("9C0006", "FCE4E4")
	st.noticeDonor = banner(colourNavy, "DDEBF7")
	st.synthetic = banner("7F6000", "FFF2CC")
	st.definition = add(&excelize.Style{Font: font(10, false, colourInk), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	st.note = add(&excelize.Style{Font: font(9, false, colourGrey)})
	st.section = add(&excelize.Style{Font: font(12, true, colourNavy)})

	headerFont := font(10, true, colourInk)
	headerBorder := []excelize.Border{{Type: "top", Color: colourInk, Style: 1}, {Type: "bottom", Color: colourInk, Style: 1}}
	st.header = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader), Border: headerBorder,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	st.headerLeft = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader), Border: headerBorder,
		Alignment: &excelize.Alignment{Horizontal: "left", Vertical: "center", WrapText: true}})
	st.headerGroup = add(&excelize.Style{Font: headerFont, Fill: fill(colourHeader),
		Border:    []excelize.Border{{Type: "top", Color: colourInk, Style: 1}, {Type: "bottom", Color: colourRule, Style: 1}},
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center"}})
	st.group = add(&excelize.Style{Font: font(10, true, colourNavy), Fill: fill(colourBand)})

	numbers := func(bold bool, border []excelize.Border) numberStyles {
		f := font(10, bold, colourInk)
		return numberStyles{
			count:  add(&excelize.Style{Font: f, Border: border, CustomNumFmt: &fmtCount}),
			pct:    add(&excelize.Style{Font: f, Border: border, CustomNumFmt: &fmtPct}),
			mean:   add(&excelize.Style{Font: f, Border: border, CustomNumFmt: &fmtMean}),
			symbol: add(&excelize.Style{Font: font(10, bold, colourGrey), Border: border, Alignment: &excelize.Alignment{Horizontal: "right"}}),
			label:  add(&excelize.Style{Font: f, Border: border, Alignment: &excelize.Alignment{Indent: 1}}),
		}
	}
	st.body = numbers(false, hair)
	st.total = numbers(true, top)
	st.total.label = add(&excelize.Style{Font: font(10, true, colourInk), Border: top})

	st.keyLabel = add(&excelize.Style{Font: font(10, true, colourInk), Alignment: &excelize.Alignment{Vertical: "top"}, Border: hair})
	st.keyValue = add(&excelize.Style{Font: font(10, false, colourInk), Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}, Border: hair})
	st.text = add(&excelize.Style{Font: font(10, false, colourInk), Border: hair, Alignment: &excelize.Alignment{Vertical: "top"}})
	st.textWrap = add(&excelize.Style{Font: font(10, false, colourInk), Border: hair, Alignment: &excelize.Alignment{Vertical: "top", WrapText: true}})
	st.link = add(&excelize.Style{Font: &excelize.Font{Family: "Calibri", Size: 10, Color: "0563C1", Underline: "single"}})
	return st, err
}
