package duckdb

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"rrstat/internal/cell"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/source"
	"rrstat/queries"
)

// loadAt is the day the sample tests load on: after every date in the sample.
var loadAt = time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)

func openTemp(t *testing.T) *Store {
	t.Helper()
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "store.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func loadSample(t *testing.T, s *Store, countries ...string) {
	t.Helper()
	for _, c := range countries {
		ex, err := source.Open(filepath.Join("..", "..", "testdata", "sample", "export-"+c), source.Options{})
		if err != nil {
			t.Fatal(err)
		}
		sum, err := s.Load(context.Background(), ex, LoadOptions{Now: loadAt})
		ex.Close()
		if err != nil {
			t.Fatalf("load %s: %v", c, err)
		}
		if len(sum.Rejects) != 0 {
			t.Errorf("load %s: %d rejects: %+v", c, len(sum.Rejects), sum.Rejects)
		}
	}
}

func TestSampleIndicators(t *testing.T) {
	// Far from UTC on either side: no date may shift at a period boundary.
	t.Setenv("TZ", "Pacific/Kiritimati")
	s := openTemp(t)
	loadSample(t, s, "UZ", "KZ", "TM")
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	for _, per := range []string{"2025Q3", "2024"} {
		t.Run(per, func(t *testing.T) {
			p, err := period.Parse(per)
			if err != nil {
				t.Fatal(err)
			}
			got, err := s.Compute(context.Background(), cat, []period.Period{p}, report.DefaultParams, Selection{})
			if err != nil {
				t.Fatal(err)
			}
			var buf bytes.Buffer
			if err := cell.WriteCSV(&buf, got.Cells); err != nil {
				t.Fatal(err)
			}
			want, err := os.ReadFile(filepath.Join("..", "..", "testdata", "sample", "expected", "indicators-"+per+"-analyst.csv"))
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), want) {
				os.WriteFile(filepath.Join(t.TempDir(), "got.csv"), buf.Bytes(), 0o644)
				gl, wl := bytes.Split(buf.Bytes(), []byte("\n")), bytes.Split(want, []byte("\n"))
				n := 0
				for i := 0; i < len(gl) || i < len(wl); i++ {
					var g, w []byte
					if i < len(gl) {
						g = gl[i]
					}
					if i < len(wl) {
						w = wl[i]
					}
					if !bytes.Equal(g, w) {
						t.Errorf("line %d:\n got  %s\n want %s", i+1, g, w)
						if n++; n > 30 {
							break
						}
					}
				}
			}
		})
	}
}
