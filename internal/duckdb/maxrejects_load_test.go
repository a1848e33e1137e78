package duckdb

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// TestMaxRejects loads an export whose every returnee is rejected (and
// with them every row of the other tables) under a cap of the rejects a
// load may hold: it fails as soon as they are counted, listing those held
// and a sample, without counts; under a cap it does not reach, the result
// is that of a load without one.
func TestMaxRejects(t *testing.T) {
	dir := t.TempDir()
	entries, _ := os.ReadDir(sampleDir("UZ"))
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(sampleDir("UZ"), e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "returnees.csv" {
			b = bytes.ReplaceAll(b, []byte(",F,"), []byte(",X,"))
			b = bytes.ReplaceAll(b, []byte(",M,"), []byte(",X,"))
		}
		os.WriteFile(filepath.Join(dir, e.Name()), b, 0o600)
	}
	free, err := loadExport(t, openTemp(t), dir, source.Options{}, LoadOptions{Now: loadAt})
	if !errors.Is(err, ErrLoadFailed) {
		t.Fatalf("without a cap: %v", err)
	}
	same, err := loadExport(t, openTemp(t), dir, source.Options{}, LoadOptions{Now: loadAt, MaxRejects: 100000})
	if !errors.Is(err, ErrLoadFailed) {
		t.Fatalf("under a cap it does not reach: %v", err)
	}
	if diff := cmp.Diff(free, same); diff != "" {
		t.Errorf("a cap not reached changes the result (-without +with):\n%s", diff)
	}
	for _, cap := range []int64{10, 100} {
		sum, err := loadExport(t, openTemp(t), dir, source.Options{}, LoadOptions{Now: loadAt, MaxRejects: cap})
		if !errors.Is(err, ErrLoadFailed) || !strings.Contains(err.Error(), "more than a load may list") {
			t.Fatalf("cap %d: %v", cap, err)
		}
		if sum.Status != export.StatusFailed || sum.Tables != (export.Tables{}) {
			t.Errorf("cap %d: status %s, tables %+v; want failed and no counts", cap, sum.Status, sum.Tables)
		}
		if n := int64(len(sum.Rejects)); n == 0 || n > cap+sampleSize || n >= int64(len(free.Rejects)) {
			t.Errorf("cap %d: %d rejects listed (%d without a cap)", cap, n, len(free.Rejects))
		}
		for _, r := range sum.Rejects {
			if r.Reason == "" || r.Line < 2 {
				t.Errorf("cap %d: reject %+v", cap, r)
				break
			}
		}
	}
}
