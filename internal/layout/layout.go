// Package layout reads report layouts (reports/*.yaml): what a report shows
// to whom. queries/ says what is computed; a layout says which indicators a
// workbook and a dashboard show, in which order, with which tables and
// charts, and which are headline figures.
//
// A layout is YAML with a closed set of keys:
//
//	title: Report title                 # optional: the labels' report title by default
//	headline: [RET_ARRIVED, NEED_MET]   # Summary sheet and dashboard top; ids among the indicators
//	indicators:                         # required, at least one, each id once
//	  - id: RET_ARRIVED                 # required, an id of the catalogue
//	    title: Arrived in period        # optional sheet name (31 characters, no :\/?*[]); the labels' by default
//	    tables: [sex, age_group]        # disaggregations of the indicator; default all of them
//	    chart: {kind: column, dimension: age_group}  # kind bar|column|line; dimension total or a table
//	sheets: {indicators: true, trends: true, definitions: true, data_quality: true, about: true}
//
// A title is one text for every language, or one per language:
// {en: Arrived, ru: Прибывшие, uz: Kelganlar} (a language it does not name
// gets the English one).
//
// Parse reports every problem at once, each as "file:line: message".
package layout

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"

	"rrstat/internal/indicator"
)

// ChartKinds are the chart kinds a layout may ask for.
var ChartKinds = []string{"bar", "column", "line"}

// Layout is one parsed report layout.
type Layout struct {
	File     string   // the file it came from (for messages and the About sheet)
	Title    Text     // report title; empty: the labels' report title
	Headline []string // indicator ids shown on the Summary sheet and atop the dashboard
	Items    []Item   // the indicators shown, in order, one sheet each
	Sheets   Sheets   // which fixed sheets the workbook has
}

// Sheets switches the workbook's fixed sheets. Summary is always first.
type Sheets struct {
	Indicators  bool // one sheet per item
	Trends      bool // the totals of the trend window
	Definitions bool
	DataQuality bool
	About       bool // always true for a donor report: it states the rule and k
}

// Item is one indicator as a layout shows it.
type Item struct {
	ID     string
	Title  Text     // sheet title (at most 31 characters, Excel's limit); empty: the labels' title
	Tables []string // disaggregations to tabulate, in order ("total" is always shown)
	Chart  Chart
	Line   int // line of the item in the file
}

// Chart is the chart of an item.
type Chart struct {
	Kind      string // one of ChartKinds
	Dimension string // the breakdown charted: "total" or one of the item's tables
}

// Text is a layout's text: the same in every language (key ""), or one per
// language code.
type Text map[string]string

// In returns the text for a language: its own, else the one for every
// language, else the English one, else "".
func (t Text) In(lang string) string {
	if s, ok := t[lang]; ok {
		return s
	}
	if s, ok := t[""]; ok {
		return s
	}
	return t["en"]
}

// ErrLayout is wrapped by every error of Parse.
var ErrLayout = errors.New("bad report layout")

// Errors lists every problem found in a layout file, each with file:line.
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Unwrap lets errors.Is find ErrLayout.
func (e Errors) Unwrap() error { return ErrLayout }

// Parse reads a layout strictly: an unknown key, an unknown indicator id, a
// disaggregation the indicator does not have, or a malformed value is an
// error naming the file and line. All problems are reported at once.
func Parse(file string, src []byte, cat indicator.Catalogue) (*Layout, error) {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(src))
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, Errors{fmt.Sprintf("%s:1: empty layout (it needs at least the key indicators)", file)}
		}
		// yaml's messages read "yaml: line N: ..."; say "file:N: ..." instead.
		msg := err.Error()
		if m := reYAMLLine.FindStringSubmatch(msg); m != nil {
			return nil, Errors{fmt.Sprintf("%s:%s: %s", file, m[1], m[2])}
		}
		return nil, Errors{fmt.Sprintf("%s: %s", file, strings.TrimPrefix(msg, "yaml: "))}
	}
	p := &parser{file: file, cat: cat}
	l := p.layout(&doc)
	if len(p.errs) > 0 {
		slices.SortStableFunc(p.errs, func(a, b string) int { return lineOf(a) - lineOf(b) })
		return nil, p.errs
	}
	l.File = file
	return l, nil
}

var (
	reYAMLLine = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)
	reErrLine  = regexp.MustCompile(`^[^\n]*?:(\d+): `)
)

// lineOf returns the line number of a "file:line: message" error.
func lineOf(msg string) int {
	if m := reErrLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

type parser struct {
	file string
	cat  indicator.Catalogue
	errs Errors
}

func (p *parser) errf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	p.errs = append(p.errs, fmt.Sprintf("%s:%d: ", p.file, line)+fmt.Sprintf(format, args...))
}

// mapping returns the key/value pairs of a mapping node, reporting unknown
// and duplicate keys and missing required ones.
func (p *parser) mapping(n *yaml.Node, what string, known, required []string) map[string]*yaml.Node {
	out := map[string]*yaml.Node{}
	if n.Kind != yaml.MappingNode {
		p.errf(n, "%s must be a mapping", what)
		return out
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if !slices.Contains(known, k.Value) {
			p.errf(k, "unknown key %q in %s (known: %s)", k.Value, what, strings.Join(known, ", "))
			continue
		}
		if _, dup := out[k.Value]; dup {
			p.errf(k, "duplicate key %q in %s", k.Value, what)
			continue
		}
		out[k.Value] = v
	}
	for _, r := range required {
		if _, ok := out[r]; !ok {
			p.errf(n, "%s needs the key %q", what, r)
		}
	}
	return out
}

func (p *parser) str(n *yaml.Node, what string) string {
	if n.Kind != yaml.ScalarNode || n.Tag == "!!null" {
		p.errf(n, "%s must be text", what)
		return ""
	}
	return strings.TrimSpace(n.Value)
}

func (p *parser) boolean(n *yaml.Node, what string) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		p.errf(n, "%s must be true or false", what)
		return false
	}
	return n.Value == "true"
}

func (p *parser) list(n *yaml.Node, what string) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		p.errf(n, "%s must be a list", what)
		return nil
	}
	return n.Content
}

func (p *parser) layout(doc *yaml.Node) *Layout {
	l := &Layout{Sheets: Sheets{Indicators: true, Trends: true, Definitions: true, DataQuality: true, About: true}}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		p.errf(doc, "empty layout")
		return l
	}
	top := p.mapping(doc.Content[0], "the layout", []string{"title", "headline", "indicators", "sheets"}, []string{"indicators"})
	if n, ok := top["title"]; ok {
		l.Title = p.text(n, "title", nil)
	}
	if n, ok := top["indicators"]; ok {
		seen := map[string]bool{}
		titles := map[string]int{}
		for _, in := range p.list(n, "indicators") {
			it := p.item(in)
			if it.ID != "" && seen[it.ID] {
				p.errf(in, "indicator %s is listed twice", it.ID)
			}
			seen[it.ID] = true
			// Excel compares sheet names case-insensitively.
			for lang, title := range it.Title {
				t := lang + "\x00" + strings.ToLower(title)
				if first, dup := titles[t]; dup {
					p.errf(in, "title %q is already used on line %d (each title names a sheet)", title, first)
				} else {
					titles[t] = in.Line
				}
			}
			l.Items = append(l.Items, it)
		}
		if len(l.Items) == 0 {
			p.errf(n, "indicators must list at least one indicator")
		}
	}
	if n, ok := top["headline"]; ok {
		for _, hn := range p.list(n, "headline") {
			id := p.str(hn, "a headline indicator")
			switch {
			case p.cat.Lookup(id) == nil:
				p.errf(hn, "unknown indicator %q in headline", id)
			case !slices.ContainsFunc(l.Items, func(it Item) bool { return it.ID == id }):
				p.errf(hn, "headline indicator %s is not among the layout's indicators", id)
			case slices.Contains(l.Headline, id):
				p.errf(hn, "headline indicator %s is listed twice", id)
			default:
				l.Headline = append(l.Headline, id)
			}
		}
	}
	if n, ok := top["sheets"]; ok {
		m := p.mapping(n, "sheets", []string{"indicators", "trends", "definitions", "data_quality", "about"}, nil)
		for key, dst := range map[string]*bool{"indicators": &l.Sheets.Indicators, "trends": &l.Sheets.Trends, "definitions": &l.Sheets.Definitions, "data_quality": &l.Sheets.DataQuality, "about": &l.Sheets.About} {
			if v, ok := m[key]; ok {
				*dst = p.boolean(v, "sheets."+key)
			}
		}
	}
	return l
}

// invalidSheetChars are the characters Excel refuses in a sheet name.
const invalidSheetChars = `:\/?*[]`

func (p *parser) item(n *yaml.Node) Item {
	it := Item{Line: n.Line}
	m := p.mapping(n, "an indicator entry", []string{"id", "title", "tables", "chart"}, []string{"id"})
	var ind *indicator.Indicator
	if v, ok := m["id"]; ok {
		it.ID = p.str(v, "id")
		if ind = p.cat.Lookup(it.ID); ind == nil && it.ID != "" {
			p.errf(v, "unknown indicator %q", it.ID)
		}
	}
	if v, ok := m["title"]; ok {
		it.Title = p.text(v, "title", sheetName)
	}
	if v, ok := m["tables"]; ok {
		for _, tn := range p.list(v, "tables") {
			d := p.str(tn, "a table dimension")
			switch {
			case ind != nil && !slices.Contains(ind.Disaggregations, d):
				p.errf(tn, "%s has no disaggregation %q (it has: %s)", it.ID, d, strings.Join(ind.Disaggregations, ", "))
			case slices.Contains(it.Tables, d):
				p.errf(tn, "table %q is listed twice", d)
			default:
				it.Tables = append(it.Tables, d)
			}
		}
	} else if ind != nil {
		it.Tables = slices.Clone(ind.Disaggregations)
	}
	it.Chart = Chart{Kind: "bar", Dimension: "total"}
	if len(it.Tables) > 0 {
		it.Chart.Dimension = it.Tables[0]
	}
	if v, ok := m["chart"]; ok {
		cm := p.mapping(v, "chart", []string{"kind", "dimension"}, nil)
		if kn, ok := cm["kind"]; ok {
			it.Chart.Kind = p.str(kn, "chart.kind")
			if !slices.Contains(ChartKinds, it.Chart.Kind) {
				p.errf(kn, "chart kind %q is not one of %s", it.Chart.Kind, strings.Join(ChartKinds, ", "))
			}
		}
		if dn, ok := cm["dimension"]; ok {
			it.Chart.Dimension = p.str(dn, "chart.dimension")
			if it.Chart.Dimension != "total" && !slices.Contains(it.Tables, it.Chart.Dimension) {
				p.errf(dn, "chart dimension %q is not among the item's tables", it.Chart.Dimension)
			}
		}
	}
	return it
}

// languages are the language codes a per-language text may use.
var languages = []string{"en", "ru", "uz"}

// text reads a Text: a string, or a mapping of language codes to strings,
// each checked with check (when not nil), which returns a problem or "".
func (p *parser) text(n *yaml.Node, what string, check func(string) string) Text {
	out := Text{}
	add := func(lang string, v *yaml.Node) {
		s := p.str(v, what)
		if s == "" {
			p.errf(v, "%s is empty", what)
			return
		}
		if check != nil {
			if msg := check(s); msg != "" {
				p.errf(v, "%s %q %s", what, s, msg)
				return
			}
		}
		out[lang] = s
	}
	if n.Kind == yaml.MappingNode {
		m := p.mapping(n, what, languages, nil)
		for _, lang := range languages {
			if v, ok := m[lang]; ok {
				add(lang, v)
			}
		}
		return out
	}
	add("", n)
	return out
}

// sheetName says what is wrong with a sheet name, or "".
func sheetName(s string) string {
	switch {
	case len([]rune(s)) > 31:
		return "is longer than 31 characters (Excel's limit for a sheet name)"
	case strings.ContainsAny(s, invalidSheetChars):
		return "contains one of " + invalidSheetChars + ", which a sheet name may not"
	case strings.HasPrefix(s, "'") || strings.HasSuffix(s, "'"):
		return "starts or ends with an apostrophe, which a sheet name may not"
	case slices.Contains([]string{"summary", "trends", "definitions", "data quality", "about"}, strings.ToLower(s)):
		return "is the name of a fixed sheet"
	}
	return ""
}

// Load reads and parses the layout name from fsys (the embedded reports.FS,
// or os.DirFS for a user's file). Errors name the file as given.
func Load(fsys fs.FS, name string, cat indicator.Catalogue) (*Layout, error) {
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("read layout: %w", err)
	}
	return Parse(name, src, cat)
}

// Lookup returns the item for an indicator id, or nil.
func (l *Layout) Lookup(id string) *Item {
	for i := range l.Items {
		if l.Items[i].ID == id {
			return &l.Items[i]
		}
	}
	return nil
}
