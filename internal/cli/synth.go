package cli

import (
	"context"
	"fmt"
	"time"

	"rrstat/internal/synth"
)

func runSynth(ctx context.Context, e *env, args []string) int {
	fs := newFlags(e, "synth", "[--out DIR] [--persons N] [--seed S] [--as-of YYYY-MM-DD] [--country CC]... [--json]",
		"Writes SYNTHETIC exports, one folder per country (export-UZ ...), that follow the publicly\n"+
			"reported repatriation operations of 2019-2024. With --persons the waves are scaled up to\n"+
			"about N persons in total (for trials and benchmarks). Nothing here is real data.")
	out := fs.String("out", "out/synthetic", "the folder to write the exports into")
	persons := fs.Int("persons", 0, "about this many persons in total (0: the reported operations exactly)")
	seed := fs.Uint64("seed", 1, "the random seed (the same options write the same bytes)")
	asOf := fs.String("as-of", "", "the date of the data; nothing is dated after it (default: the end of the latest complete quarter)")
	var countries listFlag
	fs.Var(&countries, "country", "only country `CC` (repeatable; default KG, KZ, TJ, UZ)")
	asJSON := fs.Bool("json", false, "print what was written as JSON on stdout")
	pos, code, ok := parse(e, fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(e, "synth", "unexpected argument %q", pos[0])
	}
	if *persons < 0 {
		return usageError(e, "synth", "--persons must not be negative")
	}
	day, err := asOfDate(e, *asOf)
	if err != nil {
		return usageError(e, "synth", "%v", err)
	}
	sum, err := synth.Generate(*out, synth.Options{Seed: *seed, AsOf: day, Persons: *persons, Countries: countries})
	if err != nil {
		return failf(e, "synth", "%v", err)
	}
	if *asJSON {
		if err := e.writeJSON(sum); err != nil {
			return failf(e, "synth", "%v", err)
		}
		return ExitOK
	}
	for _, c := range sum.Countries {
		fmt.Fprintf(e.stderr, "%s: %d persons, %d rows, %.1f MB (synthetic)\n", c.Dir, c.Rows.Returnees, c.Rows.Total(), float64(c.Bytes)/1e6)
	}
	return ExitOK
}

// asOfDate parses --as-of, defaulting to the last day of the latest
// complete quarter before today.
func asOfDate(e *env, s string) (time.Time, error) {
	if s == "" {
		return latestQuarterEnd(e.now()), nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("--as-of %q is not a date YYYY-MM-DD", s)
	}
	if t.After(e.now().UTC()) {
		return time.Time{}, fmt.Errorf("--as-of %s is in the future: exports cannot hold dates after the day they are loaded", s)
	}
	return t, nil
}
