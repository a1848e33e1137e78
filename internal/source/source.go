// Package source opens an export as the data contract allows it to arrive
// (a folder of CSV or Parquet files, a .zip of them, or an .xlsx workbook)
// and prepares each table for the loader: the file DuckDB will read (always
// UTF-8), the dialect and header, where every record starts, and the
// export's content hash. Nothing here touches the store.
package source

import (
	"archive/zip"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"

	"rrstat/internal/export"
)

// Format is how a table arrives.
type Format int

// Formats.
const (
	CSV Format = iota
	Parquet
	Sheet // a sheet of an .xlsx workbook, already read into Records
)

// Encodings accepted by --encoding.
const (
	UTF8   = "utf-8"
	UTF16  = "utf-16"
	CP1251 = "windows-1251"
)

// NormalizeEncoding returns the canonical name of an --encoding value, or
// an error listing the accepted ones.
func NormalizeEncoding(s string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "utf-8", "utf8":
		return UTF8, nil
	case "utf-16", "utf16":
		return UTF16, nil
	case "windows-1251", "cp1251", "windows1251":
		return CP1251, nil
	}
	return "", fmt.Errorf("unknown encoding %q: use utf-8, utf-16 or windows-1251 (cp1251)", s)
}

// Limits bound what an upload may unpack to and hold (http.md); zero
// means no limit.
type Limits struct {
	MaxUnpackedBytes int64 // a zip or workbook in all
	MaxEntries       int   // entries of a zip or workbook
	MaxPartBytes     int64 // any one entry of it
	// MaxRows bounds the data rows of an export, all tables together. A
	// Parquet file's rows are counted by the loader (duckdb.LoadOptions).
	MaxRows int64
	// MaxSheetBytes bounds what the cells of a workbook take in memory once
	// read (an estimate: text plus Go's overhead per cell and row), and so
	// what a workbook of many small or shared cells can make the process
	// hold.
	MaxSheetBytes int64
}

// any reports whether a limit is set.
func (l Limits) any() bool { return l != Limits{} }

// ErrTooLarge is wrapped when an archive breaks a Limit.
var ErrTooLarge = errors.New("export too large")

// Options control Open.
type Options struct {
	Encoding    string   // UTF8 (default), UTF16 or CP1251
	DropColumns []string // direct-identifier columns the user chose to drop
	TempDir     string   // where converted and unpacked files go (default os.TempDir)
	Limits      Limits
}

// Table is one table of an export, ready to load.
type Table struct {
	Schema *export.Table
	File   string // the name shown in rejects: "services.csv", or the sheet name in a workbook
	Format Format
	Path   string // CSV (UTF-8) or Parquet file DuckDB reads
	// Header lists the file's column names in file order and Index maps the
	// schema's columns to positions in it (Parquet: the name in Header).
	Header []string
	Index  map[string]int
	// CSV: the dialect and record positions found by a pass over the file.
	Scan *CSVScan
	// Sheet: the rows of the sheet (Records[i] is data record i+1), their
	// sheet row numbers, and rows that could not be read.
	Records  [][]string
	RowLines []int64
	// Parquet: the column types DuckDB reports, in Header order.
	ParquetTypes []string
	// Bytes is the size of the table's source file (for progress).
	Bytes int64
}

// Rows returns the number of data records the source holds (Parquet: not
// known before DuckDB reads it, -1).
func (t *Table) Rows() int64 {
	switch t.Format {
	case CSV:
		return t.Scan.Records
	case Sheet:
		return int64(len(t.Records))
	}
	return -1
}

// Size returns the table's source size in bytes (at least 1).
func (t *Table) Size() int64 { return max(t.Bytes, 1) }

// Line returns the line (CSV physical line, sheet row, Parquet row + 1) of
// data record ord (1-based).
func (t *Table) Line(ord int64) int64 {
	switch t.Format {
	case CSV:
		return t.Scan.Line(ord)
	case Sheet:
		if ord >= 1 && int(ord) <= len(t.RowLines) {
			return t.RowLines[ord-1]
		}
	}
	return ord + 1
}

// Export is an opened export.
type Export struct {
	Path          string
	ContentSHA256 string
	Tables        map[string]*Table // by table name; absent tables are missing
	Warnings      []string
	// DropColumns are the direct-identifier columns the user chose to drop
	// (Options.DropColumns), for headers read later (SetParquetHeader).
	DropColumns []string
	tmp         string // temporary folder removed by Close
}

// Close removes the temporary files of the export.
func (e *Export) Close() error {
	if e.tmp == "" {
		return nil
	}
	return os.RemoveAll(e.tmp)
}

// Open prepares the export at path. Refusals (a missing required column, a
// direct identifier, an undecodable file ...) wrap export.ErrRefused and
// name the file. The caller must Close the export.
func Open(path string, opt Options) (*Export, error) {
	enc, err := NormalizeEncoding(opt.Encoding)
	if err != nil {
		return nil, err
	}
	opt.Encoding = enc
	fi, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, export.Refusef("%s: no such file or folder", path)
	}
	if err != nil {
		return nil, export.Refusef("%s: %v", path, errors.Unwrap(err))
	}
	tmp, err := os.MkdirTemp(opt.TempDir, "rrstat-export-")
	if err != nil {
		return nil, err
	}
	e := &Export{Path: path, Tables: map[string]*Table{}, DropColumns: opt.DropColumns, tmp: tmp}
	switch kind := sniff(path, fi); kind {
	case "dir":
		err = e.openDir(path, opt)
	case "zip":
		dir := filepath.Join(tmp, "unzipped")
		if err = unzip(path, dir, opt.Limits); err == nil {
			root, rerr := zipRoot(dir)
			if rerr != nil {
				err = export.Refusef("%s: %v", filepath.Base(path), rerr)
			} else {
				err = e.openDir(root, opt)
			}
		}
	case "xlsx":
		err = e.openWorkbook(path, opt)
	default:
		err = export.Refusef("%s: not an export: give a folder of CSV or Parquet files, a .zip of CSV files, or an .xlsx workbook", path)
	}
	if err == nil && opt.Limits.MaxRows > 0 {
		var rows int64
		for _, t := range e.Tables {
			if t.Format == CSV {
				rows += t.Rows()
			}
		}
		if rows > opt.Limits.MaxRows {
			err = fmt.Errorf("%w: %s holds %d rows, more than the limit of %d", ErrTooLarge, filepath.Base(path), rows, opt.Limits.MaxRows)
		}
	}
	if err == nil && e.Tables[export.Returnees] == nil {
		err = export.Refusef("%s: the returnees table is missing (returnees.csv, returnees.parquet or a sheet named returnees)", path)
	}
	if err != nil {
		e.Close()
		return nil, err
	}
	return e, nil
}

// openDir finds the table files of a folder (names matched
// case-insensitively), hashes them in table order and prepares each.
func (e *Export) openDir(dir string, opt Options) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return export.Refusef("%s: %v", dir, err)
	}
	found := map[string]map[string]string{} // table -> ext -> file name
	for _, ent := range entries {
		if ent.IsDir() {
			continue
		}
		name := ent.Name()
		lower := strings.ToLower(name)
		ext := filepath.Ext(lower)
		base := strings.TrimSuffix(lower, ext)
		if export.TableByName(base) == nil || (ext != ".csv" && ext != ".parquet") {
			continue
		}
		if found[base] == nil {
			found[base] = map[string]string{}
		}
		if prev, ok := found[base][ext]; ok {
			return export.Refusef("%s: both %s and %s hold the %s table; keep one", dir, prev, name, base)
		}
		found[base][ext] = name
	}
	type file struct{ table, ext, name, path string }
	var files []file
	for _, tn := range export.TableNames {
		if len(found[tn]) == 2 {
			return export.Refusef("%s: both %s and %s hold the %s table; keep one", dir, found[tn][".csv"], found[tn][".parquet"], tn)
		}
		for ext, name := range found[tn] {
			files = append(files, file{tn, ext, name, filepath.Join(dir, name)})
		}
	}
	// The content hash reads every file in table order; it runs beside the
	// scans, which read the same files (from the page cache) on another core.
	type hashed struct {
		sum   string
		sizes []int64
		err   error
	}
	hc := make(chan hashed, 1)
	go func() {
		h := sha256.New()
		var out hashed
		for _, f := range files {
			n, err := hashFile(h, f.path)
			if err != nil {
				out.err = export.Refusef("%s: %v", f.name, err)
				break
			}
			out.sizes = append(out.sizes, n)
		}
		out.sum = hex.EncodeToString(h.Sum(nil))
		hc <- out
	}()
	// The files are scanned side by side (the scan checks every value's
	// form, see Form); what they found is taken in table order.
	type prepared struct {
		t     *Table
		warns []string
		err   error
	}
	res := make([]prepared, len(files))
	sem := make(chan struct{}, max(1, runtime.GOMAXPROCS(0)))
	var wg sync.WaitGroup
	// The largest files first, so that the scans end together.
	order := make([]int, len(files))
	size := make([]int64, len(files))
	for i, f := range files {
		order[i] = i
		if st, err := os.Stat(f.path); err == nil {
			size[i] = st.Size()
		}
	}
	sort.SliceStable(order, func(a, b int) bool { return size[order[a]] > size[order[b]] })
	for _, i := range order {
		f := files[i]
		if size[i] == 0 {
			continue
		}
		if f.ext != ".csv" {
			res[i].t = &Table{Schema: export.TableByName(f.table), File: f.name, Format: Parquet, Path: f.path}
			continue
		}
		wg.Add(1)
		sem <- struct{}{} // taken here, so that the files start in this order
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			res[i].t, res[i].warns, res[i].err = e.prepareCSV(f.table, f.name, f.path, opt)
		}()
	}
	wg.Wait()
	var tables []*Table
	var perr error
	for _, r := range res {
		if r.err != nil {
			perr = r.err
			break
		}
		e.Warnings = append(e.Warnings, r.warns...)
		tables = append(tables, r.t)
	}
	hr := <-hc
	if perr != nil {
		return perr
	}
	if hr.err != nil {
		return hr.err
	}
	e.ContentSHA256 = hr.sum
	for i, t := range tables {
		f := files[i]
		if hr.sizes[i] == 0 {
			e.Warnings = append(e.Warnings, fmt.Sprintf("%s is empty (0 bytes): the %s table is absent", f.name, f.table))
			continue
		}
		if t != nil {
			t.Bytes = hr.sizes[i]
			e.Tables[f.table] = t
		}
	}
	return nil
}

// SetParquetHeader matches a Parquet table's column names (read by the
// loader, which can open Parquet) to its schema.
func (e *Export) SetParquetHeader(t *Table, names []string, drop []string) error {
	m, err := export.MatchHeader(t.Schema, t.File, names, drop)
	if err != nil {
		return err
	}
	t.Header, t.Index = names, m.Index
	e.Warnings = append(e.Warnings, m.Warnings...)
	return nil
}

// prepareCSV converts a CSV file to UTF-8 when needed, scans it and matches
// its header. A header-only file is an empty table.
func (e *Export) prepareCSV(tn, name, path string, opt Options) (t *Table, warns []string, err error) {
	utf8Path, warn, err := e.toUTF8(name, path, opt.Encoding)
	if err != nil {
		return nil, nil, err
	}
	if warn != "" {
		warns = append(warns, warn)
	}
	sc, err := scanCSV(utf8Path, export.TableByName(tn))
	var nu errNotUTF8
	if errors.As(err, &nu) {
		return nil, nil, export.Refusef("%s %v; if the file is in another encoding, name it with --encoding windows-1251 or --encoding utf-16", name, nu)
	}
	if err != nil {
		return nil, nil, export.Refusef("%s: %v", name, err)
	}
	if sc.Header == nil {
		warns = append(warns, fmt.Sprintf("%s has no header line: the %s table is absent", name, tn))
		return nil, warns, nil
	}
	if sc.BareCR > 0 {
		return nil, nil, export.Refusef("%s line %d: a carriage return (CR) inside the line, outside quotes, which CSV readers take for a line end; save the file again with Windows (CRLF) or Unix (LF) line ends, or quote the value that holds it", name, sc.BareCR)
	}
	if sc.HeaderLine > 1 {
		// DuckDB's reader miscounts lines to skip when blank lines before
		// the header mix line ends ("\n\r\n"); give it a copy that starts
		// at the header instead. The lines reported stay the physical
		// lines of the original (sc.Line).
		cut := filepath.Join(e.tmp, "h-"+filepath.Base(utf8Path))
		if err := copyFrom(utf8Path, cut, sc.HeaderOffset); err != nil {
			return nil, nil, export.Refusef("%s: %v", name, err)
		}
		utf8Path = cut
	}
	t = &Table{Schema: export.TableByName(tn), File: name, Format: CSV, Path: utf8Path, Scan: sc, Header: sc.Header}
	m, err := export.MatchHeader(t.Schema, name, sc.Header, opt.DropColumns)
	if err != nil {
		return nil, nil, err
	}
	t.Index = m.Index
	return t, append(warns, m.Warnings...), nil
}

// toUTF8 returns the path of a UTF-8 version of the file: the file itself,
// or a converted copy for UTF-16 (byte-order mark required) and
// Windows-1251. A file that is valid UTF-8 with a UTF-8 byte-order mark, or
// that contains multi-byte UTF-8 text, is read as UTF-8 whatever the option
// says, with a warning: Windows-1251 Cyrillic is practically never valid
// UTF-8, so this can only undo a wrong option, not misread a right one.
func (e *Export) toUTF8(name, path, enc string) (string, string, error) {
	if enc == UTF8 {
		return path, "", nil
	}
	head := make([]byte, 4096)
	f, err := os.Open(path)
	if err != nil {
		return "", "", export.Refusef("%s: %v", name, err)
	}
	n, _ := io.ReadFull(f, head)
	f.Close()
	head = head[:n]
	isUTF16 := bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF})
	if !isUTF16 {
		if bytes.HasPrefix(head, utf8BOM) {
			return path, fmt.Sprintf("%s has a UTF-8 byte-order mark: read as UTF-8, not %s", name, enc), nil
		}
		if ok, multi := utf8Text(path); ok && (multi || enc == UTF16) {
			if multi {
				return path, fmt.Sprintf("%s is valid UTF-8 text: read as UTF-8, not %s", name, enc), nil
			}
			return path, "", nil // plain ASCII reads the same in every encoding
		}
		if enc == UTF16 {
			return "", "", export.Refusef("%s: --encoding utf-16 needs a file that starts with a byte-order mark; this one has none (save it as \"UTF-16\" or \"Unicode\" text, or as UTF-8)", name)
		}
	}
	var tr transform.Transformer
	switch {
	case isUTF16:
		tr = unicode.UTF16(unicode.LittleEndian, unicode.ExpectBOM).NewDecoder()
	case enc == CP1251:
		tr = charmap.Windows1251.NewDecoder()
	}
	out := filepath.Join(e.tmp, fmt.Sprintf("%d-%s", len(e.Tables), filepath.Base(name)))
	if err := convert(path, out, tr); err != nil {
		return "", "", export.Refusef("%s: cannot decode as %s: %v", name, enc, err)
	}
	return out, "", nil
}

// copyFrom copies src from byte offset off to dst.
func copyFrom(src, dst string, off int64) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	if _, err := in.Seek(off, io.SeekStart); err != nil {
		return err
	}
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func convert(src, dst string, tr transform.Transformer) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.Create(dst)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, transform.NewReader(in, tr)); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// utf8Text reports whether the file is valid UTF-8 and whether it has any
// multi-byte character, reading it in blocks.
func utf8Text(path string) (valid, multi bool) {
	f, err := os.Open(path)
	if err != nil {
		return false, false
	}
	defer f.Close()
	r := bufio.NewReaderSize(f, 1<<20)
	for {
		l, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// a very long line: fall back to checking it whole
			rest, err2 := r.ReadBytes('\n')
			l = append(append([]byte(nil), l...), rest...)
			err = err2
		}
		if !utf8.Valid(l) {
			return false, multi
		}
		if !multi && slices.ContainsFunc(l, func(c byte) bool { return c >= 0x80 }) {
			multi = true
		}
		if err != nil {
			return err == io.EOF, multi
		}
	}
}

func hashFile(h hash.Hash, path string) (int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	return io.Copy(h, f)
}

// sniff tells a folder, a zip of files and an .xlsx workbook apart by
// content, not by name: an upload's name cannot be trusted.
func sniff(path string, fi os.FileInfo) string {
	if fi.IsDir() {
		return "dir"
	}
	if !hasMagic(path, []byte("PK\x03\x04")) && !hasMagic(path, []byte("PK\x05\x06")) {
		return ""
	}
	zr, err := zip.OpenReader(path)
	if err != nil {
		return "zip" // unzip reports the damage
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "xl/workbook.xml" {
			return "xlsx"
		}
	}
	return "zip"
}

func hasMagic(path string, magic []byte) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, len(magic))
	if _, err := io.ReadFull(f, b); err != nil {
		return false
	}
	return bytes.Equal(b, magic)
}
