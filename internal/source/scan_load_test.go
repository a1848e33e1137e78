package source

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"rrstat/internal/export"
)

// TestScanCSV checks what the Go pass over a CSV file finds: the dialect,
// the header, the records and the physical line each starts on.
func TestScanCSV(t *testing.T) {
	for _, tt := range []struct {
		name      string
		text      string
		delim     byte
		header    []string
		lines     []int64 // the line of each record
		malformed []Malformed
		bareCR    int64
		offset    int64 // HeaderOffset
		trim      []bool
	}{
		{name: "plain", text: "a,b\n1,2\n3,4\n", delim: ',', header: []string{"a", "b"}, lines: []int64{2, 3}},
		{name: "no newline at the end", text: "a,b\n1,2\n3,4", delim: ',', header: []string{"a", "b"}, lines: []int64{2, 3}},
		{name: "semicolons, CRLF, BOM", text: "\ufeffa;b\r\n1;2\r\n", delim: ';', header: []string{"a", "b"}, lines: []int64{2}, offset: 3},
		{name: "tabs", text: "a\tb,c\tc\n1,x\t2\t3\n", delim: '\t', header: []string{"a", "b,c", "c"}, lines: []int64{2}},
		{name: "blank lines skipped, counted as lines", text: "\n\r\na,b\n\n1,2\r\n\r\n\n3,4\n\n", delim: ',',
			header: []string{"a", "b"}, lines: []int64{5, 8}, offset: 3},
		{name: "quoted line breaks", text: "a,b\n\"x\ny\",1\n2,\"p\r\n\r\nq\"\n3,4\n", delim: ',',
			header: []string{"a", "b"}, lines: []int64{2, 4, 7}},
		{name: "quoted header", text: "\"a,1\",\"b\"\"\"\n1,2\n", delim: ',', header: []string{"a,1", `b"`}, lines: []int64{2}},
		{name: "malformed records", text: "a,b\n1\n1,2,3\n\"x\"y,2\n1,2\n\"open,2\n3,4\n", delim: ',', header: []string{"a", "b"},
			lines: []int64{2, 3, 4, 5, 6},
			malformed: []Malformed{
				{1, 2, export.ReasonMalformed + ": 1 fields, the header has 2"},
				{2, 3, export.ReasonMalformed + ": 3 fields, the header has 2"},
				{3, 4, export.ReasonMalformed + ": text after a closing quote"},
				{5, 6, export.ReasonMalformed + ": unterminated quoted field"},
			}},
		{name: "a bare carriage return", text: "a,b\n1,2\n3\r,4\n", delim: ',', header: []string{"a", "b"}, lines: []int64{2, 3}, bareCR: 3},
		{name: "a bare carriage return in a quoted line", text: "a,b\n\"1\",2\r3\n", delim: ',', header: []string{"a", "b"}, lines: []int64{2}, bareCR: 2},
		{name: "a carriage return inside quotes is data", text: "a,b\n\"1\r\",2\n", delim: ',', header: []string{"a", "b"}, lines: []int64{2}},
		{name: "white space to trim", text: "a,b,c\n1, 2,3\n\"4 \",5,\u00a06\n", delim: ',', header: []string{"a", "b", "c"},
			lines: []int64{2, 3}, trim: []bool{true, true, true}},
		{name: "header only", text: "a,b\r\n", delim: ',', header: []string{"a", "b"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "x.csv")
			if err := os.WriteFile(path, []byte(tt.text), 0o644); err != nil {
				t.Fatal(err)
			}
			sc, err := scanCSV(path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if sc.Delim != tt.delim {
				t.Errorf("delimiter %q, want %q", sc.Delim, tt.delim)
			}
			if diff := cmp.Diff(tt.header, sc.Header); diff != "" {
				t.Errorf("header (-want +got):\n%s", diff)
			}
			var lines []int64
			for ord := int64(1); ord <= sc.Records; ord++ {
				lines = append(lines, sc.Line(ord))
			}
			if diff := cmp.Diff(tt.lines, lines); diff != "" {
				t.Errorf("record lines (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.malformed, sc.Malformed, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("malformed (-want +got):\n%s", diff)
			}
			if sc.Regular != (len(tt.malformed) == 0) {
				t.Errorf("Regular %v", sc.Regular)
			}
			if sc.BareCR != tt.bareCR || sc.HeaderOffset != tt.offset {
				t.Errorf("bare CR on line %d, header at byte %d; want %d, %d", sc.BareCR, sc.HeaderOffset, tt.bareCR, tt.offset)
			}
			if tt.trim != nil {
				if diff := cmp.Diff(tt.trim, sc.Trim); diff != "" {
					t.Errorf("trim (-want +got):\n%s", diff)
				}
			}
		})
	}
}

func TestScanNotUTF8(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte("\ufeffa,b\n1,2\nx,\xe6\n"), 0o644)
	_, err := scanCSV(path, nil)
	if nu, ok := err.(errNotUTF8); !ok || nu.offset != 13 || nu.line != 3 {
		t.Errorf("error %v, want invalid UTF-8 on line 3 at byte 13", err)
	}
}

// TestScanBlocks: a file of several read blocks (4 MiB) scans as one
// stream: a quoted field may span a block boundary, a line may be longer
// than a block, and an invalid byte far in is found with its line and
// offset.
func TestScanBlocks(t *testing.T) {
	var b strings.Builder
	b.WriteString("\ufeffa,b\n")
	lines := []int64{}
	line := int64(1)
	for b.Len() < 4<<20-10 {
		line++
		lines = append(lines, line)
		fmt.Fprintf(&b, "%d,x\n", line)
	}
	// a quoted field over the block boundary, then a line longer than a block
	line++
	lines = append(lines, line)
	b.WriteString("\"q\n\nq\",1\n")
	line += 2
	line++
	lines = append(lines, line)
	b.WriteString(strings.Repeat("y", 5<<20) + ",2\n")
	line++
	lines = append(lines, line)
	b.WriteString("last,3\n")
	path := filepath.Join(t.TempDir(), "x.csv")
	os.WriteFile(path, []byte(b.String()), 0o644)
	sc, err := scanCSV(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for ord := int64(1); ord <= sc.Records; ord++ {
		got = append(got, sc.Line(ord))
	}
	if !slices.Equal(lines, got) || len(sc.Malformed) != 0 || !sc.QuotedNewlines {
		t.Errorf("lines (-want +got):\n%s\nmalformed %v", cmp.Diff(lines[len(lines)-5:], got[max(0, len(got)-5):]), sc.Malformed)
	}
	// an invalid byte on the last line
	bad := b.String() + "z,\xff\n"
	os.WriteFile(path, []byte(bad), 0o644)
	_, err = scanCSV(path, nil)
	if nu, ok := err.(errNotUTF8); !ok || nu.line != line+1 || nu.offset != int64(len(bad)-2) {
		t.Errorf("error %v, want line %d, byte %d", err, line+1, len(bad)-2)
	}
}
