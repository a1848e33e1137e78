package duckdb

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// Lines and table presence in each source form: sheet rows in a workbook
// (blank rows skipped but counted), Parquet row + 1, CSV physical lines.

func TestSourceLines(t *testing.T) {
	s := openMemory(t)
	const R, N, F = export.Returnees, export.Needs, export.Followups
	header := strings.Split(ruleBase[R][0], ",")

	t.Run("xlsx rows", func(t *testing.T) {
		f := excelize.NewFile()
		defer f.Close()
		f.SetSheetName("Sheet1", "Returnees ")
		f.NewSheet("Notes") // another sheet is ignored
		// row 1 blank, header on row 2, P01 on 3, row 4 blank, P02 on 5,
		// P03 on 6 with a date cell at 10:00, P04 on 8 with sex X.
		rows := map[int][]any{
			2: toAny(header),
			3: {"P01", "H1", "UZ", "Andijan", "F", 1985, date(2019, 1, 8), "SY", "head", false, "none", "open"},
			5: {"P02", "H1", "UZ", "Andijan", "M", 2010.0, "08.01.2019", "SY", "child", true, "none", "closed", date(2021, 3, 1), "reintegrated"},
			6: {"P03", "", "UZ", "", "F", 1990, date(2020, 5, 10).Add(10 * time.Hour), "IQ", "", "", "", "open"},
			8: {"P04", "", "UZ", "", "X", 1970, date(2020, 5, 11), "SY", "", "", "", "open"},
			9: {"P05", "", "UZ", "", "F", 1970, "2020-05-11", "SY", "", "", "", "open"},
		}
		style, _ := f.NewStyle(&excelize.Style{NumFmt: 22})
		for r, vals := range rows {
			for c, v := range vals {
				cell, _ := excelize.CoordinatesToCellName(c+1, r)
				if v == "" {
					continue
				}
				if err := f.SetCellValue("Returnees ", cell, v); err != nil {
					t.Fatal(err)
				}
				if _, ok := v.(time.Time); ok {
					f.SetCellStyle("Returnees ", cell, cell, style)
				}
			}
		}
		// whitespace only: a blank row
		f.SetCellValue("Returnees ", "A7", "  ")
		path := filepath.Join(t.TempDir(), "x.xlsx")
		if err := f.SaveAs(path); err != nil {
			t.Fatal(err)
		}
		sum := mustLoad(t, s, path, source.Options{}, LoadOptions{MaxRejectPct: Percent(100)})
		want := []export.Reject{
			{Table: R, File: "Returnees ", Line: 6, Column: "return_date", Value: "2020-05-10 10:00:00", Reason: export.ReasonDate},
			{Table: R, File: "Returnees ", Line: 8, Column: "sex", Value: "X", Reason: export.ReasonSex},
		}
		if diff := cmp.Diff(want, sum.Rejects); diff != "" {
			t.Errorf("rejects (-want +got):\n%s", diff)
		}
		if sum.Tables.Returnees.RowsRead != 5 || sum.Tables.Needs != (export.TableCounts{}) {
			t.Errorf("counts %+v", sum.Tables)
		}
		got := storedRows(t, s.DB, snapOf(t, s, sum.SnapshotID))[R]
		wantRows := canonical(t, R,
			"P01,H1,UZ,Andijan,F,1985,2019-01-08,SY,head,false,none,open,,",
			"P02,H1,UZ,Andijan,M,2010,2019-01-08,SY,child,true,none,closed,2021-03-01,reintegrated",
			"P05,,UZ,,F,1970,2020-05-11,SY,,,,open,,")
		if diff := cmp.Diff(wantRows, got); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})

	t.Run("Parquet rows", func(t *testing.T) {
		dir := t.TempDir()
		q := fmt.Sprintf(`COPY (SELECT * FROM (VALUES
			('P01', 'UZ', 'F', 1985, DATE '2019-01-08', 'SY', 'open', NULL::DATE, 'Tashkent'),
			('P02', 'UZ', 'M', 1986, DATE '2019-01-08', 'SY', 'open', NULL, ' unknown '),
			('P03', 'UZ', 'M', 1986, DATE '2019-01-08', 'SY', 'closed', DATE '2019-01-01', NULL),
			('P04', 'UZ', 'F', 1890, DATE '2019-01-08', 'SY', 'open', NULL, NULL)
		) AS v(person_id, country, sex, birth_year, return_date, return_from, case_status, case_closed_date, region))
		TO %s (FORMAT parquet)`, sqlString(filepath.Join(dir, "returnees.parquet")))
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
		q = fmt.Sprintf(`COPY (SELECT * FROM (VALUES
			('P01', TIMESTAMP '2019-04-01 00:00:00', 0.66::DOUBLE, 'Yes'),
			('P01', TIMESTAMP '2019-05-01 09:30:00', 0.5, NULL),
			('P02', TIMESTAMPTZ '2019-05-01 00:00:00+00', 1.5, 'no'),
			('P02', TIMESTAMPTZ '2019-06-01 00:00:00+05', 0.1, 'no')
		) AS v(person_id, followup_date, economic_score, employed))
		TO %s (FORMAT parquet)`, sqlString(filepath.Join(dir, "FOLLOWUPS.parquet")))
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatal(err)
		}
		sum := mustLoad(t, s, dir, source.Options{}, LoadOptions{MaxRejectPct: Percent(100)})
		want := []export.Reject{
			{Table: R, File: "returnees.parquet", Line: 4, Column: "case_closed_date", Value: "2019-01-01", Reason: export.ReasonClosureReason},
			{Table: R, File: "returnees.parquet", Line: 5, Column: "birth_year", Value: "1890", Reason: export.ReasonBirthYear},
			{Table: F, File: "FOLLOWUPS.parquet", Line: 3, Column: "followup_date", Value: "2019-05-01 09:30:00", Reason: export.ReasonDate},
			{Table: F, File: "FOLLOWUPS.parquet", Line: 4, Column: "economic_score", Value: "1.5", Reason: export.ReasonRange01},
			{Table: F, File: "FOLLOWUPS.parquet", Line: 5, Column: "followup_date", Value: "2019-05-31 19:00:00", Reason: export.ReasonDate},
		}
		// P03 is closed before return, but its closure_reason is checked
		// after case_closed_date: the first rule of the row in column
		// order is the closed-before-return one.
		want[0] = export.Reject{Table: R, File: "returnees.parquet", Line: 4, Column: "case_closed_date", Value: "2019-01-01", Reason: export.ReasonClosedBefore}
		if diff := cmp.Diff(want, sum.Rejects); diff != "" {
			t.Errorf("rejects (-want +got):\n%s", diff)
		}
		got := storedRows(t, s.DB, snapOf(t, s, sum.SnapshotID))
		wantRows := map[string][][]string{
			R: canonical(t, R, "P01,,UZ,Tashkent,F,1985,2019-01-08,SY,,,,open,,", "P02,,UZ,,M,1986,2019-01-08,SY,,,,open,,"),
			N: {}, export.Services: {},
			F: canonical(t, F, "P01,2019-04-01,0.66,,,,true,"),
		}
		if diff := cmp.Diff(wantRows, got); diff != "" {
			t.Errorf("stored (-want +got):\n%s", diff)
		}
	})

	t.Run("CSV presence and blank lines", func(t *testing.T) {
		dir := writeFiles(t, map[string]string{
			// blank lines before the header, no newline at the end
			"returnees.csv": "\n\r\n" + ruleBase[R][0] + "\r\n" + ruleBase[R][1] + "\r\n\r\n" + mod(R, ruleBase[R][2], "sex", "?") + "\r\n" + ruleBase[R][3],
			"needs.csv":     "",                                  // 0 bytes: absent
			"services.csv":  ruleBase[export.Services][0] + "\n", // header only: empty
			"followups.csv": "\n\n",                              // blank: no header, absent
			"notes.csv":     "whatever",                          // not a table
		})
		sum := mustLoad(t, s, dir, source.Options{}, LoadOptions{MaxRejectPct: Percent(100)})
		want := []export.Reject{rej(R, 6, "sex", "?", export.ReasonSex)}
		if diff := cmp.Diff(want, sum.Rejects); diff != "" {
			t.Errorf("rejects (-want +got):\n%s", diff)
		}
		if sum.Tables.Returnees.RowsRead != 3 || sum.Tables.Returnees.Loaded != 2 {
			t.Errorf("returnees %+v", sum.Tables.Returnees)
		}
		for _, w := range []string{"needs.csv is empty (0 bytes): the needs table is absent", "followups.csv has no header line: the followups table is absent"} {
			if !slices.Contains(sum.Warnings, w) {
				t.Errorf("no warning %q in %q", w, sum.Warnings)
			}
		}
	})
}

func toAny(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// The day of loading is the UTC date of Now, whatever Now's time zone.
func TestDayOfLoadingIsUTC(t *testing.T) {
	s := openMemory(t)
	// 23:30 in New York on 15 January is 04:30 UTC on the 16th.
	ny := time.FixedZone("EST", -5*3600)
	now := time.Date(2026, 1, 15, 23, 30, 0, 0, ny)
	dir := buildExport(t, []ins{
		{export.Returnees, 7, mod(export.Returnees, retT, "person_id", "P91", "return_date", "2026-01-16")},
		{export.Returnees, 8, mod(export.Returnees, retT, "person_id", "P92", "return_date", "17.01.2026")},
	})
	sum := mustLoad(t, s, dir, source.Options{}, LoadOptions{Now: now, MaxRejectPct: Percent(100)})
	want := []export.Reject{rej(export.Returnees, 8, "return_date", "17.01.2026", export.ReasonFuture)}
	if diff := cmp.Diff(want, sum.Rejects); diff != "" {
		t.Errorf("rejects (-want +got):\n%s", diff)
	}
}
