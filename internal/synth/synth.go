// Package synth generates realistic synthetic case exports (data-contract.md)
// for the demo and for benchmarks.
//
// The return waves follow the publicly reported repatriation operations to
// Uzbekistan, Kazakhstan, Kyrgyzstan and Tajikistan (operations.csv,
// embedded): every operation with a date is a wave on that date whose
// reported headline numbers (persons, women, children, men) are matched
// exactly; an undated aggregate (Uzbekistan's further returns outside the
// Mehr operations, Kyrgyzstan's unnamed returns) is spread over several
// waves. The gaps in the reports are filled by documented rules (see
// resolveWaves and noteFacts) and the rule used is listed with each Wave.
// Everything about the persons themselves — households, ages, regions,
// needs, services, follow-ups and case closures — is invented, from a
// seeded random stream: the same Options give the same bytes.
//
// The output is marked synthetic where it shows: person pseudonyms look
// like UZ-S0000001, households UZH-S0000001, services UZS-S0000001-01, and
// every export folder has a README.txt saying so.
package synth

import (
	"bufio"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"
)

// DefaultAsOf is the AsOf date used when Options.AsOf is zero: the last day
// of 2025Q3.
var DefaultAsOf = time.Date(2025, 9, 30, 0, 0, 0, 0, time.UTC)

// ErrNoOperations is returned for a requested country that has no
// repatriation operation in operations.csv (or none on or before AsOf).
var ErrNoOperations = errors.New("no repatriation operations")

// Options control Generate.
type Options struct {
	// Seed selects the random stream; the same Options give the same bytes.
	Seed uint64
	// AsOf is the date of the data: no date in the output is after it.
	// Operations after it are left out. Zero means DefaultAsOf.
	AsOf time.Time
	// Persons is 0 for the real operations exactly, or the approximate
	// total number of persons wanted: every operation's counts are then
	// scaled by the same factor (each rounded once per operation, the parts
	// of an undated aggregate together), keeping the dates and the shares
	// of women, children and men.
	Persons int
	// Countries restricts the output to these ISO codes (any case); empty
	// means every country with operations (KG, KZ, TJ, UZ).
	Countries []string
}

// TableRows counts rows (without the header) per table.
type TableRows struct {
	Returnees int64 `json:"returnees"`
	Needs     int64 `json:"needs"`
	Services  int64 `json:"services"`
	Followups int64 `json:"followups"`
}

// Total returns the rows of all four tables.
func (t TableRows) Total() int64 { return t.Returnees + t.Needs + t.Services + t.Followups }

// CountrySummary describes one generated export folder.
type CountrySummary struct {
	Country    string    `json:"country"`
	Dir        string    `json:"dir"` // the export folder, dir/export-<CC>
	Households int64     `json:"households"`
	Rows       TableRows `json:"rows"`  // Rows.Returnees is the number of persons
	Bytes      int64     `json:"bytes"` // size of the four CSV files
	Waves      []Wave    `json:"waves"` // the waves generated, in date order
}

// Summary is what Generate wrote.
type Summary struct {
	Seed      uint64           `json:"seed"`
	AsOf      time.Time        `json:"as_of"`
	Factor    float64          `json:"factor"` // scale applied to the reported counts (1 when Options.Persons is 0)
	Countries []CountrySummary `json:"countries"`
	// Skipped lists the operations not generated, each with the reason.
	Skipped []string `json:"skipped"`
}

// Persons returns the number of persons generated in all countries.
func (s *Summary) Persons() int64 {
	var n int64
	for _, c := range s.Countries {
		n += c.Rows.Returnees
	}
	return n
}

// Bytes returns the size of all CSV files written.
func (s *Summary) Bytes() int64 {
	var n int64
	for _, c := range s.Countries {
		n += c.Bytes
	}
	return n
}

// Headers are the column headers of the four tables, in the order of the
// sample exports.
var Headers = [4]string{
	"person_id,household_id,country,region,sex,birth_year,return_date,return_from,household_role,unaccompanied_minor,legal_status,case_status,case_closed_date,closure_reason",
	"person_id,need_type,identified_date",
	"service_id,person_id,service_type,service_date,provider_type,status",
	"person_id,followup_date,economic_score,social_score,psychosocial_score,in_education,employed,has_civil_documents",
}

// fileNames are the table files in contract order.
var fileNames = [4]string{"returnees.csv", "needs.csv", "services.csv", "followups.csv"}

// Waves returns the waves Generate would produce for opt: the operations of
// the selected countries dated on or before AsOf, with every gap filled,
// scaled when opt.Persons > 0. It returns ErrNoOperations (wrapped) for a
// requested country without operations.
func Waves(opt Options) ([]Wave, error) {
	p, err := newPlan(opt)
	if err != nil {
		return nil, err
	}
	return p.waves, nil
}

// plan is the resolved, filtered and scaled list of waves for some Options.
type plan struct {
	asOf      time.Time
	countries []string
	waves     []Wave // sorted by country, then date
	skipped   []string
	factor    float64
}

func newPlan(opt Options) (*plan, error) {
	ops, err := Operations()
	if err != nil {
		return nil, err
	}
	all, skipped, err := resolveWaves(ops)
	if err != nil {
		return nil, err
	}
	p := &plan{asOf: opt.AsOf, skipped: skipped, factor: 1}
	if p.asOf.IsZero() {
		p.asOf = DefaultAsOf
	}
	y, m, d := p.asOf.Date()
	p.asOf = time.Date(y, m, d, 0, 0, 0, 0, time.UTC)

	have := map[string]bool{}
	for _, w := range all {
		have[w.Country] = true
	}
	if len(opt.Countries) == 0 {
		for c := range have {
			p.countries = append(p.countries, c)
		}
	} else {
		for _, c := range opt.Countries {
			c = strings.ToUpper(strings.TrimSpace(c))
			if !have[c] {
				return nil, fmt.Errorf("synth: country %s: %w", c, ErrNoOperations)
			}
			if !slices.Contains(p.countries, c) {
				p.countries = append(p.countries, c)
			}
		}
	}
	slices.Sort(p.countries)
	total := 0
	for _, w := range all {
		if !slices.Contains(p.countries, w.Country) {
			continue
		}
		if w.Date.After(p.asOf) {
			p.skipped = append(p.skipped, fmt.Sprintf("%s %s: dated %s, after AsOf", w.Country, w.name(), w.Date.Format(time.DateOnly)))
			continue
		}
		p.waves = append(p.waves, w)
		total += w.Persons()
	}
	// A country without waves up to AsOf is an error when it was asked
	// for, and is left out otherwise.
	p.countries = slices.DeleteFunc(p.countries, func(c string) bool {
		if slices.ContainsFunc(p.waves, func(w Wave) bool { return w.Country == c }) {
			return false
		}
		if err == nil && len(opt.Countries) > 0 {
			err = fmt.Errorf("synth: country %s: %w on or before %s", c, ErrNoOperations, p.asOf.Format(time.DateOnly))
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if len(p.countries) == 0 {
		return nil, fmt.Errorf("synth: %w on or before %s", ErrNoOperations, p.asOf.Format(time.DateOnly))
	}
	if opt.Persons < 0 {
		return nil, fmt.Errorf("synth: Persons %d is negative", opt.Persons)
	}
	if opt.Persons > 0 && total > 0 {
		p.factor = float64(opt.Persons) / float64(total)
		scaleWaves(p.waves, p.factor)
		// A tiny Persons rounds small waves, even whole countries, away.
		p.waves = slices.DeleteFunc(p.waves, func(w Wave) bool {
			if w.Persons() == 0 {
				p.skipped = append(p.skipped, fmt.Sprintf("%s %s: scaled to 0 persons", w.Country, w.name()))
				return true
			}
			return false
		})
		p.countries = slices.DeleteFunc(p.countries, func(c string) bool {
			return !slices.ContainsFunc(p.waves, func(w Wave) bool { return w.Country == c })
		})
		if len(p.countries) == 0 {
			return nil, fmt.Errorf("synth: Persons %d is too small: every wave scales to 0 persons", opt.Persons)
		}
	}
	return p, nil
}

// Generate writes one export folder per country, dir/export-<CC>/, with the
// four table files and a README.txt saying the data are synthetic, and
// returns what it wrote. Existing files of those names are overwritten. It
// returns ErrNoOperations (wrapped) for a requested country without
// operations, and the first I/O error otherwise.
func Generate(dir string, opt Options) (*Summary, error) {
	p, err := newPlan(opt)
	if err != nil {
		return nil, err
	}
	s := &Summary{Seed: opt.Seed, AsOf: p.asOf, Factor: p.factor, Skipped: p.skipped}
	for _, cc := range p.countries {
		var waves []Wave
		for _, w := range p.waves {
			if w.Country == cc {
				waves = append(waves, w)
			}
		}
		cs, err := generateCountry(filepath.Join(dir, "export-"+cc), cc, waves, opt.Seed, p)
		if err != nil {
			return nil, err
		}
		s.Countries = append(s.Countries, *cs)
	}
	return s, nil
}

// countryGen is everything the workers of one country share (read-only).
type countryGen struct {
	cc        string
	seed      uint64 // the country's stream: mixes Options.Seed and the code
	asOf      int32
	waves     []Wave
	waveDays  []int32
	hh        []household
	regions   regionPicker
	pidPrefix string // UZ-S
	hhPrefix  string // UZH-S
	svcPrefix string // UZS-S
}

func (g *countryGen) appendPID(b []byte, num int) []byte {
	b = append(b, g.pidPrefix...)
	return appendPadded(b, num, 7)
}

func (g *countryGen) appendNeed(b []byte, num, t int, day int32) []byte {
	b = g.appendPID(b, num)
	b = append(b, ',')
	b = append(b, serviceTypes[t]...)
	b = append(b, ',')
	b = appendDate(b, day)
	return append(b, '\n')
}

// chunkHouseholds is how many households a worker generates at a time.
const chunkHouseholds = 256

func generateCountry(dir, cc string, waves []Wave, seed uint64, p *plan) (*CountrySummary, error) {
	g := &countryGen{
		cc: cc, seed: mix64(seed ^ mix64(uint64(cc[0])<<8|uint64(cc[1]))),
		asOf: dayOf(p.asOf), waves: waves, regions: newRegionPicker(cc),
		pidPrefix: cc + "-S", hhPrefix: cc + "H-S", svcPrefix: cc + "S-S",
	}
	// Plan the households wave by wave from the country's own stream.
	r := rand.New(rand.NewPCG(g.seed, 0x5eed))
	for i := range waves {
		g.waveDays = append(g.waveDays, dayOf(waves[i].Date))
		g.hh = planWave(r, g.hh, i, &waves[i])
	}
	var persons int32
	for i := range g.hh {
		g.hh[i].firstPerson = persons
		persons += int32(g.hh[i].persons())
	}

	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("synth: %w", err)
	}
	cs := &CountrySummary{Country: cc, Dir: dir, Households: int64(len(g.hh)), Waves: waves}
	if err := writeReadme(dir, cc, seed, p, waves); err != nil {
		return nil, err
	}
	var files [4]*os.File
	var ws [4]*bufio.Writer
	defer func() {
		for _, f := range files {
			if f != nil {
				f.Close()
			}
		}
	}()
	for t := range files {
		f, err := os.Create(filepath.Join(dir, fileNames[t]))
		if err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		files[t] = f
		ws[t] = bufio.NewWriterSize(f, 1<<20)
		ws[t].WriteString(Headers[t])
		ws[t].WriteByte('\n')
		cs.Bytes += int64(len(Headers[t]) + 1)
	}

	// Chunks are generated in parallel and written in order; at most
	// 2*workers chunks are in flight, so memory stays small at any size.
	nChunks := (len(g.hh) + chunkHouseholds - 1) / chunkHouseholds
	workers := max(1, runtime.GOMAXPROCS(0))
	results := make([]chan *chunk, nChunks)
	for i := range results {
		results[i] = make(chan *chunk, 1)
	}
	pool := sync.Pool{New: func() any { return new(chunk) }}
	slots := make(chan struct{}, 2*workers)
	jobs := make(chan int)
	done := make(chan struct{})
	defer close(done)
	go func() {
		defer close(jobs)
		for i := range nChunks {
			select {
			case slots <- struct{}{}:
			case <-done:
				return
			}
			select {
			case jobs <- i:
			case <-done:
				return
			}
		}
	}()
	for range workers {
		go func() {
			w := newWorker(g)
			for i := range jobs {
				c := pool.Get().(*chunk)
				for t := range c.buf {
					c.buf[t] = c.buf[t][:0]
				}
				c.rows = [4]int64{}
				for hi := i * chunkHouseholds; hi < min(len(g.hh), (i+1)*chunkHouseholds); hi++ {
					w.household(c, hi)
				}
				results[i] <- c
			}
		}()
	}
	for i := range nChunks {
		c := <-results[i]
		for t := range ws {
			if _, err := ws[t].Write(c.buf[t]); err != nil {
				return nil, fmt.Errorf("synth: %w", err)
			}
			cs.Bytes += int64(len(c.buf[t]))
		}
		cs.Rows.Returnees += c.rows[tReturnees]
		cs.Rows.Needs += c.rows[tNeeds]
		cs.Rows.Services += c.rows[tServices]
		cs.Rows.Followups += c.rows[tFollowups]
		pool.Put(c)
		<-slots
	}
	for t := range ws {
		if err := ws[t].Flush(); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		if err := files[t].Close(); err != nil {
			return nil, fmt.Errorf("synth: %w", err)
		}
		files[t] = nil
	}
	return cs, nil
}

// mix64 is the SplitMix64 finaliser: it turns related seeds into unrelated
// streams.
func mix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9
	x = (x ^ (x >> 27)) * 0x94d049bb133111eb
	return x ^ (x >> 31)
}

// writeReadme writes README.txt, which says the data are synthetic and how
// they were made. The loader ignores unknown files.
func writeReadme(dir, cc string, seed uint64, p *plan, waves []Wave) error {
	var b strings.Builder
	fmt.Fprintf(&b, "SYNTHETIC DATA - NOT REAL PERSONS\n\n")
	fmt.Fprintf(&b, "This export (country %s) was generated by rrstat (package internal/synth)\n", cc)
	fmt.Fprintf(&b, "with seed %d, as of %s", seed, p.asOf.Format(time.DateOnly))
	if p.factor != 1 {
		fmt.Fprintf(&b, ", every reported count scaled by %.4g", p.factor)
	}
	b.WriteString(".\n\n")
	b.WriteString("The return waves follow publicly reported repatriation operations (dates and\n")
	b.WriteString("headline numbers); every person, household, need, service, follow-up and case\n")
	b.WriteString("outcome is invented. Pseudonyms carry an S: persons " + cc + "-S..., households\n")
	b.WriteString(cc + "H-S..., services " + cc + "S-S.... Do not use these figures as facts about\n")
	b.WriteString("any programme.\n\nWaves (date, operation, counts; the rules that filled gaps in the reports, and\nthe details taken from the source notes):\n")
	for _, w := range waves {
		fmt.Fprintf(&b, "- %s  %s: persons %d = women %d + children %d + men %d, from %s\n",
			w.Date.Format(time.DateOnly), w.name(), w.Persons(), w.Women, w.Children, w.Men, strings.Join(w.ReturnFrom, ", "))
		for _, r := range w.Rules {
			fmt.Fprintf(&b, "    - %s\n", r)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte(b.String()), 0o644); err != nil {
		return fmt.Errorf("synth: %w", err)
	}
	return nil
}
