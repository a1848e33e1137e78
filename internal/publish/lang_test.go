package publish_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/duckdb"
	"rrstat/internal/labels"
	"rrstat/internal/period"
	"rrstat/internal/publish"
	"rrstat/internal/report"
	"rrstat/reports"
)

// Reports in Russian and Uzbek, made as a user makes them, carry no English
// sentence of the labels anywhere a reader looks (the workbook's sheets,
// cells, charts, headers and footers; the dashboard's page), no missing
// key, and their own letters. The writers' own tests check the same with a
// pseudo-language, key by key; this checks the real files of both.
func TestReportsInEveryLanguage(t *testing.T) {
	f := sampleStore(t)
	en, err := labels.Load(reports.FS, "en", f.cat)
	if err != nil {
		t.Fatal(err)
	}
	// English sentences: label texts of three words or more (shorter ones,
	// like "NGO" or "18-59", may be the same in every language).
	var english []string
	for _, k := range en.Keys() {
		s := en.T(k)
		if len(strings.Fields(s)) >= 3 && !strings.Contains(s, "{") {
			english = append(english, s)
		}
	}
	for _, tt := range []struct {
		lang    string
		letters *regexp.Regexp // must occur
	}{
		{"ru", regexp.MustCompile(`[а-яА-ЯёЁ]{4,}`)},
		{"uz", regexp.MustCompile(`oʻ|gʻ|Oʻ|Gʻ`)},
	} {
		for _, aud := range []report.Audience{report.Analyst, report.Donor} {
			t.Run(tt.lang+"-"+string(aud), func(t *testing.T) {
				lab, err := labels.Load(reports.FS, tt.lang, f.cat)
				if err != nil {
					t.Fatal(err)
				}
				p, _ := period.Parse("2025Q3")
				out := filepath.Join(t.TempDir(), "r")
				m, err := publish.Make(context.Background(), duckdb.Held{Store: f.store}, f.cat, publish.Request{Period: p, Audience: aud, K: 5,
					Params: report.DefaultParams, Layout: f.lay, Out: out, Version: "test", Now: loadAt, Labels: lab})
				if err != nil {
					t.Fatal(err)
				}
				if m.Language != tt.lang {
					t.Errorf("manifest language %q", m.Language)
				}
				texts := map[string]string{
					"report.xlsx":    workbookText(t, filepath.Join(out, publish.FileWorkbook)),
					"dashboard.html": pageText(t, filepath.Join(out, publish.FileDashboard)),
				}
				// The precise definitions of the query files stay as they
				// are on the analyst Definitions sheet (issue 11).
				for name, text := range texts {
					for _, ind := range f.cat {
						text = strings.ReplaceAll(text, ind.Definition, "")
					}
					texts[name] = text
				}
				for name, text := range texts {
					if !tt.letters.MatchString(text) {
						t.Errorf("%s has no %s letters", name, tt.lang)
					}
					if i := strings.Index(text, "[report."); i >= 0 || regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).MatchString(text) {
						t.Errorf("%s shows a missing key: %q", name, regexp.MustCompile(`\[[a-z_]+\.[a-z_.]+\]`).FindString(text))
					}
					for _, s := range english {
						if strings.Contains(text, s) {
							t.Errorf("%s holds the English %q", name, s)
						}
					}
				}
				// The CSV files stay in codes.
				csv := fileText(t, filepath.Join(out, publish.FileIndicators))
				if !strings.Contains(csv, "RET_ARRIVED,2025Q3,ALL,sex,F,") || tt.letters.MatchString(csv) {
					t.Errorf("indicators.csv is not in codes")
				}
			})
		}
	}
}

// pageText returns a page without its scripts of code (ECharts and the
// page's own), keeping the JSON data block the charts are drawn from.
func pageText(t *testing.T, path string) string {
	t.Helper()
	s := fileText(t, path)
	return regexp.MustCompile(`(?s)<script>.*?</script>`).ReplaceAllString(s, "")
}

func fileText(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// workbookText returns every text of a workbook a reader sees: sheet names,
// cell values, and the XML of its charts and its headers and footers.
func workbookText(t *testing.T, path string) string {
	t.Helper()
	f, err := excelize.OpenFile(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, sh := range f.GetSheetList() {
		b.WriteString(sh + "\n")
		rows, err := f.GetRows(sh)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b.WriteString(strings.Join(r, "\t") + "\n")
		}
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/") || strings.HasPrefix(zf.Name, "xl/worksheets/") {
			rc, err := zf.Open()
			if err != nil {
				t.Fatal(err)
			}
			x, _ := io.ReadAll(rc)
			rc.Close()
			for _, m := range regexp.MustCompile(`<(?:a:t|oddHeader|oddFooter)>([^<]*)<`).FindAllSubmatch(x, -1) {
				b.Write(m[1])
				b.WriteByte('\n')
			}
		}
	}
	return b.String()
}
