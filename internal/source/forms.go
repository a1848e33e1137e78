package source

import (
	"bytes"
	"strings"

	"rrstat/internal/export"
)

// A Form is the plain, canonical way of writing a column's values that the
// scan can check in passing: a date as YYYY-MM-DD, a score as 0.414, a
// boolean as true. When every value of a CSV field has its column's form
// (or is empty), the loader lets DuckDB read the field with its type and
// skips the rules that such a value cannot break; any other value, in any
// row, makes the loader read the whole field as text and apply every rule
// to it, as for any field.
//
// A form is narrower than what the contract accepts, never wider: each
// value of a form is one the contract accepts, whose typed value DuckDB's
// cast gives exactly and writes back as the same text (so that a rejected
// value is reported as it stands in the file).
type Form uint8

// The forms.
const (
	FormNone     Form = iota // no form: the field is read as text
	FormDate                 // YYYY-MM-DD, a real date of the years 1000-9999
	FormUnit                 // a decimal from 0 to 1: 0, 1, 0.d to 0.dddddd, 1.0 to 1.000000
	FormBool                 // true or false
	FormYear                 // four digits, 1000-9999
	FormPersonID             // 1 to 64 of A-Z a-z 0-9 _ -
	FormCode                 // exactly one of the column's codes
)

// SQLType is the DuckDB type a field of the form is read as.
func (f Form) SQLType() string {
	switch f {
	case FormDate:
		return "DATE"
	case FormUnit:
		return "DECIMAL(7, 6)"
	case FormBool:
		return "BOOLEAN"
	case FormYear:
		return "INTEGER"
	}
	return "VARCHAR"
}

// fieldForm is the check of one field of a file: its form and, for a code
// column, the codes.
type fieldForm struct {
	key   int // the field's place in the table's key, or -1
	form  Form
	codes [][]string          // a short list, by length
	set   map[string]struct{} // a long list (countries)
}

// formOf returns the form of a column of the contract.
func formOf(c *export.Column) fieldForm {
	set := func(codes []string) fieldForm {
		if len(codes) > 16 {
			m := make(map[string]struct{}, len(codes))
			for _, s := range codes {
				m[s] = struct{}{}
			}
			return fieldForm{form: FormCode, set: m}
		}
		var byLen [][]string
		for _, s := range codes {
			for len(byLen) <= len(s) {
				byLen = append(byLen, nil)
			}
			byLen[len(s)] = append(byLen[len(s)], s)
		}
		return fieldForm{form: FormCode, codes: byLen}
	}
	switch c.Type {
	case export.PersonID:
		return fieldForm{form: FormPersonID}
	case export.Date:
		return fieldForm{form: FormDate}
	case export.Decimal01:
		return fieldForm{form: FormUnit}
	case export.Bool:
		return fieldForm{form: FormBool}
	case export.Integer:
		return fieldForm{form: FormYear}
	case export.Code:
		return set(c.Codes)
	case export.Sex:
		return set([]string{"F", "M"})
	case export.Country:
		return set(export.CountryCodes())
	}
	return fieldForm{} // Text and Region: read as text in any case
}

// columnsAt maps the table's columns to their first field in a header,
// matching names as export.MatchHeader does (a header MatchHeader refuses
// is never loaded, whatever the scan found).
func columnsAt(t *export.Table, header []string) map[string]int {
	at := map[string]int{}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(h))
		if _, seen := at[name]; !seen && t.Column(name) != nil {
			at[name] = i
		}
	}
	return at
}

// formsFor returns the forms of a file's n fields, from where the table's
// columns are (columnsAt): unknown, unnamed or repeated columns get none.
func formsFor(t *export.Table, at map[string]int, n int) []fieldForm {
	out := make([]fieldForm, n)
	for name, i := range at {
		out[i] = formOf(t.Column(name))
	}
	return out
}

// scan finds the end of the field that starts l (the index of the
// delimiter after it, or len(l)) and reports whether its value is empty or
// has the form (true for FormNone: nothing to check).
func (f *fieldForm) scan(l []byte, delim byte) (end int, ok bool) {
	at := func(n int) bool { return len(l) == n || (len(l) > n && l[n] == delim) }
	if at(0) {
		return 0, true // empty
	}
	switch f.form {
	case FormUnit:
		n := 0
		for n < len(l) && n <= 8 && l[n] != delim {
			n++
		}
		if at(n) && isUnit(l[:n]) {
			return n, true
		}
	case FormDate:
		if at(10) && isISODate(l[:10]) {
			return 10, true
		}
	case FormBool:
		if at(4) && string(l[:4]) == "true" {
			return 4, true
		}
		if at(5) && string(l[:5]) == "false" {
			return 5, true
		}
	case FormPersonID:
		n := 0
		for n < len(l) && n <= 64 && isIDByte(l[n]) {
			n++
		}
		if n <= 64 && at(n) {
			return n, true
		}
	}
	end = bytes.IndexByte(l, delim)
	if end < 0 {
		end = len(l)
	}
	return end, f.form == FormNone || end == 0 || f.has(l[:end])
}

func isIDByte(c byte) bool {
	return isDigit(c) || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '-'
}

// has reports whether v (not empty) is written in the form.
func (f *fieldForm) has(v []byte) bool {
	switch f.form {
	case FormDate:
		return isISODate(v)
	case FormUnit:
		return isUnit(v)
	case FormBool:
		return string(v) == "true" || string(v) == "false"
	case FormYear:
		return len(v) == 4 && v[0] >= '1' && v[0] <= '9' && isDigit(v[1]) && isDigit(v[2]) && isDigit(v[3])
	case FormPersonID:
		if len(v) > 64 {
			return false
		}
		for _, c := range v {
			if !isIDByte(c) {
				return false
			}
		}
		return true
	case FormCode:
		if f.set != nil {
			_, ok := f.set[string(v)]
			return ok
		}
		if len(v) >= len(f.codes) {
			return false
		}
		for _, c := range f.codes[len(v)] {
			if string(v) == c {
				return true
			}
		}
		return false
	}
	return false
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// isISODate reports whether v is YYYY-MM-DD, a date that exists, of a
// year from 1000 to 9999.
func isISODate(v []byte) bool {
	if len(v) != 10 || v[4] != '-' || v[7] != '-' {
		return false
	}
	for _, i := range [...]int{0, 1, 2, 3, 5, 6, 8, 9} {
		if !isDigit(v[i]) {
			return false
		}
	}
	y := int(v[0]-'0')*1000 + int(v[1]-'0')*100 + int(v[2]-'0')*10 + int(v[3]-'0')
	m := int(v[5]-'0')*10 + int(v[6]-'0')
	d := int(v[8]-'0')*10 + int(v[9]-'0')
	if y < 1000 || m < 1 || m > 12 || d < 1 {
		return false
	}
	days := [...]int{31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31}[m-1]
	if m == 2 && y%4 == 0 && (y%100 != 0 || y%400 == 0) {
		days = 29
	}
	return d <= days
}

// isUnit reports whether v is 0 or 1 with at most six decimals, not over 1.
func isUnit(v []byte) bool {
	if len(v) == 0 || len(v) > 8 || (v[0] != '0' && v[0] != '1') {
		return false
	}
	if len(v) == 1 {
		return true
	}
	if v[1] != '.' || len(v) == 2 {
		return false
	}
	for _, c := range v[2:] {
		if !isDigit(c) || (v[0] == '1' && c != '0') {
			return false
		}
	}
	return true
}
