// Package hostile makes the uploads a hostile client would send the
// service (http.md's limits): archives and workbooks that are small on the
// wire and huge or deep once unpacked, and exports of too many rows. The
// tests of the service and of rrstat serve send them; nothing else uses it.
package hostile

import (
	"archive/zip"
	"bufio"
	"bytes"
	"compress/flate"
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"rrstat/internal/duckdb"
)

// zipWriter returns a zip writer that deflates at the fastest level.
func zipWriter(w io.Writer) *zip.Writer {
	zw := zip.NewWriter(w)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) {
		return flate.NewWriter(w, flate.BestSpeed)
	})
	return zw
}

// workbook writes the parts of a minimal .xlsx with one sheet, returnees,
// whose XML is sheet and whose shared strings are sst (none when nil).
func workbook(sheet, sst func(io.Writer) error) ([]byte, error) {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	parts := []struct {
		name  string
		write func(io.Writer) error
	}{
		{"[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`)},
		{"_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`)},
		{"xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="returnees" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		{"xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`)},
		{"xl/worksheets/sheet1.xml", sheet},
	}
	if sst != nil {
		parts = append(parts, struct {
			name  string
			write func(io.Writer) error
		}{"xl/sharedStrings.xml", sst})
	}
	for _, p := range parts {
		w, err := zw.CreateHeader(&zip.FileHeader{Name: p.name, Method: zip.Deflate})
		if err != nil {
			return nil, err
		}
		if err := p.write(w); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func text(s string) func(io.Writer) error {
	return func(w io.Writer) error { _, err := io.WriteString(w, s); return err }
}

const sheetHead = `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>`

// SharedStrings is a workbook whose shared string table holds n short
// texts (n = 12,000,000 unpacks to about 200 MB and zips to about 1 MB),
// its sheet a header row that uses the first of them.
func SharedStrings(n int) ([]byte, error) {
	sheet := text(sheetHead + `<row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>`)
	sst := func(w io.Writer) error {
		if _, err := fmt.Fprintf(w, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n, n); err != nil {
			return err
		}
		item := []byte(strings.Repeat(`<si><t>a</t></si>`, 1000))
		for i := 0; i < n; i += 1000 {
			if _, err := w.Write(item); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</sst>`)
		return err
	}
	return workbook(sheet, sst)
}

// Nested is a workbook whose sheet nests depth elements inside a cell
// (10,000,000 unpacks to 70 MB and zips to about 100 KB).
func Nested(depth int) ([]byte, error) {
	sheet := func(w io.Writer) error {
		if _, err := io.WriteString(w, sheetHead+`<row r="1"><c r="A1" t="inlineStr"><is>`); err != nil {
			return err
		}
		for _, tag := range []string{"<t>", "</t>"} {
			chunk := []byte(strings.Repeat(tag, 10000))
			for i := 0; i < depth; i += 10000 {
				if _, err := w.Write(chunk); err != nil {
					return err
				}
			}
		}
		_, err := io.WriteString(w, `</is></c></row></sheetData></worksheet>`)
		return err
	}
	return workbook(sheet, nil)
}

// ManyRows is a workbook whose returnees sheet holds rows rows of one
// short cell each.
func ManyRows(rows int) ([]byte, error) {
	sheet := func(w io.Writer) error {
		if _, err := io.WriteString(w, sheetHead); err != nil {
			return err
		}
		for i := 1; i <= rows; i++ {
			if _, err := fmt.Fprintf(w, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, i, i, i); err != nil {
				return err
			}
		}
		_, err := io.WriteString(w, `</sheetData></worksheet>`)
		return err
	}
	return workbook(sheet, nil)
}

// ParquetRows is a zip of returnees.parquet with rows persons of one
// repeated row (a few kilobytes, whatever rows is).
func ParquetRows(rows int) ([]byte, error) {
	dir, err := os.MkdirTemp("", "rrstat-hostile-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	db, err := duckdb.Open(context.Background(), "", duckdb.Options{})
	if err != nil {
		return nil, err
	}
	defer db.Close()
	path := filepath.Join(dir, "returnees.parquet")
	q := fmt.Sprintf(`COPY (SELECT 'UZ-1' AS person_id, 'UZ' AS country, 'F' AS sex, 2015 AS birth_year,
		DATE '2020-01-01' AS return_date, 'SY' AS return_from, 'open' AS case_status FROM range(%d))
		TO '%s' (FORMAT parquet)`, rows, path)
	if _, err := db.DB.Exec(q); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	w, err := zw.Create("returnees.parquet")
	if err != nil {
		return nil, err
	}
	w.Write(b)
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BrokenParquet is a zip of a returnees.parquet cut short.
func BrokenParquet() ([]byte, error) {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	w, err := zw.Create("returnees.parquet")
	if err != nil {
		return nil, err
	}
	w.Write([]byte("PAR1\x15\x04\x15\x00\x15\x00 cut here"))
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Zeros is a zip of one entry, returnees.csv, of size zero bytes (2 GiB
// zip to about 2.6 MB).
func Zeros(size int64) ([]byte, error) {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "returnees.csv", Method: zip.Deflate})
	if err != nil {
		return nil, err
	}
	zeros := make([]byte, 1<<20)
	for n := int64(0); n < size; n += int64(len(zeros)) {
		if _, err := w.Write(zeros[:min(int64(len(zeros)), size-n)]); err != nil {
			return nil, err
		}
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// BadRows is a zip of a returnees.csv of rows persons whose sex is not a
// code, so that every row is rejected (5,000,000 zip to about 20 MB).
func BadRows(rows int) ([]byte, error) {
	var buf bytes.Buffer
	zw := zipWriter(&buf)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "returnees.csv", Method: zip.Deflate})
	if err != nil {
		return nil, err
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	bw.WriteString("person_id,country,sex,birth_year,return_date,return_from,case_status\n")
	for i := 0; i < rows; i++ {
		fmt.Fprintf(bw, "UZ-%d,UZ,X,2015,2020-01-01,SY,open\n", i)
	}
	if err := bw.Flush(); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}
