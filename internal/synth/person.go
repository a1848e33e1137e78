package synth

import (
	"math"
	"math/rand/v2"
)

// Code lists, in contract order (data-contract.md).
var (
	legalStatuses  = []string{"none", "investigation", "prosecuted", "convicted", "released"}
	closureReasons = []string{"reintegrated", "transferred", "relocated", "deceased", "lost_contact", "other"}
	providerTypes  = []string{"government", "ngo", "community", "international"}
	serviceTypes   = []string{"medical", "psychosocial", "education", "vocational", "employment", "housing", "documentation", "legal", "family_reunification", "financial"}
	householdRoles = []string{"head", "spouse", "child", "other"}
)

const (
	legalNone = iota
	legalInvestigation
	legalProsecuted
	legalConvicted
	legalReleased
)

const (
	roleHead = iota
	roleSpouse
	roleChild
	roleOther
)

const (
	svcMedical = iota
	svcPsychosocial
	svcEducation
	svcVocational
	svcEmployment
	svcHousing
	svcDocumentation
	svcLegal
	svcFamily
	svcFinancial
	nServiceTypes
)

const (
	statusDelivered = "delivered"
	statusReferred  = "referred"
	statusDeclined  = "declined"
)

// Legal status mixes (weights in legalStatuses order).
var (
	womenLegalMix = []float64{0.76, 0.06, 0.03, 0.05, 0.10}
	menLegalMix   = []float64{0, 0.45, 0.35, 0.15, 0.05}
)

// closureMix are the weights of the closure reasons.
var closureMix = []float64{0.74, 0.06, 0.08, 0.015, 0.08, 0.025}

// Need profiles: the probability that an assessment finds each need type
// (serviceTypes order), by age group at return.
var (
	needsYoung  = [nServiceTypes]float64{0.80, 0.60, 0.06, 0, 0, 0.08, 0.80, 0.02, 0.08, 0.08}       // 0-5
	needsSchool = [nServiceTypes]float64{0.60, 0.80, 0.90, 0.05, 0, 0.08, 0.65, 0.03, 0.08, 0.08}    // 6-17
	needsWoman  = [nServiceTypes]float64{0.65, 0.85, 0.03, 0.35, 0.30, 0.40, 0.55, 0.20, 0.12, 0.40} // women 18+
	needsMan    = [nServiceTypes]float64{0.50, 0.65, 0, 0.30, 0.40, 0.20, 0.45, 0.90, 0.05, 0.20}    // men 18+
)

// Per need type: the chance the need is met (a delivered service of the same
// type), and the delay from identification to delivery, minimum + up to
// spread days (triangular-ish).
var (
	metShare = [nServiceTypes]float64{0.94, 0.93, 0.90, 0.72, 0.58, 0.62, 0.88, 0.85, 0.65, 0.78}
	lagMin   = [nServiceTypes]int{0, 0, 10, 30, 45, 30, 14, 7, 20, 10}
	lagSpr   = [nServiceTypes]int{20, 24, 120, 180, 300, 240, 150, 120, 200, 90}
	// Core needs are found at the first assessment; the others half the
	// time later, as the case worker learns more.
	coreNeed = [nServiceTypes]bool{true, true, true, false, false, false, true, false, true, false}
)

// providerMix are the provider_type weights per service type.
var providerMix = [nServiceTypes][]float64{
	{0.60, 0.15, 0.15, 0.10}, // medical
	{0.35, 0.30, 0.15, 0.20}, // psychosocial
	{0.80, 0.05, 0.10, 0.05}, // education
	{0.40, 0.35, 0.10, 0.15}, // vocational
	{0.50, 0.25, 0.15, 0.10}, // employment
	{0.55, 0.10, 0.30, 0.05}, // housing
	{0.85, 0.05, 0.02, 0.08}, // documentation
	{0.60, 0.25, 0.05, 0.10}, // legal
	{0.45, 0.15, 0.10, 0.30}, // family_reunification
	{0.45, 0.15, 0.20, 0.20}, // financial
}

// never is a day after any date we write.
const never = math.MaxInt32

// member is one person of a household being generated.
type member struct {
	sex   byte // 'F' or 'M'
	role  uint8
	age   int // at return
	uam   bool
	legal uint8
}

// chunk holds the CSV bytes of a run of households, one buffer per table.
type chunk struct {
	buf  [4][]byte
	rows [4]int64
}

const (
	tReturnees = iota
	tNeeds
	tServices
	tFollowups
)

// worker generates households. It is not safe for concurrent use; each
// goroutine has its own.
type worker struct {
	g       *countryGen
	src     rand.PCG
	r       *rand.Rand
	members []member
	kids    []member
}

func newWorker(g *countryGen) *worker {
	w := &worker{g: g}
	w.r = rand.New(&w.src)
	return w
}

// household generates household hi into c.
func (w *worker) household(c *chunk, hi int) {
	g, r := w.g, w.r
	h := &g.hh[hi]
	w.src.Seed(g.seed, uint64(hi))
	wave := &g.waves[h.wave]
	region := g.regions.pick(r.Float64())
	origin := wave.ReturnFrom[h.origin]

	// Composition: ages are drawn children first, so that a mother is at
	// least 16 years older than her eldest child.
	kids := w.kids[:0]
	eldest := -1
	for i := range int(h.children) {
		age := childAge(r)
		eldest = max(eldest, age)
		sex := byte('F')
		if (h.boys < 0 && r.IntN(2) == 0) || i < int(h.boys) {
			sex = 'M'
		}
		kids = append(kids, member{sex: sex, role: roleChild, age: age, uam: h.kind == kindMinors})
	}
	w.kids = kids
	ms := w.members[:0]
	womanAge := func() int {
		a := 19 + r.IntN(14) + r.IntN(14) // 19..45, mostly around 32
		if eldest >= 0 {
			a = max(a, eldest+16+r.IntN(6))
		}
		return a
	}
	womanLegal := func() uint8 {
		switch {
		case wave.womenLegal != "":
			return uint8(indexOf(legalStatuses, wave.womenLegal))
		case h.womanLegal > 0:
			return h.womanLegal - 1
		}
		return uint8(pickWeighted(r, womenLegalMix))
	}
	manLegal := func() uint8 {
		if wave.menLegal != "" {
			return uint8(indexOf(legalStatuses, wave.menLegal))
		}
		return uint8(pickWeighted(r, menLegalMix))
	}
	switch h.kind {
	case kindMother:
		ms = append(ms, member{sex: 'F', role: roleHead, age: womanAge(), legal: womanLegal()})
	case kindCouple:
		wa := womanAge()
		ms = append(ms,
			member{sex: 'M', role: roleHead, age: max(wa+r.IntN(10), eldest+18), legal: manLegal()},
			member{sex: 'F', role: roleSpouse, age: wa, legal: womanLegal()})
	case kindMan:
		ms = append(ms, member{sex: 'M', role: roleHead, age: max(20+r.IntN(16)+r.IntN(16), eldest+18), legal: manLegal()})
	}
	for range h.others {
		// A grandmother, sister or co-wife.
		ms = append(ms, member{sex: 'F', role: roleOther, age: 18 + r.IntN(45), legal: womanLegal()})
	}
	// Adults first, as case files list them.
	ms = append(ms, kids...)
	w.members = ms

	// The household travels together: one shift from the wave's day for
	// most, an individual one for a few (separate flights, late
	// registration).
	hShift := 0
	if r.Float64() < 0.15 {
		hShift = householdShifts[r.IntN(len(householdShifts))]
	}
	// Case closure: a household's cases are often closed together (one
	// date, one reason); otherwise each person's case closes at its own
	// time, at a pace the household shares.
	hc := closure{mean: 700 + r.Float64()*900}
	hc.draw(r)
	together := r.Float64() < 0.5
	for together && closureReasons[hc.reason] == "deceased" {
		hc.reason = pickWeighted(r, closureMix) // a death closes one case, not the family's
	}
	for i := range ms {
		shift := hShift
		if r.Float64() < 0.06 {
			shift += 1 - 2*r.IntN(2)
		}
		shift = max(-JitterDays, min(JitterDays, shift))
		ret := min(g.waveDays[h.wave]+int32(shift), g.asOf)
		pc := hc
		if !together {
			pc.draw(r)
		}
		w.person(c, h, hi, &ms[i], i, ret, region, origin, pc)
	}
}

// householdShifts are the days a household that does not arrive on the
// wave's day arrives early or late.
var householdShifts = []int{-2, -1, -1, 1, 1, 1, 2}

// closure is when (in days after the wave) and why a case closes.
type closure struct {
	mean   float64 // mean days after the first year
	after  int
	reason int
}

// draw draws a closure: not within the first year of the programme, then
// at the household's pace; reasons mostly reintegrated.
func (c *closure) draw(r *rand.Rand) {
	c.after = 365 + int(r.ExpFloat64()*c.mean)
	c.reason = pickWeighted(r, closureMix)
}

// childAge draws a child's age at return: most were born in the conflict
// zone or taken there young.
func childAge(r *rand.Rand) int {
	if r.Float64() < 0.85 {
		return r.IntN(12)
	}
	return 12 + r.IntN(6)
}

func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	panic("synth: unknown code " + s)
}

// person generates one person's returnee row and the needs, services and
// follow-ups of their case from return to the end of the data.
func (w *worker) person(c *chunk, h *household, hi int, m *member, idx int, ret int32, region, origin string, cl closure) {
	g, r := w.g, w.r
	num := int(h.firstPerson) + idx + 1
	birthYear := yearOf(ret) - m.age
	adult := m.age >= 18

	closed := false
	end := g.asOf
	reason := cl.reason
	if closeAt := int64(g.waveDays[h.wave]) + int64(cl.after); closeAt <= int64(g.asOf) {
		closed, end = true, max(ret, int32(closeAt))
	}
	// Contact ends at closure; for lost contact some months earlier, and a
	// few open cases have silently stopped being followed up.
	lastContact := end
	switch {
	case closed && closureReasons[reason] == "lost_contact":
		lastContact = max(ret, end-90-int32(r.IntN(270)))
	case !closed && r.Float64() < 0.04:
		lastContact = max(ret, ret+180+int32(r.IntN(720)))
		lastContact = min(lastContact, end)
	}

	// returnees row
	b := c.buf[tReturnees]
	b = g.appendPID(b, num)
	b = append(b, ',')
	b = append(b, g.hhPrefix...)
	b = appendPadded(b, hi+1, 7)
	b = append(b, ',')
	b = append(b, g.cc...)
	b = append(b, ',')
	b = append(b, region...)
	b = append(b, ',', m.sex, ',')
	b = appendPadded(b, birthYear, 4)
	b = append(b, ',')
	b = appendDate(b, ret)
	b = append(b, ',')
	b = append(b, origin...)
	b = append(b, ',')
	b = append(b, householdRoles[m.role]...)
	b = append(b, ',')
	if r.Float64() >= 0.003 {
		b = appendBool(b, m.uam)
	}
	b = append(b, ',')
	if !adult || r.Float64() >= 0.01 {
		b = append(b, legalStatuses[m.legal]...)
	}
	if closed {
		b = append(b, ",closed,"...)
		b = appendDate(b, end)
		b = append(b, ',')
		b = append(b, closureReasons[reason]...)
		b = append(b, '\n')
	} else {
		b = append(b, ",open,,\n"...)
	}
	c.buf[tReturnees] = b
	c.rows[tReturnees]++

	// Needs at assessment and the services that answer them.
	profile := &needsSchool
	switch {
	case m.age < 6:
		profile = &needsYoung
	case adult && m.sex == 'F':
		profile = &needsWoman
	case adult:
		profile = &needsMan
	}
	assess := ret + int32(r.IntN(8))
	var svcSeq int
	docDay, eduDay, empBoost := int32(ret), int32(ret), 0.0
	psychMet := false
	for t := range nServiceTypes {
		p := profile[t]
		switch {
		case t == svcLegal && m.legal != legalNone:
			p = 0.85
		case t == svcFamily && m.uam:
			p = 0.6
		}
		if p == 0 || r.Float64() >= p {
			continue
		}
		id := assess + int32(r.IntN(5))
		if !coreNeed[t] && r.Float64() < 0.5 {
			id = assess + 30 + int32(r.IntN(330))
		}
		if id > lastContact {
			continue
		}
		c.buf[tNeeds] = g.appendNeed(c.buf[tNeeds], num, t, id)
		c.rows[tNeeds]++

		delivered := int32(never)
		if r.Float64() < metShare[t] {
			lag := int32(lagMin[t] + (r.IntN(lagSpr[t]+1)+r.IntN(lagSpr[t]+1))/2)
			if r.Float64() < 0.15 {
				ref := id + int32(r.IntN(int(lag)/2+1))
				w.service(c, num, &svcSeq, t, ref, lastContact, statusReferred)
			}
			delivered = id + lag
			if !w.service(c, num, &svcSeq, t, delivered, lastContact, statusDelivered) {
				delivered = never
			}
		} else {
			switch u := r.Float64(); {
			case u < 0.35:
				w.service(c, num, &svcSeq, t, id+int32(r.IntN(30)), lastContact, statusDeclined)
			case u < 0.65:
				w.service(c, num, &svcSeq, t, id+int32(r.IntN(60)), lastContact, statusReferred)
			}
		}
		switch t {
		case svcDocumentation:
			docDay = delivered
		case svcEducation:
			eduDay = delivered
		case svcEmployment, svcVocational:
			if delivered != never {
				empBoost += 0.15
			}
		case svcPsychosocial:
			psychMet = delivered != never
		}
	}
	// Services beyond the assessed needs: a health check on arrival,
	// further counselling sessions, medical follow-up, and now and then a
	// one-off (financial aid, housing, a second document).
	if r.Float64() < 0.55 {
		w.service(c, num, &svcSeq, svcMedical, ret+int32(r.IntN(4)), lastContact, statusDelivered)
	}
	if psychMet {
		d := assess
		for range r.IntN(5) {
			d += 30 + int32(r.IntN(120))
			w.service(c, num, &svcSeq, svcPsychosocial, d, lastContact, statusDelivered)
		}
	}
	if r.Float64() < 0.5 {
		w.service(c, num, &svcSeq, svcMedical, ret+30+int32(r.IntN(700)), lastContact, statusDelivered)
	}
	if r.Float64() < 0.3 {
		t := []int{svcFinancial, svcHousing, svcDocumentation, svcFamily, svcLegal}[r.IntN(5)]
		st := statusDelivered
		if r.Float64() < 0.2 {
			st = statusReferred
		}
		w.service(c, num, &svcSeq, t, ret+int32(r.IntN(900)), lastContact, st)
	}

	// Ongoing support while the case stays open: after about eighteen months,
	// a session or check-up every nine to fifteen months (school support for
	// children, counselling, health, work for adults), mostly delivered.
	// Without it a caseload years after its return shows almost no services.
	if !closed {
		ongoing := []int{svcPsychosocial, svcMedical}
		switch {
		case m.age+int(yearOf(g.asOf)-yearOf(ret)) < 18:
			ongoing = append(ongoing, svcEducation, svcEducation)
		case adult:
			ongoing = append(ongoing, svcVocational, svcEmployment)
		}
		for d := ret + 540 + int32(r.IntN(180)); d <= lastContact; d += 270 + int32(r.IntN(180)) {
			st := statusDelivered
			if r.Float64() < 0.12 {
				st = statusReferred
			}
			w.service(c, num, &svcSeq, ongoing[r.IntN(len(ongoing))], d, lastContact, st)
		}
	}

	w.followups(c, num, m, birthYear, ret, lastContact, docDay, eduDay, empBoost, closed && closureReasons[reason] == "reintegrated")
}

// service appends a services row dated day unless day is after last; it
// reports whether it did.
func (w *worker) service(c *chunk, num int, seq *int, t int, day, last int32, status string) bool {
	if day > last {
		return false
	}
	*seq++
	g := w.g
	b := c.buf[tServices]
	b = append(b, g.svcPrefix...)
	b = appendPadded(b, num, 7)
	b = append(b, '-')
	b = appendPadded(b, *seq, 2)
	b = append(b, ',')
	b = g.appendPID(b, num)
	b = append(b, ',')
	b = append(b, serviceTypes[t]...)
	b = append(b, ',')
	b = appendDate(b, day)
	b = append(b, ',')
	b = append(b, providerTypes[pickWeighted(w.r, providerMix[t])]...)
	b = append(b, ',')
	b = append(b, status...)
	b = append(b, '\n')
	c.buf[tServices] = b
	c.rows[tServices]++
	return true
}

// followups appends the person's periodic assessments: the first one to
// three months after return, then every three to six months (now and then
// a longer gap) until contact ends. Scores rise from a low start towards a
// person-specific plateau; documents arrive when the documentation service
// is delivered; children of school age are enrolled once the education
// service is; adults find work at a person-specific pace.
func (w *worker) followups(c *chunk, num int, m *member, birthYear int, ret, last, docDay, eduDay int32, empBoost float64, reintegrated bool) {
	r := w.r
	g := w.g
	base := [3]float64{0.12 + 0.25*r.Float64(), 0.2 + 0.25*r.Float64(), 0.18 + 0.25*r.Float64()}
	gain := [3]float64{0.2 + 0.4*r.Float64(), 0.2 + 0.35*r.Float64(), 0.2 + 0.35*r.Float64()}
	if reintegrated {
		for i := range gain {
			gain[i] += 0.08
		}
	}
	tau := 1.0 + 1.5*r.Float64() // years to get ~63% of the way
	empRate := (0.05 + 0.25*r.Float64() + empBoost) * 0.5
	employed := false
	enrolledP := 0.93

	d := ret + 30 + int32(r.IntN(60))
	for d <= last {
		b := c.buf[tFollowups]
		b = g.appendPID(b, num)
		b = append(b, ',')
		b = appendDate(b, d)
		years := float64(d-ret) / 365.25
		progress := 1 - math.Exp(-years/tau)
		for i := range 3 {
			b = append(b, ',')
			if r.Float64() < 0.03 {
				continue // not assessed
			}
			v := base[i] + gain[i]*progress + 0.03*r.NormFloat64()
			b = appendMilli(b, int(math.Round(v*1000)))
		}
		age := yearOf(d) - birthYear
		b = append(b, ',')
		if age >= 6 && age < 18 && r.Float64() >= 0.04 {
			b = appendBool(b, d >= eduDay && r.Float64() < enrolledP)
		}
		b = append(b, ',')
		if age >= 18 {
			if employed {
				employed = r.Float64() >= 0.08
			} else {
				employed = r.Float64() < empRate*progress+0.02
			}
			if r.Float64() >= 0.04 {
				b = appendBool(b, employed)
			}
		}
		b = append(b, ',')
		if r.Float64() >= 0.03 {
			b = appendBool(b, d >= docDay)
		}
		b = append(b, '\n')
		c.buf[tFollowups] = b
		c.rows[tFollowups]++

		step := 90 + int32(r.IntN(100))
		if r.Float64() < 0.08 {
			step += 90 + int32(r.IntN(180))
		}
		d += step
	}
}
