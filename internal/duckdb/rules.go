package duckdb

import (
	"fmt"
	"strings"

	"rrstat/internal/export"
)

// This file turns the data contract (internal/export) into SQL: one typed
// expression per column and, per table, the ordered list of row rules. The
// loader evaluates them set-wise in DuckDB: a row's _reject is the number
// of the first rule it breaks, in the column order of the contract.

// check is one row rule: cond is true when a row breaks it. A joined rule
// needs the person's loaded returnees row; it is evaluated after the rows
// are read (see loader.personChecks), the others while they are read.
type check struct {
	column string
	cond   string
	reason string
	joined bool
	// form is set for a rule on how the value is written, which no value of
	// the column's plain form (source.Form) breaks: a field whose values
	// all have that form is read typed and skips these rules.
	form bool
}

// helperMacros are created on the load connection. rr_txt trims a cell and
// makes an empty one missing; rr_date reads both date forms, allowing a
// time part only when it is exactly midnight (the plain YYYY-MM-DD form
// takes a faster path in typed); rr_num normalises a decimal comma.
var helperMacros = []string{
	`CREATE OR REPLACE TEMP MACRO rr_txt(s) AS nullif(trim(s, ' ' || chr(9) || chr(10) || chr(11) || chr(12) || chr(13) || chr(160) || chr(65279)), '')`,
	`CREATE OR REPLACE TEMP MACRO rr_midnight(s) AS
	    s IS NULL OR regexp_full_match(s, '([ T]00:00(:00(\.0+)?)?)?(Z|[+-]00(:?00)?)?')`,
	`CREATE OR REPLACE TEMP MACRO rr_date(s) AS CASE
	    WHEN regexp_matches(s, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}')
	         AND rr_midnight(regexp_replace(s, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}', ''))
	        THEN try_strptime(regexp_extract(s, '^[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}'), '%Y-%m-%d')::DATE
	    WHEN regexp_matches(s, '^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}')
	         AND rr_midnight(regexp_replace(s, '^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}', ''))
	        THEN try_strptime(regexp_extract(s, '^[0-9]{1,2}\.[0-9]{1,2}\.[0-9]{4}'), '%d.%m.%Y')::DATE
	    END`,
	`CREATE OR REPLACE TEMP MACRO rr_num(s) AS replace(s, ',', '.')`,
	`CREATE OR REPLACE TEMP MACRO rr_decimal_ok(s) AS
	    regexp_full_match(rr_num(s), '[+-]?([0-9]+(\.[0-9]{0,6})?|\.[0-9]{1,6})')`,
}

// inList is the SQL of "e is one of vals". It uses list_contains, not IN:
// DuckDB rewrites a long IN list into a join that runs on every row, even
// where a CASE branch would not need it.
func inList(e string, vals []string) string {
	return fmt.Sprintf("list_contains([%s], %s)", sqlList(vals), e)
}

// sqlList writes a list of constants as SQL string literals.
func sqlList(vals []string) string {
	q := make([]string, len(vals))
	for i, v := range vals {
		q[i] = sqlString(v)
	}
	return strings.Join(q, ", ")
}

// sqlString writes a constant as an SQL string literal. It is used only for
// the contract's own constants (code lists, words), never for data.
func sqlString(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// boolNorm lower-cases a boolean word and turns every accepted apostrophe into '.
func boolNorm(r string) string {
	e := "lower(" + r + ")"
	for _, a := range export.Apostrophes {
		e = fmt.Sprintf("replace(%s, %s, '''')", e, sqlString(a))
	}
	return e
}

// typed returns the SQL of a column's typed value from its raw text r. A
// missing value stays missing without reaching the slower branches.
func typed(c export.Column, r string) string {
	e := typedValue(c, r)
	if e == r {
		return e
	}
	return fmt.Sprintf("CASE WHEN %s IS NULL THEN NULL ELSE %s END", r, e)
}

func typedValue(c export.Column, r string) string {
	switch c.Type {
	case export.Country:
		return "upper(" + r + ")"
	case export.Region:
		return fmt.Sprintf("CASE WHEN lower(%s) = 'unknown' THEN NULL ELSE nfc_normalize(%s) END", r, r)
	case export.Sex:
		return fmt.Sprintf("CASE WHEN %s = 'F' OR %s = 'M' THEN %s WHEN %s THEN 'F' WHEN %s THEN 'M' END",
			r, r, r, inList("lower("+r+")", export.FemaleWords), inList("lower("+r+")", export.MaleWords))
	case export.Integer:
		// The fast path takes four digits only (the number writes back as
		// the text): DuckDB's cast also reads "19e2", "1_99" and "19.5"
		// (as 1900, 199 and 20).
		return fmt.Sprintf(`CASE WHEN length(%s) = 4 AND %s BETWEEN '1000' AND '9999' AND CAST(try_cast(%s AS INTEGER) AS VARCHAR) = %s THEN try_cast(%s AS INTEGER)
		    WHEN regexp_full_match(%s, '[0-9]{1,9}(\.0*)?') THEN CAST(regexp_extract(%s, '^[0-9]+') AS INTEGER) END`, r, r, r, r, r, r, r)
	case export.Date:
		// LIKE with a fixed pattern is far cheaper than a regular
		// expression. DuckDB's cast also reads "-019-01-08" (a year BC) or
		// "2019-01-8T": the fast path keeps only a date that writes back
		// as the text itself; anything else goes to rr_date. The cast is
		// computed once, a level below (see dateCasts).
		d := castName(c.Name)
		return fmt.Sprintf(`CASE WHEN %s LIKE '____-__-__' AND CAST(%s AS VARCHAR) = %s THEN %s ELSE rr_date(%s) END`, r, d, r, d, r)
	case export.Decimal01:
		// The fast path leaves out what DuckDB's cast reads beyond the
		// contract: exponents and digit separators ("0.5e-1", "0.1_2").
		return fmt.Sprintf(`CASE WHEN %s LIKE '0.%%' AND length(%s) <= 8 AND NOT contains(%s, 'e') AND NOT contains(%s, 'E') AND NOT contains(%s, '_') THEN try_cast(%s AS DECIMAL(18, 6))
		    WHEN rr_decimal_ok(%s) THEN try_cast(rr_num(%s) AS DECIMAL(18, 6)) END`, r, r, r, r, r, r, r, r)
	case export.Bool:
		n := boolNorm(r)
		return fmt.Sprintf("CASE WHEN %s = 'true' THEN true WHEN %s = 'false' THEN false WHEN %s THEN true WHEN %s THEN false END",
			r, r, inList(n, export.TrueWords), inList(n, export.FalseWords))
	case export.Code:
		return fmt.Sprintf("CASE WHEN %s THEN %s ELSE lower(%s) END", inList(r, c.Codes), r, r)
	}
	return r
}

// store returns the SQL of the value stored for a column from its typed
// value t (a decimal is stored in the contract's range type).
func storeExpr(c export.Column, t string) string {
	if c.Type == export.Decimal01 {
		return "try_cast(" + t + " AS DECIMAL(7, 6))"
	}
	return t
}

// columnChecks returns the generic rules of a column: presence, form and
// range. Rules that involve other columns or tables are added by
// tableChecks around them.
func columnChecks(c export.Column, r, t string) []check {
	var out []check
	add := func(cond, reason string) {
		form := reason != export.ReasonMissing && reason != export.ReasonFuture
		out = append(out, check{column: c.Name, cond: cond, reason: reason, form: form})
	}
	if c.Required {
		add(r+" IS NULL", export.ReasonMissing)
	}
	switch c.Type {
	case export.PersonID:
		add(fmt.Sprintf("%s IS NOT NULL AND NOT regexp_full_match(%s, '[A-Za-z0-9_-]{1,64}')", r, r), export.ReasonPersonID)
	case export.Country:
		add(fmt.Sprintf("%s IS NOT NULL AND NOT %s", r, inList(t, export.CountryCodes())), export.ReasonCountry)
	case export.Sex:
		add(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", r, t), export.ReasonSex)
	case export.Integer:
		add(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", r, t), export.ReasonInteger)
	case export.Date:
		add(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", r, t), export.ReasonDate)
		add(fmt.Sprintf("%s > $today::DATE", t), export.ReasonFuture)
	case export.Decimal01:
		add(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", r, t), export.ReasonDecimal)
		add(fmt.Sprintf("%s < 0 OR %s > 1", t, t), export.ReasonRange01)
	case export.Bool:
		add(fmt.Sprintf("%s IS NOT NULL AND %s IS NULL", r, t), export.ReasonBool)
	case export.Code:
		add(fmt.Sprintf("%s IS NOT NULL AND NOT %s", t, inList(t, c.Codes)), export.ReasonCode(&c))
	}
	return out
}

// rawName and typedName are the names of a column's raw and typed values
// inside the load query; castName that of a date column's plain cast.
func rawName(col string) string   { return "r_" + col }
func typedName(col string) string { return "t_" + col }
func castName(col string) string  { return "d_" + col }

// dateCasts returns DuckDB's plain cast of each date column's raw text,
// which typed reads twice: computed in a projection of its own, it is
// computed once (DuckDB does not share it between a CASE's condition and
// its result).
func dateCasts(t *export.Table, typedCols map[string]bool) []string {
	var out []string
	for _, c := range t.Columns {
		if c.Type == export.Date && !typedCols[c.Name] {
			out = append(out, fmt.Sprintf("try_cast(%s AS DATE) AS %s", rawName(c.Name), castName(c.Name)))
		}
	}
	return out
}

// tableChecks returns the ordered row rules of a table. The joined rules of
// the child tables are written over the stored child row c, with the pk,
// ok and return_date of the person it names as c.p_pk, c.p_ok and
// c.p_return_date (see loader.personChecks).
func tableChecks(t *export.Table) []check {
	var out []check
	for _, c := range t.Columns {
		r, tv := rawName(c.Name), typedName(c.Name)
		switch {
		case t.Name == export.Returnees && c.Name == "birth_year":
			out = append(out, columnChecks(c, r, tv)...)
			out = append(out, check{column: c.Name, reason: export.ReasonBirthYear,
				cond: fmt.Sprintf("%s < 1900 OR %s > coalesce(year(t_return_date), year($today::DATE))", tv, tv)})
		case t.Name == export.Returnees && c.Name == "case_closed_date":
			out = append(out,
				check{column: c.Name, cond: "t_case_status = 'closed' AND " + r + " IS NULL", reason: export.ReasonClosedDate},
				check{column: c.Name, cond: "t_case_status = 'open' AND " + r + " IS NOT NULL", reason: export.ReasonOpenDate})
			out = append(out, columnChecks(c, r, tv)...)
			out = append(out, check{column: c.Name, cond: tv + " < t_return_date", reason: export.ReasonClosedBefore})
		case t.Name == export.Returnees && c.Name == "closure_reason":
			out = append(out,
				check{column: c.Name, cond: "t_case_status = 'closed' AND " + r + " IS NULL", reason: export.ReasonClosureReason},
				check{column: c.Name, cond: "t_case_status = 'open' AND " + r + " IS NOT NULL", reason: export.ReasonOpenReason})
			out = append(out, columnChecks(c, r, tv)...)
		case t.Name != export.Returnees && c.Name == "person_id":
			// Only a well-formed person_id can name a loaded person, so the
			// form is checked (for its reason) only when the person is not found.
			out = append(out,
				check{column: c.Name, cond: r + " IS NULL", reason: export.ReasonMissing},
				check{column: c.Name, cond: "NOT regexp_full_match(c.person_id, '[A-Za-z0-9_-]{1,64}')", reason: export.ReasonPersonID, joined: true},
				check{column: c.Name, cond: "c.p_pk IS NULL", reason: export.ReasonUnknownPerson, joined: true},
				check{column: c.Name, cond: "NOT c.p_ok", reason: export.ReasonRejectedPerson, joined: true})
		case t.Name != export.Returnees && c.Type == export.Date:
			out = append(out, columnChecks(c, r, tv)...)
			out = append(out, check{column: c.Name, cond: "c." + c.Name + " < c.p_return_date", reason: export.ReasonBeforeReturn, joined: true})
		default:
			out = append(out, columnChecks(c, r, tv)...)
		}
	}
	return out
}
