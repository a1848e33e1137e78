// Package charts writes dashboard.html (outputs.md): one self-contained
// page that renders fully offline, drawn from the view of a report
// (internal/view): the headline cards with their change and target, a
// panel per indicator of the layout (the trend of the window, the
// breakdowns for a selected country, the total by country, and a table of
// every figure), and the About foot with the symbols. The page decides
// nothing about what a figure shows and holds no word of its own: every
// text, mark and colour comes from the view, in the report's language.
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
//
// Printing (A4) draws every country at once: before the page prints, each
// breakdown chart switches from the selected country to all countries,
// the tables open, and the buttons are hidden; afterwards the page is
// restored.
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
	"strings"

	"github.com/go-echarts/go-echarts/v2/components"
	"github.com/go-echarts/go-echarts/v2/render"

	"rrstat/internal/view"
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

// ErrNoView is returned by Write without a view to draw.
var ErrNoView = errors.New("no view to draw")

// Write draws the view v as a self-contained HTML dashboard to w. It
// returns ErrScriptMissing when ECharts has not been fetched with `make
// assets`, ErrNoView for a nil view, and an error when a chart would need
// any asset from another host.
func Write(w io.Writer, v *view.View) error {
	if v == nil {
		return ErrNoView
	}
	script, err := fs.ReadFile(scriptFS, scriptPath)
	if err != nil || len(script) == 0 {
		return ErrScriptMissing
	}
	// The script is inlined: it must not be able to end its element.
	if reScriptEnd.Match(script) {
		return fmt.Errorf("dashboard script %s contains </script or <!--; it cannot be inlined", scriptPath)
	}
	d, err := build(v)
	if err != nil {
		return err
	}
	pg := components.NewPage()
	pg.SetPageTitle(v.Title)
	for _, c := range d.echarts {
		pg.AddCharts(c)
	}
	// AddCharts merges each chart's assets (echarts.min.js from the
	// go-echarts CDN) into the page; the script is inlined instead.
	pg.ClearPresetAssets()
	if n := len(pg.JSAssets.Values) + len(pg.CSSAssets.Values) + len(pg.CustomizedJSAssets.Values) + len(pg.CustomizedCSSAssets.Values) + len(pg.CustomizedHeaders.Values); n > 0 {
		return fmt.Errorf("dashboard: %d chart assets would be loaded from another host (%v)", n, pg.JSAssets.Values)
	}
	pg.Renderer = &pageRenderer{d: d, script: newlines(string(script))}
	return pg.Render(w)
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
	meaning := map[view.Mark]string{}
	for _, s := range p.d.View.Symbols {
		meaning[s.Mark] = s.Meaning
	}
	tpl, err := template.New("dashboard.html.tmpl").Funcs(template.FuncMap{
		"meaning": func(m view.Mark) string { return meaning[m] },
		"inc":     func(n int) int { return n + 1 },
		"goalOf": func(w view.Words, unit string, g *view.Goal) goalArgs {
			return goalArgs{Words: w, Unit: unit, Goal: g}
		},
		"chartOf": func(cs []view.Country, c chartCard) chartArgs {
			return chartArgs{Countries: cs, Card: c}
		},
		"dir": func(d int) string {
			switch {
			case d > 0:
				return "up"
			case d < 0:
				return "down"
			}
			return "same"
		},
	}).ParseFS(web, "web/dashboard.html.tmpl")
	if err != nil {
		return nil, fmt.Errorf("dashboard template: %w", err)
	}
	css, _ := fs.ReadFile(web, "web/dashboard.css")
	appJS, _ := fs.ReadFile(web, "web/dashboard.js")
	guardJS, _ := fs.ReadFile(web, "web/guard.js")
	app, guard := newlines(string(appJS)), newlines(string(guardJS))
	data, err := json.Marshal(p.d.data)
	if err != nil {
		return nil, fmt.Errorf("dashboard data: %w", err)
	}
	v := struct {
		*dashboard
		CSS                template.CSS
		Guard, Script, App template.JS
		// Data is the JSON block. encoding/json escapes <, >, & and
		// U+2028/U+2029, so no text can end the script element it sits in.
		Data template.JS
		CSP  string
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

// goalArgs are what the template "goal" draws.
type goalArgs struct {
	Words view.Words
	Unit  string
	Goal  *view.Goal
}

// chartArgs are what the template "chart" draws.
type chartArgs struct {
	Countries []view.Country
	Card      chartCard
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
