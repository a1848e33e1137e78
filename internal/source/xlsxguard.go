package source

import (
	"archive/zip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// Bounds of a workbook under Limits, beyond the sizes of its parts.
const (
	// maxXMLDepth is how deep the elements of a sheet may nest. A sheet
	// nests about seven deep; a parser keeps a frame per open element, so
	// ten million nested elements (100 KB zipped) cost half a gigabyte.
	maxXMLDepth = 128
	// maxOtherPart bounds the parts excelize reads into memory whole
	// (workbook, styles, relationships ...), which are small in real
	// workbooks.
	maxOtherPart = 16 << 20
	// sharedStringCost is what excelize keeps in memory per shared string
	// of a large table (its offsets into a temporary file).
	sharedStringCost = 48
)

// checkWorkbook reads the sheets and the shared strings of a workbook
// once, as a stream, before excelize opens it, and refuses (ErrTooLarge)
// one that would make the reader hold more than lim allows: sheets that
// nest too deep, more rows than lim.MaxRows, more shared strings than
// lim.MaxSheetBytes pays for, a part larger than lim.MaxPartBytes.
func checkWorkbook(zr *zip.Reader, name string, lim Limits) error {
	var rows, strs int64
	for _, f := range zr.File {
		lower := strings.ToLower(strings.ReplaceAll(f.Name, `\`, "/"))
		isSheet := strings.HasPrefix(lower, "xl/worksheets/") && strings.HasSuffix(lower, ".xml")
		isSST := lower == "xl/sharedstrings.xml"
		if !isSheet && !isSST {
			if f.UncompressedSize64 > maxOtherPart {
				return fmt.Errorf("%w: %s: %s unpacks to more than the limit of %s for this part", ErrTooLarge, name, path.Base(f.Name), SizeText(maxOtherPart))
			}
			continue
		}
		n, err := scanXML(f, func(el string) error {
			switch {
			case isSheet && el == "row":
				rows++
				if lim.MaxRows > 0 && rows > lim.MaxRows {
					return fmt.Errorf("%w: %s holds more than %d rows, the limit", ErrTooLarge, name, lim.MaxRows)
				}
			case isSST && el == "si":
				strs++
				if lim.MaxSheetBytes > 0 && strs*sharedStringCost > lim.MaxSheetBytes {
					return fmt.Errorf("%w: %s holds more than %d different texts, more than the limit of %s in memory allows", ErrTooLarge, name, strs-1, SizeText(lim.MaxSheetBytes))
				}
			}
			return nil
		})
		if errors.Is(err, ErrTooLarge) {
			return err
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %s is not readable XML", errUnreadable, name, path.Base(f.Name))
		}
		if lim.MaxPartBytes > 0 && n > lim.MaxPartBytes {
			return fmt.Errorf("%w: %s: %s unpacks to more than the limit of %s for one part", ErrTooLarge, name, path.Base(f.Name), SizeText(lim.MaxPartBytes))
		}
	}
	return nil
}

// errUnreadable marks a workbook part that is not XML.
var errUnreadable = errors.New("unreadable workbook")

// scanXML reads an XML part as a stream of raw tokens (no namespace stack,
// no element stack kept by the decoder), calls start for each element
// opened and refuses nesting deeper than maxXMLDepth. It returns the bytes
// unpacked.
func scanXML(f *zip.File, start func(local string) error) (int64, error) {
	rc, err := f.Open()
	if err != nil {
		return 0, err
	}
	defer rc.Close()
	cr := &countingReader{r: rc}
	d := xml.NewDecoder(cr)
	d.Strict = false
	depth := 0
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return cr.n, nil
		}
		if err != nil {
			return cr.n, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			if depth > maxXMLDepth {
				return cr.n, fmt.Errorf("%w: %s nests elements more than %d deep", ErrTooLarge, path.Base(f.Name), maxXMLDepth)
			}
			if err := start(t.Name.Local); err != nil {
				return cr.n, err
			}
		case xml.EndElement:
			depth--
		}
	}
}

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
