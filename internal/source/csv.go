package source

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"sort"
	"unicode/utf8"

	"rrstat/internal/export"
)

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// Malformed is a CSV record that cannot be read as a row: wrong number of
// fields or broken quoting. It is rejected with its line.
type Malformed struct {
	Ord    int64 // 1-based record number among the data records
	Line   int64
	Reason string
}

// CSVScan is what a pass over a CSV file found: the dialect, the header,
// the number of data records and where each starts. The loader reads the
// file with DuckDB using exactly this dialect and reconciles its row count
// with Records, so that no row can be lost silently.
type CSVScan struct {
	Delim      byte
	Header     []string
	HeaderLine int64 // the physical line of the header (1 unless blank lines precede it)
	// HeaderOffset is the byte offset at which the header line starts
	// (after a byte-order mark and any blank lines before it).
	HeaderOffset int64
	Records      int64 // data records (blank lines are not records)
	MaxFields    int   // the most fields in any record (the header included)
	// Regular is true when every record has as many fields as the header
	// and quoting is well formed; DuckDB then reads it in its fast mode.
	Regular bool
	// QuotedNewlines is true when a quoted field spans lines.
	QuotedNewlines bool
	Malformed      []Malformed
	// BareCR is the line of the first carriage return outside quotes that
	// does not end a line (0: none). DuckDB takes it for a line end and the
	// Go scan does not, so they would not agree on the records: the file
	// is refused.
	BareCR int64
	// Trim[i] is true when some value of field i has white space around it
	// (or is only white space), so that it must be trimmed; reading the
	// other fields as they are saves the loader a costly string function.
	// The white space trimmed is space, tab, no-break space and a stray
	// byte-order mark.
	Trim []bool
	// breaks maps record numbers to lines where they stop being ord+1:
	// line(ord) = ord + offset of the last break at or before ord.
	breaks    []lineBreak
	curOffset int64
	// Forms[i] is the form that every value of field i has (FormNone: some
	// value has not, or the field has no form); see Form.
	Forms []Form
	// KeySorted is true when the values of the table's key columns
	// (export.Table.Key), in records where none is empty, are in an order
	// that shows, compared as bytes, that no two records share a key (see
	// checkKey), if the values are read as they are written. It is checked
	// in unquoted lines only; a quoted line makes it false.
	KeySorted bool
	// table is the table the file holds, whose columns give the forms;
	// checking is set while some field's form still holds or the key may
	// still be sorted.
	table     *export.Table
	forms     []fieldForm
	checking  bool
	keyAt     []int    // the fields of the key columns
	key       [][]byte // the values of the key fields in the current line
	prevKey   [][]byte // ... and in the last line with all of them
	seenKey   bool
	group     []byte // the last key column's values in the current group,
	groupEnds []int  // ... each ending here
}

type lineBreak struct {
	ord    int64
	offset int64
}

// Line returns the physical line (header = 1) on which data record ord
// (1-based) starts.
func (s *CSVScan) Line(ord int64) int64 {
	i := sort.Search(len(s.breaks), func(i int) bool { return s.breaks[i].ord > ord })
	if i == 0 {
		return ord + 1
	}
	return ord + s.breaks[i-1].offset
}

// errNotUTF8 is returned by scanCSV for invalid UTF-8 at a byte offset of
// the file, on a physical line (1-based).
type errNotUTF8 struct{ offset, line int64 }

func (e errNotUTF8) Error() string {
	return fmt.Sprintf("line %d (byte %d): not valid UTF-8", e.line, e.offset)
}

// scanCSV reads a UTF-8 CSV file once: it checks the encoding, detects the
// delimiter from the header line, and finds every record's start line and
// field count with RFC 4180 quoting. The quote rules follow DuckDB's reader
// (a quote opens a quoted field only as its first character) so that both
// agree on where records start; the loader checks that they do.
//
// The file is read in blocks of whole lines. What can be checked for a
// whole block at once (valid UTF-8, no quote, no carriage return, no white
// space) is, so that most lines cost two fast searches: their end and
// their delimiters.
func scanCSV(path string, table *export.Table) (*CSVScan, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	sc := &CSVScan{Regular: true, table: table}
	var (
		offset int64 // file offset of the current line
		line   int64 // physical line number of the current line
		st     recState
		buf    = make([]byte, 4<<20)
		n      int // bytes in buf: the unfinished line carried over, then new data
		first  = true
	)
	for eof := false; !eof; {
		if n == len(buf) { // a line longer than the buffer
			buf = append(buf, make([]byte, len(buf))...)
		}
		m, err := io.ReadFull(f, buf[n:])
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			eof = true
		} else if err != nil {
			return nil, err
		}
		n += m
		data := buf[:n]
		if first && n >= len(utf8BOM) || eof {
			if first && bytes.HasPrefix(data, utf8BOM) {
				data = data[len(utf8BOM):]
				offset += int64(len(utf8BOM))
			}
			first = false
		}
		end := bytes.LastIndexByte(data, '\n') + 1 // whole lines only, but all at the end
		if eof {
			end = len(data)
		}
		if end == 0 || first {
			continue
		}
		if err := sc.block(&st, data[:end], &line, &offset); err != nil {
			return nil, err
		}
		n = copy(buf, data[end:])
	}
	if st.open { // the file ended inside a quoted field
		st.bad = "unterminated quoted field"
		sc.finish(&st)
	}
	sc.Forms = make([]Form, len(sc.forms))
	for i, f := range sc.forms {
		sc.Forms[i] = f.form
	}
	return sc, nil // a 0-byte or blank file has no header
}

// checkFields checks the fields of an unquoted line (its line end
// included) against their forms and returns how many fields it has. Most
// values are checked as they are found: a date is ten bytes and then the
// delimiter, a person_id runs to the first byte that cannot be in one.
func (sc *CSVScan) checkFields(l []byte, delim byte) (fields int) {
	if n := len(l); n > 0 && l[n-1] == '\n' {
		l = l[:n-1]
		if n > 1 && l[n-2] == '\r' {
			l = l[:n-2]
		}
	}
	for i := range sc.key {
		sc.key[i] = nil
	}
	fields = 1
	for i := range sc.forms {
		f := &sc.forms[i]
		end, ok := f.scan(l, delim)
		if !ok {
			sc.checkField(i, l[:end], false)
		}
		if f.key >= 0 {
			sc.key[f.key] = l[:end]
		}
		if end == len(l) {
			break
		}
		l = l[end+1:]
		fields++
	}
	if fields > len(sc.forms) { // more fields than the header
		fields += bytes.Count(l, []byte{delim})
	}
	if sc.KeySorted {
		sc.checkKey()
	}
	return fields
}

// checkField checks value v of field i against its form; a quoted value
// drops the form (DuckDB's reading of quotes is not the scan's to vouch for).
func (sc *CSVScan) checkField(i int, v []byte, quoted bool) {
	changed := false
	if quoted && sc.KeySorted {
		sc.KeySorted, changed = false, true // quoted lines are not followed
	}
	if i < len(sc.forms) && sc.forms[i].form != FormNone && (quoted || len(v) > 0 && !sc.forms[i].has(v)) {
		sc.forms[i].form, changed = FormNone, true
	}
	if changed {
		sc.updateChecking()
	}
}

func (sc *CSVScan) updateChecking() {
	sc.checking = sc.KeySorted
	for _, f := range sc.forms {
		if f.form != FormNone {
			sc.checking = true
		}
	}
}

// checkKey compares the key of the current line (sc.key) with the last
// one. A key of one column must rise strictly. A key of several may also
// come in groups: the columns but the last do not fall, and within each
// group the last column does not repeat (a person's follow-ups and needs,
// in any order of date or type, the persons one after the other). Either
// way no two lines share the key.
func (sc *CSVScan) checkKey() {
	key, prev := sc.key, sc.prevKey
	for _, v := range key {
		if len(v) == 0 {
			return // not a key: the rule is on rows that have one
		}
	}
	last := len(key) - 1
	if sc.seenKey {
		// i: the first of the leading columns that changed, else last.
		i := 0
		for i < last && string(key[i]) == string(prev[i]) {
			i++
		}
		switch c := bytes.Compare(key[i], prev[i]); {
		case i < last && c < 0, last == 0 && c <= 0:
			sc.dropKey()
			return
		case i == last && last > 0: // the same group
			if !sc.addToGroup(key[last]) {
				return
			}
			sc.seenKey = true
			return
		}
	}
	if last > 0 { // a new group
		sc.group, sc.groupEnds = sc.group[:0], sc.groupEnds[:0]
		sc.addToGroup(key[last])
	}
	for i, v := range key[:max(last, 1)] { // the last column is followed by the group
		prev[i] = append(prev[i][:0], v...)
	}
	sc.seenKey = true
}

// addToGroup adds v, the last key column's value, to the current group,
// or drops the key check if the group has it already or is too long.
func (sc *CSVScan) addToGroup(v []byte) bool {
	start := 0
	for _, end := range sc.groupEnds {
		if string(sc.group[start:end]) == string(v) {
			sc.dropKey() // repeated in its group
			return false
		}
		start = end
	}
	if len(sc.groupEnds) == maxKeyGroup {
		sc.dropKey() // too long a group to follow
		return false
	}
	sc.group = append(sc.group, v...)
	sc.groupEnds = append(sc.groupEnds, len(sc.group))
	return true
}

func (sc *CSVScan) dropKey() {
	sc.KeySorted = false
	sc.updateChecking()
}

// maxKeyGroup bounds the lines of a key group the scan follows (a
// person's follow-ups, say); a longer group leaves the key to the loader.
const maxKeyGroup = 256

// keyFields returns the fields of the table's key columns (nil when the
// table has no key or the header lacks a key column).
func keyFields(t *export.Table, at map[string]int) []int {
	var out []int
	for _, k := range t.Key {
		i, ok := at[k]
		if !ok {
			return nil
		}
		out = append(out, i)
	}
	return out
}

// blockHints is what a block of lines was found not to contain.
type blockHints struct {
	noQuote, noCR, noSpace bool
}

// block scans whole lines (the last may lack its newline at the end of
// the file).
func (sc *CSVScan) block(st *recState, blk []byte, line, offset *int64) error {
	valid := utf8.Valid(blk)
	h := blockHints{
		noQuote: bytes.IndexByte(blk, '"') < 0,
		noCR:    bytes.IndexByte(blk, '\r') < 0,
		noSpace: !mayHaveSpace(blk),
	}
	for len(blk) > 0 {
		l := blk
		if i := bytes.IndexByte(blk, '\n'); i >= 0 {
			l = blk[:i+1]
		}
		blk = blk[len(l):]
		*line++
		if !valid && !utf8.Valid(l) {
			return errNotUTF8{*offset + int64(firstInvalid(l)), *line}
		}
		if sc.Header == nil && !st.open {
			if isBlank(l) { // blank lines before the header are skipped
				*offset += int64(len(l))
				continue
			}
			sc.Delim = detectDelim(l)
			st.delim = sc.Delim
			sc.HeaderOffset = *offset
		}
		sc.feed(st, l, *line, h)
		*offset += int64(len(l))
	}
	return nil
}

// recState is the state of the record being read.
type recState struct {
	delim     byte
	open      bool // a record has started and not ended
	inQuote   bool
	fields    int
	startLine int64
	bad       string
	afterQ    bool // just after a closing quote
	fieldBuf  []byte
	collect   bool // collecting field values (header only)
	quoted    bool // the current field is quoted
	check     func(i int, v []byte, quoted bool)
	values    []string
	trim      []int // fields of this record with white space at an end
}

// feed consumes one physical line (with its newline, if any) of a block
// with hints h.
func (sc *CSVScan) feed(st *recState, l []byte, line int64, h blockHints) {
	if !st.open {
		if isBlank(l) {
			return
		}
		st.open, st.fields, st.startLine, st.bad, st.afterQ = true, 1, line, "", false
		st.collect = sc.Header == nil
		st.values, st.fieldBuf, st.trim = st.values[:0], st.fieldBuf[:0], st.trim[:0]
		// Fast path: a line without quotes is one whole record.
		if !st.collect && (h.noQuote || bytes.IndexByte(l, '"') < 0) {
			if sc.BareCR == 0 && !h.noCR && bytes.IndexByte(l, '\r') >= 0 && hasBareCR(l) {
				sc.BareCR = line
			}
			if sc.checking {
				st.fields = sc.checkFields(l, st.delim)
			} else {
				st.fields += bytes.Count(l, []byte{st.delim})
			}
			if !h.noSpace && mayHaveSpace(l) {
				sc.markTrim(l, st.delim)
			}
			sc.finish(st)
			return
		}
	}
	if sc.Header != nil && sc.KeySorted {
		sc.KeySorted = false // the key is followed in unquoted lines only
		sc.updateChecking()
	}
	atStart := len(st.fieldBuf) == 0 && !st.inQuote && !st.afterQ
	for i := 0; i < len(l); i++ {
		c := l[i]
		if st.inQuote {
			if c == '"' {
				if i+1 < len(l) && l[i+1] == '"' {
					st.fieldBuf = append(st.fieldBuf, '"')
					i++
					continue
				}
				st.inQuote, st.afterQ = false, true
				continue
			}
			if c == '\n' {
				sc.QuotedNewlines = true
			}
			st.fieldBuf = append(st.fieldBuf, c)
			continue
		}
		switch {
		case c == st.delim:
			st.endField()
			st.fields++
			atStart = true
			continue
		case c == '\n' || (c == '\r' && i+1 < len(l) && l[i+1] == '\n') || (c == '\r' && i+1 == len(l)):
			st.endField()
			sc.finish(st)
			return
		case c == '\r':
			if sc.BareCR == 0 {
				sc.BareCR = line
			}
			st.fieldBuf = append(st.fieldBuf, c)
		case c == '"' && atStart:
			st.inQuote, st.quoted = true, true
		case st.afterQ:
			if c != ' ' && c != '\t' {
				st.bad = "text after a closing quote"
			}
		default:
			st.fieldBuf = append(st.fieldBuf, c)
		}
		atStart = false
	}
	if !st.inQuote { // last line of the file without a newline
		st.endField()
		sc.finish(st)
	}
}

func (st *recState) endField() {
	if st.collect {
		st.values = append(st.values, string(st.fieldBuf))
	} else {
		if len(st.fieldBuf) > 0 && (isSpaceAt(st.fieldBuf, true) || isSpaceAt(st.fieldBuf, false)) {
			st.trim = append(st.trim, st.fields-1)
		}
		if st.check != nil {
			st.check(st.fields-1, st.fieldBuf, st.quoted)
		}
	}
	st.fieldBuf = st.fieldBuf[:0]
	st.afterQ, st.quoted = false, false
}

// mayHaveSpace reports whether a line contains a byte of any white space
// that is trimmed (SIMD-fast checks; most lines have none).
func mayHaveSpace(l []byte) bool {
	return bytes.IndexByte(l, ' ') >= 0 || bytes.IndexByte(l, '\t') >= 0 ||
		bytes.IndexByte(l, 0xC2) >= 0 || bytes.IndexByte(l, 0xEF) >= 0
}

// markTrim marks the fields of an unquoted line that have white space at
// either end.
func (sc *CSVScan) markTrim(l []byte, delim byte) {
	l = bytes.TrimSuffix(l, []byte("\n"))
	l = bytes.TrimSuffix(l, []byte("\r"))
	for i := 0; ; i++ {
		f := l
		j := bytes.IndexByte(l, delim)
		if j >= 0 {
			f = l[:j]
		}
		if len(f) > 0 && (isSpaceAt(f, true) || isSpaceAt(f, false)) {
			sc.setTrim(i)
		}
		if j < 0 {
			return
		}
		l = l[j+1:]
	}
}

func (sc *CSVScan) setTrim(i int) {
	for len(sc.Trim) <= i {
		sc.Trim = append(sc.Trim, false)
	}
	sc.Trim[i] = true
}

// isSpaceAt reports whether b starts (or ends) with trimmed white space.
func isSpaceAt(b []byte, start bool) bool {
	var r rune
	if start {
		r, _ = utf8.DecodeRune(b)
	} else {
		r, _ = utf8.DecodeLastRune(b)
	}
	return r == ' ' || r == '\t' || r == '\u00a0' || r == '\ufeff' || r == '\r' || r == '\n' || r == '\v' || r == '\f'
}

// finish ends the current record.
func (sc *CSVScan) finish(st *recState) {
	st.open = false
	st.inQuote = false
	if sc.Header == nil {
		sc.Header = append([]string(nil), st.values...)
		sc.HeaderLine = st.startLine
		sc.MaxFields = len(sc.Header)
		sc.curOffset = 1
		if sc.table != nil {
			at := columnsAt(sc.table, sc.Header)
			sc.forms, sc.keyAt = formsFor(sc.table, at, len(sc.Header)), keyFields(sc.table, at)
		}
		sc.KeySorted = sc.keyAt != nil
		sc.key, sc.prevKey = make([][]byte, len(sc.keyAt)), make([][]byte, len(sc.keyAt))
		for i := range sc.forms {
			sc.forms[i].key = slices.Index(sc.keyAt, i)
		}
		sc.updateChecking()
		st.check = sc.checkField
		return
	}
	for _, i := range st.trim {
		sc.setTrim(i)
	}
	sc.Records++
	ord := sc.Records
	if off := st.startLine - ord; off != sc.curOffset {
		sc.breaks = append(sc.breaks, lineBreak{ord, off})
		sc.curOffset = off
	}
	if st.fields > sc.MaxFields {
		sc.MaxFields = st.fields
	}
	switch {
	case st.bad != "":
		sc.Malformed = append(sc.Malformed, Malformed{ord, st.startLine, export.ReasonMalformed + ": " + st.bad})
		sc.Regular = false
	case st.fields != len(sc.Header):
		sc.Malformed = append(sc.Malformed, Malformed{ord, st.startLine,
			fmt.Sprintf("%s: %d fields, the header has %d", export.ReasonMalformed, st.fields, len(sc.Header))})
		sc.Regular = false
	}
}

// hasBareCR reports whether a line (without quotes) has a carriage return
// other than in its line end.
func hasBareCR(l []byte) bool {
	l = bytes.TrimSuffix(l, []byte("\n"))
	l = bytes.TrimSuffix(l, []byte("\r"))
	return bytes.IndexByte(l, '\r') >= 0
}

func isBlank(l []byte) bool {
	return len(l) == 0 || (len(l) == 1 && (l[0] == '\n' || l[0] == '\r')) || (len(l) == 2 && l[0] == '\r' && l[1] == '\n')
}

// detectDelim picks ',', ';' or tab: the one found most often outside quotes
// in the header line (',' when none is).
func detectDelim(l []byte) byte {
	counts := map[byte]int{}
	in := false
	for _, c := range l {
		switch {
		case c == '"':
			in = !in
		case !in && (c == ',' || c == ';' || c == '\t'):
			counts[c]++
		}
	}
	best := byte(',')
	for _, d := range []byte{',', ';', '\t'} {
		if counts[d] > counts[best] {
			best = d
		}
	}
	return best
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}
