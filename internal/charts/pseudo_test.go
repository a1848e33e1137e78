package charts

import (
	"encoding/json"
	"io/fs"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"go.yaml.in/yaml/v3"
	"golang.org/x/net/html"

	"rrstat/internal/labels"
	"rrstat/internal/report"
	"rrstat/internal/report/reporttest"
	"rrstat/reports"
)

// pseudoLabels returns the English labels pseudo-localised: every text
// wrapped in ⟦ ⟧ (its {placeholders} kept), with prefix inside the
// brackets, as the labels of lang. A page drawn with them shows at once
// any word that does not come from the labels. The number separators are
// kept (they are not words), and a sheet title gets no prefix (it must
// stay within 31 characters).
func pseudoLabels(t testing.TB, lang, prefix string) *labels.Labels {
	t.Helper()
	src, err := fs.ReadFile(reports.FS, "labels/en.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		t.Fatal(err)
	}
	var wrap func(n *yaml.Node, key string)
	wrap = func(n *yaml.Node, key string) {
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			sub := strings.TrimPrefix(key+"."+k.Value, ".")
			switch {
			case v.Kind == yaml.MappingNode:
				wrap(v, sub)
			case v.Kind != yaml.ScalarNode, v.Value == "", strings.HasPrefix(sub, "number."):
			case strings.HasPrefix(sub, "indicators.") && strings.HasSuffix(sub, ".title"):
				v.Value, v.Style = "⟦"+v.Value+"⟧", yaml.DoubleQuotedStyle
			default:
				v.Value, v.Style = "⟦"+prefix+v.Value+"⟧", yaml.DoubleQuotedStyle
			}
		}
	}
	wrap(doc.Content[0], "")
	out, err := yaml.Marshal(&doc)
	if err != nil {
		t.Fatal(err)
	}
	l, err := labels.Parse(lang, "pseudo-"+lang+".yaml", out, english(t), reporttest.Catalogue(t))
	if err != nil {
		t.Fatalf("pseudo-localised labels: %v", err)
	}
	return l
}

// unwrapped returns s without its ⟦ ⟧ texts (nested or not).
func unwrapped(s string) string {
	var b strings.Builder
	depth := 0
	for _, r := range s {
		switch {
		case r == '⟦':
			depth++
		case r == '⟧':
			depth--
		case depth == 0:
			b.WriteRune(r)
		}
	}
	return b.String()
}

var (
	reToken  = regexp.MustCompile(`[\p{L}\p{N}_.\-]+`)
	reCode   = regexp.MustCompile(`^[A-Z0-9_]+$`)
	reNumber = regexp.MustCompile(`^[0-9.\-]+$`)
	reHash   = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// dataWords are the words of a report that come from its data, not from
// the labels: region names, sources, snapshot ids, the layout file, the
// tool's name and version.
func dataWords(r *report.Report) map[string]bool {
	out := map[string]bool{"rrstat": true, "x": true, r.ToolVersion: true, r.Layout.File: true}
	add := func(s string) {
		for _, w := range reToken.FindAllString(s, -1) {
			out[w] = true
		}
	}
	for _, c := range r.Cells.Cells {
		if c.Dimension == "region" {
			add(c.Category)
		}
	}
	for _, s := range r.Snapshots {
		add(s.Source)
		add(s.ID)
	}
	return out
}

// foreign returns the words of s that are neither labels (wrapped), codes,
// numbers, marks nor words of the data.
func foreign(s string, data map[string]bool) []string {
	var out []string
	for _, w := range reToken.FindAllString(unwrapped(s), -1) {
		if !reCode.MatchString(w) && !reNumber.MatchString(w) && !reHash.MatchString(w) && !data[w] && strings.IndexFunc(w, unicode.IsLetter) >= 0 {
			out = append(out, w)
		}
	}
	return out
}

// pageTexts returns every text a reader can see in a page's HTML: text
// nodes outside scripts and styles, and the attributes read out or shown
// on hover.
func pageTexts(doc *html.Node) []string {
	var out []string
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style") {
			return
		}
		if n.Type == html.ElementNode && n.Data == "noscript" && n.FirstChild != nil {
			// Parsed as text where scripts run: what a reader without
			// scripts sees is its HTML.
			if inner, err := html.Parse(strings.NewReader(n.FirstChild.Data)); err == nil {
				out = append(out, pageTexts(inner)...)
			}
			return
		}
		if n.Type == html.ElementNode && n.Data == "svg" {
			// A chart: a label may be drawn in several lines (text
			// elements); read them together, in order.
			var lines []string
			for _, el := range find(n, func(c *html.Node) bool { return c.Data == "text" }) {
				lines = append(lines, text(el))
			}
			out = append(out, strings.Join(lines, " "))
			return
		}
		if n.Type == html.TextNode && strings.TrimSpace(n.Data) != "" {
			out = append(out, n.Data)
		}
		for _, a := range n.Attr {
			switch a.Key {
			case "aria-label", "title", "alt", "placeholder":
				out = append(out, a.Val)
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return out
}

// chartTexts returns every text of the data block that a chart or the
// script shows: country names, the meanings of the marks, and of every
// drawing its empty message, axis titles, categories, series names and
// point texts.
func chartTexts(t testing.TB, d data) []string {
	t.Helper()
	out := append([]string{}, d.Countries...)
	for _, m := range d.Symbols {
		out = append(out, m)
	}
	for _, dc := range d.Charts {
		drs := append([]drawing{}, dc.Countries...)
		if dc.Chart != nil {
			drs = append(drs, *dc.Chart)
		}
		if dc.Print != nil {
			drs = append(drs, *dc.Print)
		}
		for _, dr := range drs {
			out = append(out, dr.Empty)
			for _, ts := range dr.Texts {
				out = append(out, ts...)
			}
			var o struct {
				XAxis, YAxis []struct {
					Name string   `json:"name"`
					Data []string `json:"data"`
				}
				Series []struct {
					Name string `json:"name"`
				}
				Title map[string]any `json:"title"`
			}
			if err := json.Unmarshal(dr.Option, &o); err != nil {
				t.Fatal(err)
			}
			for _, a := range append(o.XAxis, o.YAxis...) {
				out = append(out, a.Name)
				out = append(out, a.Data...)
			}
			for _, s := range o.Series {
				out = append(out, s.Name)
			}
			if s, ok := o.Title["text"].(string); ok {
				out = append(out, s)
			}
		}
	}
	return out
}

// TestWritePseudoLocalised draws the page with pseudo-localised labels:
// every text a reader sees, in the HTML and in the chart data, must be
// wrapped (it came from the labels through the view), a code, a number, a
// mark or a word of the data. Any English left in Go, the template or the
// script shows as an unwrapped word.
func TestWritePseudoLocalised(t *testing.T) {
	for _, aud := range []report.Audience{report.Analyst, report.Donor} {
		t.Run(string(aud), func(t *testing.T) {
			r := withTargets(t, testReport(t, aud, "quarterly.yaml"))
			r.Synthetic = true
			v := viewIn(t, r, pseudoLabels(t, "uz", ""))
			p := parsePage(t, writeView(t, v))
			if lang := attr(find(p.doc, func(n *html.Node) bool { return n.Data == "html" })[0], "lang"); lang != "uz" {
				t.Errorf(`<html lang=%q>, want "uz"`, lang)
			}
			words := dataWords(r)
			seen := map[string]bool{}
			wrapped := 0
			for _, s := range append(pageTexts(p.doc), chartTexts(t, p.data)...) {
				wrapped += strings.Count(s, "⟦")
				for _, w := range foreign(s, words) {
					if !seen[w] {
						seen[w] = true
						t.Errorf("%q is not from the labels: in %q", w, strings.TrimSpace(s))
					}
				}
			}
			if wrapped < 500 {
				t.Errorf("only %d wrapped texts: the pseudo-localised labels did not reach the page", wrapped)
			}
		})
	}
}
