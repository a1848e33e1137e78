// Package bench holds the speed and memory benchmarks of issues #2, #3 and
// #12: a load against bare DuckDB reading the same files (the median of
// paired runs), and a whole report, at 100k and 1M persons of synthetic
// data. They take minutes, so they run
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
	"slices"
	"sort"
	"strconv"
	"strings"
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
	CPU     float64            `json:"cpu_seconds"` // user and system
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
	res.CPU = time.Duration(ru.Utime.Nano() + ru.Stime.Nano()).Seconds()
	if err != nil {
		res.Error = err.Error()
	}
	b, _ := json.Marshal(res)
	fmt.Println("RESULT " + string(b))
}

// baseline is bare DuckDB: CREATE TABLE ... AS SELECT * FROM read_csv(...)
// of the same four files, with DuckDB's own type detection and, unless
// $RRSTAT_BENCH_BASELINE_BUFFER gives one (in bytes), its own buffer size.
// rrstat load gives its reader a larger buffer (duckdb.csvBufferSize), which
// alone saves more than a second at a million persons; the variable puts
// bare DuckDB on the same footing, to see what the load itself costs.
func baseline(db, dir string) error {
	opts := ""
	if n, err := strconv.Atoi(os.Getenv("RRSTAT_BENCH_BASELINE_BUFFER")); err == nil && n > 0 {
		opts = fmt.Sprintf(", buffer_size = %d", n)
	}
	conn, err := sql.Open("duckdb", db)
	if err != nil {
		return err
	}
	defer conn.Close()
	matches, _ := filepath.Glob(filepath.Join(dir, "export-*"))
	for i, exp := range matches {
		for _, tn := range []string{"returnees", "needs", "services", "followups"} {
			q := fmt.Sprintf("CREATE TABLE %s_%d AS SELECT * FROM read_csv('%s'%s)", tn, i, filepath.Join(exp, tn+".csv"), opts)
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

// pairs returns how many paired runs BenchmarkLoad makes ($RRSTAT_BENCH_PAIRS,
// default 3).
func pairs() int {
	if n, err := strconv.Atoi(os.Getenv("RRSTAT_BENCH_PAIRS")); err == nil && n > 0 {
		return n
	}
	return 3
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// BenchmarkLoad compares rrstat load with bare DuckDB on one country's
// export of N persons, in pairs of runs (bare DuckDB and rrstat load one
// right after the other, the order alternating from pair to pair), and
// reports the median of the pairs' ratios: on a shared machine the speed
// of one run says little, the ratio of two neighbouring runs more. Each run
// is a child process of its own, so its peak memory is its own, and writes
// a new store. $RRSTAT_BENCH_PAIRS sets the number of pairs (default 3);
// $RRSTAT_BENCH_SIZES the sizes (default 100000,1000000).
func BenchmarkLoad(b *testing.B) {
	needBench(b)
	for _, n := range sizes() {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			dir := b.TempDir()
			sum := generate(b, dir, n, []string{"UZ"})
			var bases, loads, ratios []float64
			var peak, basePeak int64
			var cpuBase, cpuLoad float64
			for i := 0; i < pairs(); i++ {
				run := func(what string) result {
					db := filepath.Join(dir, fmt.Sprintf("%s%d.duckdb", what, i))
					res := child(b, what, db, dir)
					os.Remove(db)
					os.Remove(db + ".wal")
					return res
				}
				var base, ours result
				if i%2 == 0 {
					base = run("baseline")
					ours = run("load")
				} else {
					ours = run("load")
					base = run("baseline")
				}
				bases, loads = append(bases, base.Seconds), append(loads, ours.Seconds)
				ratios = append(ratios, ours.Seconds/base.Seconds)
				peak, basePeak = max(peak, ours.MaxRSS), max(basePeak, base.MaxRSS)
				cpuBase, cpuLoad = cpuBase+base.CPU, cpuLoad+ours.CPU
				b.Logf("pair %d: bare DuckDB %.2f s (%.1f s CPU), rrstat load %.2f s (%.1f s CPU, peak %d MB): ratio %.2f",
					i+1, base.Seconds, base.CPU, ours.Seconds, ours.CPU, ours.MaxRSS/1024, ours.Seconds/base.Seconds)
			}
			b.ReportMetric(median(bases), "duckdb-s")
			b.ReportMetric(median(loads), "load-s")
			b.ReportMetric(median(ratios), "ratio")
			b.ReportMetric(float64(peak)/1024, "load-peak-MB")
			b.ReportMetric(float64(basePeak)/1024, "duckdb-peak-MB")
			b.Logf("%d persons, %d rows, %.0f MB of CSV, %d pairs: median ratio %.2f (bare DuckDB %.2f s, rrstat load %.2f s; CPU %.2f s against %.2f s); load peak %d MB, bare DuckDB %d MB",
				sum.Persons(), sum.Countries[0].Rows.Total(), float64(sum.Bytes())/1e6, len(ratios),
				median(ratios), median(bases), median(loads), cpuLoad/float64(len(ratios)), cpuBase/float64(len(ratios)), peak/1024, basePeak/1024)
		})
	}
}

// sizes returns the numbers of persons to benchmark ($RRSTAT_BENCH_SIZES,
// comma-separated; default 100000,1000000).
func sizes() []int {
	out := []int{100_000, 1_000_000}
	if v := os.Getenv("RRSTAT_BENCH_SIZES"); v != "" {
		out = nil
		for _, f := range strings.Split(v, ",") {
			if n, err := strconv.Atoi(strings.TrimSpace(f)); err == nil && n > 0 {
				out = append(out, n)
			}
		}
	}
	return out
}

// BenchmarkReport times the whole catalogue for every country and ALL on
// four countries' exports of N persons in total, indicators.csv written.
func BenchmarkReport(b *testing.B) {
	needBench(b)
	for _, n := range sizes() {
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
