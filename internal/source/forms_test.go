package source

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"rrstat/internal/export"
)

// TestFormValues checks each form against values the contract accepts but
// DuckDB's cast would read otherwise or write back differently, which must
// stay out of the form (they are read as text and go through every rule).
func TestFormValues(t *testing.T) {
	col := func(table, name string) *export.Column { return export.TableByName(table).Column(name) }
	for _, tt := range []struct {
		col     *export.Column
		in, out []string
	}{
		{col(export.Followups, "followup_date"),
			[]string{"2019-05-02", "2024-02-29", "2000-02-29", "1000-01-01", "9999-12-31"},
			[]string{"2019-5-02", "02.05.2019", "2019-05-02 00:00", "2019-05-02T00:00:00", "2023-02-29", "1900-02-29",
				"2019-13-01", "2019-00-10", "2019-04-31", "0999-12-31", "-019-01-08", "2019/05/02", "20190502", " 2019-05-02"}},
		{col(export.Followups, "economic_score"),
			[]string{"0", "1", "0.5", "0.414", "0.123456", "1.0", "1.000000", "0.000000"},
			[]string{"0.1234567", "0.5e-1", "0.1_2", ".5", "0.", "1.5", "1.000001", "2", "0,5", "-0.1", "+0.1", "00.5", "1.0000000", "0.5 "}},
		{col(export.Followups, "employed"),
			[]string{"true", "false"},
			[]string{"TRUE", "True", "yes", "1", "t", "да", "false "}},
		{col(export.Returnees, "birth_year"),
			[]string{"1976", "2019", "1850"},
			[]string{"976", "01976", "0976", "1976.0", "19e2", "1_99", "-1976"}},
		{col(export.Returnees, "person_id"),
			[]string{"UZ-S0000001", "a_b-C9", strings.Repeat("x", 64)},
			[]string{"UZ S1", "UZ.1", "ЖК-1", strings.Repeat("x", 65)}},
		{col(export.Services, "service_type"),
			[]string{"medical", "family_reunification"},
			[]string{"Medical", "medical ", "med", "housing2"}},
		{col(export.Returnees, "sex"), []string{"F", "M"}, []string{"f", "female", "Ж"}},
		{col(export.Returnees, "country"), []string{"UZ", "KZ"}, []string{"uz", "XX", "UZB"}},
	} {
		f := formOf(tt.col)
		for _, v := range tt.in {
			if !f.has([]byte(v)) {
				t.Errorf("%s: %q is not in the form, want in", tt.col.Name, v)
			}
			if end, ok := f.scan([]byte(v+",next"), ','); !ok || end != len(v) {
				t.Errorf("%s: scan(%q) = %d, %v; want %d, true", tt.col.Name, v+",next", end, ok, len(v))
			}
		}
		for _, v := range tt.out {
			if f.has([]byte(v)) {
				t.Errorf("%s: %q is in the form, want out", tt.col.Name, v)
			}
			if end, ok := f.scan([]byte(v+";next"), ';'); ok || end != len(v) {
				t.Errorf("%s: scan(%q) = %d, %v; want %d, false", tt.col.Name, v+";next", end, ok, len(v))
			}
		}
	}
	for _, c := range []*export.Column{col(export.Returnees, "region"), col(export.Services, "service_id")} {
		if f := formOf(c); f.form != FormNone {
			t.Errorf("%s has form %d, want none (read as text)", c.Name, f.form)
		}
	}
}

// TestScanForms checks what the scan vouches for in a whole file: a field's
// form holds only if every value has it; a quoted value or one needing
// trimming drops it; and a key is proved unique only when it rises strictly.
func TestScanForms(t *testing.T) {
	const header = "person_id,followup_date,economic_score,in_education\n"
	for _, tt := range []struct {
		name      string
		table     string
		text      string
		forms     []Form
		keySorted bool
	}{
		{"all plain", export.Followups, header + "P1,2024-01-05,0.5,true\nP1,2024-02-05,,false\nP2,2024-01-01,1,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, true},
		{"CRLF, no line end at the end", export.Followups, strings.ReplaceAll(header, "\n", "\r\n") + "P1,2024-01-05,0.5,true\r\nP2,2024-01-06,1,false",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, true},
		{"semicolons and decimal commas", export.Followups, strings.ReplaceAll(header, ",", ";") + "P1;2024-01-05;0,5;true\n",
			[]Form{FormPersonID, FormDate, FormNone, FormBool}, true},
		{"one value not plain", export.Followups, header + "P1,2024-01-05,0.5,true\nP2,05.01.2024,0.5,yes\n",
			[]Form{FormPersonID, FormNone, FormUnit, FormNone}, true},
		{"quoted value", export.Followups, header + "P1,\"2024-01-05\",0.5,true\nP2,2024-01-05,0.5,true\n",
			[]Form{FormPersonID, FormNone, FormUnit, FormBool}, false},
		{"a quote inside a value", export.Followups, header + "P1,2024-01-05,0.5,true\nP1,2024-01-05,0.5,tr\"ue\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormNone}, false},
		{"repeated key", export.Followups, header + "P1,2024-01-05,0.5,true\nP1,2024-01-05,0.6,true\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, false},
		{"falling key", export.Followups, header + "P2,2024-01-05,,\nP1,2024-01-05,,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, false},
		{"a person's dates in any order", export.Followups, header + "P1,2024-02-05,,\nP1,2024-01-05,,\nP2,2024-01-05,,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, true},
		{"a person's date repeated, not next to it", export.Followups, header + "P1,2024-02-05,,\nP1,2024-01-05,,\nP1,2024-02-05,,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, false},
		{"a person's rows apart", export.Followups, header + "P1,2024-02-05,,\nP2,2024-01-05,,\nP1,2024-03-05,,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, false},
		{"needs by person", export.Needs, "person_id,need_type,identified_date\nP1,medical,2024-01-05\nP1,housing,2024-01-02\nP2,medical,2024-01-01\n",
			[]Form{FormPersonID, FormCode, FormDate}, true},
		{"a need repeated", export.Needs, "person_id,need_type,identified_date\nP1,medical,2024-01-05\nP1,housing,2024-01-02\nP1,medical,2024-03-01\n",
			[]Form{FormPersonID, FormCode, FormDate}, false},
		{"services: equal keys in a row", export.Services, "service_id,person_id\nS1,P1\nS1,P2\n",
			[]Form{FormNone, FormPersonID}, false},
		{"rows without a key are skipped", export.Followups, header + "P1,2024-01-05,,\nP1,,,\n,2024-01-05,,\nP1,2024-01-06,,\n",
			[]Form{FormPersonID, FormDate, FormUnit, FormBool}, true},
		{"white space", export.Followups, header + "P1, 2024-01-05,0.5,true\n",
			[]Form{FormPersonID, FormNone, FormUnit, FormBool}, true},
		{"columns in another order, one unknown", export.Followups, "in_education,note,person_id\ntrue,x,P1\nfalse,y,P2\n",
			[]Form{FormBool, FormNone, FormPersonID}, false},
		{"no table", "", header + "P1,2024-01-05,0.5,true\n", nil, false},
		{"services: text key", export.Services, "service_id,person_id,service_type\nS1,P1,medical\nS2,P1,Medical\nS10,P2,legal\n",
			[]Form{FormNone, FormPersonID, FormNone}, false},
		{"services: rising text key", export.Services, "service_id,person_id,service_type\nS01,P1,medical\nS02,P1,legal\nS10,P2,legal\n",
			[]Form{FormNone, FormPersonID, FormCode}, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			sc, err := scanCSV(path, export.TableByName(tt.table))
			if err != nil {
				t.Fatal(err)
			}
			if len(sc.Forms) != len(tt.forms) {
				t.Fatalf("forms %v, want %v", sc.Forms, tt.forms)
			}
			for i := range tt.forms {
				if sc.Forms[i] != tt.forms[i] {
					t.Errorf("field %d (%s): form %d, want %d", i, sc.Header[i], sc.Forms[i], tt.forms[i])
				}
			}
			if sc.KeySorted != tt.keySorted {
				t.Errorf("KeySorted = %v, want %v", sc.KeySorted, tt.keySorted)
			}
		})
	}
}
