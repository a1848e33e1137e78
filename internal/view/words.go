package view

import (
	"sort"

	"rrstat/internal/export"
	"rrstat/internal/labels"
)

// Words are the fixed words the writers draw: sheet names, headings,
// buttons, in the report's language.
type Words struct {
	Summary, Trends, Definitions, DataQuality, About string // sheet names
	// ChartSheet names the workbook's hidden sheet of the numbers its
	// charts draw.
	ChartSheet string

	Country, Breakdown, Period, Total string
	Target, Achieved, Value           string
	Points                            string // the unit of a change of a percentage: "pp"
	ChangeAgainst                     string // heading of a change column: "Change since {period}" without the period
	// PageOf numbers a printed page: "Page {page} of {pages}", the
	// placeholders left for the writer to fill with its page fields.
	PageOf        string
	Contents      string
	ChartData     string // the note above a chart's data table
	TrendData     string
	TargetsTitle  string // heading of an indicator's targets
	HeadlineTitle string // "Headline figures, 2025Q3"
	AllCountries  string

	DefinitionsTitle, DefinitionsIntro string
	DefinitionsHead                    []string // ID, Name, Kind, Definition (for readers), Precise definition, Breakdowns, Sheet
	QualityTitle                       string
	QualityRows, QualityRejects        string // section headings
	QualityWarnings                    string
	AboutTitle, AboutIntro             string
	TrendsTitle                        string

	// The dashboard's own words.
	Print, BreakdownsFor, TableOfFigures, ChartsNeedScript string
	AboutFigures, Sources, Symbols                         string
	SourcesHead                                            []string // Country, Export, Snapshot, Loaded, Content SHA-256
	Earlier, Colophon, Edition                             string
	NoCategories, AllSuppressed, NoFigures                 string
	SmallBase                                              string

	// Decimal and Group are the number separators of the language ("." and
	// ","), for the numbers a chart writes on its own (axis ticks).
	Decimal, Group string
}

func words(l *labels.Labels) Words {
	return Words{
		Summary: l.T("sheets.summary"), Trends: l.T("sheets.trends"), Definitions: l.T("sheets.definitions"),
		DataQuality: l.T("sheets.data_quality"), About: l.T("sheets.about"), ChartSheet: l.T("sheets.chart_data"),
		PageOf:  l.T("page.page_of"),
		Country: l.T("words.country"), Breakdown: l.T("words.breakdown"), Period: l.T("words.period"), Total: l.T("categories.total.total"),
		Points: l.T("words.points"), Target: l.T("words.target"), Achieved: l.T("words.achieved"), Value: l.T("words.value"),
		ChangeAgainst: l.T("words.change_against"), Contents: l.T("words.contents"),
		ChartData: l.T("words.chart_data"), TrendData: l.T("words.trend_data"), TargetsTitle: l.T("words.targets_title"),
		HeadlineTitle: l.T("words.headline_title"), AllCountries: l.Country("ALL"),
		DefinitionsTitle: l.T("definitions.title"), DefinitionsIntro: l.T("definitions.intro"),
		DefinitionsHead: []string{l.T("definitions.id"), l.T("definitions.name"), l.T("definitions.kind"), l.T("definitions.definition"),
			l.T("definitions.precise"), l.T("definitions.breakdowns"), l.T("definitions.sheet")},
		QualityTitle: l.T("quality.title"), QualityRows: l.T("quality.rows_title"), QualityRejects: l.T("quality.rejects_title"),
		QualityWarnings: l.T("quality.warnings_title"),
		AboutTitle:      l.T("about.title"), AboutIntro: l.T("about.intro"), TrendsTitle: l.T("trends.title"),
		Print: l.T("page.print"), BreakdownsFor: l.T("page.breakdowns_for"), TableOfFigures: l.T("page.table_of_figures"),
		ChartsNeedScript: l.T("page.charts_need_script"), AboutFigures: l.T("page.about_figures"), Sources: l.T("page.sources"),
		Symbols:     l.T("page.symbols"),
		SourcesHead: []string{l.T("words.country"), l.T("page.export"), l.T("quality.snapshot"), l.T("page.loaded"), l.T("page.sha")},
		Earlier:     l.T("page.earlier"), Colophon: l.T("page.colophon"), Edition: l.T("page.edition"),
		NoCategories: l.T("page.no_categories"), AllSuppressed: l.T("page.all_suppressed"), NoFigures: l.T("page.no_figures"),
		SmallBase: l.T("page.small_base"),
		Decimal:   l.T("number.decimal"), Group: l.T("number.group"),
	}
}

type rejectGroup struct {
	table, column, reason string
	n                     int64
}

// groupRejects counts rejected rows by table (contract order), column and
// reason.
func groupRejects(rs []export.Reject) []rejectGroup {
	m := map[[3]string]int64{}
	for _, r := range rs {
		m[[3]string{r.Table, r.Column, r.Reason}]++
	}
	order := map[string]int{}
	for i, t := range export.TableNames {
		order[t] = i
	}
	var out []rejectGroup
	for k, n := range m {
		out = append(out, rejectGroup{k[0], k[1], k[2], n})
	}
	sort.Slice(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.table != b.table {
			oa, oka := order[a.table]
			ob, okb := order[b.table]
			if oka && okb {
				return oa < ob
			}
			return a.table < b.table
		}
		if a.n != b.n {
			return a.n > b.n
		}
		if a.column != b.column {
			return a.column < b.column
		}
		return a.reason < b.reason
	})
	return out
}
