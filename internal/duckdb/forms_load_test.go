package duckdb

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"rrstat/internal/export"
	"rrstat/internal/source"
)

// The export forms test writes the UZ sample in every form the contract
// accepts and checks that each loads to exactly the rows of the clean CSV
// form.

// sampleTables reads the clean CSV sample of a country: table -> header
// and records.
func sampleTables(t *testing.T, country string) map[string][][]string {
	t.Helper()
	out := map[string][][]string{}
	for _, tn := range export.TableNames {
		f, err := os.Open(filepath.Join(sampleDir(country), tn+".csv"))
		if err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(f).ReadAll()
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		out[tn] = recs
	}
	return out
}

// messyValue writes a clean value the way a messy export might: dotted
// dates with one-digit days and months, Russian labels, decimal commas,
// codes and countries in other case, white space around text.
func messyValue(c *export.Column, v string, row int) string {
	if v == "" {
		if row%3 == 0 {
			return "  " // blank is missing
		}
		return v
	}
	switch c.Type {
	case export.Date:
		d, err := time.Parse("2006-01-02", v)
		if err != nil {
			panic(err)
		}
		if row%2 == 0 {
			return d.Format("2.1.2006")
		}
		return d.Format("02.01.2006")
	case export.Bool:
		return map[string]string{"true": "Да", "false": "нет"}[v]
	case export.Sex:
		return map[string]string{"F": "ж", "M": "М"}[v]
	case export.Decimal01:
		return strings.Replace(v, ".", ",", 1)
	case export.Code:
		return " " + strings.ToUpper(v)
	case export.Country:
		return strings.ToLower(v)
	case export.Integer:
		return v + ".0"
	}
	return " " + v + " "
}

// messyCSV writes a table with shuffled upper-case headers, an unknown
// Notes column, messy values, delimiter delim and CRLF line ends.
func messyCSV(t *testing.T, tn string, recs [][]string, delim rune, seed uint64) string {
	t.Helper()
	tab := export.TableByName(tn)
	header := append(slices.Clone(recs[0]), "Notes")
	perm := rand.New(rand.NewPCG(seed, 1)).Perm(len(header))
	var b bytes.Buffer
	w := csv.NewWriter(&b)
	w.Comma = delim
	w.UseCRLF = true
	out := make([]string, len(header))
	for i, p := range perm {
		out[i] = " " + strings.ToUpper(header[p])
	}
	w.Write(out)
	for r, rec := range recs[1:] {
		for i, p := range perm {
			if p == len(rec) {
				out[i] = fmt.Sprintf("примечание %d", r)
				continue
			}
			out[i] = messyValue(tab.Column(header[p]), rec[p], r)
		}
		w.Write(out)
	}
	w.Flush()
	if err := w.Error(); err != nil {
		t.Fatal(err)
	}
	return b.String()
}

// writeMessy writes the messy CSV export encoded by enc (nil: UTF-8 with a
// byte-order mark).
func writeMessy(t *testing.T, tables map[string][][]string, delim rune, encode func(string) []byte) string {
	t.Helper()
	dir := t.TempDir()
	for i, tn := range export.TableNames {
		text := messyCSV(t, tn, tables[tn], delim, uint64(i))
		var b []byte
		if encode == nil {
			b = append([]byte("\ufeff"), text...)
		} else {
			b = encode(text)
		}
		if err := os.WriteFile(filepath.Join(dir, strings.ToUpper(tn[:1])+tn[1:]+".csv"), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func cp1251(t *testing.T) func(string) []byte {
	return func(s string) []byte {
		b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

func utf16LE(t *testing.T) func(string) []byte { return utf16(t, unicode.LittleEndian) }

func utf16(t *testing.T, order unicode.Endianness) func(string) []byte {
	return func(s string) []byte {
		b, err := unicode.UTF16(order, unicode.UseBOM).NewEncoder().Bytes([]byte(s))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}

// writeWorkbook writes the export as an .xlsx workbook: dates as real date
// cells, numbers as numbers (decimals as their nearest binary float written
// with 17 digits, as spreadsheets store them), sheet names in other case.
func writeWorkbook(t *testing.T, tables map[string][][]string, date1904 bool) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	if date1904 {
		if err := f.SetWorkbookProps(&excelize.WorkbookPropsOptions{Date1904: &date1904}); err != nil {
			t.Fatal(err)
		}
	}
	dateStyle, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{export.Returnees: "RETURNEES", export.Needs: "Needs", export.Services: "services", export.Followups: "FollowUps"}
	for i, tn := range export.TableNames {
		sheet := names[tn]
		if i == 0 {
			if err := f.SetSheetName("Sheet1", sheet); err != nil {
				t.Fatal(err)
			}
		} else if _, err := f.NewSheet(sheet); err != nil {
			t.Fatal(err)
		}
		tab := export.TableByName(tn)
		recs := tables[tn]
		for r, rec := range recs {
			for c, v := range rec {
				cell, _ := excelize.CoordinatesToCellName(c+1, r+1)
				var err error
				col := tab.Column(recs[0][c])
				switch {
				case r == 0:
					err = f.SetCellStr(sheet, cell, strings.ToUpper(v))
				case v == "":
					continue
				case col.Type == export.Date:
					d, perr := time.Parse("2006-01-02", v)
					if perr != nil {
						t.Fatal(perr)
					}
					if err = f.SetCellValue(sheet, cell, d); err == nil {
						err = f.SetCellStyle(sheet, cell, cell, dateStyle)
					}
				case col.Type == export.Integer:
					n, _ := strconv.Atoi(v)
					err = f.SetCellInt(sheet, cell, int64(n))
				case col.Type == export.Decimal01:
					x, _ := strconv.ParseFloat(v, 64)
					err = f.SetCellDefault(sheet, cell, strconv.FormatFloat(x, 'g', 17, 64))
				case col.Type == export.Bool:
					err = f.SetCellBool(sheet, cell, v == "true")
				default:
					err = f.SetCellStr(sheet, cell, v)
				}
				if err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	path := filepath.Join(t.TempDir(), "export.xlsx")
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeZip zips the files of dir, under folder ("" for the root).
func writeZip(t *testing.T, dir, folder string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "export.zip")
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	if folder != "" {
		if _, err := zw.Create(folder + "/"); err != nil {
			t.Fatal(err)
		}
		// macOS leaves these beside the files: they must be ignored.
		w, _ := zw.Create("__MACOSX/" + folder + "/._returnees.csv")
		w.Write([]byte("junk"))
	}
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		name := e.Name()
		if folder != "" {
			name = folder + "/" + name
		}
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// writeParquet writes the sample as Parquet files with DuckDB: dates as
// DATE (follow-up dates as TIMESTAMP at midnight), scores as DOUBLE,
// birth years as INTEGER, booleans as BOOLEAN, column names in upper case.
func writeParquet(t *testing.T, s *Store, country string) string {
	t.Helper()
	dir := t.TempDir()
	for _, tab := range export.Schema {
		var cols []string
		for _, c := range tab.Columns {
			e := c.Name
			switch {
			case c.Name == "followup_date":
				e = "CAST(CAST(followup_date AS DATE) AS TIMESTAMP)"
			case c.Type == export.Date:
				e = "CAST(" + c.Name + " AS DATE)"
			case c.Type == export.Decimal01:
				e = "CAST(" + c.Name + " AS DOUBLE)"
			case c.Type == export.Integer:
				e = "CAST(" + c.Name + " AS INTEGER)"
			case c.Type == export.Bool:
				e = "CAST(" + c.Name + " AS BOOLEAN)"
			}
			cols = append(cols, fmt.Sprintf("%s AS %q", e, strings.ToUpper(c.Name)))
		}
		src, _ := filepath.Abs(filepath.Join(sampleDir(country), tab.Name+".csv"))
		q := fmt.Sprintf("COPY (SELECT %s FROM read_csv(%s, all_varchar = true)) TO %s (FORMAT parquet)",
			strings.Join(cols, ", "), sqlString(src), sqlString(filepath.Join(dir, tab.Name+".parquet")))
		if _, err := s.DB.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	return dir
}

func TestExportForms(t *testing.T) {
	s := openTemp(t)
	clean := mustLoad(t, s, sampleDir("UZ"), source.Options{}, LoadOptions{})
	want := storedRows(t, s.DB, snapOf(t, s, clean.SnapshotID))
	tables := sampleTables(t, "UZ")

	messy := writeMessy(t, tables, ';', nil)
	cp := writeMessy(t, tables, ';', cp1251(t))
	cpComma := writeMessy(t, tables, ',', cp1251(t))
	tab := writeMessy(t, tables, '\t', nil)
	u16 := writeMessy(t, tables, ',', utf16LE(t))
	u16be := writeMessy(t, tables, '\t', utf16(t, unicode.BigEndian))
	// one table file in plain ASCII (the others in Windows-1251)
	mixed := writeMessy(t, tables, ';', cp1251(t))
	if err := os.Remove(filepath.Join(mixed, "Returnees.csv")); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(sampleDir("UZ"), "returnees.csv"))
	os.WriteFile(filepath.Join(mixed, "returnees.csv"), b, 0o644)

	// a 0.66 stored as a binary float, as Excel writes it, must read as 0.66
	if strconv.FormatFloat(0.66, 'g', 17, 64) != "0.66000000000000003" {
		t.Fatal("float formatting changed")
	}

	for _, tt := range []struct {
		name    string
		path    string
		enc     string
		warning string // a warning the load must give
	}{
		{"messy UTF-8 with BOM, CRLF, semicolons", messy, "", `unknown column "NOTES" ignored`},
		{"messy tab-separated", tab, "", `unknown column "NOTES" ignored`},
		{"messy Windows-1251", cp, "windows-1251", `unknown column "NOTES" ignored`},
		{"messy cp1251 alias, commas", cpComma, "cp1251", `unknown column "NOTES" ignored`},
		{"messy Windows-1251 with one ASCII file", mixed, "CP1251", ""},
		{"messy UTF-16 LE with BOM", u16, "utf-16", `unknown column "NOTES" ignored`},
		{"messy UTF-16 BE with BOM", u16be, "UTF16", ""},
		{"messy UTF-8 read with --encoding windows-1251", messy, "windows-1251", "has a UTF-8 byte-order mark: read as UTF-8, not windows-1251"},
		{"xlsx with real date cells", writeWorkbook(t, tables, false), "", ""},
		{"xlsx with the 1904 date system", writeWorkbook(t, tables, true), "", ""},
		{"zip with the files at its root", writeZip(t, messy, ""), "", ""},
		{"zip with the files in one folder", writeZip(t, tab, "export-UZ"), "", ""},
		{"Parquet", writeParquet(t, s, "UZ"), "", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sum := mustLoad(t, s, tt.path, source.Options{Encoding: tt.enc}, LoadOptions{})
			if sum.Status != export.StatusLoaded {
				t.Fatalf("status %s (%s)", sum.Status, sum.Error)
			}
			if len(sum.Rejects) != 0 {
				t.Errorf("rejects: %+v", sum.Rejects)
			}
			if diff := cmp.Diff(clean.Tables, sum.Tables); diff != "" {
				t.Errorf("counts (-clean +got):\n%s", diff)
			}
			if tt.warning != "" && !slices.ContainsFunc(sum.Warnings, func(w string) bool { return strings.Contains(w, tt.warning) }) {
				t.Errorf("no warning %q in %q", tt.warning, sum.Warnings)
			}
			got := storedRows(t, s.DB, snapOf(t, s, sum.SnapshotID))
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("stored rows (-clean +got):\n%s", diff)
			}
		})
	}
}
