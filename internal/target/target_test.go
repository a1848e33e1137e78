package target

import (
	"errors"
	"strings"
	"testing"

	"rrstat/internal/indicator"
	"rrstat/queries"
)

func catalogue(t *testing.T) indicator.Catalogue {
	t.Helper()
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	return cat
}

func TestParse(t *testing.T) {
	src := "\xEF\xBB\xBFindicator_id,country,period,target\r\nRET_ARRIVED,uz,2025q3,120\n\nNEED_MET,ALL,2025,75.5\nOUT_SCORE,KZ,2025-08,0.6\n"
	s, err := Parse("t.csv", []byte(src), catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
	tg := s.Lookup("RET_ARRIVED", "UZ", "2025Q3")
	if tg == nil || tg.Text != "120" || tg.Line != 2 {
		t.Fatalf("RET_ARRIVED UZ 2025Q3 = %+v", tg)
	}
	if s.Lookup("NEED_MET", "ALL", "2025") == nil || s.Lookup("OUT_SCORE", "KZ", "2025-08") == nil {
		t.Error("lines 4 and 5 not found")
	}
	if s.Lookup("NEED_MET", "UZ", "2025") != nil {
		t.Error("a target for another country")
	}
	if len(s.SHA256) != 64 {
		t.Errorf("SHA256 = %q", s.SHA256)
	}
	var none *Set
	if none.Lookup("X", "Y", "Z") != nil || none.Len() != 0 {
		t.Error("nil set")
	}
}

func TestParseRefusals(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"empty", "", []string{"t.csv:1: the file is empty"}},
		{"header", "indicator,country,period,target\n", []string{"t.csv:1: the header must be indicator_id,country,period,target"}},
		{"unknown indicator", "indicator_id,country,period,target\nRET_NOPE,UZ,2025Q3,1\n", []string{`t.csv:2: indicator_id: unknown indicator "RET_NOPE"`}},
		{"country", "indicator_id,country,period,target\nRET_ARRIVED,Uzbekistan,2025Q3,1\n", []string{`t.csv:2: country: "Uzbekistan" is not a country code`}},
		{"unassigned country", "indicator_id,country,period,target\nRET_ARRIVED,XX,2025Q3,1\n", []string{`t.csv:2: country: "XX"`}},
		{"period", "indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q5,1\n", []string{`t.csv:2: period: bad period "2025Q5"`}},
		{"negative", "indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q3,-4\n", []string{`t.csv:2: target: "-4" is negative`}},
		{"not a number", "indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q3,lots\n", []string{`t.csv:2: target: "lots" is not a number`}},
		{"decimal comma", "indicator_id,country,period,target\nNEED_MET,UZ,2025Q3,\"75,5\"\n", []string{`t.csv:2: target: "75,5" is not a number`}},
		{"repeated", "indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q3,1\nRET_ARRIVED,uz,2025q3,2\n", []string{"t.csv:3: a target for RET_ARRIVED, UZ, 2025Q3 is already on line 2"}},
		{"fields", "indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q3\n", []string{"t.csv:2: 3 fields, want 4"}},
		{"every error at once", "indicator_id,country,period,target\nRET_NOPE,UZ,2025Q3,1\nRET_ARRIVED,UZ,2025,-1\n",
			[]string{`t.csv:2: indicator_id: unknown indicator`, `t.csv:3: target: "-1" is negative`}},
		{"line of a quoted multi-line field", "indicator_id,country,period,target\n\"RET\nARRIVED\",UZ,2025Q3,1\nRET_ARRIVED,UZ,2025,x\n",
			[]string{`t.csv:2: indicator_id`, `t.csv:4: target: "x"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.csv", []byte(tt.src), catalogue(t))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrTargets) {
				t.Errorf("error does not wrap ErrTargets: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not contain %q", err, w)
				}
			}
		})
	}
}

func TestAchieved(t *testing.T) {
	s, err := Parse("t.csv", []byte("indicator_id,country,period,target\nRET_ARRIVED,UZ,2025Q3,120\nRET_ARRIVED,KZ,2025Q3,0\nNEED_MET,UZ,2025Q3,75.5\nRET_ARRIVED,TJ,2025Q3,3\n"), catalogue(t))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		value, ind, country, want string
	}{
		{"90", "RET_ARRIVED", "UZ", "75.0"},
		{"150", "RET_ARRIVED", "UZ", "125.0"},
		{"1", "RET_ARRIVED", "TJ", "33.3"},
		{"2", "RET_ARRIVED", "TJ", "66.7"}, // 66.666... rounds up
		{"71.6", "NEED_MET", "UZ", "94.8"}, // 7160/75.5 = 94.834...
		{"", "RET_ARRIVED", "UZ", ""},      // no value (suppressed or empty)
		{"12", "RET_ARRIVED", "KZ", ""},    // a target of 0
		{"12", "RET_ARRIVED", "KG", ""},    // no target
	}
	for _, tt := range tests {
		if got := Achieved(tt.value, s.Lookup(tt.ind, tt.country, "2025Q3")); got != tt.want {
			t.Errorf("Achieved(%s, %s %s) = %q, want %q", tt.value, tt.ind, tt.country, got, tt.want)
		}
	}
}
