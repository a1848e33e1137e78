// Package labels reads the words a report is shown in (reports/labels/*.yaml):
// one file per language with the name of every indicator, dimension,
// category and country, the plain-words definition of every indicator for
// readers, and every heading, note and message of the workbook and the
// dashboard. indicators.csv and series.csv stay in codes; everything a
// person reads goes through a Labels.
//
// A labels file is YAML: nested mappings whose leaves are text. Its keys
// are those of the reference language (English, en.yaml), no more and no
// fewer, and a text's {placeholders} are those of the same key in English.
// Load checks both, and that every indicator of the catalogue and every
// code of the code lists has its label, and reports every problem at once
// as "file:line: message", so that a national team can correct a term in a
// copy of the file (rrstat report --labels FILE) without a build.
package labels

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"rrstat/internal/cell"
	"rrstat/internal/export"
	"rrstat/internal/indicator"
)

// Reference is the language every other labels file is checked against.
const Reference = "en"

// Languages are the languages of the built-in labels, reference first.
var Languages = []string{"en", "ru", "uz"}

// ErrLabels is wrapped by every error of Load and Parse.
var ErrLabels = errors.New("bad labels file")

// Errors lists every problem of a labels file, each "file:line: message".
type Errors []string

func (e Errors) Error() string { return strings.Join(e, "\n") }

// Unwrap lets errors.Is find ErrLabels.
func (e Errors) Unwrap() error { return ErrLabels }

// Labels are the words of one language.
type Labels struct {
	Lang  string // the language code: en, ru, uz
	File  string // the file they came from
	text  map[string]string
	lines map[string]int
	// months are the month names as a date writes them (genitive where the
	// language needs it), January first.
	months []string
}

// IndicatorFields are the labels every indicator has.
var IndicatorFields = []string{"title", "name", "definition"}

// flatten turns a YAML document into dotted keys and their texts.
func flatten(file string, doc *yaml.Node) (map[string]string, map[string]int, Errors) {
	text, lines := map[string]string{}, map[string]int{}
	var errs Errors
	var walk func(prefix string, n *yaml.Node)
	walk = func(prefix string, n *yaml.Node) {
		if n.Kind == yaml.AliasNode && n.Alias != nil {
			n = n.Alias
		}
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				k, v := n.Content[i], n.Content[i+1]
				key := k.Value
				if prefix != "" {
					key = prefix + "." + k.Value
				}
				if _, dup := lines[key]; dup {
					errs = append(errs, fmt.Sprintf("%s:%d: duplicate key %s", file, k.Line, key))
					continue
				}
				walk(key, v)
			}
		case yaml.ScalarNode:
			if n.Tag == "!!null" {
				errs = append(errs, fmt.Sprintf("%s:%d: %s has no text", file, n.Line, prefix))
				return
			}
			text[prefix] = n.Value
			lines[prefix] = n.Line
		default:
			errs = append(errs, fmt.Sprintf("%s:%d: %s must be a text or a mapping of texts", file, n.Line, prefix))
		}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 || doc.Content[0].Kind != yaml.MappingNode {
		return nil, nil, Errors{fmt.Sprintf("%s:1: a labels file is a mapping of keys to texts", file)}
	}
	walk("", doc.Content[0])
	return text, lines, errs
}

func parseYAML(file string, src []byte) (map[string]string, map[string]int, Errors) {
	var doc yaml.Node
	if err := yaml.NewDecoder(bytes.NewReader(src)).Decode(&doc); err != nil {
		msg := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := regexp.MustCompile(`^line (\d+): (.*)$`).FindStringSubmatch(msg); m != nil {
			return nil, nil, Errors{fmt.Sprintf("%s:%s: %s", file, m[1], m[2])}
		}
		return nil, nil, Errors{fmt.Sprintf("%s:1: %s", file, msg)}
	}
	return flatten(file, &doc)
}

var rePlaceholder = regexp.MustCompile(`\{[a-z_]+\}`)

func placeholders(s string) []string {
	ps := rePlaceholder.FindAllString(s, -1)
	sort.Strings(ps)
	return slices.Compact(ps)
}

// Parse reads the labels of language lang from src, checking them against
// the reference (the parsed English file; nil when src is the reference
// itself) and the catalogue. Every problem is reported at once.
func Parse(lang, file string, src []byte, ref *Labels, cat indicator.Catalogue) (*Labels, error) {
	codes := Codes()
	text, lines, errs := parseYAML(file, src)
	if text == nil {
		return nil, errs
	}
	l := &Labels{Lang: lang, File: file, text: text, lines: lines}
	line := func(key string) int {
		if n, ok := lines[key]; ok {
			return n
		}
		return 1
	}
	if ref != nil {
		var missing []string
		for key := range ref.text {
			if _, ok := text[key]; !ok {
				missing = append(missing, key)
			}
		}
		sort.Strings(missing)
		for _, key := range missing {
			errs = append(errs, fmt.Sprintf("%s:1: missing key %s (%s:%d has it: %q)", file, key, ref.File, ref.lines[key], ref.text[key]))
		}
		for key, v := range text {
			rv, ok := ref.text[key]
			if !ok {
				errs = append(errs, fmt.Sprintf("%s:%d: unknown key %s (not in %s)", file, line(key), key, ref.File))
				continue
			}
			if a, b := placeholders(v), placeholders(rv); !slices.Equal(a, b) {
				errs = append(errs, fmt.Sprintf("%s:%d: %s has the placeholders %v, the reference %v", file, line(key), key, a, b))
			}
		}
	}
	for _, ind := range cat {
		for _, f := range IndicatorFields {
			key := "indicators." + ind.ID + "." + f
			if strings.TrimSpace(text[key]) == "" {
				errs = append(errs, fmt.Sprintf("%s:1: missing key %s (every indicator of the catalogue needs %s)", file, key, strings.Join(IndicatorFields, ", ")))
			}
		}
		if t := text["indicators."+ind.ID+".title"]; len([]rune(t)) > 31 || strings.ContainsAny(t, `:\/?*[]`) {
			errs = append(errs, fmt.Sprintf("%s:%d: indicators.%s.title %q names a sheet: at most 31 characters, none of :\\/?*[]", file, line("indicators."+ind.ID+".title"), ind.ID, t))
		}
	}
	dims := make([]string, 0, len(codes))
	for d := range codes {
		dims = append(dims, d)
	}
	sort.Strings(dims)
	for _, d := range dims {
		if _, ok := text["dimensions."+d]; !ok {
			errs = append(errs, fmt.Sprintf("%s:1: missing key dimensions.%s", file, d))
		}
		for _, c := range codes[d] {
			if _, ok := text["categories."+d+"."+c]; !ok {
				errs = append(errs, fmt.Sprintf("%s:1: missing key categories.%s.%s", file, d, c))
			}
		}
	}
	for i := 1; i <= 12; i++ {
		key := "dates.months." + strconv.Itoa(i)
		if text[key] == "" {
			errs = append(errs, fmt.Sprintf("%s:1: missing key %s", file, key))
		}
		l.months = append(l.months, text[key])
	}
	if len(errs) > 0 {
		sort.SliceStable(errs, func(i, j int) bool { return lineOf(errs[i]) < lineOf(errs[j]) })
		return nil, errs
	}
	return l, nil
}

var reLine = regexp.MustCompile(`^[^\n]*?:(\d+): `)

func lineOf(msg string) int {
	if m := reLine.FindStringSubmatch(msg); m != nil {
		n, _ := strconv.Atoi(m[1])
		return n
	}
	return 0
}

// Load reads the labels of lang from fsys (labels/<lang>.yaml, checked
// against labels/en.yaml).
func Load(fsys fs.FS, lang string, cat indicator.Catalogue) (*Labels, error) {
	if !slices.Contains(Languages, lang) {
		return nil, fmt.Errorf("%w: unknown language %q (known: %s)", ErrLabels, lang, strings.Join(Languages, ", "))
	}
	ref, err := loadFile(fsys, Reference, nil, cat)
	if err != nil || lang == Reference {
		return ref, err
	}
	return loadFile(fsys, lang, ref, cat)
}

// LoadFile reads a user's labels file for lang (a corrected copy of a
// built-in one), checked against the built-in reference of fsys.
func LoadFile(fsys fs.FS, lang, file string, src []byte, cat indicator.Catalogue) (*Labels, error) {
	ref, err := loadFile(fsys, Reference, nil, cat)
	if err != nil {
		return nil, err
	}
	return Parse(lang, file, src, ref, cat)
}

func loadFile(fsys fs.FS, lang string, ref *Labels, cat indicator.Catalogue) (*Labels, error) {
	name := "labels/" + lang + ".yaml"
	src, err := fs.ReadFile(fsys, name)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrLabels, err)
	}
	return Parse(lang, "reports/"+name, src, ref, cat)
}

// Codes returns the categories every labels file must name, by dimension:
// every code of the closed code lists and the unknown region.
func Codes() map[string][]string {
	out := map[string][]string{"region": {export.UnknownRegion}, "return_from": nil}
	for name, d := range indicator.KnownDimensions {
		if !d.Open() {
			out[name] = d.Codes
		}
	}
	return out
}

// T returns the text of key with its {placeholders} replaced: args are
// name, value pairs ("period", "2025Q3"). An unknown key is returned as
// "[key]", which the tests of every language catch.
func (l *Labels) T(key string, args ...string) string {
	s, ok := l.text[key]
	if !ok {
		return "[" + key + "]"
	}
	if len(args) == 0 {
		return s
	}
	pairs := make([]string, 0, len(args))
	for i := 0; i+1 < len(args); i += 2 {
		pairs = append(pairs, "{"+args[i]+"}", args[i+1])
	}
	return strings.NewReplacer(pairs...).Replace(s)
}

// Has reports whether key has a text.
func (l *Labels) Has(key string) bool {
	_, ok := l.text[key]
	return ok
}

// Keys returns every key, sorted.
func (l *Labels) Keys() []string {
	out := make([]string, 0, len(l.text))
	for k := range l.text {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// Country returns the name of a country code ("Kazakhstan", "Казахстан"),
// or the code itself when the labels do not name it.
func (l *Labels) Country(code string) string {
	if s, ok := l.text["countries."+code]; ok {
		return s
	}
	return code
}

// Dimension returns the heading of a disaggregation.
func (l *Labels) Dimension(dim string) string {
	if s, ok := l.text["dimensions."+dim]; ok {
		return s
	}
	return dim
}

// Category returns the label of a category of a dimension: a code list's
// code in words, a country of return by name, the unknown region in words;
// a category that came from the data (a region) as it is.
func (l *Labels) Category(dim, cat string) string {
	if dim == cell.TotalDimension {
		return l.T("categories.total.total")
	}
	if s, ok := l.text["categories."+dim+"."+cat]; ok {
		return s
	}
	if dim == "return_from" {
		return l.Country(cat)
	}
	return cat
}

// Indicator returns an indicator's label field (title, name, definition),
// or "" when the labels have none (an indicator added with --queries).
func (l *Labels) Indicator(id, field string) string {
	return l.text["indicators."+id+"."+field]
}

// Int writes an integer with the language's digit grouping (1,234 or
// 1 234).
func (l *Labels) Int(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	sep := l.T("number.group")
	var b strings.Builder
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteString(sep)
		}
		b.WriteByte(s[i])
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// Number writes a decimal as indicators.csv writes it ("71.6", "-0.125",
// "1234") in the language's form: digits grouped, the language's decimal
// separator.
func (l *Labels) Number(s string) string {
	if s == "" {
		return ""
	}
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	whole, frac, hasFrac := strings.Cut(s, ".")
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return s
	}
	out := l.Int(n)
	if hasFrac {
		out += l.T("number.decimal") + frac
	}
	if neg {
		out = "-" + out
	}
	return out
}

// Rat writes r rounded to places decimals in the language's form.
func (l *Labels) Rat(r *big.Rat, places int) string { return l.Number(cell.FormatRat(r, places)) }

// Date writes a day in the language's form ("1 July 2025", "1 июля 2025 г.").
func (l *Labels) Date(t time.Time) string {
	return l.T("dates.day", "d", strconv.Itoa(t.Day()), "month", l.months[t.Month()-1], "y", strconv.Itoa(t.Year()))
}

// DateTime writes a time in UTC in the language's form.
func (l *Labels) DateTime(t time.Time) string {
	t = t.UTC()
	return l.T("dates.time", "date", l.Date(t), "hm", t.Format("15:04"))
}
