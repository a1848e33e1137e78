package export

import (
	"errors"
	"fmt"
	"strings"
)

// ErrRefused is wrapped by every error that refuses a whole export (a
// missing required column, a direct identifier, an unreadable file ...).
var ErrRefused = errors.New("export refused")

// Refusef returns an error wrapping ErrRefused.
func Refusef(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrRefused, fmt.Sprintf(format, args...))
}

// HeaderMatch maps a table's columns to the positions of a file's header.
type HeaderMatch struct {
	Index    map[string]int // schema column name -> position in the file; absent columns are missing
	Warnings []string
}

// MatchHeader matches the column names of a file (in file order) to the
// table's columns: case-insensitively after trimming, in any order. Unknown
// columns are ignored with a warning. It refuses duplicate names, a direct
// identifier column not named in drop, and missing required columns, naming
// the file and the columns.
func MatchHeader(t *Table, file string, names []string, drop []string) (HeaderMatch, error) {
	m := HeaderMatch{Index: map[string]int{}}
	dropped := map[string]bool{}
	for _, d := range drop {
		dropped[NormalizeColumnName(d)] = true
	}
	seen := map[string]int{}
	var idents, dups []string
	for i, raw := range names {
		name := strings.ToLower(strings.TrimSpace(raw))
		if name == "" {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s: column %d has no name and is ignored", file, i+1))
			continue
		}
		if j, ok := seen[name]; ok {
			dups = append(dups, fmt.Sprintf("%q (columns %d and %d)", strings.TrimSpace(raw), j+1, i+1))
			continue
		}
		seen[name] = i
		if dropped[NormalizeColumnName(name)] {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s: column %q dropped as asked (--drop-column)", file, strings.TrimSpace(raw)))
			continue
		}
		if IsDirectIdentifier(name) {
			idents = append(idents, strings.TrimSpace(raw))
			continue
		}
		if t.Column(name) == nil {
			m.Warnings = append(m.Warnings, fmt.Sprintf("%s: unknown column %q ignored", file, strings.TrimSpace(raw)))
			continue
		}
		m.Index[name] = i
	}
	if len(dups) > 0 {
		return m, Refusef("%s: duplicate column names %s; each column may appear once", file, strings.Join(dups, ", "))
	}
	if len(idents) > 0 {
		var opts []string
		for _, c := range idents {
			opts = append(opts, "--drop-column "+quoteArg(c))
		}
		return m, Refusef("%s: %s %s like a direct identifier (names, birth dates, document or phone numbers, addresses must never enter the store); remove it from the export, or load without it with %s",
			file, plural(len(idents), "column", "columns")+" "+quoteList(idents), plural(len(idents), "looks", "look"), strings.Join(opts, " "))
	}
	var missing []string
	for _, c := range t.RequiredColumns() {
		if _, ok := m.Index[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return m, Refusef("%s: required %s %s missing (the %s table needs %s)", file, plural(len(missing), "column", "columns"), quoteList(missing), t.Name, strings.Join(t.RequiredColumns(), ", "))
	}
	return m, nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func quoteList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

func quoteArg(s string) string {
	if strings.ContainsAny(s, " \t'\"") {
		return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
	}
	return s
}
