package period

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	d := func(s string) time.Time { v, _ := time.Parse("2006-01-02", s); return v }
	tests := []struct {
		in, label, start, end string
	}{
		{"2025Q3", "2025Q3", "2025-07-01", "2025-09-30"},
		{"2025q1", "2025Q1", "2025-01-01", "2025-03-31"},
		{" 2024Q4 ", "2024Q4", "2024-10-01", "2024-12-31"},
		{"2025", "2025", "2025-01-01", "2025-12-31"},
		{"2025-08", "2025-08", "2025-08-01", "2025-08-31"},
		{"2024-02", "2024-02", "2024-02-01", "2024-02-29"}, // leap year
		{"1900", "1900", "1900-01-01", "1900-12-31"},
		{"2100Q4", "2100Q4", "2100-10-01", "2100-12-31"},
	}
	for _, tt := range tests {
		p, err := Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if p.Label != tt.label || !p.Start.Equal(d(tt.start)) || !p.End.Equal(d(tt.end)) {
			t.Errorf("Parse(%q) = %s %s %s", tt.in, p.Label, ISO(p.Start), ISO(p.End))
		}
		if p.Start.Location() != time.UTC {
			t.Errorf("Parse(%q): not UTC", tt.in)
		}
	}
	for _, bad := range []string{"", "2025Q5", "2025Q0", "2025-13", "2025-00", "1899", "2101", "25Q3", "2025-8", "Q3 2025", "2025H1"} {
		if _, err := Parse(bad); !errors.Is(err, ErrBadPeriod) {
			t.Errorf("Parse(%q) = %v, want ErrBadPeriod", bad, err)
		}
	}
}

func TestLatestCompleteQuarter(t *testing.T) {
	tests := map[string]string{
		"2026-11-28": "2026Q3",
		"2026-09-30": "2026Q3", // the quarter ends that day
		"2026-09-29": "2026Q2",
		"2026-01-15": "2025Q4",
	}
	for day, want := range tests {
		d, _ := time.Parse("2006-01-02", day)
		if got := LatestCompleteQuarter(d).Label; got != want {
			t.Errorf("LatestCompleteQuarter(%s) = %s, want %s", day, got, want)
		}
	}
}

func TestWindow(t *testing.T) {
	tests := []struct {
		p    string
		n    int
		want []string
	}{
		{"2025Q3", 8, []string{"2023Q4", "2024Q1", "2024Q2", "2024Q3", "2024Q4", "2025Q1", "2025Q2", "2025Q3"}},
		{"2025-02", 3, []string{"2024-12", "2025-01", "2025-02"}},
		{"2024", 5, []string{"2020", "2021", "2022", "2023", "2024"}},
		{"1900Q2", 3, []string{"1899Q4", "1900Q1", "1900Q2"}},
		{"2025Q1", 1, []string{"2025Q1"}},
	}
	for _, tt := range tests {
		p, err := Parse(tt.p)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for i, w := range Window(p, tt.n) {
			got = append(got, w.Label)
			if i > 0 && !w.Start.Equal(Window(p, tt.n)[i-1].End.AddDate(0, 0, 1)) {
				t.Errorf("%s: %s does not start the day after the period before it", tt.p, w.Label)
			}
			if q, err := Parse(w.Label); err == nil && (!q.Start.Equal(w.Start) || !q.End.Equal(w.End)) {
				t.Errorf("%s: window period %s differs from Parse: %v", tt.p, w.Label, w)
			}
		}
		if strings.Join(got, " ") != strings.Join(tt.want, " ") {
			t.Errorf("Window(%s, %d) = %v, want %v", tt.p, tt.n, got, tt.want)
		}
	}
	p, _ := Parse("2025Q3")
	if got := p.YearEarlier().Label; got != "2024Q3" {
		t.Errorf("YearEarlier = %s", got)
	}
	if got := p.Shift(-1).Label; got != "2025Q2" {
		t.Errorf("Shift(-1) = %s", got)
	}
	m, _ := Parse("2025-01")
	if got := m.YearEarlier().Label; got != "2024-01" {
		t.Errorf("month YearEarlier = %s", got)
	}
	if DefaultWindow(Quarter) != 8 || DefaultWindow(Month) != 12 || DefaultWindow(Year) != 5 {
		t.Error("default windows")
	}
}
