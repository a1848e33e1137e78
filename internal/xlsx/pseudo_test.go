package xlsx

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"rrstat/internal/export"
	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/reports"
)

// pseudo returns the English labels with every text wrapped in ⟦ ⟧
// (placeholders kept), so that any word of a workbook that did not come
// from the labels stands out. The number separators are left as they are.
// A few texts carry letters of the other languages: the Uzbek Latin oʻ and
// gʻ and Cyrillic, which must survive into the workbook.
func pseudo(t testing.TB, r *report.Report) *labels.Labels {
	t.Helper()
	src, err := reports.FS.ReadFile("labels/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	special := map[string]string{
		"countries.UZ":                   "⟦Oʻzbekiston gʻ⟧",
		"countries.KZ":                   "⟦Казахстан⟧",
		"indicators.RET_ARRIVED.title":   "⟦Прибывшие oʻ⟧",
		"categories.age_group.0-4":       "⟦0-4 yosh⟧",
		"indicators.RET_ARRIVED.name":    "⟦Davr ichida kelganlar soni gʻ⟧",
		"indicators.RET_ARRIVED.axis":    "⟦Shaxslar⟧",
		"kinds.percentage.value_head":    "⟦Foiz⟧",
		"kinds.percentage.base_head":     "⟦Asos⟧",
		"kinds.mean.value_head":          "⟦Oʻrtacha⟧",
		"words.change_since":             "⟦{period} dan beri oʻzgarish⟧",
		"page.page_of":                   "⟦{page}-bet, jami {pages}⟧",
		"sheets.chart_data":              "⟦Diagramma maʼlumotlari⟧",
		"categories.total.total":         "⟦Jami⟧",
		"indicators.RET_CUMULATIVE.axis": "⟦Shaxslar⟧",
	}
	var walk func(path string, n *yaml.Node)
	walk = func(path string, n *yaml.Node) {
		switch n.Kind {
		case yaml.DocumentNode:
			for _, c := range n.Content {
				walk(path, c)
			}
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				key := n.Content[i].Value
				if path != "" {
					key = path + "." + key
				}
				walk(key, n.Content[i+1])
			}
		case yaml.ScalarNode:
			if s, ok := special[path]; ok {
				n.Value = s
			} else if !strings.HasPrefix(path, "number.") {
				n.Value = "⟦" + n.Value + "⟧"
			}
			n.Style = yaml.DoubleQuotedStyle
		}
	}
	walk("", &doc)
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	ref := english(t, r)
	l, err := labels.Parse("xx", "pseudo.yaml", out, ref, r.Catalogue)
	if err != nil {
		t.Fatalf("pseudo labels: %v", err)
	}
	return l
}

var (
	reWrapped = regexp.MustCompile(`⟦[^⟦⟧]*⟧`)
	reToken   = regexp.MustCompile(`[\p{L}\p{N}_.\-ʻʼ]+`)
	reLetter  = regexp.MustCompile(`\p{L}`)
	reCode    = regexp.MustCompile(`^([A-Z][A-Z0-9_]*|.*\d.*)$`) // RET_ARRIVED, KZ, 2025Q3, v1.0.0-test
)

// leftover returns the words of s outside the labels' texts that are
// neither codes nor numbers nor allowed (names from the data).
func leftover(s string, allowed map[string]bool) []string {
	for reWrapped.MatchString(s) {
		s = reWrapped.ReplaceAllString(s, " ")
	}
	var out []string
	for _, tok := range reToken.FindAllString(s, -1) {
		tok = strings.Trim(tok, ".-")
		if !reLetter.MatchString(tok) || reCode.MatchString(tok) || allowed[tok] {
			continue
		}
		out = append(out, tok)
	}
	return out
}

// TestWritePseudoLocalised draws a report with pseudo-localised labels and
// checks every string a reader sees (sheet names, cells, chart and axis
// titles, page headers and footers, the workbook's properties): each is
// the labels' text, a code, a number, a mark, or a name from the data.
// Any other word is English that the writer or the view wrote on its own.
func TestWritePseudoLocalised(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := withTargets(t, testReport(t, aud, "quarterly.yaml"))
			r.Synthetic = true
			l := pseudo(t, r)
			v := build(t, r, l)
			data := writeBook(t, v)
			f := openBook(t, data)

			// Names and texts from the data and the fixture.
			allowed := map[string]bool{"x": true, "rrstat": true, "analyst": true, "donor": true}
			var texts []string
			for _, c := range r.Cells.Cells {
				if c.Dimension == "region" {
					texts = append(texts, c.Category)
				}
			}
			texts = append(texts, r.Layout.File)
			texts = append(texts, export.TableNames...)
			for _, s := range r.Snapshots {
				texts = append(texts, s.ID, s.Source)
				if s.Summary != nil {
					for _, rj := range s.Summary.Rejects {
						// The fixture's reasons are not the loader's: the view
						// shows an unknown reason as it is.
						texts = append(texts, rj.Column, rj.Reason)
					}
					texts = append(texts, s.Summary.Warnings...)
				}
			}
			for _, d := range texts {
				for _, tok := range reToken.FindAllString(d, -1) {
					allowed[strings.Trim(tok, ".-")] = true
				}
			}

			// The precise definitions of an analyst report are the query
			// files' own (issue 11: they stay as the query header has them).
			precise := map[string]bool{}
			for _, d := range v.Definitions {
				precise[d.Precise] = true
			}
			seen := 0
			check := func(where, s string) {
				seen++
				if precise[s] {
					return
				}
				if words := leftover(s, allowed); len(words) > 0 {
					t.Errorf("%s: %q has words not from the labels: %q", where, s, words)
				}
			}
			reNumber := regexp.MustCompile(`^-?\d+(\.\d+)?(E-?\d+)?$`)
			for _, sheet := range f.GetSheetList() {
				check("sheet name", sheet)
				for i, row := range rows(t, f, sheet) {
					for j, c := range row {
						if c == "" || reNumber.MatchString(c) {
							continue
						}
						check(sheet+"!"+cellName(j+1, i+1), c)
					}
				}
				hf, err := f.GetHeaderFooter(sheet)
				if err != nil {
					t.Fatal(err)
				}
				if hf != nil {
					codes := regexp.MustCompile(`&[LCRBAPN]|&\d+ ?|&&`)
					check(sheet+" header", codes.ReplaceAllString(hf.OddHeader, " "))
					check(sheet+" footer", codes.ReplaceAllString(hf.OddFooter, " "))
				}
			}
			parts := zipFiles(t, data)
			reText := regexp.MustCompile(`<a:t>([^<]*)</a:t>`)
			for name, body := range parts {
				if strings.HasPrefix(name, "xl/charts/") {
					for _, m := range reText.FindAllStringSubmatch(body, -1) {
						check(name, m[1])
					}
				}
			}
			props, err := f.GetDocProps()
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range []string{props.Title, props.Subject, props.Description, props.Category} {
				check("document properties", p)
			}
			if seen < 500 {
				t.Errorf("only %d strings checked", seen)
			}

			// Uzbek Latin and Cyrillic letters survive into the workbook.
			if !slices.Contains(f.GetSheetList(), "⟦Прибывшие oʻ⟧") {
				t.Errorf("sheets %q: no ⟦Прибывшие oʻ⟧", f.GetSheetList())
			}
			var summary []string
			for _, row := range rows(t, f, "⟦Summary⟧") {
				summary = append(summary, row...)
			}
			for _, want := range []string{"⟦Oʻzbekiston gʻ⟧", "⟦Казахстан⟧", "⟦Davr ichida kelganlar soni gʻ⟧", "⟦2025Q2 dan beri oʻzgarish⟧"} {
				if !slices.Contains(summary, want) {
					t.Errorf("the Summary does not show %q", want)
				}
			}
			hf, _ := f.GetHeaderFooter("⟦Summary⟧")
			if !strings.Contains(hf.OddFooter, "⟦&P-bet, jami &N⟧") {
				t.Errorf("footer %q does not number the pages in the labels' words", hf.OddFooter)
			}
		})
	}
}
