package duckdb

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"rrstat/internal/source"
)

// TestReadFillsRowGroups: DuckDB's CSV reader hands the table writer one
// piece of the file per buffer, and each piece ends in a part-filled row
// group, which the checkpoint at close writes again to merge (1.2 s of a
// million persons' load with DuckDB's 8 MB pieces). The load gives the
// reader a 32 MB buffer (csvBufferSize), so that a file of about 40 MB
// leaves no more part-filled row groups than it has 32 MB pieces: two
// (with DuckDB's own pieces it leaves three).
func TestReadFillsRowGroups(t *testing.T) {
	if testing.Short() {
		t.Skip("writes a 40 MB export")
	}
	const persons = 110_000
	var ret, fu strings.Builder
	ret.WriteString("person_id,household_id,country,region,sex,birth_year,return_date,return_from,household_role,unaccompanied_minor,legal_status,case_status,case_closed_date,closure_reason\n")
	fu.WriteString("person_id,followup_date,economic_score,social_score,psychosocial_score,in_education,employed,has_civil_documents\n")
	for p := range persons {
		fmt.Fprintf(&ret, "KZ-%07d,KZH-%07d,KZ,Almaty,F,1990,2019-01-%02d,SY,head,false,none,open,,\n", p, p, 1+p%28)
		for m := range 8 {
			fmt.Fprintf(&fu, "KZ-%07d,%d-%02d-15,0.%03d,0.%03d,0.5,,false,true\n", p, 2020+m/4, 1+3*(m%4), p%1000, m*100)
		}
	}
	size := int64(fu.Len())
	if size < 36<<20 {
		t.Fatalf("followups.csv is %d bytes; the test needs more than 36 MB", size)
	}
	exp := writeFiles(t, map[string]string{"returnees.csv": ret.String(), "followups.csv": fu.String()})
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "store.duckdb"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	sum := mustLoad(t, s, exp, source.Options{}, LoadOptions{})
	if sum.Tables.Followups.Loaded != persons*8 {
		t.Fatalf("loaded %d follow-ups, want %d", sum.Tables.Followups.Loaded, persons*8)
	}
	// Before the store is closed, the row groups are as the reader wrote them.
	var groups, partial int64
	err = s.DB.QueryRow(fmt.Sprintf(`SELECT count(*), count(*) FILTER (WHERE n < 122880)
		FROM (SELECT row_group_id, sum(count) AS n FROM pragma_storage_info('%s')
		      WHERE column_id = 0 AND segment_type <> 'VALIDITY' GROUP BY row_group_id)`,
		snapTable(snapOf(t, s, sum.SnapshotID), "followups"))).Scan(&groups, &partial)
	if err != nil {
		t.Fatal(err)
	}
	const piece = 32 << 20
	if csvBufferSize < piece {
		t.Errorf("csvBufferSize is %d bytes, less than 32 MB", csvBufferSize)
	}
	buffers := (size + piece - 1) / piece
	t.Logf("followups.csv %d MB: %d row groups, %d part-filled, %d buffers", size>>20, groups, partial, buffers)
	if partial > buffers {
		t.Errorf("%d of %d row groups are part-filled, more than the %d buffers of the file: the reader wrote it in smaller pieces", partial, groups, buffers)
	}
}
