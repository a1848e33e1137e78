// Package bench holds the speed and memory benchmarks of issues #2 and #3:
// a load against bare DuckDB reading the same files, and a whole report,
// at 100k and 1M persons of synthetic data. They take minutes, so they run
// only with RRSTAT_BENCH=1 (make bench). Each measured step runs in a child
// process, so that its peak resident memory is its own.
//
//	RRSTAT_BENCH=1 go test -run '^$' -bench . -benchtime 1x -timeout 60m ./internal/bench/
package bench

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/duckdb/duckdb-go/v2"

	"rrstat/internal/cell"
	"rrstat/internal/cli"
	"rrstat/internal/duckdb"
	"rrstat/internal/indicator"
	"rrstat/internal/period"
	"rrstat/internal/report"
	"rrstat/internal/synth"
	"rrstat/queries"
)

// result is what a child reports.
type result struct {
	Seconds float64            `json:"seconds"`
	MaxRSS  int64              `json:"max_rss_kb"`
	Timings map[string]float64 `json:"timings,omitempty"`
	Error   string             `json:"error,omitempty"`
}

var asOf = time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)

// TestChild is the child process: RRSTAT_BENCH_CHILD says what to run.
func TestChild(t *testing.T) {
	what := os.Getenv("RRSTAT_BENCH_CHILD")
	if what == "" {
		t.Skip("only run as a child of the benchmarks")
	}
	db, dir := os.Getenv("RRSTAT_BENCH_DB"), os.Getenv("RRSTAT_BENCH_DIR")
	var res result
	start := time.Now()
	var err error
	switch what {
	case "baseline":
		err = baseline(db, dir)
	case "load":
		var stderr bytes.Buffer
		args := []string{"load", "--db", db}
		matches, _ := filepath.Glob(filepath.Join(dir, "export-*"))
		args = append(args, matches...)
		if code := cli.Run(context.Background(), args, nil, &bytes.Buffer{}, &stderr); code != 0 {
			err = fmt.Errorf("load exit %d: %s", code, stderr.String())
		}
	case "report":
		res.Timings, err = computeReport(db, dir)
	}
	res.Seconds = time.Since(start).Seconds()
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	res.MaxRSS = ru.Maxrss
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(b))
}

// baseline is bare DuckDB: CREATE TABLE ... AS SELECT * FROM read_csv(...)
// of the same four files, with DuckDB's own type detection.
func baseline(db, dir string) error {
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		return err
	}
	defer conn.Close()
	matches, _ := filepath.Glob(filepath.Join(dir, "export-*"))
	for i, exp := range matches {
		for _, tn := range []string{"returnees", "needs", "services", "followups"} {
			q := fmt.Sprintf("CREATE TABLE %s_%d AS SELECT * FROM read_csv('%s')", tn, i, filepath.Join(exp, tn+".csv"))
			if _, err := conn.Exec(q); err != nil {
				return err
			}
		}
	}
	return nil
}

// computeReport runs the whole catalogue on the store and writes
// indicators.csv, as rrstat report does before its workbook and dashboard.
func computeReport(db, dir string) (map[string]float64, error) {
	ctx := context.Background()
	s, err := duckdb.Open(ctx, db, duckdb.Options{ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer s.Close()
	if w, err := strconv.Atoi(os.Getenv("RRSTAT_QUERY_WORKERS")); err == nil {
		s.QueryWorkers = w
	}
	cat, err := indicator.Load(queries.FS, "queries")
	if err != nil {
		return nil, err
	}
	p, _ := period.Parse("2025Q3")
	n := period.DefaultWindow(p.Kind)
	if w, err := strconv.Atoi(os.Getenv("RRSTAT_BENCH_WINDOW")); err == nil {
		n = w
	}
	comp, err := s.Compute(ctx, cat, period.Window(p, n), report.DefaultParams, duckdb.Selection{})
	if err != nil {
		return nil, err
	}
	f, err := os.Create(filepath.Join(dir, "indicators.csv"))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return comp.Timings, cell.WriteCSV(f, comp.Cells)
}

// child runs one measured step in a child process.
func child(b *testing.B, what, db, dir string) result {
	b.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.v")
	cmd.Env = append(os.Environ(), "RRSTAT_BENCH_CHILD="+what, "RRSTAT_BENCH_DB="+db, "RRSTAT_BENCH_DIR="+dir)
	out, err := cmd.CombinedOutput()
	i := bytes.Index(out, []byte("RESULT "))
	if err != nil || i < 0 {
		b.Fatalf("%s child: %v\n%s", what, err, out)
	}
	line := out[i+7:]
	if j := bytes.IndexByte(line, '\n'); j >= 0 {
		line = line[:j]
	}
	var res result
	if err := json.Unmarshal(line, &res); err != nil {
		b.Fatal(err)
	}
	if res.Error != "" {
		b.Fatalf("%s: %s", what, res.Error)
	}
	return res
}

func generate(b *testing.B, dir string, persons int, countries []string) *synth.Summary {
	b.Helper()
	sum, err := synth.Generate(dir, synth.Options{Seed: 7, AsOf: asOf, Persons: persons, Countries: countries})
	if err != nil {
		b.Fatal(err)
	}
	return sum
}

func needBench(b *testing.B) {
	if os.Getenv("RRSTAT_BENCH") == "" {
		b.Skip("set RRSTAT_BENCH=1 (make bench): generates up to 1 GB of data")
	}
}

// BenchmarkLoad compares rrstat load with bare DuckDB on one country's
// export of N persons.
func BenchmarkLoad(b *testing.B) {
	needBench(b)
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			sum := generate(b, dir, n, []string{"UZ"})
			for i := 0; i < b.N; i++ {
				base := child(b, "baseline", filepath.Join(dir, fmt.Sprintf("base%d.duckdb", i)), dir)
				ours := child(b, "load", filepath.Join(dir, fmt.Sprintf("store%d.duckdb", i)), dir)
				ratio := ours.Seconds / base.Seconds
				b.ReportMetric(base.Seconds, "duckdb-s")
				b.ReportMetric(ours.Seconds, "load-s")
				b.ReportMetric(ratio, "ratio")
				b.ReportMetric(float64(ours.MaxRSS)/1024, "load-peak-MB")
				b.ReportMetric(float64(base.MaxRSS)/1024, "duckdb-peak-MB")
				b.Logf("%d persons, %d rows, %.0f MB of CSV: bare DuckDB %.2f s (peak %d MB), rrstat load %.2f s (peak %d MB), ratio %.2f",
					sum.Persons(), sum.Countries[0].Rows.Total(), float64(sum.Bytes())/1e6,
					base.Seconds, base.MaxRSS/1024, ours.Seconds, ours.MaxRSS/1024, ratio)
			}
		})
	}
}

// BenchmarkReport times the whole catalogue for every country and ALL on
// four countries' exports of N persons in total, indicators.csv written.
func BenchmarkReport(b *testing.B) {
	needBench(b)
	for _, n := range []int{100_000, 1_000_000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			generate(b, dir, n, nil)
			db := filepath.Join(dir, "store.duckdb")
			child(b, "load", db, dir)
			for i := 0; i < b.N; i++ {
				res := child(b, "report", db, dir)
				b.ReportMetric(res.Seconds, "report-s")
				b.ReportMetric(float64(res.MaxRSS)/1024, "peak-MB")
				type kv struct {
					id string
					s  float64
				}
				var ts []kv
				for id, s := range res.Timings {
					ts = append(ts, kv{id, s})
				}
				sort.Slice(ts, func(i, j int) bool { return ts[i].s > ts[j].s })
				var top string
				for _, t := range ts {
					top += fmt.Sprintf(" %s %.2fs", t.id, t.s)
				}
				b.Logf("%d persons: report %.2f s (peak %d MB); costliest:%s", n, res.Seconds, res.MaxRSS/1024, top)
			}
		})
	}
}
