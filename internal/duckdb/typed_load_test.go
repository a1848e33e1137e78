package duckdb

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/export"
	"rrstat/internal/source"
	"rrstat/internal/synth"
)

// typedExport writes a synthetic export in the plain forms (so that the
// scan vouches for most fields and for the keys), with rows appended that
// break the rules a plainly written value can still break: a future date,
// a birth year out of range, a closed case without its date, an unknown
// person, a date before the return, and repeated keys: the last service
// again, right after it, and follow-ups and needs from the top of their
// files (the scan cannot vouch for such keys, so the key rules run).
func typedExport(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	sum, err := synth.Generate(dir, synth.Options{Seed: 3, AsOf: time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC), Persons: 400, Countries: []string{"KG"}})
	if err != nil {
		t.Fatal(err)
	}
	exp := filepath.Join(dir, "export-KG")
	if sum.Persons() == 0 {
		t.Fatal("no person generated")
	}
	appendRows := func(table string, rows ...string) {
		f, err := os.OpenFile(filepath.Join(exp, table+".csv"), os.O_APPEND|os.O_WRONLY, 0)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		for _, r := range rows {
			if _, err := f.WriteString(r + "\n"); err != nil {
				t.Fatal(err)
			}
		}
	}
	first := func(table string, n int) []string {
		b, err := os.ReadFile(filepath.Join(exp, table+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		return lines[1 : 1+n]
	}
	ret := strings.Split(first(export.Returnees, 1)[0], ",")
	future := append([]string{"KG-Z0000001"}, ret[1:]...)
	future[6] = "2030-01-01" // return_date in the future
	oldYear := append([]string{"KG-Z0000002"}, ret[1:]...)
	oldYear[5] = "1850"
	appendRows(export.Returnees, strings.Join(future, ","), strings.Join(oldYear, ","))
	svc := strings.Split(strings.TrimSpace(string(must(os.ReadFile(filepath.Join(exp, "services.csv"))))), "\n")
	appendRows(export.Services, svc[len(svc)-1], svc[len(svc)-1]) // the last service_id twice more, in a row
	appendRows(export.Followups, first(export.Followups, 2)...)   // repeated (person, date)
	appendRows(export.Needs, first(export.Needs, 2)...)           // merged needs
	appendRows(export.Followups, "KG-NOBODY,2024-01-05,0.5,0.5,0.5,true,false,true", ret[0]+",1990-01-01,0.5,0.5,0.5,,,")
	return exp
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestTypedReadingStoresAsText loads the same export twice: with the
// fields the scan vouches for read typed (and the keys it proved unique
// left unchecked), and all as text with every rule. Both must store the
// same rows and report the same rejects, lines, values and reasons.
func TestTypedReadingStoresAsText(t *testing.T) {
	exp := typedExport(t)
	ex, err := source.Open(exp, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	typed := 0
	for _, tn := range export.TableNames {
		for _, f := range ex.Tables[tn].Scan.Forms {
			if f != source.FormNone {
				typed++
			}
		}
	}
	ex.Close()
	if typed < 20 {
		t.Fatalf("the scan vouched for %d fields; the test needs plain exports", typed)
	}
	load := func(asText bool) (*export.Summary, map[string][][]string) {
		s := openMemory(t)
		sum := mustLoad(t, s, exp, source.Options{}, LoadOptions{asText: asText, MaxRejectPct: Percent(50)})
		return sum, storedRows(t, s.DB, snapOf(t, s, sum.SnapshotID))
	}
	sumTyped, rowsTyped := load(false)
	sumText, rowsText := load(true)
	if diff := cmp.Diff(rowsText, rowsTyped); diff != "" {
		t.Errorf("stored rows differ (-text +typed):\n%s", diff)
	}
	if diff := cmp.Diff(sumText.Rejects, sumTyped.Rejects); diff != "" {
		t.Errorf("rejects differ (-text +typed):\n%s", diff)
	}
	if diff := cmp.Diff(sumText.Tables, sumTyped.Tables); diff != "" {
		t.Errorf("counts differ (-text +typed):\n%s", diff)
	}
	reasons := map[string]bool{}
	for _, r := range sumTyped.Rejects {
		reasons[r.Reason] = true
	}
	for _, want := range []string{export.ReasonFuture, export.ReasonBirthYear, export.ReasonUnknownPerson, export.ReasonBeforeReturn} {
		if !reasons[want] {
			t.Errorf("no reject %q among %v", want, sumTyped.Rejects)
		}
	}
	if sumTyped.Tables.Services.Rejected < 2 || sumTyped.Tables.Followups.Rejected < 2 || sumTyped.Tables.Needs.Merged < 2 {
		t.Errorf("repeated keys not all found: %+v", sumTyped.Tables)
	}
}

// TestTypedReadingFallsBack: should DuckDB refuse a field the scan vouched
// for, the load reads the table as text and loses nothing.
func TestTypedReadingFallsBack(t *testing.T) {
	exp := typedExport(t)
	ex, err := source.Open(exp, source.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer ex.Close()
	fu := ex.Tables[export.Followups]
	fu.Scan.Forms[fu.Index["person_id"]] = source.FormDate // a wrong promise
	s := openMemory(t)
	sum, err := s.Load(context.Background(), ex, LoadOptions{Now: loadAt, MaxRejectPct: Percent(50)})
	if err != nil {
		t.Fatalf("load: %v", err)
	}
	want := mustLoad(t, openMemory(t), exp, source.Options{}, LoadOptions{asText: true, MaxRejectPct: Percent(50)})
	if diff := cmp.Diff(want.Tables, sum.Tables); diff != "" {
		t.Errorf("counts differ (-as text +fallen back):\n%s", diff)
	}
}
