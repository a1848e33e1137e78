package duckdb

import (
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// The rule tests start from a small valid export (ruleBase) and add one
// row that breaks one rule (or is valid in an unusual form). The added row
// must be rejected with its table, file, physical line, column, value and
// reason, and the store must then hold exactly the base rows: the bad row
// is not stored, its valid neighbours all are.

var ruleBase = map[string][]string{
	export.Returnees: {
		"person_id,household_id,country,region,sex,birth_year,return_date,return_from,household_role,unaccompanied_minor,legal_status,case_status,case_closed_date,closure_reason",
		"P01,H1,UZ,Andijan,F,1985,2019-01-08,SY,head,false,none,open,,",                         // 2
		"P02,H1,UZ,Andijan,M,2010,2019-01-08,SY,child,true,none,closed,2021-03-01,reintegrated", // 3
		"P03,H2,UZ,Tashkent,F,1990,2020-05-10,IQ,spouse,,investigation,open,,",                  // 4
		"P04,,UZ,,M,1970,2020-05-11,SY,,,,closed,2022-01-01,lost_contact",                       // 5
		"P05,H3,UZ,Fergana,F,2001,2021-02-02,AF,other,false,released,open,,",                    // 6
	},
	export.Needs: {
		"person_id,need_type,identified_date",
		"P01,medical,2019-01-10",   // 2
		"P01,housing,2019-02-01",   // 3
		"P02,education,2019-01-20", // 4
		"P03,legal,2020-06-01",     // 5
	},
	export.Services: {
		"service_id,person_id,service_type,service_date,provider_type,status",
		"S1,P01,medical,2019-01-15,government,delivered", // 2
		"S2,P02,education,2019-02-01,ngo,referred",       // 3
		",P03,legal,2020-06-10,community,declined",       // 4
		",P03,legal,2020-06-11,international,delivered",  // 5: a second row without service_id
	},
	export.Followups: {
		"person_id,followup_date,economic_score,social_score,psychosocial_score,in_education,employed,has_civil_documents",
		"P01,2019-04-01,0.5,0.25,1,,true,true",  // 2
		"P01,2019-07-01,0,0.333333,0.9,,false,", // 3
		"P02,2019-04-01,,,,true,,false",         // 4
	},
}

// Templates of a valid added row of each table.
const (
	retT  = "P90,H9,UZ,Andijan,F,1985,2019-01-08,SY,head,false,none,open,,"
	needT = "P01,legal,2019-03-01"
	svcT  = "S9,P01,legal,2019-03-01,ngo,delivered"
	fupT  = "P01,2019-10-01,0.5,0.5,0.5,,true,true"
)

// mod returns the template row of table tn with the named columns set
// (pairs of column, value), written as CSV (quoted where needed).
func mod(tn, tmpl string, kv ...string) string {
	rec, err := csv.NewReader(strings.NewReader(tmpl)).Read()
	if err != nil {
		panic(err)
	}
	header := strings.Split(ruleBase[tn][0], ",")
	for i := 0; i < len(kv); i += 2 {
		j := slices.Index(header, kv[i])
		if j < 0 {
			panic("no column " + kv[i])
		}
		rec[j] = kv[i+1]
	}
	var b strings.Builder
	w := csv.NewWriter(&b)
	w.Write(rec)
	w.Flush()
	return strings.TrimSuffix(b.String(), "\n")
}

// ins inserts text as element at (1-based) of a table's list of lines; a
// text with line breaks takes several physical lines.
type ins struct {
	table string
	at    int
	text  string
}

// rej is an expected reject.
func rej(tn string, line int64, column, value, reason string) export.Reject {
	return export.Reject{Table: tn, File: tn + ".csv", Line: line, Column: column, Value: value, Reason: reason}
}

func codeReason(tn, col string) string {
	return export.ReasonCode(export.TableByName(tn).Column(col))
}

// buildExport writes the base export with the insertions applied.
func buildExport(t *testing.T, edits []ins) string {
	t.Helper()
	tables := map[string][]string{}
	for tn, lines := range ruleBase {
		tables[tn] = slices.Clone(lines)
	}
	for _, e := range edits {
		tables[e.table] = slices.Insert(tables[e.table], e.at-1, e.text)
	}
	files := map[string]string{}
	for tn, lines := range tables {
		files[tn+".csv"] = strings.Join(lines, "\n") + "\n"
	}
	return writeFiles(t, files)
}

// canonical turns canonical CSV rows (as the store should hold them, empty
// = missing) into stored rows as storedRows returns them.
func canonical(t *testing.T, tn string, lines ...string) [][]string {
	t.Helper()
	tab := export.TableByName(tn)
	var out [][]string
	for _, l := range lines {
		rec, err := csv.NewReader(strings.NewReader(l)).Read()
		if err != nil {
			t.Fatalf("%q: %v", l, err)
		}
		for i, c := range tab.Columns {
			switch {
			case rec[i] == "":
				rec[i] = "<nil>"
			case c.Type == export.Decimal01:
				f, err := strconv.ParseFloat(rec[i], 64)
				if err != nil {
					t.Fatal(err)
				}
				rec[i] = strconv.FormatFloat(f, 'f', 6, 64)
			}
		}
		out = append(out, rec)
	}
	return out
}

func sortRows(rows [][]string) {
	slices.SortFunc(rows, func(a, b []string) int { return slices.Compare(a, b) })
}

// TestRowRules is one bad (or oddly written) row per rule of the contract.
func TestRowRules(t *testing.T) {
	s := openMemory(t)
	baseDir := buildExport(t, nil)
	baseSum := mustLoad(t, s, baseDir, source.Options{}, LoadOptions{})
	if len(baseSum.Rejects) != 0 || baseSum.Tables.Needs.Merged != 0 {
		t.Fatalf("the base export does not load cleanly: %+v", baseSum)
	}
	base := storedRows(t, s.DB, snapOf(t, s, baseSum.SnapshotID))
	// The base is stored as written.
	for _, tn := range export.TableNames {
		want := canonical(t, tn, ruleBase[tn][1:]...)
		sortRows(want)
		if diff := cmp.Diff(want, base[tn]); diff != "" {
			t.Fatalf("base %s stored (-want +got):\n%s", tn, diff)
		}
	}

	const R, N, S, F = export.Returnees, export.Needs, export.Services, export.Followups
	long := strings.Repeat("x", 65)
	type tc struct {
		name    string
		edits   []ins
		rejects []export.Reject
		merged  int64
		add     map[string][]string // canonical rows stored besides the base
		drop    map[string][]string // canonical base rows not stored
		warning string              // a warning the summary must hold
	}
	// one bad returnees row at line 3
	r := func(name, col, value, reason string, kv ...string) tc {
		if kv == nil {
			kv = []string{col, value}
		}
		return tc{name: name, edits: []ins{{R, 3, mod(R, retT, kv...)}}, rejects: []export.Reject{rej(R, 3, col, value, reason)}}
	}
	// one bad child row at line 3 of its table
	child := func(tn, tmpl, name, col, value, reason string, kv ...string) tc {
		if kv == nil {
			kv = []string{col, value}
		}
		return tc{name: name, edits: []ins{{tn, 3, mod(tn, tmpl, kv...)}}, rejects: []export.Reject{rej(tn, 3, col, value, reason)}}
	}
	cases := []tc{
		// returnees: every column in contract order
		r("person_id missing", "person_id", "", export.ReasonMissing),
		r("person_id with a space", "person_id", "P 90", export.ReasonPersonID),
		r("person_id of 65 characters", "person_id", long, export.ReasonPersonID),
		r("person_id non-ASCII", "person_id", "P9é", export.ReasonPersonID),
		r("country missing", "country", "", export.ReasonMissing),
		r("country unassigned", "country", "XX", export.ReasonCountry),
		r("country alpha-3", "country", "UZB", export.ReasonCountry),
		r("sex missing", "sex", "", export.ReasonMissing),
		r("sex unknown word", "sex", "X", export.ReasonSex),
		r("birth_year missing", "birth_year", "", export.ReasonMissing),
		r("birth_year not a number", "birth_year", "19x5", export.ReasonInteger),
		r("birth_year with a fraction", "birth_year", "1985.5", export.ReasonInteger),
		r("birth_year negative", "birth_year", "-1985", export.ReasonInteger),
		r("birth_year in exponent form", "birth_year", "19e2", export.ReasonInteger),
		r("birth_year with a digit separator", "birth_year", "1_99", export.ReasonInteger),
		r("birth_year of four characters with a fraction", "birth_year", "19.5", export.ReasonInteger),
		r("birth_year before 1900", "birth_year", "1899", export.ReasonBirthYear),
		r("birth_year after the year of return", "birth_year", "2020", export.ReasonBirthYear),
		r("return_date missing", "return_date", "", export.ReasonMissing),
		r("return_date month 13", "return_date", "2019-13-01", export.ReasonDate),
		r("return_date 31 February", "return_date", "31.02.2019", export.ReasonDate),
		r("return_date slashes", "return_date", "08/01/2019", export.ReasonDate),
		r("return_date a time of day", "return_date", "2019-01-08 10:30:00", export.ReasonDate),
		r("return_date a second after midnight", "return_date", "2019-01-08T00:00:01Z", export.ReasonDate),
		r("return_date dotted with a time", "return_date", "08.01.2019 12:00", export.ReasonDate),
		r("return_date with a negative year", "return_date", "-019-01-08", export.ReasonDate),
		r("return_date with a plus sign", "return_date", "+019-01-08", export.ReasonDate),
		r("return_date a serial number", "return_date", "43473", export.ReasonDate),
		r("return_date after the day of loading", "return_date", "2026-01-16", export.ReasonFuture),
		r("return_date dotted after the day of loading", "return_date", "16.1.2026", export.ReasonFuture),
		r("return_from missing", "return_from", "", export.ReasonMissing),
		r("return_from unassigned", "return_from", "ZZ", export.ReasonCountry),
		r("household_role unknown", "household_role", "boss", codeReason(R, "household_role")),
		r("unaccompanied_minor unknown", "unaccompanied_minor", "maybe", export.ReasonBool),
		r("unaccompanied_minor 2", "unaccompanied_minor", "2", export.ReasonBool),
		r("legal_status unknown", "legal_status", "jailed", codeReason(R, "legal_status")),
		r("case_status missing", "case_status", "", export.ReasonMissing),
		r("case_status unknown", "case_status", "pending", codeReason(R, "case_status")),
		r("closed without date", "case_closed_date", "", export.ReasonClosedDate,
			"case_status", "closed", "closure_reason", "reintegrated"),
		r("open with date", "case_closed_date", "2020-01-01", export.ReasonOpenDate,
			"case_closed_date", "2020-01-01"),
		r("closed with a bad date", "case_closed_date", "2020-02-30", export.ReasonDate,
			"case_status", "closed", "case_closed_date", "2020-02-30", "closure_reason", "reintegrated"),
		r("closed after the day of loading", "case_closed_date", "2026-02-01", export.ReasonFuture,
			"case_status", "closed", "case_closed_date", "2026-02-01", "closure_reason", "reintegrated"),
		r("closed before return", "case_closed_date", "2019-01-07", export.ReasonClosedBefore,
			"case_status", "closed", "case_closed_date", "2019-01-07", "closure_reason", "reintegrated"),
		r("closed without reason", "closure_reason", "", export.ReasonClosureReason,
			"case_status", "closed", "case_closed_date", "2020-01-01"),
		r("open with reason", "closure_reason", "reintegrated", export.ReasonOpenReason,
			"closure_reason", "reintegrated"),
		r("closure_reason unknown", "closure_reason", "gone", codeReason(R, "closure_reason"),
			"case_status", "closed", "case_closed_date", "2020-01-01", "closure_reason", "gone"),
		{name: "duplicate person_id: the first is kept",
			edits:   []ins{{R, 4, mod(R, retT, "person_id", "P02", "sex", "F")}},
			rejects: []export.Reject{rej(R, 4, "person_id", "P02", export.ReasonDuplicatePerson+" (line 3)")}},
		{name: "duplicate person_id after a rejected first row",
			edits:   []ins{{R, 3, mod(R, retT, "sex", "X")}, {R, 4, mod(R, retT, "region", "Second")}},
			rejects: []export.Reject{rej(R, 3, "sex", "X", export.ReasonSex)},
			add:     map[string][]string{R: {mod(R, retT, "region", "Second")}}},

		// the first rule broken in column order wins
		r("sex and birth_year bad: sex", "sex", "X", export.ReasonSex, "sex", "X", "birth_year", "abc"),
		r("country and return_date bad: country", "country", "XX", export.ReasonCountry, "country", "XX", "return_date", "bad"),
		r("person_id missing and sex bad: person_id", "person_id", "", export.ReasonMissing, "person_id", "", "sex", "X"),
		r("closed without date or reason: case_closed_date", "case_closed_date", "", export.ReasonClosedDate, "case_status", "closed"),
		r("bad birth_year and future return: birth_year", "birth_year", "1850", export.ReasonBirthYear, "birth_year", "1850", "return_date", "2030-01-01"),
		child(N, needT, "unknown person and bad need_type: person_id", "person_id", "P77", export.ReasonUnknownPerson,
			"person_id", "P77", "need_type", "cooking"),
		child(F, fupT, "before return and score out of range: followup_date", "followup_date", "2019-01-07", export.ReasonBeforeReturn,
			"followup_date", "2019-01-07", "economic_score", "2"),
		child(F, fupT, "bad score and bad bool: the score", "economic_score", "2", export.ReasonRange01,
			"economic_score", "2", "employed", "maybe"),
		child(S, svcT, "bad provider and bad status: provider_type", "provider_type", "state", codeReason(S, "provider_type"),
			"provider_type", "state", "status", "done"),

		// needs
		child(N, needT, "needs person_id missing", "person_id", "", export.ReasonMissing),
		child(N, needT, "needs person_id malformed", "person_id", "P 01", export.ReasonPersonID),
		child(N, needT, "needs person unknown", "person_id", "P77", export.ReasonUnknownPerson),
		child(N, needT, "needs person_id of another case", "person_id", "p01", export.ReasonUnknownPerson),
		child(N, needT, "need_type missing", "need_type", "", export.ReasonMissing),
		child(N, needT, "need_type unknown", "need_type", "cooking", codeReason(N, "need_type")),
		child(N, needT, "identified_date missing", "identified_date", "", export.ReasonMissing),
		child(N, needT, "identified_date bad", "identified_date", "2019-02-29", export.ReasonDate),
		child(N, needT, "identified_date after the day of loading", "identified_date", "2026-01-16", export.ReasonFuture),
		child(N, needT, "identified_date with a negative year", "identified_date", "-019-03-01", export.ReasonDate),
		child(N, needT, "identified_date before return", "identified_date", "2019-01-07", export.ReasonBeforeReturn),
		{name: "needs of a rejected person",
			edits: []ins{{R, 3, mod(R, retT, "sex", "X")}, {N, 3, mod(N, needT, "person_id", "P90")}},
			rejects: []export.Reject{rej(R, 3, "sex", "X", export.ReasonSex),
				rej(N, 3, "person_id", "P90", export.ReasonRejectedPerson)}},
		{name: "needs of a rejected person, also before return: person_id",
			edits: []ins{{R, 3, mod(R, retT, "sex", "X")}, {N, 3, mod(N, needT, "person_id", "P90", "identified_date", "2018-01-01")}},
			rejects: []export.Reject{rej(R, 3, "sex", "X", export.ReasonSex),
				rej(N, 3, "person_id", "P90", export.ReasonRejectedPerson)}},
		{name: "need merged: an earlier date later in the file is kept",
			edits:   []ins{{N, 6, "P01,medical,2019-01-09"}},
			merged:  1,
			add:     map[string][]string{N: {"P01,medical,2019-01-09"}},
			drop:    map[string][]string{N: {"P01,medical,2019-01-10"}},
			warning: "needs.csv line 2: need medical of P01 repeated: merged, the earliest identified_date is kept (kept line 6)"},
		{name: "need merged: a later date is merged",
			edits:   []ins{{N, 3, "P01,medical,11.1.2019"}},
			merged:  1,
			warning: "needs.csv line 3: need medical of P01 repeated: merged, the earliest identified_date is kept (kept line 2)"},
		{name: "need merged: the same date keeps the first",
			edits:   []ins{{N, 6, "P01, Medical ,2019-01-10"}},
			merged:  1,
			warning: "needs.csv line 6: need medical of P01 repeated: merged, the earliest identified_date is kept (kept line 2)"},
		{name: "need merged only among valid rows",
			edits:   []ins{{N, 2, "P01,medical,2019-01-01"}, {N, 3, "P01,medical,2019-01-09"}},
			rejects: []export.Reject{rej(N, 2, "identified_date", "2019-01-01", export.ReasonBeforeReturn)},
			merged:  1,
			add:     map[string][]string{N: {"P01,medical,2019-01-09"}},
			drop:    map[string][]string{N: {"P01,medical,2019-01-10"}}},

		// services
		child(S, svcT, "services person unknown", "person_id", "P77", export.ReasonUnknownPerson),
		child(S, svcT, "services person_id missing", "person_id", "", export.ReasonMissing),
		child(S, svcT, "service_type unknown", "service_type", "food", codeReason(S, "service_type")),
		child(S, svcT, "service_type missing", "service_type", "", export.ReasonMissing),
		child(S, svcT, "service_date bad", "service_date", "1.13.2019", export.ReasonDate),
		child(S, svcT, "service_date missing", "service_date", "", export.ReasonMissing),
		child(S, svcT, "service_date before return", "service_date", "2019-01-01", export.ReasonBeforeReturn),
		child(S, svcT, "service_date after the day of loading", "service_date", "2027-01-01", export.ReasonFuture),
		child(S, svcT, "provider_type unknown", "provider_type", "state", codeReason(S, "provider_type")),
		child(S, svcT, "provider_type missing", "provider_type", "", export.ReasonMissing),
		child(S, svcT, "status unknown", "status", "finished", codeReason(S, "status")),
		child(S, svcT, "status missing", "status", "", export.ReasonMissing),
		{name: "duplicate service_id",
			edits:   []ins{{S, 4, mod(S, svcT, "service_id", "S1")}},
			rejects: []export.Reject{rej(S, 4, "service_id", "S1", export.ReasonDuplicateSvc+" (line 2)")}},
		{name: "services of a rejected person",
			edits: []ins{{R, 7, mod(R, retT, "return_from", "ZZ")}, {S, 6, mod(S, svcT, "person_id", "P90")}},
			rejects: []export.Reject{rej(R, 7, "return_from", "ZZ", export.ReasonCountry),
				rej(S, 6, "person_id", "P90", export.ReasonRejectedPerson)}},

		// followups
		child(F, fupT, "followups person unknown", "person_id", "P77", export.ReasonUnknownPerson),
		child(F, fupT, "followup_date missing", "followup_date", "", export.ReasonMissing),
		child(F, fupT, "followup_date bad", "followup_date", "2019-04-31", export.ReasonDate),
		child(F, fupT, "followup_date before return", "followup_date", "2019-01-07", export.ReasonBeforeReturn),
		child(F, fupT, "followup_date after the day of loading", "followup_date", "2026-01-16", export.ReasonFuture),
		child(F, fupT, "economic_score above 1", "economic_score", "1.01", export.ReasonRange01),
		child(F, fupT, "economic_score negative", "economic_score", "-0.5", export.ReasonRange01),
		child(F, fupT, "economic_score decimal comma above 1", "economic_score", "1,5", export.ReasonRange01),
		child(F, fupT, "social_score 7 decimal places", "social_score", "0.1234567", export.ReasonDecimal),
		child(F, fupT, "social_score not a number", "social_score", "high", export.ReasonDecimal),
		child(F, fupT, "psychosocial_score exponent", "psychosocial_score", "5e-1", export.ReasonDecimal),
		child(F, fupT, "psychosocial_score short exponent", "psychosocial_score", "0.5e-1", export.ReasonDecimal),
		child(F, fupT, "economic_score exponent above 1", "economic_score", "0.5e1", export.ReasonDecimal),
		child(F, fupT, "social_score digit separator", "social_score", "0.1_2", export.ReasonDecimal),
		child(F, fupT, "psychosocial_score per cent", "psychosocial_score", "50%", export.ReasonDecimal),
		child(F, fupT, "in_education unknown", "in_education", "maybe", export.ReasonBool),
		child(F, fupT, "employed unknown", "employed", "2", export.ReasonBool),
		child(F, fupT, "has_civil_documents unknown", "has_civil_documents", "si", export.ReasonBool),
		{name: "duplicate follow-up",
			edits:   []ins{{F, 5, mod(F, fupT, "followup_date", "2019-04-01", "economic_score", "0.1")}},
			rejects: []export.Reject{rej(F, 5, "followup_date", "2019-04-01", export.ReasonDuplicateFup+" (line 2)")}},
		{name: "duplicate follow-up written in another date form",
			edits:   []ins{{F, 5, mod(F, fupT, "followup_date", "1.4.2019", "economic_score", "0.1")}},
			rejects: []export.Reject{rej(F, 5, "followup_date", "2019-04-01", export.ReasonDuplicateFup+" (line 2)")}},
		{name: "same followup_date of another person is no duplicate",
			edits: []ins{{F, 5, "P03,2020-07-01,,,,,,"}, {F, 6, "P04,2020-07-01,,,,,,"}},
			add:   map[string][]string{F: {"P03,2020-07-01,,,,,,", "P04,2020-07-01,,,,,,"}}},

		// malformed CSV records, blank lines, line numbers
		{name: "too few fields",
			edits:   []ins{{R, 3, "P90,H9,UZ"}},
			rejects: []export.Reject{rej(R, 3, "", "", export.ReasonMalformed+": 3 fields, the header has 14")}},
		{name: "too many fields",
			edits:   []ins{{R, 3, retT + ",extra"}},
			rejects: []export.Reject{rej(R, 3, "", "", export.ReasonMalformed+": 15 fields, the header has 14")}},
		{name: "text after a closing quote",
			edits:   []ins{{S, 3, `S9,P01,legal,"2019-03-01"x,ngo,delivered`}},
			rejects: []export.Reject{rej(S, 3, "", "", export.ReasonMalformed+": text after a closing quote")}},
		{name: "unterminated quote at the end",
			edits:   []ins{{F, 5, `P01,2019-10-01,"0.5,0.5,0.5,,true,true`}},
			rejects: []export.Reject{rej(F, 5, "", "", export.ReasonMalformed+": unterminated quoted field")}},
		{name: "blank lines are skipped and not counted",
			edits:   []ins{{R, 3, ""}, {R, 4, ""}, {R, 6, mod(R, retT, "sex", "X")}},
			rejects: []export.Reject{rej(R, 6, "sex", "X", export.ReasonSex)}},
		{name: "a quoted field spanning lines moves the line numbers",
			edits: []ins{{R, 3, mod(R, retT, "person_id", "P91", "region", "Multi\nline")}, {R, 5, mod(R, retT, "sex", "X")}},
			// P91 takes lines 3 and 4, P02 line 5.
			rejects: []export.Reject{rej(R, 6, "sex", "X", export.ReasonSex)},
			add:     map[string][]string{R: {mod(R, retT, "person_id", "P91", "region", "Multi\nline")}}},
		{name: "a quoted field spanning lines in a child table",
			edits:   []ins{{N, 2, ""}, {F, 2, `P03,2020-07-01,,,,,,"yes` + "\r\n\r\n" + `"`}, {F, 3, "P03,2020-08-01,,,,,,maybe"}},
			rejects: []export.Reject{rej(F, 5, "has_civil_documents", "maybe", export.ReasonBool)},
			add:     map[string][]string{F: {"P03,2020-07-01,,,,,,true"}}},

		// values written in every accepted form are stored canonically
		{name: "accepted returnees forms",
			edits: []ins{
				{R, 7, "P50, H50 ,uz,unknown,female,1985.0,8.1.2019,sy,HEAD,Yes,NONE,Open,,"},
				{R, 8, "P51,,UZ,UNKNOWN,Ж,1990,2019-01-08 00:00:00,NA,Spouse,да,none,OPEN,,"},
				{R, 9, "P52,,UZ,Unknown,жен,1990,2019-01-08T00:00:00Z,SY,child,ДА,none,open,,"},
				{R, 10, "P53,,UZ,Cafe\u0301,AYOL,1990,08.01.2019,SY,other,ha,none,Closed,8.1.2019, Lost_Contact "},
				{R, 11, "P54,,UZ,\u00a0Andijan\t,male,1990,2019-1-8,SY,,no,none,closed,2019-01-08T00:00:00.000Z,deceased"},
				{R, 12, "P55,,UZ,,М,1990,2019-01-08,SY,,нет,none,open,,"},
				{R, 13, "P56,,UZ,,муж,1990,2019-01-08,SY,,yo'q,none,open,,"},
				{R, 14, "P57,,UZ,,Erkak,1990,2019-01-08,SY,,Yo’q,none,open,,"},
				{R, 15, "P58,,UZ,,m,1990,2019-01-08,SY,,YOʻQ,none,open,,"},
				{R, 16, "P59,,UZ,,f,1990,2019-01-08,SY,,yo‘q,none,open,,"},
				{R, 17, "P60,,UZ,,F,1990,2019-01-08,SY,,yoʼq,none,open,,"},
				{R, 18, "P61,,UZ,,F,1900,2019-01-08,SY,,N,none,open,,"},
				{R, 19, "P62,,UZ,,F,2019,2019-01-08,SY,,Y,none,open,,"},
				{R, 20, "P63,,UZ,,F,1990,15.01.2026,SY,,0,none,open,,"},
				{R, 21, "P64,,UZ,,F,1990,2019-01-08,SY,,1,none,open,,"},
				{R, 22, "P65,,UZ,,F,1990,2019-01-08,SY,,TRUE,none,open,,"},
				{R, 23, "P66,,UZ,,F,1990,2019-01-08,SY,,False,none,open,,"},
				{R, 24, strings.Repeat("Z", 64) + ",,UZ,,F,1990,2019-01-08,SY,,,none,open,,"},
			},
			add: map[string][]string{R: {
				"P50,H50,UZ,,F,1985,2019-01-08,SY,head,true,none,open,,",
				"P51,,UZ,,F,1990,2019-01-08,NA,spouse,true,none,open,,",
				"P52,,UZ,,F,1990,2019-01-08,SY,child,true,none,open,,",
				"P53,,UZ,Café,F,1990,2019-01-08,SY,other,true,none,closed,2019-01-08,lost_contact",
				"P54,,UZ,Andijan,M,1990,2019-01-08,SY,,false,none,closed,2019-01-08,deceased",
				"P55,,UZ,,M,1990,2019-01-08,SY,,false,none,open,,",
				"P56,,UZ,,M,1990,2019-01-08,SY,,false,none,open,,",
				"P57,,UZ,,M,1990,2019-01-08,SY,,false,none,open,,",
				"P58,,UZ,,M,1990,2019-01-08,SY,,false,none,open,,",
				"P59,,UZ,,F,1990,2019-01-08,SY,,false,none,open,,",
				"P60,,UZ,,F,1990,2019-01-08,SY,,false,none,open,,",
				"P61,,UZ,,F,1900,2019-01-08,SY,,false,none,open,,",
				"P62,,UZ,,F,2019,2019-01-08,SY,,true,none,open,,",
				"P63,,UZ,,F,1990,2026-01-15,SY,,false,none,open,,",
				"P64,,UZ,,F,1990,2019-01-08,SY,,true,none,open,,",
				"P65,,UZ,,F,1990,2019-01-08,SY,,true,none,open,,",
				"P66,,UZ,,F,1990,2019-01-08,SY,,false,none,open,,",
				strings.Repeat("Z", 64) + ",,UZ,,F,1990,2019-01-08,SY,,,none,open,,",
			}}},
		{name: "accepted child forms",
			edits: []ins{
				{N, 6, "P01, Legal ,1.3.2019"},
				{N, 7, "P02,FAMILY_REUNIFICATION,2019-01-08 00:00"},
				{S, 6, " S9 ,P01, Medical ,03.02.2019,NGO,Delivered"},
				{S, 7, "S10,P01,financial,2026-01-15,International,DECLINED"},
				{F, 5, `P01,1.10.2019,"0,5",1,0,Нет,ha,YES`},
				{F, 6, `P02,2019-10-01T00:00:00Z,.25,"1,000000",0.123456,, false ,`},
				{F, 7, `P03,2020-05-10,0.000001,"0,1",1.0,yo'q,,`},
			},
			add: map[string][]string{
				N: {"P01,legal,2019-03-01", "P02,family_reunification,2019-01-08"},
				S: {"S9,P01,medical,2019-02-03,ngo,delivered", "S10,P01,financial,2026-01-15,international,declined"},
				F: {"P01,2019-10-01,0.5,1,0,false,true,true", "P02,2019-10-01,0.25,1,0.123456,,false,", "P03,2020-05-10,0.000001,0.1,1,false,,"},
			}},
	}
	seen := map[string]bool{}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if seen[c.name] {
				t.Fatalf("two cases named %q", c.name)
			}
			seen[c.name] = true
			dir := buildExport(t, c.edits)
			sum, err := loadExport(t, s, dir, source.Options{}, LoadOptions{MaxRejectPct: Percent(100)})
			if err != nil {
				t.Fatalf("load: %v", err)
			}
			if sum.Status != export.StatusLoaded {
				t.Fatalf("status %s", sum.Status)
			}
			if diff := cmp.Diff(c.rejects, sum.Rejects, cmp.Transformer("nil", func(r []export.Reject) []export.Reject {
				if r == nil {
					return []export.Reject{}
				}
				return r
			})); diff != "" {
				t.Errorf("rejects (-want +got):\n%s", diff)
			}
			if sum.Tables.Needs.Merged != c.merged {
				t.Errorf("merged needs %d, want %d", sum.Tables.Needs.Merged, c.merged)
			}
			if c.warning != "" && !slices.Contains(sum.Warnings, c.warning) {
				t.Errorf("no warning %q in %q", c.warning, sum.Warnings)
			}
			// rows read: every record of the files, blank lines not counted
			for _, tn := range export.TableNames {
				want := int64(len(ruleBase[tn]) - 1)
				for _, e := range c.edits {
					if e.table == tn && e.text != "" {
						want++
					}
				}
				if got := sum.Tables.Get(tn).RowsRead; got != want {
					t.Errorf("%s: rows_read %d, want %d", tn, got, want)
				}
			}
			got := storedRows(t, s.DB, snapOf(t, s, sum.SnapshotID))
			for _, tn := range export.TableNames {
				want := slices.Clone(base[tn])
				for _, d := range canonical(t, tn, c.drop[tn]...) {
					i := slices.IndexFunc(want, func(r []string) bool { return slices.Equal(r, d) })
					if i < 0 {
						t.Fatalf("%s: no base row %q", tn, d)
					}
					want = slices.Delete(want, i, i+1)
				}
				want = append(want, canonical(t, tn, c.add[tn]...)...)
				sortRows(want)
				if diff := cmp.Diff(want, got[tn]); diff != "" {
					t.Errorf("%s stored (-want +got):\n%s", tn, diff)
				}
			}
		})
	}
}
