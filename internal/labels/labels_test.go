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
			v := l.T(k)
			// A value head may be empty; digits may be grouped with a
			// (no-break) space, as Russian and Uzbek write 1 234.
			blankOK := strings.HasSuffix(k, "_head") || (k == "number.group" && v != "")
			if strings.TrimSpace(v) == "" && !blankOK {
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

// Russian and Uzbek write numbers with a no-break space between groups of
// digits and a decimal comma, and dates in their own order.
func TestFormatsRuUz(t *testing.T) {
	cat := catalogue(t)
	day := time.Date(2025, 7, 1, 9, 5, 0, 0, time.UTC)
	for _, tt := range []struct {
		lang, number, date, time, caption string
	}{
		{"ru", "-1\u00a0234,5", "1 июля 2025\u00a0г.", "1 июля 2025\u00a0г., 09:05 UTC", "▲ +1,5\u00a0п.\u00a0п. к 2025Q2"},
		{"uz", "-1\u00a0234,5", "2025-yil 1-iyul", "2025-yil 1-iyul, soat 09:05 (UTC)", "▲ +1,5\u00a0f.p. (2025Q2 bilan taqqoslaganda)"},
	} {
		l, err := Load(reports.FS, tt.lang, cat)
		if err != nil {
			t.Fatal(err)
		}
		if got := l.Number("-1234.5"); got != tt.number {
			t.Errorf("%s: Number = %q, want %q", tt.lang, got, tt.number)
		}
		if got := l.Date(day); got != tt.date {
			t.Errorf("%s: Date = %q, want %q", tt.lang, got, tt.date)
		}
		if got := l.DateTime(day); got != tt.time {
			t.Errorf("%s: DateTime = %q, want %q", tt.lang, got, tt.time)
		}
		points := l.T("change.points", "n", "+"+l.Number("1.5"))
		if got := l.T("change.caption", "arrow", "▲", "change", points, "period", "2025Q2"); got != tt.caption {
			t.Errorf("%s: caption = %q, want %q", tt.lang, got, tt.caption)
		}
	}
}
