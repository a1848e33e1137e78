package indicator

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/google/go-cmp/cmp"

	"rrstat/queries"
)

func TestLoadEmbedded(t *testing.T) {
	cat, err := Load(queries.FS, "queries")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, ind := range cat {
		got = append(got, ind.ID)
	}
	want := []string{"RET_ARRIVED", "RET_CUMULATIVE", "RET_CHILD_SHARE", "RET_UAM", "SVC_REACHED", "SVC_DELIVERED", "NEED_MET", "PSS_30D", "OUT_EDUCATION", "OUT_EMPLOYED", "OUT_DOCUMENTED", "OUT_SCORE", "OUT_SUSTAINABLE", "CASE_OPEN", "CASE_CLOSED", "FOLLOWUP_COVERAGE"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("catalogue order (-want +got):\n%s", diff)
	}
	if ind := cat.Lookup("SVC_REACHED"); ind.IsPartition("service_type") || !ind.IsPartition("sex") {
		t.Errorf("SVC_REACHED partitions = %v", ind.Partitions)
	}
	if ind := cat.Lookup("NEED_MET"); !ind.IsPartition("need_type") {
		t.Errorf("NEED_MET partitions = %v", ind.Partitions)
	}
}

const good = `-- id: X_ONE
-- name: One
-- kind: count
-- definition: d
-- disaggregations: sex
-- partitions: sex
-- order: 1
-- time: flow
-- countries: sum
SELECT 1
`

func TestLoadErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  []string // each must appear in the error text
	}{
		{"bad time", map[string]string{"x_one.sql": strings.Replace(good, "time: flow", "time: always", 1)},
			[]string{`queries/x_one.sql:8: time "always" must be stock`}},
		{"bad countries", map[string]string{"x_one.sql": strings.Replace(good, "countries: sum", "countries: average", 1)},
			[]string{`queries/x_one.sql:9: countries "average" must be sum`}},
		{"increments of a flow", map[string]string{"x_one.sql": strings.Replace(good, "countries: sum", "countries: sum\n-- increments: X_TWO", 1)},
			[]string{`queries/x_one.sql:10: only a stock (time: stock) has increments`}},
		{"increments not in the catalogue", map[string]string{"x_one.sql": strings.Replace(good, "time: flow\n-- countries: sum", "time: stock\n-- countries: sum\n-- increments: X_NONE", 1)},
			[]string{`queries/x_one.sql: increments names X_NONE, which is not in the catalogue`}},
		{"increments not a flow", map[string]string{
			"x_one.sql": strings.Replace(good, "time: flow\n-- countries: sum", "time: stock\n-- countries: sum\n-- increments: X_TWO", 1),
			"x_two.sql": strings.NewReplacer("X_ONE", "X_TWO", "order: 1", "order: 2", "time: flow", "time: period").Replace(good)},
			[]string{`queries/x_one.sql: increments X_TWO: a stock count's increments are a flow count`}},
		{"unknown key", map[string]string{"x_one.sql": strings.Replace(good, "-- partitions: sex", "-- partitions: sex\n-- dissag: sex", 1)},
			[]string{`queries/x_one.sql:7: unknown key "dissag"`}},
		{"missing key", map[string]string{"x_one.sql": strings.Replace(good, "-- name: One\n", "", 1)},
			[]string{`queries/x_one.sql:9: missing key "name"`}},
		{"duplicate key", map[string]string{"x_one.sql": strings.Replace(good, "-- kind: count", "-- kind: count\n-- kind: mean", 1)},
			[]string{`queries/x_one.sql:4: duplicate key "kind" (first on line 3)`}},
		{"bad kind", map[string]string{"x_one.sql": strings.Replace(good, "kind: count", "kind: ratio", 1)},
			[]string{`queries/x_one.sql:3: unknown kind "ratio"`}},
		{"unknown dimension", map[string]string{"x_one.sql": strings.Replace(good, "disaggregations: sex", "disaggregations: sex, colour", 1)},
			[]string{`queries/x_one.sql:5: unknown dimension "colour"`}},
		{"partition not a disaggregation", map[string]string{"x_one.sql": strings.Replace(good, "partitions: sex", "partitions: region", 1)},
			[]string{`queries/x_one.sql:6: partition "region" is not among the disaggregations`}},
		{"bad order", map[string]string{"x_one.sql": strings.Replace(good, "order: 1", "order: first", 1)},
			[]string{`queries/x_one.sql:7: order "first" must be a positive integer`}},
		{"not key value", map[string]string{"x_one.sql": strings.Replace(good, "-- order: 1", "-- order: 1\n-- just a comment", 1)},
			[]string{"queries/x_one.sql:8: header line is not `-- key: value`"}},
		{"no sql", map[string]string{"x_one.sql": strings.Replace(good, "SELECT 1\n", "", 1)},
			[]string{"queries/x_one.sql:10: no SQL after the header"}},
		{"bad id", map[string]string{"x_one.sql": strings.Replace(good, "X_ONE", "x-one", 1)},
			[]string{`queries/x_one.sql:1: id "x-one" must be upper-case letters, digits and _`}},
		{"duplicate id", map[string]string{"x_one.sql": good, "y.sql": strings.Replace(good, "order: 1", "order: 2", 1)},
			[]string{"queries/y.sql:1: duplicate id X_ONE (also in queries/x_one.sql)"}},
		{"duplicate order", map[string]string{"x_one.sql": good, "x_two.sql": strings.Replace(good, "X_ONE", "X_TWO", 1)},
			[]string{"queries/x_two.sql:7: duplicate order 1 (also in queries/x_one.sql)"}},
		{"all errors at once", map[string]string{
			"x_one.sql": strings.Replace(good, "kind: count", "kind: ratio", 1),
			"x_two.sql": strings.Replace(strings.Replace(good, "X_ONE", "X_TWO", 1), "-- name: One", "-- nme: One", 1)},
			[]string{`queries/x_one.sql:3: unknown kind "ratio"`, `queries/x_two.sql:2: unknown key "nme"`, `queries/x_two.sql:10: missing key "name"`}},
		{"empty folder", map[string]string{"README": "x"}, []string{"queries: no .sql files"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for name, src := range tt.files {
				fsys[name] = &fstest.MapFile{Data: []byte(src)}
			}
			_, err := Load(fsys, "queries")
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrCatalogue) {
				t.Errorf("error does not wrap ErrCatalogue: %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error\n%s\ndoes not contain\n%s", err, w)
				}
			}
		})
	}
}
