package synth

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"testing"
	"time"
	"unicode/utf8"

	"rrstat/internal/export"
)

// person is a returnees row as the checker and the headline tests need it.
type person struct {
	id, household, region, sex, role, origin, legal string
	birthYear                                       int
	ret                                             time.Time
	uam                                             string
	closed                                          bool
}

// age returns the age at return (indicators.md).
func (p person) age() int { return p.ret.Year() - p.birthYear }

// exportData is a read-back export folder.
type exportData struct {
	persons map[string]person
	order   []string
	rows    [4]int64
}

var (
	idRE    = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)
	pidRE   = regexp.MustCompile(`^[A-Z]{2}-S[0-9]{7,}$`)
	scoreRE = regexp.MustCompile(`^(0(\.[0-9]{1,3})?|1)$`)
	isoRE   = regexp.MustCompile(`^[A-Z]{2}$`)
)

// readTable reads one CSV file, checks the byte-level dialect (UTF-8, LF,
// trailing newline, no BOM) and the exact header, and returns the records
// with their line numbers.
func readTable(t *testing.T, dir string, table int) [][]string {
	t.Helper()
	path := filepath.Join(dir, fileNames[table])
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !utf8.Valid(data) || bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) || bytes.ContainsRune(data, '\r') || !bytes.HasSuffix(data, []byte("\n")) {
		t.Fatalf("%s: not UTF-8 without BOM, LF line endings and a final newline", path)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	want := bytes.Split([]byte(Headers[table]), []byte(","))
	if len(recs) == 0 || len(recs[0]) != len(want) {
		t.Fatalf("%s: header %v, want %s", path, recs, Headers[table])
	}
	for i, h := range want {
		if recs[0][i] != string(h) {
			t.Fatalf("%s: header column %d is %q, want %q", path, i+1, recs[0][i], h)
		}
	}
	for i, rec := range recs[1:] {
		if len(rec) != len(want) {
			t.Fatalf("%s:%d: %d fields, want %d", path, i+2, len(rec), len(want))
		}
	}
	return recs[1:]
}

// checkExport reads an export folder back and checks every rule of
// data-contract.md that can be checked here, plus the generator's own
// promises (pseudonym form, household coherence, nothing after asOf). It
// fails the test on the first few violations.
func checkExport(t *testing.T, dir, cc string, asOf time.Time) *exportData {
	t.Helper()
	errs := 0
	fail := func(format string, args ...any) {
		t.Helper()
		if errs++; errs <= 10 {
			t.Errorf("%s: %s", dir, fmt.Sprintf(format, args...))
		}
	}
	date := func(where, s string, notBefore time.Time) time.Time {
		t.Helper()
		d, err := time.Parse(time.DateOnly, s)
		if err != nil {
			fail("%s: date %q: %v", where, s, err)
			return d
		}
		if d.After(asOf) {
			fail("%s: date %s after AsOf %s", where, s, asOf.Format(time.DateOnly))
		}
		if d.Before(notBefore) {
			fail("%s: date %s before %s", where, s, notBefore.Format(time.DateOnly))
		}
		return d
	}
	boolOrEmpty := func(where, s string) {
		if s != "" && s != "true" && s != "false" {
			fail("%s: bool %q", where, s)
		}
	}
	code := func(where, s string, list []string, optional bool) {
		if s == "" && optional {
			return
		}
		if !slices.Contains(list, s) {
			fail("%s: %q not in %v", where, s, list)
		}
	}
	regionOK := map[string]bool{"": true, "unknown": true}
	for _, r := range regions[cc] {
		regionOK[r.name] = true
	}

	ex := &exportData{persons: map[string]person{}}
	hhRegion := map[string]string{}
	for i, rec := range readTable(t, dir, tReturnees) {
		where := fmt.Sprintf("returnees.csv:%d", i+2)
		p := person{id: rec[0], household: rec[1], region: rec[3], sex: rec[4], origin: rec[7], role: rec[8], uam: rec[9], legal: rec[10]}
		if !idRE.MatchString(p.id) || !pidRE.MatchString(p.id) || p.id[:2] != cc {
			fail("%s: person_id %q", where, p.id)
		}
		if _, dup := ex.persons[p.id]; dup {
			fail("%s: duplicate person_id %s", where, p.id)
		}
		if !idRE.MatchString(p.household) {
			fail("%s: household_id %q", where, p.household)
		}
		if rec[2] != cc {
			fail("%s: country %q, want %s", where, rec[2], cc)
		}
		if !regionOK[p.region] {
			fail("%s: region %q", where, p.region)
		}
		code(where, p.sex, export.Sexes, false)
		p.ret = date(where, rec[6], time.Time{})
		by, err := strconv.Atoi(rec[5])
		if err != nil || by < 1900 || by > p.ret.Year() {
			fail("%s: birth_year %q", where, rec[5])
		}
		p.birthYear = by
		if !isoRE.MatchString(p.origin) {
			fail("%s: return_from %q", where, p.origin)
		}
		code(where, p.role, export.HouseholdRoles, true)
		boolOrEmpty(where, p.uam)
		code(where, rec[10], export.LegalStatuses, true)
		code(where, rec[11], export.CaseStatuses, false)
		switch rec[11] {
		case "closed":
			p.closed = true
			date(where+" case_closed_date", rec[12], p.ret)
			code(where, rec[13], export.ClosureReasons, false)
		case "open":
			if rec[12] != "" || rec[13] != "" {
				fail("%s: open case with closure %q %q", where, rec[12], rec[13])
			}
		}
		// The generator's own coherence.
		if p.age() < 18 && p.role != "child" || p.age() >= 18 && p.role == "child" {
			fail("%s: role %s at age %d", where, p.role, p.age())
		}
		if p.uam == "true" && p.age() >= 18 {
			fail("%s: unaccompanied adult", where)
		}
		if p.age() < 18 && rec[10] != "none" {
			fail("%s: child with legal_status %q", where, rec[10])
		}
		if c, ok := hhRegion[p.household]; ok && c != p.region {
			fail("%s: household %s in two regions", where, p.household)
		}
		hhRegion[p.household] = p.region
		ex.persons[p.id] = p
		ex.order = append(ex.order, p.id)
		ex.rows[tReturnees]++
	}

	owner := func(where, id string) (person, bool) {
		p, ok := ex.persons[id]
		if !ok {
			fail("%s: unknown person_id %q", where, id)
		}
		return p, ok
	}
	needs := map[[2]string]bool{}
	for i, rec := range readTable(t, dir, tNeeds) {
		where := fmt.Sprintf("needs.csv:%d", i+2)
		p, ok := owner(where, rec[0])
		code(where, rec[1], export.ServiceTypes, false)
		if ok {
			date(where, rec[2], p.ret)
		}
		k := [2]string{rec[0], rec[1]}
		if needs[k] {
			fail("%s: duplicate need %v", where, k)
		}
		needs[k] = true
		ex.rows[tNeeds]++
	}
	services := map[string]bool{}
	for i, rec := range readTable(t, dir, tServices) {
		where := fmt.Sprintf("services.csv:%d", i+2)
		if !idRE.MatchString(rec[0]) || services[rec[0]] {
			fail("%s: service_id %q missing, malformed or duplicate", where, rec[0])
		}
		services[rec[0]] = true
		p, ok := owner(where, rec[1])
		code(where, rec[2], export.ServiceTypes, false)
		if ok {
			date(where, rec[3], p.ret)
		}
		code(where, rec[4], export.ProviderTypes, false)
		code(where, rec[5], export.ServiceStatus, false)
		ex.rows[tServices]++
	}
	followups := map[[2]string]bool{}
	for i, rec := range readTable(t, dir, tFollowups) {
		where := fmt.Sprintf("followups.csv:%d", i+2)
		p, ok := owner(where, rec[0])
		var d time.Time
		if ok {
			d = date(where, rec[1], p.ret)
		}
		k := [2]string{rec[0], rec[1]}
		if followups[k] {
			fail("%s: duplicate follow-up %v", where, k)
		}
		followups[k] = true
		for _, s := range rec[2:5] {
			if s != "" && !scoreRE.MatchString(s) {
				fail("%s: score %q", where, s)
			}
		}
		for _, s := range rec[5:8] {
			boolOrEmpty(where, s)
		}
		age := d.Year() - p.birthYear
		if rec[5] != "" && (age < 6 || age >= 18) {
			fail("%s: in_education given at age %d", where, age)
		}
		if rec[6] != "" && age < 18 {
			fail("%s: employed given at age %d", where, age)
		}
		ex.rows[tFollowups]++
	}
	if errs > 10 {
		t.Errorf("%s: %d violations in all", dir, errs)
	}
	return ex
}
