package source

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"rrstat/internal/export"
)

// openWorkbook reads the table sheets of an .xlsx workbook (sheet names
// matched case-insensitively; a missing sheet is an absent table). Cells
// are read raw, so that dates and numbers are converted here by the
// contract's rules rather than by the workbook's display formats.
func (e *Export) openWorkbook(path string, opt Options) error {
	name := filepath.Base(path)
	b, err := os.ReadFile(path)
	if err != nil {
		return export.Refusef("%s: %v", name, err)
	}
	sum := sha256.Sum256(b)
	e.ContentSHA256 = hex.EncodeToString(sum[:])
	zr, err := zip.OpenReader(path)
	if err != nil {
		return export.Refusef("%s: not a readable workbook: %v", name, err)
	}
	err = checkZip(&zr.Reader, name, opt.Limits)
	if err == nil && opt.Limits.any() {
		err = checkWorkbook(&zr.Reader, name, opt.Limits)
		if errors.Is(err, errUnreadable) {
			err = export.Refusef("%s: not a readable workbook: %v", name, errors.Unwrap(err))
		}
	}
	zr.Close()
	if err != nil {
		return err
	}
	// Large sheets and shared strings are unpacked to temporary files, in
	// the export's own folder (removed by Close), never the system's.
	xo := excelize.Options{TmpDir: e.tmp}
	if opt.Limits.MaxUnpackedBytes > 0 {
		xo.UnzipSizeLimit = opt.Limits.MaxUnpackedBytes
		xo.UnzipXMLSizeLimit = min(opt.Limits.MaxUnpackedBytes, 16<<20)
	}
	if opt.Limits.MaxSheetBytes > 0 {
		// Parts read whole are decoded into structures several times
		// their size; beyond 4 MiB excelize streams them from a file.
		xo.UnzipXMLSizeLimit = min(xo.UnzipXMLSizeLimit, 4<<20)
	}
	f, err := excelize.OpenFile(path, xo)
	if err != nil {
		if strings.Contains(err.Error(), "size exceeds") {
			return fmt.Errorf("%w: %s unpacks to more than the limit", ErrTooLarge, name)
		}
		return export.Refusef("%s: not a readable workbook: %v", name, err)
	}
	defer f.Close()
	props, _ := f.GetWorkbookProps()
	date1904 := props.Date1904 != nil && *props.Date1904
	sheets := map[string]string{}
	for _, s := range f.GetSheetList() {
		lower := strings.ToLower(strings.TrimSpace(s))
		if export.TableByName(lower) == nil {
			continue
		}
		if prev, ok := sheets[lower]; ok {
			return export.Refusef("%s: sheets %q and %q both hold the %s table; keep one", name, prev, s, lower)
		}
		sheets[lower] = s
	}
	var held sheetBudget
	for _, tn := range export.TableNames {
		sheet, ok := sheets[tn]
		if !ok {
			continue
		}
		t, err := readSheet(f, sheet, tn, date1904, opt, &held)
		if err != nil {
			return err
		}
		if t == nil {
			e.Warnings = append(e.Warnings, fmt.Sprintf("sheet %s has no header row: the %s table is absent", sheet, tn))
			continue
		}
		m, err := export.MatchHeader(t.Schema, t.File, t.Header, opt.DropColumns)
		if err != nil {
			return err
		}
		t.Index = m.Index
		e.Warnings = append(e.Warnings, m.Warnings...)
		convertSheetValues(t, date1904)
		e.Tables[tn] = t
	}
	return nil
}

// readSheet reads a sheet's rows; the first non-blank row is the header,
// blank rows are skipped, and every record keeps its sheet row number.
func readSheet(f *excelize.File, sheet, tn string, date1904 bool, opt Options, held *sheetBudget) (*Table, error) {
	rows, err := f.Rows(sheet)
	if err != nil {
		return nil, export.Refusef("sheet %s: %v", sheet, err)
	}
	defer rows.Close()
	t := &Table{Schema: export.TableByName(tn), File: sheet, Format: Sheet}
	var row int64
	for rows.Next() {
		row++
		cols, err := rows.Columns(excelize.Options{RawCellValue: true})
		if err != nil {
			return nil, export.Refusef("sheet %s row %d: %v", sheet, row, err)
		}
		blank := true
		for _, c := range cols {
			if strings.TrimSpace(c) != "" {
				blank = false
				break
			}
		}
		if blank {
			continue
		}
		for i, c := range cols {
			cols[i] = strings.Trim(c, " \t\r\n\v\f\u00a0\ufeff")
		}
		if t.Header == nil {
			t.Header = cols
			continue
		}
		if err := held.add(cols, opt.Limits); err != nil {
			return nil, fmt.Errorf("%w: sheet %s: %v", ErrTooLarge, sheet, err)
		}
		t.Records = append(t.Records, cols)
		t.RowLines = append(t.RowLines, row)
	}
	if err := rows.Error(); err != nil {
		if errors.Is(err, excelize.ErrMaxRows) {
			return nil, export.Refusef("sheet %s: more rows than a workbook may hold", sheet)
		}
		return nil, export.Refusef("sheet %s: %v", sheet, err)
	}
	if t.Header == nil {
		return nil, nil
	}
	return t, nil
}

// sheetBudget counts the rows of a workbook read so far and estimates the
// memory their cells take.
type sheetBudget struct{ rows, bytes int64 }

func (b *sheetBudget) add(cols []string, lim Limits) error {
	b.rows++
	b.bytes += 24 + 8 // the record's slice header and its line number
	for _, c := range cols {
		b.bytes += 16 + int64(len(c))
	}
	if lim.MaxRows > 0 && b.rows > lim.MaxRows {
		return fmt.Errorf("more than %d rows, the limit", lim.MaxRows)
	}
	if lim.MaxSheetBytes > 0 && b.bytes > lim.MaxSheetBytes {
		return fmt.Errorf("the cells read so far take more than the limit of %s in memory", SizeText(lim.MaxSheetBytes))
	}
	return nil
}

// convertSheetValues applies the contract's spreadsheet rules to raw cell
// values: in date columns a serial number (a real date cell) becomes an ISO
// date, honouring the 1904 flag, and keeps a non-midnight time so that the
// date rule rejects it; in integer and decimal columns a binary float
// becomes its shortest decimal form (0.66, not 0.65999999999999992).
//
// A number is converted whether the cell holds a number or text that looks
// like one: asking excelize for each cell's type loads the whole worksheet
// into memory (gigabytes and minutes for a few hundred thousand rows). The
// cost is small: text like "2019" in a date column becomes 1905-07-11,
// which the date rules then reject (before return_date, or a birth year
// after the return), and a serial number typed as text is read as the date
// it stands for.
func convertSheetValues(t *Table, date1904 bool) {
	for _, col := range t.Schema.Columns {
		i, ok := t.Index[col.Name]
		if !ok {
			continue
		}
		for _, rec := range t.Records {
			if i >= len(rec) {
				continue
			}
			v := strings.TrimSpace(rec[i])
			if v == "" || strings.ContainsAny(v, ",") {
				continue
			}
			fv, err := strconv.ParseFloat(v, 64)
			if err != nil || math.IsInf(fv, 0) || math.IsNaN(fv) {
				continue
			}
			if col.Type != export.Date && col.Type != export.Integer && col.Type != export.Decimal01 {
				continue
			}
			switch col.Type {
			case export.Date:
				if fv < 0 {
					continue
				}
				tm, err := excelize.ExcelDateToTime(fv, date1904)
				if err != nil {
					continue
				}
				tm = tm.Round(time.Millisecond)
				if tm.Hour() == 0 && tm.Minute() == 0 && tm.Second() == 0 && tm.Nanosecond() == 0 {
					rec[i] = tm.Format("2006-01-02")
				} else {
					rec[i] = tm.Format("2006-01-02 15:04:05")
				}
			case export.Integer, export.Decimal01:
				rec[i] = strconv.FormatFloat(fv, 'f', -1, 64)
			}
		}
	}
}
