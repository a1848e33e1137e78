package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/queries"
)

// The hand-built export of TestIndicatorsByHand. Every expected number
// below was worked out by hand from these rows; the comments say how.
//
//	A  F 1990 returned 2025-07-15 SY Tashkent      open
//	B  M 2015 returned 2025-08-01 IQ (no region)   open, unaccompanied minor
//	C  F 2012 returned 2024-03-10 SY Tashkent      closed 2025-09-30 (= P1 of 2025Q3) reintegrated
//	D  M 1960 returned 2020-01-01 AF Fergana       closed 2025-10-01 (P1 + 1) transferred
//	E  F 2024 returned 2025-10-05 SY Fergana       open (after 2025Q3)
var handExport = map[string]string{
	"returnees.csv": `person_id,household_id,country,region,sex,birth_year,return_date,return_from,household_role,unaccompanied_minor,legal_status,case_status,case_closed_date,closure_reason
A,H1,UZ,Tashkent,F,1990,2025-07-15,SY,head,false,none,open,,
B,H2,UZ,,M,2015,2025-08-01,IQ,child,true,none,open,,
C,H3,UZ,Tashkent,F,2012,2024-03-10,SY,child,false,none,closed,2025-09-30,reintegrated
D,H4,UZ,Fergana,M,1960,2020-01-01,AF,head,false,released,closed,2025-10-01,transferred
E,H1,UZ,Fergana,F,2024,2025-10-05,SY,child,false,none,open,,
`,
	"needs.csv": `person_id,need_type,identified_date
A,psychosocial,2025-07-16
A,housing,2025-07-20
B,education,2025-08-02
C,medical,2025-07-02
D,legal,2025-01-01
`,
	"services.csv": `service_id,person_id,service_type,service_date,provider_type,status
S1,A,psychosocial,2025-08-14,ngo,delivered
S2,A,medical,2025-09-30,government,delivered
S3,B,psychosocial,2025-09-01,community,delivered
S4,B,education,2025-08-10,government,referred
S5,C,medical,2025-07-01,international,delivered
S6,D,legal,2025-06-30,ngo,delivered
`,
	"followups.csv": `person_id,followup_date,economic_score,social_score,psychosocial_score,in_education,employed,has_civil_documents
A,2025-09-01,0.5,0.8,1,,true,true
C,2024-10-01,0.66,0.66,0.66,true,,false
D,2024-09-30,0.9,0.9,0.9,,false,true
B,2025-09-30,,0.5,0.5,false,,
`,
}

func writeExport(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// computeHand loads handExport into a fresh store and computes period per.
func computeHand(t *testing.T, s *Store, per string, params report.Params) map[cell.Key]string {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	p, err := period.Parse(per)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Compute(context.Background(), cat, []period.Period{p}, params, Selection{})
	if err != nil {
		t.Fatal(err)
	}
	out := map[cell.Key]string{}
	for i := range got.Cells.Cells {
		c := &got.Cells.Cells[i]
		rec := c.Record(p.Label)
		out[c.Key()] = strings.Join(rec[5:8], ",") // numerator,denominator,value
	}
	// The period as a point of a window of three (first, middle, last)
	// has the same cells as alone: the figures worked out by hand hold
	// for the series too.
	for shift := 0; shift < 3; shift++ {
		win, err := s.Compute(context.Background(), cat, period.Window(p.Shift(shift), 3), params, Selection{})
		if err != nil {
			t.Fatal(err)
		}
		tab := win.Window[2-shift]
		if tab.Period != p.Label || len(tab.Cells) != len(got.Cells.Cells) {
			t.Fatalf("window ending %s: period %s with %d cells", p.Shift(shift).Label, tab.Period, len(tab.Cells))
		}
		for i := range tab.Cells {
			c := &tab.Cells[i]
			if rec := c.Record(p.Label); strings.Join(rec[5:8], ",") != out[c.Key()] {
				t.Errorf("%s in the window ending %s: %v, alone %s", p.Label, p.Shift(shift).Label, rec, out[c.Key()])
			}
		}
	}
	return out
}

func loadHand(t *testing.T) *Store {
	t.Helper()
	s := openTemp(t)
	ex, err := source.Open(writeExport(t, handExport), source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	sum, err := s.Load(context.Background(), ex, LoadOptions{Now: loadAt})
	if err != nil {
		t.Fatal(err)
	}
	if len(sum.Rejects) != 0 {
		t.Fatalf("rejects: %+v", sum.Rejects)
	}
	return s
}

func TestIndicatorsByHand(t *testing.T) {
	s := loadHand(t)
	type want struct {
		id, country, dim, cat string
		figures               string // numerator,denominator,value as in indicators.csv
	}
	cases := map[string][]want{
		"2025Q3": {
			// Arrived in Q3: A (07-15) and B (08-01); E comes after.
			{"RET_ARRIVED", "UZ", "total", "total", "2,,2"},
			{"RET_ARRIVED", "ALL", "sex", "F", "1,,1"},
			{"RET_ARRIVED", "UZ", "age_group", "5-11", "1,,1"},  // B: 2025-2015 = 10
			{"RET_ARRIVED", "UZ", "age_group", "18-59", "1,,1"}, // A: 35
			{"RET_ARRIVED", "UZ", "return_from", "AF", "0,,0"},  // D's country is a category, 0 here
			// Returned to date: A, B, C, D.
			{"RET_CUMULATIVE", "UZ", "total", "total", "4,,4"},
			{"RET_CUMULATIVE", "UZ", "region", "Tashkent", "2,,2"},
			{"RET_CUMULATIVE", "UZ", "region", "unknown", "1,,1"}, // B has no region
			{"RET_CUMULATIVE", "UZ", "region", "Fergana", "1,,1"}, // D; E not yet
			{"RET_CUMULATIVE", "UZ", "age_group", "60+", "1,,1"},  // D: 2020-1960 = 60 at return
			{"RET_CUMULATIVE", "UZ", "age_group", "12-17", "1,,1"},
			// Children at return among A, B, C, D: B (10) and C (12).
			{"RET_CHILD_SHARE", "UZ", "total", "total", "2,4,50.0"},
			{"RET_CHILD_SHARE", "UZ", "sex", "F", "1,2,50.0"},
			{"RET_UAM", "UZ", "sex", "M", "1,,1"},
			{"RET_UAM", "UZ", "sex", "F", "0,,0"},
			// Delivered in Q3: S1 (A), S2 (A), S3 (B), S5 (C); S6 is 06-30, S4 referred.
			{"SVC_REACHED", "UZ", "total", "total", "3,,3"},
			{"SVC_REACHED", "UZ", "service_type", "psychosocial", "2,,2"},
			{"SVC_REACHED", "UZ", "service_type", "medical", "2,,2"},
			{"SVC_REACHED", "UZ", "service_type", "legal", "0,,0"},
			{"SVC_REACHED", "UZ", "age_group", "12-17", "1,,1"}, // C at period end: 2025-2012 = 13
			{"SVC_DELIVERED", "UZ", "total", "total", "4,,4"},
			{"SVC_DELIVERED", "UZ", "provider_type", "ngo", "1,,1"},
			{"SVC_DELIVERED", "UZ", "provider_type", "government", "1,,1"},
			// Needs by P1: A psychosocial met (S1 after identification), A
			// housing not, B education not (only referred), C medical not (S5
			// is the day before identification), D legal met (S6).
			{"NEED_MET", "UZ", "total", "total", "2,5,40.0"},
			{"NEED_MET", "UZ", "need_type", "medical", "0,1,0.0"},
			{"NEED_MET", "UZ", "need_type", "legal", "1,1,100.0"},
			{"NEED_MET", "UZ", "need_type", "vocational", "0,0,"},
			{"NEED_MET", "UZ", "sex", "F", "1,3,33.3"},
			// P1 - 30 = 2025-08-31: A, B, C, D eligible; A's S1 is on
			// return + 30 (counts), B's S3 on return + 31 (does not).
			{"PSS_30D", "UZ", "total", "total", "1,4,25.0"},
			{"PSS_30D", "UZ", "age_group", "18-59", "1,1,100.0"},
			// 6-17 at period end: B (10, latest 2025-09-30: false) and C (13,
			// latest 2024-10-01 > P1 - 365 = 2024-09-30: true).
			{"OUT_EDUCATION", "UZ", "total", "total", "1,2,50.0"},
			{"OUT_EMPLOYED", "UZ", "total", "total", "1,1,100.0"}, // A; D is 65
			// A true, C false; D's follow-up is exactly P1 - 365: not recent.
			{"OUT_DOCUMENTED", "UZ", "total", "total", "1,2,50.0"},
			// A: 0.4*0.5 + 0.3*0.8 + 0.3*1 = 0.74; C: 0.66; B lacks a score.
			{"OUT_SCORE", "UZ", "total", "total", ",2,0.700"},
			{"OUT_SCORE", "UZ", "sex", "M", ",0,"},
			{"OUT_SUSTAINABLE", "UZ", "total", "total", "2,2,100.0"}, // 0.66 exactly counts
			// Open at P1: A, B, and D (closed the day after P1); C closed on P1.
			{"CASE_OPEN", "UZ", "total", "total", "3,,3"},
			{"CASE_OPEN", "UZ", "age_group", "60+", "1,,1"},
			{"CASE_CLOSED", "UZ", "total", "total", "1,,1"},
			{"CASE_CLOSED", "UZ", "closure_reason", "reintegrated", "1,,1"},
			{"CASE_CLOSED", "UZ", "closure_reason", "transferred", "0,,0"},
			// Open A, B, D; follow-ups from P1 - 179 = 2025-04-04: A and B.
			{"FOLLOWUP_COVERAGE", "UZ", "total", "total", "2,3,66.7"},
		},
		"2025-08": {
			{"RET_ARRIVED", "UZ", "total", "total", "1,,1"}, // B on the first day
			{"RET_CUMULATIVE", "UZ", "total", "total", "4,,4"},
			{"SVC_DELIVERED", "UZ", "total", "total", "1,,1"}, // S1
			// P1 - 30 = 2025-08-01: B returned that day and is eligible.
			{"PSS_30D", "UZ", "total", "total", "1,4,25.0"},
			{"CASE_OPEN", "UZ", "total", "total", "4,,4"}, // C closes in September
			{"CASE_CLOSED", "UZ", "total", "total", "0,,0"},
			// A's follow-up is after P1; C's (0.66) counts, and D's
			// 2024-09-30 is recent again (> P1 - 365 = 2024-08-31): 0.9.
			{"OUT_SCORE", "UZ", "total", "total", ",2,0.780"},
			{"OUT_SCORE", "UZ", "age_group", "60+", ",1,0.900"},
		},
		"2025": {
			{"RET_ARRIVED", "UZ", "total", "total", "3,,3"}, // A, B, E
			{"RET_ARRIVED", "UZ", "return_from", "SY", "2,,2"},
			{"RET_CUMULATIVE", "UZ", "region", "Fergana", "2,,2"},
			{"SVC_DELIVERED", "UZ", "total", "total", "5,,5"}, // S6 in June counts now
			{"CASE_CLOSED", "UZ", "total", "total", "2,,2"},
			{"CASE_CLOSED", "UZ", "closure_reason", "transferred", "1,,1"},
			{"CASE_OPEN", "UZ", "total", "total", "3,,3"}, // A, B, E
			// Open A, B, E; follow-ups from 2025-07-05: A and B.
			{"FOLLOWUP_COVERAGE", "UZ", "total", "total", "2,3,66.7"},
			// P1 - 365 = 2024-12-31: C's follow-up is no longer recent; B false.
			{"OUT_EDUCATION", "UZ", "total", "total", "0,1,0.0"},
		},
		"2030": { // a period past the data
			{"RET_ARRIVED", "UZ", "total", "total", "0,,0"},
			{"RET_CUMULATIVE", "UZ", "total", "total", "5,,5"},
			{"OUT_SCORE", "UZ", "total", "total", ",0,"},
		},
		"1999": { // before anyone returned: the categories are still listed
			{"RET_CUMULATIVE", "UZ", "total", "total", "0,,0"},
			{"RET_CUMULATIVE", "UZ", "region", "Tashkent", "0,,0"},
			{"RET_CHILD_SHARE", "ALL", "total", "total", "0,0,"},
		},
	}
	for per, wants := range cases {
		t.Run(per, func(t *testing.T) {
			got := computeHand(t, s, per, report.DefaultParams)
			for _, w := range wants {
				k := cell.Key{Indicator: w.id, Country: w.country, Dimension: w.dim, Category: w.cat}
				g, ok := got[k]
				if !ok {
					t.Errorf("%s %s %s %s: no cell", w.id, w.country, w.dim, w.cat)
					continue
				}
				if g != w.figures {
					t.Errorf("%s %s %s %s = %s, want %s", w.id, w.country, w.dim, w.cat, g, w.figures)
				}
			}
		})
	}
}

// TestIndicatorParams checks that weights and threshold are bound
// parameters that change the numbers.
func TestIndicatorParams(t *testing.T) {
	s := loadHand(t)
	// Weights 1, 0, 0: A scores 0.5, C 0.66 -> mean 0.580; with a threshold
	// of 0.5 both are sustainable, with 0.66 only C.
	params := report.Params{Weights: report.Weights{Economic: "1", Social: "0", Psychosocial: "0"}, Threshold: "0.5"}
	got := computeHand(t, s, "2025Q3", params)
	for k, want := range map[cell.Key]string{
		{Indicator: "OUT_SCORE", Country: "UZ", Dimension: "total", Category: "total"}:       ",2,0.580",
		{Indicator: "OUT_SUSTAINABLE", Country: "UZ", Dimension: "total", Category: "total"}: "2,2,100.0",
	} {
		if got[k] != want {
			t.Errorf("%v = %s, want %s", k, got[k], want)
		}
	}
	params.Threshold = "0.660001"
	got = computeHand(t, s, "2025Q3", params)
	k := cell.Key{Indicator: "OUT_SUSTAINABLE", Country: "UZ", Dimension: "total", Category: "total"}
	if got[k] != "0,2,0.0" {
		t.Errorf("threshold 0.660001: %s, want 0,2,0.0", got[k])
	}
}
