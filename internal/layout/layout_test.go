package layout_test

import (
	"errors"
	"io/fs"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/queries"
	"rrstat/reports"
)

func catalogue(t *testing.T) indicator.Catalogue {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatalf("load catalogue: %v", err)
	}
	return cat
}

// TestBuiltInLayoutsParse checks that every embedded layout parses against
// the real catalogue.
func TestBuiltInLayoutsParse(t *testing.T) {
	cat := catalogue(t)
	names, err := fs.Glob(reports.FS, "*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	if got, want := names, []string{"donor-summary.yaml", "quarterly.yaml"}; !cmp.Equal(got, want) {
		t.Errorf("embedded layouts (-want +got):\n%s", cmp.Diff(want, got))
	}
	for _, name := range names {
		if _, err := layout.Load(reports.FS, name, cat); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// TestQuarterly checks the default layout: every indicator in catalogue
// order, its tables the indicator's disaggregations, a chart of one of them
// and the chosen headline.
func TestQuarterly(t *testing.T) {
	cat := catalogue(t)
	l, err := layout.Load(reports.FS, reports.Default, cat)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range l.Items {
		ids = append(ids, it.ID)
		ind := cat.Lookup(it.ID)
		if diff := cmp.Diff(ind.Disaggregations, it.Tables); diff != "" {
			t.Errorf("%s tables (-want +got):\n%s", it.ID, diff)
		}
		if !slices.Contains(it.Tables, it.Chart.Dimension) {
			t.Errorf("%s charts %q, not one of its tables", it.ID, it.Chart.Dimension)
		}
	}
	var want []string
	for _, ind := range cat {
		want = append(want, ind.ID)
	}
	if diff := cmp.Diff(want, ids); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	wantHead := []string{"RET_ARRIVED", "RET_CUMULATIVE", "RET_CHILD_SHARE", "SVC_REACHED", "NEED_MET", "PSS_30D", "OUT_SUSTAINABLE", "CASE_OPEN"}
	if diff := cmp.Diff(wantHead, l.Headline); diff != "" {
		t.Errorf("headline (-want +got):\n%s", diff)
	}
	if len(l.Title) != 0 {
		t.Errorf("the built-in layout has a title %v; the labels give it in each language", l.Title)
	}
	if want := (layout.Sheets{Indicators: true, Trends: true, Definitions: true, DataQuality: true, About: true}); l.Sheets != want {
		t.Errorf("sheets = %+v, want %+v", l.Sheets, want)
	}
	if l.File != reports.Default {
		t.Errorf("File = %q, want %q", l.File, reports.Default)
	}
}

// TestDonorSummary checks the one-page donor layout: five headline
// indicators, no indicator or data-quality sheets, About kept.
func TestDonorSummary(t *testing.T) {
	l, err := layout.Load(reports.FS, "donor-summary.yaml", catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(l.Headline) != 5 {
		t.Errorf("headline has %d indicators, want 5: %v", len(l.Headline), l.Headline)
	}
	var ids []string
	for _, it := range l.Items {
		ids = append(ids, it.ID)
	}
	if diff := cmp.Diff(l.Headline, ids); diff != "" {
		t.Errorf("items are not the headline (-want +got):\n%s", diff)
	}
	if want := (layout.Sheets{Trends: true, Definitions: true, About: true}); l.Sheets != want {
		t.Errorf("sheets = %+v, want %+v", l.Sheets, want)
	}
}

// TestParseDefaults checks what an item without tables or chart gets.
func TestParseDefaults(t *testing.T) {
	src := "title: T\nindicators:\n  - id: NEED_MET\n    title: Needs\n  - id: RET_UAM\n    title: UAM\n    tables: []\n"
	l, err := layout.Parse("x.yaml", []byte(src), catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []layout.Item{
		{ID: "NEED_MET", Title: layout.Text{"": "Needs"}, Tables: []string{"need_type", "sex"}, Chart: layout.Chart{Kind: "bar", Dimension: "need_type"}, Line: 3},
		{ID: "RET_UAM", Title: layout.Text{"": "UAM"}, Chart: layout.Chart{Kind: "bar", Dimension: "total"}, Line: 5},
	}
	if diff := cmp.Diff(want, l.Items); diff != "" {
		t.Errorf("items (-want +got):\n%s", diff)
	}
	if len(l.Headline) != 0 {
		t.Errorf("headline = %v, want none", l.Headline)
	}
}

// TestParseErrors checks that every problem is reported, with file:line.
func TestParseErrors(t *testing.T) {
	const head = "title: T\nindicators:\n"
	tests := []struct {
		name string
		src  string
		want []string
	}{
		{
			name: "unknown top-level key",
			src:  head + "  - {id: RET_UAM, title: UAM}\nsubtitle: x\n",
			want: []string{`r.yaml:4: unknown key "subtitle" in the layout (known: title, headline, indicators, sheets)`},
		},
		{
			name: "unknown item key",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    tabels: [sex]\n",
			want: []string{`r.yaml:5: unknown key "tabels" in an indicator entry (known: id, title, tables, chart)`},
		},
		{
			name: "unknown chart key",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    chart: {kind: bar, colour: red}\n",
			want: []string{`r.yaml:5: unknown key "colour" in chart (known: kind, dimension)`},
		},
		{
			name: "unknown sheets key",
			src:  head + "  - {id: RET_UAM, title: UAM}\nsheets:\n  summary: false\n",
			want: []string{`r.yaml:5: unknown key "summary" in sheets (known: indicators, trends, definitions, data_quality, about)`},
		},
		{
			name: "unknown indicator id",
			src:  head + "  - id: RET_UAM\n    title: UAM\n  - id: RET_ARIVED\n    title: Arrived\n",
			want: []string{`r.yaml:5: unknown indicator "RET_ARIVED"`},
		},
		{
			name: "unknown headline id",
			src:  "title: T\nheadline: [RET_UAM, NOPE]\nindicators:\n  - {id: RET_UAM, title: UAM}\n",
			want: []string{`r.yaml:2: unknown indicator "NOPE" in headline`},
		},
		{
			name: "headline not among the items",
			src:  "title: T\nheadline:\n  - CASE_OPEN\nindicators:\n  - {id: RET_UAM, title: UAM}\n",
			want: []string{`r.yaml:3: headline indicator CASE_OPEN is not among the layout's indicators`},
		},
		{
			name: "table the indicator does not have",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    tables:\n      - sex\n      - region\n",
			want: []string{`r.yaml:7: RET_UAM has no disaggregation "region" (it has: sex)`},
		},
		{
			name: "table listed twice",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    tables: [sex, sex]\n",
			want: []string{`r.yaml:5: table "sex" is listed twice`},
		},
		{
			name: "tables not a list",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    tables: sex\n",
			want: []string{`r.yaml:5: tables must be a list`},
		},
		{
			name: "bad chart kind",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    chart:\n      kind: pie\n",
			want: []string{`r.yaml:6: chart kind "pie" is not one of bar, column, line`},
		},
		{
			name: "chart dimension not a table",
			src:  head + "  - id: RET_ARRIVED\n    title: Arrived\n    tables: [sex]\n    chart: {kind: bar, dimension: age_group}\n",
			want: []string{`r.yaml:6: chart dimension "age_group" is not among the item's tables`},
		},
		{
			name: "chart not a mapping",
			src:  head + "  - id: RET_UAM\n    title: UAM\n    chart: bar\n",
			want: []string{`r.yaml:5: chart must be a mapping`},
		},
		{
			name: "missing keys",
			src:  "title: T\nindicators:\n  - title: UAM\n",
			want: []string{`r.yaml:3: an indicator entry needs the key "id"`},
		},
		{
			name: "per-language titles",
			src:  "title: {en: T, fr: T}\nindicators:\n  - id: RET_UAM\n    title: {ru: \"Очень длинное название листа для проверки\", uz: \"\"}\n",
			want: []string{`r.yaml:1: unknown key "fr" in title (known: en, ru, uz)`, `r.yaml:4: title "Очень длинное название листа для проверки" is longer than 31 characters (Excel's limit for a sheet name)`, `r.yaml:4: title is empty`},
		},
		{
			name: "title too long and with bad characters",
			src:  head + "  - id: RET_UAM\n    title: Unaccompanied minors returned to date\n  - id: CASE_OPEN\n    title: Open/closed\n",
			want: []string{
				`r.yaml:4: title "Unaccompanied minors returned to date" is longer than 31 characters (Excel's limit for a sheet name)`,
				`r.yaml:6: title "Open/closed" contains one of :\/?*[], which a sheet name may not`,
			},
		},
		{
			name: "fixed sheet name and duplicate title",
			src:  head + "  - {id: RET_UAM, title: About}\n  - {id: CASE_OPEN, title: Cases}\n  - {id: CASE_CLOSED, title: CASES}\n",
			want: []string{
				`r.yaml:3: title "About" is the name of a fixed sheet`,
				`r.yaml:5: title "CASES" is already used on line 4 (each title names a sheet)`,
			},
		},
		{
			name: "indicator listed twice",
			src:  head + "  - {id: RET_UAM, title: A}\n  - {id: RET_UAM, title: B}\n",
			want: []string{`r.yaml:4: indicator RET_UAM is listed twice`},
		},
		{
			name: "sheets value not a boolean",
			src:  head + "  - {id: RET_UAM, title: UAM}\nsheets: {about: no-thanks}\n",
			want: []string{`r.yaml:4: sheets.about must be true or false`},
		},
		{
			name: "no indicators",
			src:  "title: T\nindicators: []\n",
			want: []string{`r.yaml:2: indicators must list at least one indicator`},
		},
		{
			name: "empty file",
			src:  "",
			want: []string{`r.yaml:1: empty layout (it needs at least the key indicators)`},
		},
		{
			name: "several problems at once",
			src:  "title: T\nheadline: [X]\nindicators:\n  - id: Y\n    title: Y\n    colour: red\n",
			want: []string{
				`r.yaml:2: unknown indicator "X" in headline`,
				`r.yaml:4: unknown indicator "Y"`,
				`r.yaml:6: unknown key "colour" in an indicator entry (known: id, title, tables, chart)`,
			},
		},
	}
	cat := catalogue(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l, err := layout.Parse("r.yaml", []byte(tt.src), cat)
			if err == nil {
				t.Fatalf("Parse succeeded (%+v), want errors", l)
			}
			if !errors.Is(err, layout.ErrLayout) {
				t.Errorf("error %v does not wrap ErrLayout", err)
			}
			got := strings.Split(err.Error(), "\n")
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
		})
	}
}

// TestParseYAMLSyntaxError checks that a malformed file names the file and
// the line yaml reports.
func TestParseYAMLSyntaxError(t *testing.T) {
	_, err := layout.Parse("r.yaml", []byte("title: T\nindicators:\n  - id: [\n"), catalogue(t))
	if err == nil || !strings.HasPrefix(err.Error(), "r.yaml:3: ") {
		t.Errorf("error = %v, want one starting with \"r.yaml:3: \"", err)
	}
}

func TestLabels(t *testing.T) {
	tests := []struct{ dim, cat, want string }{
		{"total", "total", "Total"},
		{"sex", "F", "Female"},
		{"sex", "M", "Male"},
		{"age_group", "60+", "60+"},
		{"service_type", "family_reunification", "Family reunification"},
		{"need_type", "psychosocial", "Psychosocial"},
		{"provider_type", "ngo", "NGO"},
		{"closure_reason", "lost_contact", "Lost contact"},
		{"return_from", "SY", "Syria"},
		{"return_from", "ZZ", "ZZ"},
		{"region", "unknown", "Not recorded"},
		{"region", "Tashkent city", "Tashkent city"},
		{"region", "=HYPERLINK(\"x\")", "=HYPERLINK(\"x\")"},
	}
	for _, tt := range tests {
		if got := layout.CategoryLabel(tt.dim, tt.cat); got != tt.want {
			t.Errorf("CategoryLabel(%q, %q) = %q, want %q", tt.dim, tt.cat, got, tt.want)
		}
	}
	if got := layout.DimensionLabel("age_group"); got != "Age group (years)" {
		t.Errorf("DimensionLabel(age_group) = %q", got)
	}
	for code, want := range map[string]string{"ALL": "All countries", "KZ": "Kazakhstan", "XX": "XX"} {
		if got := layout.CountryLabel(code); got != want {
			t.Errorf("CountryLabel(%q) = %q, want %q", code, got, want)
		}
	}
}
