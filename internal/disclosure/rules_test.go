package disclosure

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/cell"
)

// tiny builds a table from lines "indicator country dimension category
// numerator [denominator]". The kind comes from the indicator's first
// letter: C count, P percentage, M mean. Dimension "total" needs no
// category.
func tiny(t *testing.T, lines ...string) *cell.Table {
	t.Helper()
	tab := &cell.Table{Period: "2025Q3"}
	for _, l := range lines {
		f := strings.Fields(l)
		if f[2] == cell.TotalDimension {
			f = append(f[:3], append([]string{cell.TotalDimension}, f[3:]...)...)
		}
		if len(f) < 5 || len(f) > 6 {
			t.Fatalf("bad tiny line %q", l)
		}
		c := cell.Cell{Indicator: f[0], Country: f[1], Dimension: f[2], Category: f[3], Fig: &cell.Figures{}}
		c.Fig.Numerator = atoi(t, f[4])
		if len(f) == 6 {
			c.Fig.Denominator = atoi(t, f[5])
		}
		switch f[0][0] {
		case 'C':
			c.Kind = cell.Count
		case 'P':
			c.Kind = cell.Percentage
		case 'M':
			c.Kind, c.Fig.Denominator, c.Fig.Numerator = cell.Mean, c.Fig.Numerator, 0
		default:
			t.Fatalf("bad indicator %q", f[0])
		}
		tab.Cells = append(tab.Cells, c)
	}
	return tab
}

func atoi(t *testing.T, s string) int64 {
	t.Helper()
	var n int64
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("bad number %q", s)
		}
		n = 10*n + int64(r-'0')
	}
	return n
}

// tinyPartition says that sex, age and region are partitions, svc is not.
func tinyPartition(_, dim string) bool {
	return dim == "sex" || dim == "age" || dim == "region"
}

// hidden lists the cells that are not published, as "indicator country
// dimension category flag".
func hidden(tab *cell.Table) []string {
	var out []string
	for _, c := range tab.Cells {
		if c.Flag != cell.Shown || c.Fig == nil {
			out = append(out, strings.Join([]string{c.Indicator, c.Country, c.Dimension, c.Category, string(c.Flag)}, " "))
		}
	}
	return out
}

func TestApplyRules(t *testing.T) {
	tests := []struct {
		name  string
		k     int
		table []string
		want  []string // the hidden cells after Apply
		res   Result
	}{
		{
			name: "count primary: 1 to k-1, not 0, not k",
			k:    5,
			table: []string{
				"C1 ALL total 0", "C2 ALL total 1", "C3 ALL total 4", "C4 ALL total 5",
			},
			want: []string{"C2 ALL total total suppressed", "C3 ALL total total suppressed"},
			res:  Result{Primary: 2, Rounds: 1},
		},
		{
			name: "k = 1 suppresses nothing",
			k:    1,
			table: []string{
				"C1 ALL total 1", "C1 ALL sex F 1", "C1 ALL sex M 0", "P1 ALL total 1 2", "M1 ALL total 1",
			},
			res: Result{Rounds: 1},
		},
		{
			name: "percentage primary: numerator, denominator, denominator - numerator",
			k:    5,
			table: []string{
				"P1 ALL total 3 20",  // numerator small
				"P2 ALL total 3 3",   // denominator small
				"P3 ALL total 17 20", // denominator - numerator = 3
				"P4 ALL total 20 20", // d - n = 0: shown
				"P5 ALL total 0 20",  // n = 0: shown
				"P6 ALL total 0 0",   // no denominator: shown
				"P7 ALL total 5 10",  // all >= k: shown
			},
			want: []string{"P1 ALL total total suppressed", "P2 ALL total total suppressed", "P3 ALL total total suppressed"},
			res:  Result{Primary: 3, Rounds: 1},
		},
		{
			name: "mean primary: denominator only",
			k:    5,
			table: []string{
				"M1 ALL total 4", "M2 ALL total 5", "M3 ALL total 0",
			},
			want: []string{"M1 ALL total total suppressed"},
			res:  Result{Primary: 1, Rounds: 1},
		},
		{
			name: "within: smallest non-zero category, zero skipped",
			k:    5,
			table: []string{
				"C1 ALL total 20", "C1 ALL age a 0", "C1 ALL age b 2", "C1 ALL age c 11", "C1 ALL age d 7",
			},
			want: []string{"C1 ALL age b suppressed", "C1 ALL age d secondary"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "within: tie goes to the first in category order",
			k:    5,
			table: []string{
				"C1 ALL total 17", "C1 ALL age a 9", "C1 ALL age b 8", "C1 ALL age c 8", "C1 ALL age d 1"},
			want: []string{"C1 ALL age b secondary", "C1 ALL age d suppressed"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "within: percentage size is the denominator",
			k:    5,
			table: []string{
				"P1 ALL total 16 40", "P1 ALL sex F 2 9", "P1 ALL sex M 8 13", "P1 ALL sex X 6 18",
			},
			// F is primary (n = 2); of M (8/13) and X (6/18) M is smaller by
			// denominator although X has the smaller numerator.
			want: []string{"P1 ALL sex F suppressed", "P1 ALL sex M secondary"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "within: two suppressed categories need nothing more",
			k:    5,
			table: []string{
				"C1 ALL total 10", "C1 ALL sex F 2", "C1 ALL sex M 3", "C1 ALL sex X 5",
			},
			want: []string{"C1 ALL sex F suppressed", "C1 ALL sex M suppressed"},
			res:  Result{Primary: 2, Rounds: 1},
		},
		{
			name: "within: a non-partition dimension is left alone",
			k:    5,
			table: []string{
				"C1 ALL total 10", "C1 ALL svc a 2", "C1 ALL svc b 9",
			},
			want: []string{"C1 ALL svc a suppressed"},
			res:  Result{Primary: 1, Rounds: 1},
		},
		{
			name: "within a country, then across to ALL when it is the only country",
			k:    5,
			table: []string{
				"C1 ALL total 20", "C1 ALL sex F 12", "C1 ALL sex M 8",
				"C1 KZ total 20", "C1 KZ sex F 17", "C1 KZ sex M 3",
			},
			// KZ M primary -> KZ F secondary (within KZ); across, ALL has one
			// country, so the ALL cells of M and F go (no other country cell).
			want: []string{
				"C1 ALL sex F secondary", "C1 ALL sex M secondary",
				"C1 KZ sex F secondary", "C1 KZ sex M suppressed",
			},
			res: Result{Primary: 1, Secondary: 3, Rounds: 2},
		},
		{
			name: "within: total suppressed instead, seen by a later dimension of the same round",
			k:    5,
			table: []string{
				"C1 ALL total 44", "C1 ALL sex F 34", "C1 ALL sex M 10", "C1 ALL age a 30", "C1 ALL age b 14",
				"C1 KZ total 12", "C1 KZ sex F 12", "C1 KZ sex M 0", "C1 KZ age a 6", "C1 KZ age b 6",
				"C1 TJ total 27", "C1 TJ sex F 20", "C1 TJ sex M 7", "C1 TJ age a 22", "C1 TJ age b 5",
				"C1 UZ total 5", "C1 UZ sex F 2", "C1 UZ sex M 3", "C1 UZ age a 2", "C1 UZ age b 3",
			},
			// Round 1: every UZ category is primary (two per dimension, so
			// nothing within). Across: F -> KZ F (12 < 20), M -> TJ M (KZ M is
			// zero), a -> KZ a (6 < 22), b -> TJ b (5 < 6).
			// Round 2, within KZ sex: F hidden, M zero -> the KZ total instead.
			// Within KZ age, next in the same round: a is hidden but the total
			// no longer is published, so b stays. Within TJ: F and a. Across
			// total: KZ hidden -> UZ total (5 < 27).
			// Round 3 changes nothing.
			want: []string{
				"C1 KZ total total secondary", "C1 KZ sex F secondary", "C1 KZ age a secondary",
				"C1 TJ sex F secondary", "C1 TJ sex M secondary", "C1 TJ age a secondary", "C1 TJ age b secondary",
				"C1 UZ total total secondary",
				"C1 UZ sex F suppressed", "C1 UZ sex M suppressed", "C1 UZ age a suppressed", "C1 UZ age b suppressed",
			},
			res: Result{Primary: 4, Secondary: 8, Rounds: 3},
		},
		{
			name: "across: smallest non-zero country, ties alphabetical",
			k:    5,
			table: []string{
				"C1 ALL total 29", "C1 KZ total 2", "C1 TJ total 0", "C1 TM total 9", "C1 UZ total 9", "C1 XK total 9",
			},
			want: []string{"C1 KZ total total suppressed", "C1 TM total total secondary"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "across: ALL suppressed instead for a region found in one country only",
			k:    5,
			table: []string{
				"C1 ALL total 16", "C1 ALL region X 8", "C1 ALL region Y 6", "C1 ALL region Z 2",
				"C1 KZ total 10", "C1 KZ region X 8", "C1 KZ region Z 2",
				"C1 UZ total 6", "C1 UZ region Y 6",
			},
			// Within ALL: Z primary -> Y (6) secondary. Within KZ: Z primary ->
			// X (8) secondary. Across X: KZ is the only country with X -> the
			// ALL cell of X is suppressed instead.
			want: []string{
				"C1 ALL region X secondary", "C1 ALL region Y secondary", "C1 ALL region Z suppressed",
				"C1 KZ region X secondary", "C1 KZ region Z suppressed",
			},
			res: Result{Primary: 2, Secondary: 3, Rounds: 2},
		},
		{
			name: "across: zero-size countries are skipped",
			k:    5,
			table: []string{
				"P1 ALL total 12 25", "P1 KZ total 2 10", "P1 TM total 0 0", "P1 UZ total 10 15",
			},
			// KZ primary; TM has size 0 -> UZ secondary.
			want: []string{"P1 KZ total total suppressed", "P1 UZ total total secondary"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "across: ALL already suppressed needs nothing",
			k:    5,
			table: []string{
				"C1 ALL total 4", "C1 KZ total 4", "C1 UZ total 0",
			},
			want: []string{"C1 ALL total total suppressed", "C1 KZ total total suppressed"},
			res:  Result{Primary: 2, Rounds: 1},
		},
		{
			name: "across: a mean's size is its denominator",
			k:    5,
			table: []string{
				"M1 ALL total 24", "M1 KZ total 3", "M1 TJ total 11", "M1 UZ total 10",
			},
			want: []string{"M1 KZ total total suppressed", "M1 UZ total total secondary"},
			res:  Result{Primary: 1, Secondary: 1, Rounds: 2},
		},
		{
			name: "rounds: a third round when across leaves one hidden category in a country",
			k:    5,
			table: []string{
				"C1 ALL total 60", "C1 ALL sex F 21", "C1 ALL sex M 39",
				"C1 KZ total 20", "C1 KZ sex F 3", "C1 KZ sex M 17",
				"C1 TJ total 20", "C1 TJ sex F 6", "C1 TJ sex M 14",
				"C1 UZ total 20", "C1 UZ sex F 12", "C1 UZ sex M 8",
			},
			// Round 1, within KZ: F primary -> M secondary. Across F: KZ hidden
			// -> TJ F (6 < 12); across M: KZ hidden -> UZ M (8 < 14).
			// Round 2, within TJ: F hidden -> TJ M; within UZ: M hidden -> UZ F.
			// Round 3 changes nothing.
			want: []string{
				"C1 KZ sex F suppressed", "C1 KZ sex M secondary",
				"C1 TJ sex F secondary", "C1 TJ sex M secondary",
				"C1 UZ sex F secondary", "C1 UZ sex M secondary",
			},
			res: Result{Primary: 1, Secondary: 5, Rounds: 3},
		},
		{
			name: "rounds: across after within in the same round",
			k:    5,
			table: []string{
				"C1 ALL total 30", "C1 ALL sex F 18", "C1 ALL sex M 12",
				"C1 KZ total 10", "C1 KZ sex F 7", "C1 KZ sex M 3",
				"C1 UZ total 20", "C1 UZ sex F 11", "C1 UZ sex M 9",
			},
			// Round 1, within: KZ M primary -> KZ F (7) secondary. Across: M
			// has one hidden country (KZ) -> UZ M (9); F likewise -> UZ F (11).
			// Round 2, within UZ: two hidden; nothing changes.
			want: []string{
				"C1 KZ sex F secondary", "C1 KZ sex M suppressed",
				"C1 UZ sex F secondary", "C1 UZ sex M secondary",
			},
			res: Result{Primary: 1, Secondary: 3, Rounds: 2},
		},
		{
			name: "rounds: a hidden ALL cell stops the across rule",
			k:    5,
			table: []string{
				"C1 ALL total 40", "C1 ALL sex F 22", "C1 ALL sex M 18",
				"C1 ALL age a 3", "C1 ALL age b 37",
				"C1 KZ total 10", "C1 KZ sex F 6", "C1 KZ sex M 4",
				"C1 KZ age a 0", "C1 KZ age b 10",
				"C1 UZ total 30", "C1 UZ sex F 16", "C1 UZ sex M 14",
				"C1 UZ age a 3", "C1 UZ age b 27",
			},
			// Round 1, within: ALL age a -> ALL age b (37); KZ M -> KZ F (6);
			// UZ age a -> UZ age b (27). Across: sex F (KZ) -> UZ F (16), sex
			// M (KZ) -> UZ M (14); age a and b have one hidden country (UZ) but
			// their ALL cells are hidden too, so KZ b stays published.
			// Round 2 changes nothing.
			want: []string{
				"C1 ALL age a suppressed", "C1 ALL age b secondary",
				"C1 KZ sex F secondary", "C1 KZ sex M suppressed",
				"C1 UZ sex F secondary", "C1 UZ sex M secondary",
				"C1 UZ age a suppressed", "C1 UZ age b secondary",
			},
			res: Result{Primary: 3, Secondary: 5, Rounds: 2},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := tiny(t, tt.table...)
			res, err := Apply(tab, Options{K: tt.k, IsPartition: tinyPartition})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.want, hidden(tab)); diff != "" {
				t.Errorf("hidden cells (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.res, res); diff != "" {
				t.Errorf("result (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyErrors(t *testing.T) {
	tests := []struct {
		name  string
		opt   Options
		table []string
		is    error
		msg   string
	}{
		{"k zero", Options{K: 0, IsPartition: tinyPartition}, []string{"C1 ALL total 1"}, ErrOptions, "threshold k = 0"},
		{"k negative", Options{K: -5, IsPartition: tinyPartition}, []string{"C1 ALL total 1"}, ErrOptions, "threshold k = -5"},
		{"no partition function", Options{K: 5}, []string{"C1 ALL total 1"}, ErrOptions, "IsPartition"},
		{"duplicate cell", Options{K: 5, IsPartition: tinyPartition}, []string{"C1 ALL total 1", "C1 ALL total 1"}, ErrTable, "rows 1 and 2"},
		{"partition without total", Options{K: 5, IsPartition: tinyPartition}, []string{"C1 ALL sex F 1"}, ErrTable, "C1 ALL sex=F has no total cell"},
		{"country without ALL", Options{K: 5, IsPartition: tinyPartition}, []string{"C1 ALL total 1", "C1 KZ total 1", "C1 KZ svc a 1"}, ErrTable, "C1 KZ svc=a has no ALL cell"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tab := tiny(t, tt.table...)
			before := hidden(tab)
			_, err := Apply(tab, tt.opt)
			if !errors.Is(err, tt.is) || !strings.Contains(err.Error(), tt.msg) {
				t.Fatalf("Apply error = %v, want %v containing %q", err, tt.is, tt.msg)
			}
			if diff := cmp.Diff(before, hidden(tab)); diff != "" {
				t.Errorf("table changed on error (-want +got):\n%s", diff)
			}
		})
	}
}

func TestApplyUnflaggedWithoutFigures(t *testing.T) {
	tab := tiny(t, "C1 ALL total 1")
	tab.Cells[0].Fig = nil
	if _, err := Apply(tab, Options{K: 5, IsPartition: tinyPartition}); !errors.Is(err, ErrTable) {
		t.Fatalf("Apply error = %v, want ErrTable", err)
	}
}
