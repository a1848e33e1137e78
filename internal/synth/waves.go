package synth

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// JitterDays is how far around its wave's date a person's return_date may
// fall: most persons of a wave arrive on the operation's day, a few up to
// JitterDays before or after it (separate flights, late registration), as
// in the sample exports. Waves of one country are at least 2*JitterDays+1
// days apart, so each person belongs to exactly one wave window.
const JitterDays = 2

// Wave is one return wave of the generated data: an operation of
// operations.csv (or one part of an undated aggregate) resolved to a day,
// its origins and complete counts of women, children and men. Women and men
// are 18 or older at return (year(return_date) - birth_year), children
// younger. With Options.Persons > 0 the counts are the scaled ones.
type Wave struct {
	Country    string
	Operation  string    // Operation.Name
	Part       int       // 1-based; an undated aggregate is spread over Parts waves
	Parts      int       // 1 for a dated operation
	Date       time.Time // the day most of the wave arrives (UTC)
	ReturnFrom []string  // origins, given to the wave's households in turn
	Women      int
	Children   int
	Men        int
	// Rules says, in words, how each gap in the reported figures was
	// filled and which details of the source note were used; empty when
	// the counted columns say everything.
	Rules []string

	// Details from the source notes, scaled like the counts.
	boys, girls   int    // children by sex; both 0 = not reported (random)
	orphans       int    // children travelling without a parent in a wave with adults
	families      int    // households headed by a woman; 0 = one per woman
	womenLegal    string // legal_status of every woman; "" = the usual mix
	womenDetained int    // women with legal_status investigation
	menLegal      string // legal_status of every man; "" = the usual mix
}

// Persons returns the number of persons in the wave.
func (w Wave) Persons() int { return w.Women + w.Children + w.Men }

// name is the wave's operation name, with "part i of n" for a part of an
// undated aggregate.
func (w Wave) name() string {
	if w.Parts > 1 {
		return fmt.Sprintf("%s, part %d of %d", w.Operation, w.Part, w.Parts)
	}
	return w.Operation
}

// facts are what the notes of operations.csv add to (or derive for) the
// counted columns, keyed by country and exact operation name. Every entry
// must match an operation (tested).
type facts struct {
	day            int        // month precision: the day the note names
	dayRule        string     // why that day
	derived        *headcount // replaces the unreported counts
	derivedRule    string
	adultsAreWomen string // non-empty: adults of unreported sex are women, for this reason
	boys, girls    int
	orphans        int
	families       int
	womenLegal     string
	womenDetained  int
	menLegal       string
	spread         []spreadPart // undated aggregate: generated as these parts
	spreadRule     string
}

type headcount struct{ persons, women, children, men int }

type spreadPart struct {
	date   string // YYYY-MM-DD
	origin string
}

type opKey struct{ country, name string }

// noteFacts are the per-operation choices. Each comment says what the note
// reports and which rule fills which gap.
var noteFacts = map[opKey]facts{
	// 39 boys, 25 girls; mothers held in Iraqi prisons: no adults, so all
	// children are unaccompanied (the generic rule for child-only waves).
	// The 2 orphans are among them.
	{"UZ", "Mehr-2"}: {boys: 39, girls: 25},
	// "the sex of the 5 adults is not given (... Interior Ministry calls it
	// a group of women and children)": the 5 adults are women. 4 of the
	// 19 children are orphans.
	{"UZ", "Mehr-4"}: {
		adultsAreWomen: "the 5 adults of unreported sex are taken as women: the Interior Ministry calls the group women and children",
		orphans:        4,
	},
	// 7 full orphans.
	{"UZ", "Mehr-5"}: {orphans: 7},
	// 18 orphans; "the 16 men and 4 women were detained".
	{"KZ", "Zhusan/Jusan-2"}: {orphans: 18, womenDetained: 4, menLegal: "investigation"},
	// Only the 171 children are reported. The KNB running total after this
	// stage (524: 357 children, 137 women, 30 men) minus stages 1 and 2
	// (47 = 11+30+6, 231 = 59+156+16) gives 67 women, 171 children, 8 men,
	// 246 persons: derived, not reported. The 71 more of the official 2019
	// total (595) are unexplained in the sources and are not generated.
	{"KZ", "Zhusan/Jusan-3"}: {
		derived:     &headcount{persons: 246, women: 137 - 11 - 59, children: 171, men: 30 - 6 - 16},
		derivedRule: "persons 246 = 67 women + 171 children + 8 men, derived from the KNB running total after stage 3 (524: 137 women, 357 children, 30 men) minus stages 1 and 2; the 71 unexplained persons of the official 2019 total (595) are not generated",
	},
	// 8 girls, 6 boys, children of women held in Rusafa prison: child-only
	// wave, all unaccompanied.
	{"KZ", "Rusafa"}: {boys: 6, girls: 8},
	// 2 orphans; the men face prosecution.
	{"KZ", "Jusan (continuation; 'Jusan-5' per Caravanserai, '4th stage' per Astana TV)"}: {orphans: 2, menLegal: "prosecuted"},
	// Month precision (2023-05). The note dates the flight to Dushanbe on
	// 21 May 2023 (the onward trip to Kazakhstan is undated, confirmed on
	// 5 Jun): we take the 21st, the earliest day the note allows.
	{"KZ", "Jusan (on Tajikistan's flight)"}: {day: 21, dayRule: "month precision: the 21st, the day of Tajikistan's flight the note names (the earliest day the note allows)"},
	// "(unnamed additional returns)": 10 "women and children" from Syria
	// and Turkey in 2024-2025, no dates, no split, one aggregate. We
	// generate it rather than drop it, so that KG's totals match the
	// reported sum of operations. The split is the generic one for an
	// aggregate without a split (pooledSplit): KG's operations from SY or
	// TR with a reported split are the six Aikol flights (137 women, 317
	// children, no men of 454), which gives 3 women and 7 children, no
	// men, as "women and children" says. Spread over three waves on the
	// 15th of October 2024, February 2025 and June 2025 (evenly between
	// Aikol-6 in July 2024 and the 2025 report), returned from SY, TR and
	// SY in turn.
	{"KG", "(unnamed additional returns)"}: {
		spread: []spreadPart{
			{"2024-10-15", "SY"}, {"2025-02-15", "TR"}, {"2025-06-15", "SY"},
		},
		spreadRule: "no date: spread over three waves on 2024-10-15 (SY), 2025-02-15 (TR) and 2025-06-15 (SY), between Aikol-6 (July 2024) and the 2025 report",
	},
	// "(further returns in smaller groups, to the national total of more
	// than 530 since 2019)": 96 persons from SY and IQ, no date, no split;
	// "Mehr-1 to Mehr-5 account for 435; the remaining 96 are spread over
	// 2019-2024 like the unnamed Kyrgyz returns". Generated so that UZ's
	// returned to date is the reported 531 by the end of 2024.
	//
	// Split: the generic rule (pooledSplit). UZ's operations from SY or IQ
	// with a reported split are Mehr-1, -2, -3 and -5 (97 women, 312
	// children, 2 men of 411; Mehr-4 is left out twice over: an
	// evacuation from Afghanistan, and the sex of its 5 adults is our
	// assumption), which gives 23 women, 73 children and no men (0.47 of a
	// man rounds to none, as UZ returned 2 men in 435).
	//
	// Dates: nothing says when, so evenly over the six years: twelve waves
	// ("smaller groups" of about 8), every six months on the 15th of March
	// and September from 2019 to 2024, the counts shared out evenly (8 or
	// 9 persons, the last 7). Mid-month, so that no wave's arrivals
	// straddle a quarter, and clear of every Mehr flight (the nearest,
	// Mehr-4, is 13 days before 2021-03-15); the mean date is about two
	// weeks before the middle of 2019-2024. Every part lies in 2019-2024,
	// so the total is reached by the end of 2024.
	//
	// Origins: one per wave, as for the unnamed Kyrgyz returns, but in the
	// proportion of UZ's reported returns from each place rather than in
	// turn: the Mehr flights from SY and IQ carried 347 and 64 persons, so
	// 2 of the 12 waves (64/411 of 12 = 1.9) are from IQ, spaced evenly:
	// the 4th and the 10th (September 2020 and 2023).
	{"UZ", "(further returns in smaller groups, to the national total of more than 530 since 2019)"}: {
		spread: everyMonths("2019-03-15", 6, 12, func(i int) string {
			if i%6 == 3 {
				return "IQ"
			}
			return "SY"
		}),
		spreadRule: "no date: spread evenly over 2019-2024 as twelve waves every six months on the 15th of March and September, the counts shared out evenly; from SY except 2020-09-15 and 2023-09-15 from IQ (2 of 12 waves, as the Mehr flights from SY and IQ carried 347 and 64 persons)",
	},
	// Month precision (2023-04); "the ambassador went to Baghdad on 17 Apr
	// 2023 to oversee the return of three women who had served their
	// sentences": the 17th, and legal_status released.
	{"TJ", "(Iraq, women released from prison)"}: {
		day: 17, dayRule: "month precision: the 17th, the day the note says the ambassador went to Baghdad for the return (the earliest day the note allows)",
		womenLegal: "released",
	},
	// "29 families".
	{"TJ", "(Syria, 2nd group from Syria)"}: {families: 29},
	// "13 families; 17 girls and 15 boys".
	{"TJ", "(Syria, 'fourth group')"}: {families: 13, boys: 15, girls: 17},
}

// defaultDay is the day used for a month-precision date whose note names no
// day: the middle of the month.
const defaultDay = 15

// resolveWaves turns the operations into waves, filling every gap by the
// rules of noteFacts and these generic ones, in order:
//
//  1. A count the note lets us derive replaces the unreported ones
//     (noteFacts.derived).
//  2. When exactly one count is unreported and persons is reported, it is
//     persons minus the others (Mehr-3: men = 98 - 25 - 73 = 0).
//  3. When women and men are both unreported, adults = persons - children;
//     no adults gives a child-only wave (Mehr-2, Meerim ...) whose children
//     are all unaccompanied; adults of unreported sex are women where a note
//     says so (Mehr-4) and otherwise also women (the returns to Central
//     Asia were overwhelmingly women and children; the rule is listed).
//  4. Unreported counts with nothing left over are 0 (TJ's three women
//     released from prison: no children, no men).
//  5. When persons is reported and none of women, children and men is
//     (an aggregate such as "further returns in smaller groups"), persons
//     is split by the pooled shares of the country's operations with a
//     reported split (pooledSplit).
//  6. persons, when unreported, is women + children + men.
//
// Dates: a day date is used as is; a month date takes the day its note
// names, otherwise the 15th; an undated aggregate is spread as its facts say
// and is skipped (and listed in skipped) when they say nothing. It returns
// an error when the reported figures contradict each other.
func resolveWaves(ops []Operation) (waves []Wave, skipped []string, err error) {
	for _, op := range ops {
		f := noteFacts[opKey{op.Country, op.Name}]
		w := Wave{
			Country: op.Country, Operation: op.Name, Part: 1, Parts: 1,
			ReturnFrom: op.ReturnedFrom,
			boys:       f.boys, girls: f.girls, orphans: f.orphans, families: f.families,
			womenLegal: f.womenLegal, womenDetained: f.womenDetained, menLegal: f.menLegal,
		}
		p, wo, c, m := op.Persons, op.Women, op.Children, op.Men
		if f.derived != nil {
			d := f.derived
			for _, x := range []struct {
				c *Count
				v int
			}{{&p, d.persons}, {&wo, d.women}, {&c, d.children}, {&m, d.men}} {
				if !x.c.Reported() {
					*x.c = Count(x.v)
				}
			}
			w.Rules = append(w.Rules, f.derivedRule)
		}
		unrep := 0
		for _, x := range []Count{wo, c, m} {
			if !x.Reported() {
				unrep++
			}
		}
		known := func() int {
			s := 0
			for _, x := range []Count{wo, c, m} {
				if x.Reported() {
					s += int(x)
				}
			}
			return s
		}
		if p.Reported() && unrep > 0 {
			rest, names := int(p)-known(), unreportedName(wo, c, m)
			switch {
			case rest < 0:
				return nil, nil, fmt.Errorf("operation %s %q: the reported counts exceed persons %d", op.Country, op.Name, p)
			case unrep == 1:
				for _, x := range []*Count{&wo, &c, &m} {
					if !x.Reported() {
						*x = Count(rest)
					}
				}
				w.Rules = append(w.Rules, fmt.Sprintf("%s = persons - the reported counts = %d", names, rest))
			case rest == 0:
				w.Rules = append(w.Rules, fmt.Sprintf("%s not reported and nothing left of persons %d: 0", names, p))
				for _, x := range []*Count{&wo, &c, &m} {
					if !x.Reported() {
						*x = 0
					}
				}
			case !wo.Reported() && !m.Reported() && c.Reported():
				wo, m = Count(rest), 0
				if f.adultsAreWomen != "" {
					w.Rules = append(w.Rules, f.adultsAreWomen)
				} else {
					w.Rules = append(w.Rules, fmt.Sprintf("the %d adults of unreported sex are taken as women (returns to Central Asia were overwhelmingly women and children)", rest))
				}
			case unrep == 3:
				split, rule, err := pooledSplit(op, ops)
				if err != nil {
					return nil, nil, err
				}
				wo, c, m = Count(split[0]), Count(split[1]), Count(split[2])
				w.Rules = append(w.Rules, rule)
			default:
				return nil, nil, fmt.Errorf("operation %s %q: cannot split persons %d into women %s, children %s, men %s", op.Country, op.Name, p, wo, c, m)
			}
		}
		if !p.Reported() {
			if unrep > 0 {
				return nil, nil, fmt.Errorf("operation %s %q: persons and %s not reported and no rule derives them", op.Country, op.Name, unreportedName(wo, c, m))
			}
			p = Count(known())
			if f.derived == nil {
				w.Rules = append(w.Rules, fmt.Sprintf("persons = women + children + men = %d", p))
			}
		}
		w.Women, w.Children, w.Men = int(wo), int(c), int(m)
		if w.Persons() != int(p) {
			return nil, nil, fmt.Errorf("operation %s %q: persons %d != women %d + children %d + men %d", op.Country, op.Name, p, wo, c, m)
		}
		if w.Women+w.Men == 0 && w.Children > 0 {
			w.Rules = append(w.Rules, "no adults: all children unaccompanied (mothers held abroad), in sibling groups")
		}
		if w.boys+w.girls > 0 && w.boys+w.girls != w.Children {
			return nil, nil, fmt.Errorf("operation %s %q: noted boys %d + girls %d != children %d", op.Country, op.Name, w.boys, w.girls, w.Children)
		}
		w.Rules = append(w.Rules, noteRules(w)...)

		switch op.DatePrecision {
		case PrecisionDay:
			w.Date = op.Date
		case PrecisionMonth:
			day, rule := f.day, f.dayRule
			if day == 0 {
				day, rule = defaultDay, "month precision: the 15th (the note names no day)"
			}
			w.Date = op.Date.AddDate(0, 0, day-1)
			if w.Date.Month() != op.Date.Month() {
				return nil, nil, fmt.Errorf("operation %s %q: day %d is not in %s", op.Country, op.Name, day, op.Date.Format("2006-01"))
			}
			w.Rules = append(w.Rules, rule)
		default:
			if len(f.spread) == 0 {
				skipped = append(skipped, fmt.Sprintf("%s %s: no date and no rule to place it", op.Country, op.Name))
				continue
			}
			parts, err := spreadWave(w, f)
			if err != nil {
				return nil, nil, fmt.Errorf("operation %s %q: %w", op.Country, op.Name, err)
			}
			waves = append(waves, parts...)
			continue
		}
		waves = append(waves, w)
	}
	sortWaves(waves)
	for i := 1; i < len(waves); i++ {
		a, b := waves[i-1], waves[i]
		if a.Country == b.Country && b.Date.Sub(a.Date) <= 2*JitterDays*24*time.Hour {
			return nil, nil, fmt.Errorf("waves %s %q and %q are less than %d days apart: their arrivals would mix", a.Country, a.Operation, b.Operation, 2*JitterDays+1)
		}
	}
	return waves, skipped, nil
}

// noteRules describes the details a wave takes from its source note.
func noteRules(w Wave) []string {
	var rules []string
	if w.boys+w.girls > 0 {
		rules = append(rules, fmt.Sprintf("note: %d boys and %d girls", w.boys, w.girls))
	}
	if w.orphans > 0 {
		rules = append(rules, fmt.Sprintf("note: %d orphans, generated as unaccompanied minors in sibling groups", w.orphans))
	}
	if w.families > 0 {
		rules = append(rules, fmt.Sprintf("note: %d families, each headed by a woman; the other %d women join one as household_role other", w.families, w.Women-w.families))
	}
	if w.womenLegal != "" {
		rules = append(rules, "note: every woman has legal_status "+w.womenLegal)
	}
	if w.womenDetained > 0 {
		rules = append(rules, fmt.Sprintf("note: %d women detained on arrival: legal_status investigation", w.womenDetained))
	}
	if w.menLegal != "" {
		rules = append(rules, "note: every man has legal_status "+w.menLegal)
	}
	return rules
}

// spreadWave splits an undated aggregate into the parts of its facts,
// dividing every count as evenly as possible (earlier parts get the
// remainder).
func spreadWave(w Wave, f facts) ([]Wave, error) {
	n := len(f.spread)
	var out []Wave
	for i, sp := range f.spread {
		d, err := time.Parse(time.DateOnly, sp.date)
		if err != nil {
			return nil, err
		}
		p := w
		p.Part, p.Parts = i+1, n
		p.Date = d
		p.ReturnFrom = []string{sp.origin}
		p.Women = share(w.Women, i, n)
		p.Children = share(w.Children, i, n)
		p.Men = share(w.Men, i, n)
		p.boys, p.girls = share(w.boys, i, n), share(w.girls, i, n)
		p.orphans = share(w.orphans, i, n)
		p.families = share(w.families, i, n)
		p.womenDetained = share(w.womenDetained, i, n)
		p.Rules = append(slices.Clip(w.Rules), f.spreadRule)
		out = append(out, p)
	}
	return out, nil
}

// everyMonths returns n parts of a spread, the first on the day first
// (YYYY-MM-DD) and each the given number of months after the one before,
// part i (0-based) returned from origin(i). The day must be at most the
// 28th, so that every month has it.
func everyMonths(first string, months, n int, origin func(i int) string) []spreadPart {
	d, err := time.Parse(time.DateOnly, first)
	if err != nil || d.Day() > 28 {
		panic(fmt.Sprintf("everyMonths: first day %q", first))
	}
	parts := make([]spreadPart, n)
	for i := range parts {
		parts[i] = spreadPart{d.AddDate(0, i*months, 0).Format(time.DateOnly), origin(i)}
	}
	return parts
}

// share returns part i of total split into n near-equal parts.
func share(total, i, n int) int {
	s := total / n
	if i < total%n {
		s++
	}
	return s
}

// unreportedName names the unreported ones of women, children and men.
func unreportedName(women, children, men Count) string {
	var names []string
	for i, c := range []Count{women, children, men} {
		if !c.Reported() {
			names = append(names, operationsHeader[5+i])
		}
	}
	return strings.Join(names, " and ")
}

func sortWaves(waves []Wave) {
	slices.SortStableFunc(waves, func(a, b Wave) int {
		if c := strings.Compare(a.Country, b.Country); c != 0 {
			return c
		}
		return a.Date.Compare(b.Date)
	})
}

// scaleWaves multiplies every count of the waves by factor, rounding each to
// the nearest integer, so that the shape (dates, shares of women, children
// and men, orphans, families) stays that of the real operations. Each
// operation is rounded once: the parts of an undated aggregate (those kept
// up to AsOf) are scaled together and shared out again as spreadWave
// shares them, so that rounding many small parts one by one does not lose
// or add persons (twelve parts of 2 women and 6 children scaled by 0.2
// would give 12 children and no women, instead of 5 women and 14 children).
func scaleWaves(waves []Wave, factor float64) {
	sc := func(n int) int { return int(math.Round(float64(n) * factor)) }
	scale := func(w *Wave) {
		w.Women, w.Children, w.Men = sc(w.Women), sc(w.Children), sc(w.Men)
		if w.boys+w.girls > 0 {
			w.boys = min(sc(w.boys), w.Children)
			w.girls = w.Children - w.boys
		}
		w.orphans = min(sc(w.orphans), w.Children)
		w.families = min(sc(w.families), w.Women)
		w.womenDetained = min(sc(w.womenDetained), w.Women)
	}
	parts := map[opKey][]int{} // indexes of the parts of each aggregate, in date order
	var aggregates []opKey
	for i := range waves {
		w := &waves[i]
		if w.Parts <= 1 {
			scale(w)
			continue
		}
		k := opKey{w.Country, w.Operation}
		if parts[k] == nil {
			aggregates = append(aggregates, k)
		}
		parts[k] = append(parts[k], i)
	}
	for _, k := range aggregates {
		idx := parts[k]
		var sum Wave
		for _, i := range idx {
			w := &waves[i]
			sum.Women += w.Women
			sum.Children += w.Children
			sum.Men += w.Men
			sum.boys += w.boys
			sum.girls += w.girls
			sum.orphans += w.orphans
			sum.families += w.families
			sum.womenDetained += w.womenDetained
		}
		scale(&sum)
		n := len(idx)
		for j, i := range idx {
			w := &waves[i]
			w.Women, w.Children, w.Men = share(sum.Women, j, n), share(sum.Children, j, n), share(sum.Men, j, n)
			if sum.boys+sum.girls > 0 {
				w.boys = min(share(sum.boys, j, n), w.Children)
				w.girls = w.Children - w.boys
			}
			w.orphans = min(share(sum.orphans, j, n), w.Children)
			w.families = min(share(sum.families, j, n), w.Women)
			w.womenDetained = min(share(sum.womenDetained, j, n), w.Women)
		}
	}
}

// reportedSplit returns an operation's women, children and men when the
// source gives them, directly or by arithmetic on the reported figures
// alone (one count missing: persons minus the others; nothing left of
// persons: 0). An operation whose split needs an assumption (Mehr-4's
// adults of unreported sex) or another source (Jusan-3's KNB running
// total) has none.
func reportedSplit(op Operation) (split [3]int, ok bool) {
	counts := [3]Count{op.Women, op.Children, op.Men}
	known, unrep := 0, 0
	for _, c := range counts {
		if c.Reported() {
			known += int(c)
		} else {
			unrep++
		}
	}
	if unrep > 0 {
		if !op.Persons.Reported() {
			return split, false
		}
		rest := int(op.Persons) - known
		if rest < 0 || unrep > 1 && rest > 0 {
			return split, false
		}
		for i := range counts {
			if !counts[i].Reported() {
				counts[i] = Count(rest) // unrep == 1, or rest == 0
			}
		}
	}
	for i, c := range counts {
		split[i] = int(c)
	}
	return split, true
}

// pooledSplit splits the persons of an operation reported without any
// split into women, children and men (rule 5 of resolveWaves).
//
// The choice, as a statistician would make it: the unsplit persons are
// taken to be like the persons of the same country's operations that
// returned from the same places (camps in Syria are not prisons in Iraq,
// and an evacuation from Afghanistan is another population again), so the
// shares are those of the country's operations whose every origin is among
// the aggregate's origins; when there are none, those of all the country's
// operations. Only operations whose split is reported count
// (reportedSplit): a split we imputed ourselves is not fed back in as
// evidence. The shares are pooled, persons over persons (each person
// weighs the same, not each flight), and the counts are apportioned by
// largest remainder, so that they add up to persons exactly and each is
// within one of its exact share. The rule returned names the operations
// and the figures used.
func pooledSplit(op Operation, ops []Operation) (split [3]int, rule string, err error) {
	var names []string
	var sum [3]int
	pool := func(sameOrigin bool) {
		names, sum = nil, [3]int{}
		for _, o := range ops {
			if o.Country != op.Country || sameOrigin && !allIn(o.ReturnedFrom, op.ReturnedFrom) {
				continue
			}
			s, ok := reportedSplit(o)
			if !ok {
				continue
			}
			names = append(names, o.Name)
			for i := range sum {
				sum[i] += s[i]
			}
		}
	}
	from := "from " + strings.Join(op.ReturnedFrom, " or ")
	if pool(true); sum[0]+sum[1]+sum[2] == 0 {
		from = "from anywhere (none from " + strings.Join(op.ReturnedFrom, " or ") + ")"
		pool(false)
	}
	total := sum[0] + sum[1] + sum[2]
	if total == 0 {
		return split, "", fmt.Errorf("operation %s %q: no split reported, and no operation of %s with a reported split to take shares from", op.Country, op.Name, op.Country)
	}
	copy(split[:], apportion(int(op.Persons), sum[:]))
	rule = fmt.Sprintf("no split reported: the %d persons are taken as %d women, %d children and %d men, the pooled shares of %s's operations %s with a reported split (%s: %d women, %d children, %d men of %d), rounded by largest remainder",
		op.Persons, split[0], split[1], split[2], op.Country, from, strings.Join(names, ", "), sum[0], sum[1], sum[2], total)
	return split, rule, nil
}

// allIn reports whether every element of a is in b.
func allIn(a, b []string) bool {
	for _, x := range a {
		if !slices.Contains(b, x) {
			return false
		}
	}
	return true
}

// apportion splits total in proportion to weights (not all 0) by largest
// remainder: each part gets the integer part of its exact share, and the
// units left go to the largest fractional parts, ties to the earlier part.
// The parts add up to total.
func apportion(total int, weights []int) []int {
	sum := 0
	for _, w := range weights {
		sum += w
	}
	parts := make([]int, len(weights))
	rems := make([]int, len(weights)) // fractional parts, in units of 1/sum
	left := total
	for i, w := range weights {
		parts[i] = total * w / sum
		rems[i] = total * w % sum
		left -= parts[i]
	}
	order := make([]int, len(weights))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return rems[b] - rems[a] })
	for _, i := range order[:left] {
		parts[i]++
	}
	return parts
}
