package synth

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// operationsCSV is a verbatim copy of shared/data/repatriation_operations.csv:
// the publicly reported repatriation operations to Central Asia, one row per
// operation, with the source of every number.
//
//go:embed operations.csv
var operationsCSV []byte

// Count is a headcount as a source reports it. NotReported marks a number the
// source does not give (an empty cell in operations.csv).
type Count int

// NotReported is the Count of a number the source does not give.
const NotReported Count = -1

// Reported reports whether the source gives the number.
func (c Count) Reported() bool { return c >= 0 }

// String returns the number, or "n/r" when it is not reported.
func (c Count) String() string {
	if !c.Reported() {
		return "n/r"
	}
	return strconv.Itoa(int(c))
}

// Date precisions of operations.csv.
const (
	PrecisionDay   = "day"
	PrecisionMonth = "month"
)

// Operation is one row of operations.csv: a publicly reported repatriation
// operation, with its numbers exactly as reported (NotReported where the
// source is silent).
type Operation struct {
	Country       string    // receiving country, ISO 3166-1 alpha-2 (UZ, KZ, KG, TJ)
	Name          string    // operation name as reported, e.g. "Mehr-2"
	Date          time.Time // the day (or the first of the month) in UTC; zero when not reported
	DatePrecision string    // PrecisionDay, PrecisionMonth, or "" when Date is zero
	Persons       Count
	Women         Count
	Children      Count
	Men           Count
	ReturnedFrom  []string // ISO codes of the countries returned from ("SY;TR" gives two)
	SourceURL     string
	SourceTitle   string
	Note          string
}

// operationsHeader is the exact header of operations.csv.
var operationsHeader = []string{"country", "operation", "date", "date_precision", "persons", "women", "children", "men", "returned_from", "source_url", "source_title", "note"}

// Operations returns the embedded list of publicly reported repatriation
// operations, in file order. It returns an error only if the embedded file is
// malformed (a bug, caught by the tests).
func Operations() ([]Operation, error) {
	return parseOperations(operationsCSV)
}

// parseOperations parses operations.csv. Errors name the line.
func parseOperations(data []byte) ([]Operation, error) {
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = len(operationsHeader)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("operations.csv: %w", err)
	}
	for i, h := range operationsHeader {
		if header[i] != h {
			return nil, fmt.Errorf("operations.csv:1: column %d is %q, want %q", i+1, header[i], h)
		}
	}
	var ops []Operation
	for {
		rec, err := r.Read()
		if err != nil {
			if err == io.EOF {
				break
			}
			return nil, fmt.Errorf("operations.csv: %w", err)
		}
		line, _ := r.FieldPos(0)
		op, err := parseOperation(rec)
		if err != nil {
			return nil, fmt.Errorf("operations.csv:%d: %w", line, err)
		}
		ops = append(ops, op)
	}
	return ops, nil
}

func parseOperation(rec []string) (Operation, error) {
	op := Operation{
		Country:       strings.ToUpper(strings.TrimSpace(rec[0])),
		Name:          strings.TrimSpace(rec[1]),
		DatePrecision: strings.TrimSpace(rec[3]),
		SourceURL:     rec[9],
		SourceTitle:   rec[10],
		Note:          rec[11],
	}
	if len(op.Country) != 2 {
		return op, fmt.Errorf("country %q is not an ISO alpha-2 code", rec[0])
	}
	date := strings.TrimSpace(rec[2])
	switch op.DatePrecision {
	case PrecisionDay:
		t, err := time.Parse(time.DateOnly, date)
		if err != nil {
			return op, fmt.Errorf("date %q: want YYYY-MM-DD for precision day", date)
		}
		op.Date = t
	case PrecisionMonth:
		t, err := time.Parse("2006-01", date)
		if err != nil {
			return op, fmt.Errorf("date %q: want YYYY-MM for precision month", date)
		}
		op.Date = t
	case "":
		if date != "" {
			return op, fmt.Errorf("date %q without date_precision", date)
		}
	default:
		return op, fmt.Errorf("date_precision %q: want day, month or empty", op.DatePrecision)
	}
	counts := []*Count{&op.Persons, &op.Women, &op.Children, &op.Men}
	for i, c := range counts {
		s := strings.TrimSpace(rec[4+i])
		if s == "" {
			*c = NotReported
			continue
		}
		n, err := strconv.Atoi(s)
		if err != nil || n < 0 {
			return op, fmt.Errorf("%s %q is not a headcount", operationsHeader[4+i], s)
		}
		*c = Count(n)
	}
	for _, f := range strings.Split(rec[8], ";") {
		f = strings.ToUpper(strings.TrimSpace(f))
		if len(f) != 2 {
			return op, fmt.Errorf("returned_from %q: want ISO alpha-2 codes separated by ';'", rec[8])
		}
		op.ReturnedFrom = append(op.ReturnedFrom, f)
	}
	return op, nil
}
