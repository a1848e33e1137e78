// Package charts writes dashboard.html (outputs.md): one self-contained
// page that renders fully offline, with the headline figures, a panel per
// indicator of the report layout (charts of its breakdowns for a selected
// country, a chart of its total by country and a table of every figure),
// and the period, sources and version.
//
// go-echarts builds every chart option; the options are held in a
// components.Page whose preset (CDN) assets are cleared. The page is not
// rendered with go-echarts's template: that template writes options into a
// script unescaped and turns any string marked with "__f__" into code, so a
// region name from the data could run as script. Instead the options are
// marshalled with encoding/json (which escapes <, > and &) into a JSON data
// block that no browser executes, and the page is written with html/template.
// The only scripts on the page are ECharts (embedded, see assets/README.md)
// and this package's own code; a Content-Security-Policy lists their hashes
// and forbids every network request.
package charts

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-echarts/go-echarts/v2/charts"
	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/opts"
	"github.com/go-echarts/go-echarts/v2/render"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/layout"
	"rrstat/internal/report"
)

//go:embed assets
var assets embed.FS

// scriptFS is where Write finds ECharts (tests replace it).
var scriptFS fs.FS = assets

//go:embed web/dashboard.html.tmpl web/dashboard.css web/dashboard.js web/guard.js
var web embed.FS

// scriptPath is where `make assets` puts ECharts.
const scriptPath = "assets/echarts.min.js"

// ErrScriptMissing is returned by Write when ECharts was not fetched.
var ErrScriptMissing = errors.New("dashboard script missing: run `make assets` (it fetches echarts 5.4.3 into internal/charts/assets/)")

// ErrNoLayout is returned by Write for a report without a layout or cells.
var ErrNoLayout = errors.New("report has no layout or no cells")

// The symbols the dashboard shows instead of a number (as the workbook).
const (
	SymbolSuppressed = "x"
	SymbolNoValue    = "–"
)

// Colours of the series: All countries first, then one a country (as the
// workbook's charts).
var seriesColours = []string{"#1F3864", "#4E9BD5", "#E69F00", "#3BA27A", "#C0504D", "#8064A2", "#7F7F7F", "#B8860B", "#17BECF", "#D36CA0"}

// Write writes r as a self-contained HTML dashboard to w. It returns
// ErrScriptMissing when ECharts has not been fetched with `make assets`,
// ErrNoLayout for a report without layout or cells, and an error when a
// chart would need any asset from another host.
func Write(w io.Writer, r *report.Report) error {
	if r == nil || r.Layout == nil || r.Cells == nil {
		return ErrNoLayout
	}
	script, err := fs.ReadFile(scriptFS, scriptPath)
	if err != nil || len(script) == 0 {
		return ErrScriptMissing
	}
	// The script is inlined: it must not be able to end its element.
	if reScriptEnd.Match(script) {
		return fmt.Errorf("dashboard script %s contains </script or <!--; it cannot be inlined", scriptPath)
	}
	d := build(r)
	page := components.NewPage()
	page.SetPageTitle(d.Title)
	for _, c := range d.echarts {
		page.AddCharts(c)
	}
	// AddCharts merges each chart's assets (echarts.min.js from the
	// go-echarts CDN) into the page; the script is inlined instead.
	page.ClearPresetAssets()
	if n := len(page.JSAssets.Values) + len(page.CSSAssets.Values) + len(page.CustomizedJSAssets.Values) + len(page.CustomizedCSSAssets.Values) + len(page.CustomizedHeaders.Values); n > 0 {
		return fmt.Errorf("dashboard: %d chart assets would be loaded from another host (%v)", n, page.JSAssets.Values)
	}
	page.Renderer = &pageRenderer{d: d, script: newlines(string(script))}
	return page.Render(w)
}

var reScriptEnd = regexp.MustCompile(`(?i)</script|<!--`)

// newlines turns CR LF and CR into LF, as an HTML parser does before it
// hashes an inline script for the Content-Security-Policy.
func newlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// pageRenderer renders the dashboard for a components.Page.
type pageRenderer struct {
	d      *dashboard
	script string
}

// Render writes the page.
func (p *pageRenderer) Render(w io.Writer) error {
	b, err := p.render()
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// RenderContent returns the page, or nil on error.
func (p *pageRenderer) RenderContent() []byte {
	b, _ := p.render()
	return b
}

// RenderSnippet is not supported: the dashboard is one page.
func (p *pageRenderer) RenderSnippet() render.ChartSnippet { return render.ChartSnippet{} }

func (p *pageRenderer) render() ([]byte, error) {
	tpl, err := template.New("dashboard.html.tmpl").Funcs(template.FuncMap{
		"inc": func(n int) int { return n + 1 },
	}).ParseFS(web, "web/dashboard.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("dashboard template: %w", err)
	}
	css, _ := fs.ReadFile(web, "web/dashboard.css")
	appJS, _ := fs.ReadFile(web, "web/dashboard.js")
	guardJS, _ := fs.ReadFile(web, "web/guard.js")
	app, guard := newlines(string(appJS)), newlines(string(guardJS))
	data, err := marshalData(p.d)
	if err != nil {
		return nil, err
	}
	v := struct {
		*dashboard
		CSS                template.CSS
		Guard, Script, App template.JS
		Data               template.JS
		CSP                string
	}{
		dashboard: p.d,
		CSS:       template.CSS(css),
		Guard:     template.JS(guard),
		Script:    template.JS(p.script),
		App:       template.JS(app),
		Data:      template.JS(data),
		CSP:       csp(guard, p.script, app),
	}
	var buf bytes.Buffer
	if err := tpl.Execute(&buf, v); err != nil {
		return nil, fmt.Errorf("dashboard template: %w", err)
	}
	return buf.Bytes(), nil
}

// csp returns the Content-Security-Policy of the page: no request to any
// host, and only the given inline scripts, by hash.
func csp(scripts ...string) string {
	var hashes []string
	for _, s := range scripts {
		sum := sha256.Sum256([]byte(s))
		hashes = append(hashes, "'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'")
	}
	return "default-src 'none'; script-src " + strings.Join(hashes, " ") + "; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"
}

// marshalData writes the chart data block. encoding/json escapes <, >, &
// and U+2028/U+2029, so no data can end the script element it sits in.
func marshalData(d *dashboard) ([]byte, error) {
	b, err := json.Marshal(d.data)
	if err != nil {
		return nil, fmt.Errorf("dashboard data: %w", err)
	}
	return b, nil
}

// dashboard is everything the page shows.
type dashboard struct {
	Title       string
	Period      string
	PeriodRange string
	Donor       bool
	K           int
	Rule        string
	Synthetic   bool
	GeneratedAt string
	Version     string
	LayoutFile  string
	Params      report.Params
	Countries   []country
	Headline    []headline
	CardColumns int // columns of the headline cards
	Panels      []panel
	Sources     []source

	data    data                 // the JSON block the script reads
	echarts []components.Charter // every chart, for the page's assets
}

type country struct {
	Idx   int
	Code  string
	Label string
}

// figure is one value as the page shows it.
type figure struct {
	Country string // label
	Idx     int
	Text    string // "71.6", "x", "–", or "" when the cell does not exist
	Unit    string // "%" after a percentage
	Base    string // the denominator of a published percentage or mean
	Mark    string // SymbolSuppressed or SymbolNoValue when Text is one
}

type headline struct {
	ID, Name, Unit string
	All            figure
	Countries      []figure
}

type panel struct {
	ID, Title, Name, Definition, Kind string
	Totals                            []figure // one per country (ALL first)
	Charts                            []chartCard
	Table                             table
	BaseLabel                         string
}

type chartCard struct {
	ID         string
	Caption    string
	PerCountry bool // the chart follows the selected country
	Height     int
	Wide       bool
}

type table struct {
	WithBase bool
	Rows     []tableRow
}

type tableRow struct {
	Label   string
	Group   bool // a breakdown heading
	Total   bool
	Figures []figure
}

type source struct {
	Country, Label, Source, ID, SHA256, LoadedAt string
	Current                                      bool
}

// data is the JSON block of the page.
type data struct {
	Countries []dataCountry `json:"countries"`
	Charts    []dataChart   `json:"charts"`
	Symbols   [][2]string   `json:"symbols"`
}

type dataCountry struct {
	Code  string `json:"code"`
	Label string `json:"label"`
}

// dataChart is one chart: one ECharts option per country (or a single one
// for a chart by country), and for each the symbol of every category ("" for
// a number) so that the script can mark gaps.
type dataChart struct {
	ID         string            `json:"id"`
	Indicator  string            `json:"indicator"`
	Dimension  string            `json:"dimension"`  // "country" for the chart by country
	Categories [][]string        `json:"categories"` // the codes on the category axis, per option
	ByCountry  bool              `json:"byCountry"`
	Horizontal bool              `json:"horizontal"`
	Unit       string            `json:"unit"`
	Decimals   int               `json:"decimals"`
	Options    []json.RawMessage `json:"options"`
	Marks      [][]string        `json:"marks"`
}

// build draws the dashboard from the report.
func build(r *report.Report) *dashboard {
	d := &dashboard{
		Title:       r.Layout.Title.In("en"),
		Period:      r.Period.Label,
		Donor:       r.Audience == report.Donor,
		K:           r.K,
		Rule:        r.SuppressionRule(),
		Synthetic:   r.Synthetic,
		GeneratedAt: r.GeneratedAt.UTC().Format("2 January 2006, 15:04 UTC"),
		Version:     r.ToolVersion,
		LayoutFile:  r.Layout.File,
		Params:      r.Params,
	}
	if !r.Period.Start.IsZero() {
		d.PeriodRange = r.Period.Start.Format("2 January 2006") + " to " + r.Period.End.Format("2 January 2006")
	}
	idx := map[cell.Key]*cell.Cell{}
	for i := range r.Cells.Cells {
		c := &r.Cells.Cells[i]
		idx[c.Key()] = c
	}
	codes := append([]string{cell.AllCountries}, r.Countries...)
	if len(r.Countries) == 0 {
		codes = r.Cells.Countries()
	}
	for i, c := range codes {
		d.Countries = append(d.Countries, country{Idx: i, Code: c, Label: layout.CountryLabel(c)})
		d.data.Countries = append(d.data.Countries, dataCountry{Code: c, Label: layout.CountryLabel(c)})
	}
	d.data.Symbols = [][2]string{{SymbolNoValue, "no value (nobody in the denominator)"}}
	if d.Donor {
		d.data.Symbols = append([][2]string{{SymbolSuppressed, fmt.Sprintf("suppressed to protect small numbers (k = %d)", r.K)}}, d.data.Symbols...)
	}
	b := &builder{r: r, d: d, idx: idx, codes: codes}

	heads := r.Layout.Headline
	if len(heads) == 0 {
		for _, it := range r.Layout.Items {
			heads = append(heads, it.ID)
		}
	}
	for _, id := range heads {
		ind := r.Catalogue.Lookup(id)
		if ind == nil {
			continue
		}
		h := headline{ID: id, Name: ind.Name, Unit: unit(ind.Kind)}
		for i, code := range codes {
			f := b.figure(idx[cell.Key{Indicator: id, Country: code, Dimension: cell.TotalDimension, Category: cell.TotalDimension}], i)
			if i == 0 {
				h.All = f
			} else {
				h.Countries = append(h.Countries, f)
			}
		}
		d.Headline = append(d.Headline, h)
	}
	d.CardColumns = cardColumns(len(d.Headline))
	for i := range r.Layout.Items {
		if ind := r.Catalogue.Lookup(r.Layout.Items[i].ID); ind != nil {
			d.Panels = append(d.Panels, b.panel(&r.Layout.Items[i], ind))
		}
	}
	for _, s := range r.Snapshots {
		d.Sources = append(d.Sources, source{
			Country: s.Country, Label: layout.CountryLabel(s.Country), Source: s.Source, ID: s.ID,
			SHA256: s.ContentSHA256, LoadedAt: s.LoadedAt.UTC().Format("2006-01-02 15:04 UTC"), Current: s.Current,
		})
	}
	return d
}

// cardColumns lays out n headline cards in even rows where it can.
func cardColumns(n int) int {
	switch {
	case n <= 5:
		return max(n, 1)
	case n == 6 || n == 9:
		return 3
	}
	return 4
}

type builder struct {
	r     *report.Report
	d     *dashboard
	idx   map[cell.Key]*cell.Cell
	codes []string
	n     int // charts made
}

func unit(k cell.Kind) string {
	if k == cell.Percentage {
		return "%"
	}
	return ""
}

func decimals(k cell.Kind) int {
	switch k {
	case cell.Percentage:
		return 1
	case cell.Mean:
		return 3
	}
	return 0
}

// figure returns how the page shows a cell. A suppressed cell has no
// figures to show; one without a value shows SymbolNoValue.
func (b *builder) figure(c *cell.Cell, i int) figure {
	f := figure{Idx: i}
	if i < len(b.codes) {
		f.Country = layout.CountryLabel(b.codes[i])
	}
	switch {
	case c == nil:
		return f
	case !c.Published():
		f.Text, f.Mark = SymbolSuppressed, SymbolSuppressed
		return f
	case !c.HasValue() || c.Value() == "":
		f.Text, f.Mark = SymbolNoValue, SymbolNoValue
		return f
	}
	f.Text = c.Value()
	if c.Kind == cell.Count {
		f.Text = thousands(c.Value())
	}
	f.Unit = unit(c.Kind)
	if c.Kind != cell.Count {
		f.Base = thousands(strconv.FormatInt(c.Fig.Denominator, 10))
	}
	return f
}

// thousands groups the digits of an integer: 12345 -> 12,345.
func thousands(s string) string {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var out []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, s[i])
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}

// categories returns the categories of a dimension in table order: ALL's
// first (ALL lists every category of any country), then any other.
func (b *builder) categories(id, dim string) []string {
	return b.r.Cells.Categories(id, dim, b.codes)
}

func (b *builder) panel(it *layout.Item, ind *indicator.Indicator) panel {
	p := panel{ID: ind.ID, Title: itemTitle(it), Name: ind.Name, Definition: ind.Definition, Kind: string(ind.Kind)}
	switch ind.Kind {
	case cell.Percentage:
		p.BaseLabel = "base"
	case cell.Mean:
		p.BaseLabel = "persons"
	}
	total := func(code string) *cell.Cell {
		return b.idx[cell.Key{Indicator: ind.ID, Country: code, Dimension: cell.TotalDimension, Category: cell.TotalDimension}]
	}
	for i, code := range b.codes {
		p.Totals = append(p.Totals, b.figure(total(code), i))
	}

	// The chart by country, then the layout's chart dimension, then the
	// other breakdowns.
	p.Charts = append(p.Charts, b.byCountry(ind))
	dims := []string{}
	if it.Chart.Dimension != cell.TotalDimension {
		dims = append(dims, it.Chart.Dimension)
	}
	for _, t := range it.Tables {
		if t != it.Chart.Dimension {
			dims = append(dims, t)
		}
	}
	for i, dim := range dims {
		kind := "column"
		if i == 0 {
			kind = it.Chart.Kind
		}
		cats := b.categories(ind.ID, dim)
		if kind == "column" && (len(cats) > 6 || dim == "region" || dim == "return_from") {
			kind = "bar"
		}
		p.Charts = append(p.Charts, b.breakdown(ind, dim, kind, cats))
	}

	// The table of every figure.
	p.Table.WithBase = ind.Kind != cell.Count
	row := func(dim, cat string, tot bool) tableRow {
		tr := tableRow{Label: layout.CategoryLabel(dim, cat), Total: tot}
		for i, code := range b.codes {
			tr.Figures = append(tr.Figures, b.figure(b.idx[cell.Key{Indicator: ind.ID, Country: code, Dimension: dim, Category: cat}], i))
		}
		return tr
	}
	p.Table.Rows = append(p.Table.Rows, row(cell.TotalDimension, cell.TotalDimension, true))
	for _, dim := range it.Tables {
		p.Table.Rows = append(p.Table.Rows, tableRow{Label: layout.DimensionLabel(dim), Group: true})
		for _, cat := range b.categories(ind.ID, dim) {
			p.Table.Rows = append(p.Table.Rows, row(dim, cat, false))
		}
	}
	return p
}

// point returns a chart value for a cell: a number, or "-" (a gap in
// ECharts) and the symbol for a suppressed cell or one without a value.
func point(c *cell.Cell) (any, string) {
	switch {
	case c == nil:
		return "-", ""
	case !c.Published():
		return "-", SymbolSuppressed
	}
	f, ok := c.Float()
	if !ok {
		return "-", SymbolNoValue
	}
	if c.Kind == cell.Count {
		return c.Fig.Numerator, ""
	}
	return f, ""
}

// byCountry is the chart of the indicator's total by country.
func (b *builder) byCountry(ind *indicator.Indicator) chartCard {
	var labels []string
	var values []any
	var marks []string
	var colours []string
	for i, code := range b.codes {
		v, m := point(b.idx[cell.Key{Indicator: ind.ID, Country: code, Dimension: cell.TotalDimension, Category: cell.TotalDimension}])
		labels = append(labels, layout.CountryLabel(code))
		values = append(values, v)
		marks = append(marks, m)
		colours = append(colours, seriesColours[i%len(seriesColours)])
	}
	id := b.nextID()
	c := newChart(ind.Kind, "bar", labels, values, colours, "Total")
	b.add(dataChart{ID: id, Indicator: ind.ID, Dimension: "country", Categories: [][]string{b.codes}, ByCountry: true, Horizontal: true,
		Unit: unit(ind.Kind), Decimals: decimals(ind.Kind), Marks: [][]string{marks}}, c)
	return chartCard{ID: id, Caption: "Total by country", Height: max(200, 70+34*len(labels))}
}

// breakdown is the chart of one dimension for each country.
func (b *builder) breakdown(ind *indicator.Indicator, dim, kind string, cats []string) chartCard {
	id := b.nextID()
	dc := dataChart{ID: id, Indicator: ind.ID, Dimension: dim, Horizontal: kind == "bar",
		Unit: unit(ind.Kind), Decimals: decimals(ind.Kind)}
	var made []components.Charter
	for i, code := range b.codes {
		// A country's chart lists the categories it has (a region of one
		// country does not occur in another).
		var values []any
		var marks, labels, codes []string
		for _, cat := range cats {
			c := b.idx[cell.Key{Indicator: ind.ID, Country: code, Dimension: dim, Category: cat}]
			if c == nil {
				continue
			}
			v, m := point(c)
			values = append(values, v)
			marks = append(marks, m)
			labels = append(labels, layout.CategoryLabel(dim, cat))
			codes = append(codes, cat)
		}
		colour := seriesColours[i%len(seriesColours)]
		c := newChart(ind.Kind, kind, labels, values, []string{colour}, layout.CountryLabel(code))
		made = append(made, c)
		dc.Marks = append(dc.Marks, marks)
		dc.Categories = append(dc.Categories, codes)
	}
	b.add(dc, made...)
	h := 260
	if kind == "bar" {
		h = max(220, 70+26*len(cats))
	}
	return chartCard{ID: id, Caption: "By " + strings.ToLower(layout.DimensionLabel(dim)), PerCountry: true, Height: h, Wide: len(cats) > 8 || (kind == "bar" && len(cats) > 6)}
}

func (b *builder) nextID() string {
	b.n++
	return "chart-" + strconv.Itoa(b.n)
}

// add records a chart's options (one per country, or one) in the data
// block and its go-echarts charts for the page.
func (b *builder) add(dc dataChart, cs ...components.Charter) {
	for _, c := range cs {
		c.Validate()
		raw, err := json.Marshal(c.(interface{ JSON() map[string]any }).JSON())
		if err != nil {
			raw = []byte("{}")
		}
		dc.Options = append(dc.Options, raw)
		b.d.echarts = append(b.d.echarts, c)
	}
	b.d.data.Charts = append(b.d.data.Charts, dc)
}

// newChart builds the ECharts option of one series with go-echarts. kind is
// a layout chart kind: bar (horizontal), column or line. Labels and series
// names are data: they only ever go into JSON strings.
func newChart(k cell.Kind, kind string, labels []string, values []any, colours []string, name string) components.Charter {
	valueAxisLabel := &opts.AxisLabel{Color: "#4B5563"}
	minInterval := 0.0
	if k == cell.Count {
		minInterval = 1
	}
	if k == cell.Percentage {
		valueAxisLabel.Formatter = "{value}%"
	}
	var vmin, vmax any
	switch k {
	case cell.Percentage:
		vmin, vmax = 0, 100
	case cell.Mean:
		vmin, vmax = 0, 1
	}
	catAxisLabel := &opts.AxisLabel{Color: "#1F2937", Interval: "0", HideOverlap: opts.Bool(false)}
	if kind == "bar" {
		// Long names (a region, say) are cut on the axis; the tooltip and
		// the table show them whole.
		catAxisLabel.Width, catAxisLabel.Overflow = 170, "truncate"
	}
	split := &opts.SplitLine{Show: opts.Bool(true), LineStyle: &opts.LineStyle{Color: "#E5E7EB"}}
	global := []charts.GlobalOpts{
		charts.WithInitializationOpts(opts.Initialization{Theme: "white"}),
		charts.WithAnimation(false),
		charts.WithTooltipOpts(opts.Tooltip{Show: opts.Bool(true), Trigger: "axis"}),
		charts.WithLegendOpts(opts.Legend{Show: opts.Bool(false)}),
		charts.WithGridOpts(opts.Grid{Left: "8", Right: "48", Top: "24", Bottom: "8", ContainLabel: opts.Bool(true)}),
		charts.WithColorsOpts(opts.Colors(colours)),
		charts.WithAriaOpts(&opts.Aria{Enabled: opts.Bool(true)}),
	}
	label := opts.Label{Show: opts.Bool(true), Position: "top", Color: "#1F2937", FontSize: 11}
	if kind == "bar" {
		label.Position = "right"
		global = append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "value", Min: vmin, Max: vmax, MinInterval: minInterval, AxisLabel: valueAxisLabel, SplitLine: split}),
			charts.WithYAxisOpts(opts.YAxis{Type: "category", Inverse: opts.Bool(true), AxisLabel: catAxisLabel}),
		)
	} else {
		global = append(global,
			charts.WithXAxisOpts(opts.XAxis{Type: "category", AxisLabel: catAxisLabel}),
			charts.WithYAxisOpts(opts.YAxis{Type: "value", Min: vmin, Max: vmax, MinInterval: minInterval, AxisLabel: valueAxisLabel, SplitLine: split}),
		)
	}
	if kind == "line" {
		c := charts.NewLine()
		c.SetGlobalOptions(global...)
		var data []opts.LineData
		for _, v := range values {
			data = append(data, opts.LineData{Value: v})
		}
		c.SetXAxis(labels).AddSeries(name, data, charts.WithLabelOpts(label),
			charts.WithLineChartOpts(opts.LineChart{ShowSymbol: opts.Bool(true), ConnectNulls: opts.Bool(false)}))
		return c
	}
	c := charts.NewBar()
	c.SetGlobalOptions(global...)
	var data []opts.BarData
	for i, v := range values {
		d := opts.BarData{Value: v}
		if len(colours) > 1 {
			d.ItemStyle = &opts.ItemStyle{Color: colours[i%len(colours)]}
		}
		data = append(data, d)
	}
	c.SetXAxis(labels).AddSeries(name, data, charts.WithLabelOpts(label),
		charts.WithBarChartOpts(opts.BarChart{BarCategoryGap: "35%"}))
	if kind == "bar" {
		c.XYReversal()
	}
	return c
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
