package labels

import (
	"errors"
	"strings"
	"testing"
	"time"

	"rrstat/internal/indicator"
	"rrstat/queries"
	"rrstat/reports"
)

func catalogue(t *testing.T) indicator.Catalogue {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

// Every built-in language is complete: the keys of English, the same
// placeholders, every indicator, dimension and code named.
func TestBuiltInLanguagesComplete(t *testing.T) {
	cat := catalogue(t)
	for _, lang := range Languages {
		l, err := Load(reports.FS, lang, cat)
		if err != nil {
			t.Errorf("%s: %v", lang, err)
			continue
		}
		if l.Lang != lang {
			t.Errorf("%s: Lang = %s", lang, l.Lang)
		}
		for _, k := range l.Keys() {
			if strings.TrimSpace(l.T(k)) == "" && !strings.HasSuffix(k, "_head") {
				t.Errorf("%s: %s is empty", lang, k)
			}
		}
	}
}

func ref(t *testing.T) *Labels {
	t.Helper()
	l, err := Load(reports.FS, Reference, catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func TestParseRefusals(t *testing.T) {
	cat := catalogue(t)
	en := ref(t)
	src, err := reports.FS.ReadFile("labels/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	base := string(src)
	tests := []struct {
		name string
		edit func(string) string
		want []string
	}{
		{"missing key", func(s string) string { return strings.Replace(s, "  print: Print / save as PDF\n", "", 1) },
			[]string{"missing key page.print"}},
		{"unknown key", func(s string) string {
			return strings.Replace(s, "  print: Print / save as PDF\n", "  print: Print\n  prnit: x\n", 1)
		},
			[]string{"unknown key page.prnit"}},
		{"placeholders", func(s string) string {
			return strings.Replace(s, `caption: "{arrow} {change} vs {period}"`, `caption: "{arrow} {change} vs {periode}"`, 1)
		}, []string{"change.caption has the placeholders [{arrow} {change} {periode}], the reference [{arrow} {change} {period}]"}},
		{"indicator without name", func(s string) string {
			return strings.Replace(s, "    name: Persons arrived in the period\n", "", 1)
		}, []string{"missing key indicators.RET_ARRIVED.name"}},
		{"category", func(s string) string { return strings.Replace(s, "    lost_contact: Lost contact\n", "", 1) },
			[]string{"missing key categories.closure_reason.lost_contact"}},
		{"long title", func(s string) string {
			return strings.Replace(s, "title: Arrived in period", "title: Arrived in the period that this report covers", 1)
		}, []string{"indicators.RET_ARRIVED.title \"Arrived in the period that this report covers\" names a sheet"}},
		{"syntax", func(s string) string { return s + "\n  bad: [\n" }, []string{"labels.yaml:"}},
		{"null", func(s string) string { return strings.Replace(s, "  print: Print / save as PDF\n", "  print:\n", 1) },
			[]string{"page.print has no text"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("xx", "labels.yaml", []byte(tt.edit(base)), en, cat)
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrLabels) {
				t.Errorf("not ErrLabels: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
			if !strings.Contains(err.Error(), "labels.yaml:") {
				t.Errorf("error does not name the file: %v", err)
			}
		})
	}
	if _, err := Load(reports.FS, "fr", cat); err == nil || !strings.Contains(err.Error(), `unknown language "fr"`) {
		t.Errorf("unknown language: %v", err)
	}
}

func TestFormats(t *testing.T) {
	en := ref(t)
	if got := en.T("change.caption", "arrow", "▲", "change", "+12", "period", "2025Q2"); got != "▲ +12 vs 2025Q2" {
		t.Errorf("T = %q", got)
	}
	if got := en.T("no.such.key"); got != "[no.such.key]" {
		t.Errorf("unknown key = %q", got)
	}
	for in, want := range map[string]string{"1234567": "1,234,567", "71.6": "71.6", "-0.125": "-0.125", "0": "0", "-1234.5": "-1,234.5", "999": "999"} {
		if got := en.Number(in); got != want {
			t.Errorf("Number(%s) = %q, want %q", in, got, want)
		}
	}
	if got := en.Date(time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)); got != "30 September 2025" {
		t.Errorf("Date = %q", got)
	}
	if got := en.Category("need_type", "family_reunification"); got != "Family reunification" {
		t.Errorf("need_type = %q", got)
	}
	if got := en.Category("return_from", "SY"); got != "Syria" {
		t.Errorf("return_from SY = %q", got)
	}
	if got := en.Category("return_from", "XK"); got != "XK" {
		t.Errorf("return_from XK = %q", got)
	}
	if got := en.Category("region", "Tashkent"); got != "Tashkent" {
		t.Errorf("region = %q", got)
	}
	if got := en.Category("region", "unknown"); got != "Not recorded" {
		t.Errorf("unknown region = %q", got)
	}
}
