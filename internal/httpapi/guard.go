package httpapi

import (
	"math"
	"net"
	"sort"
	"sync"
	"time"
)

// Guard says how the service treats a client address that keeps sending
// requests without a valid token (http.md: slowed, then 429), and how it
// logs a flood of refused requests: one by one up to a burst, then counted.
type Guard struct {
	// Forgive is how many failures per minute are forgiven (default 10).
	Forgive float64
	// Slow is the failures (net of those forgiven) beyond which each 401
	// is delayed, by 100 ms per failure beyond it up to MaxDelay (default 10).
	Slow float64
	// Block is the failures beyond which a request without a valid token
	// is answered 429 with Retry-After at once (default 30). A valid token
	// is still accepted from the address: good clients behind the same
	// address are not refused.
	Block    float64
	MaxDelay time.Duration // default 2 s
	// LogBurst refused requests without a valid token are logged one by
	// one per address and LogEvery; beyond that they are counted, and
	// the count is logged (service log and audit log) once per LogEvery.
	LogBurst int           // default 10
	LogEvery time.Duration // default 1 minute
}

// DefaultGuard is the guard of the service.
var DefaultGuard = Guard{Forgive: 10, Slow: 10, Block: 30, MaxDelay: 2 * time.Second, LogBurst: 10, LogEvery: time.Minute}

func (g Guard) withDefaults() Guard {
	d := DefaultGuard
	if g.Forgive > 0 {
		d.Forgive = g.Forgive
	}
	if g.Slow > 0 {
		d.Slow = g.Slow
	}
	if g.Block > 0 {
		d.Block = max(g.Block, d.Slow)
	}
	if g.MaxDelay > 0 {
		d.MaxDelay = g.MaxDelay
	}
	if g.LogBurst > 0 {
		d.LogBurst = g.LogBurst
	}
	if g.LogEvery > 0 {
		d.LogEvery = g.LogEvery
	}
	return d
}

// maxAddrs bounds the addresses the guard remembers; beyond it, new
// addresses share one entry (a flood from many addresses is then slowed
// as one).
const maxAddrs = 1 << 16

type addrState struct {
	score   float64 // failures net of those forgiven, at scoredAt
	scored  time.Time
	window  time.Time // start of the current logging window
	logged  int       // refused requests logged one by one in it
	counted map[int]int
	since   time.Time // first counted request
}

// guard is the state of Guard.
type guard struct {
	Guard
	now   func() time.Time
	mu    sync.Mutex
	addrs map[string]*addrState
}

func newGuard(g Guard, now func() time.Time) *guard {
	return &guard{Guard: g.withDefaults(), now: now, addrs: map[string]*addrState{}}
}

// key groups an address: IPv6 clients by their /64, which one client
// usually holds whole.
func addrKey(ip string) string {
	p := net.ParseIP(ip)
	if p == nil {
		return "?"
	}
	if p.To4() == nil {
		return p.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return ip
}

func (g *guard) state(ip string) *addrState {
	k := addrKey(ip)
	a := g.addrs[k]
	if a == nil {
		if len(g.addrs) >= maxAddrs {
			k = "*"
			if a = g.addrs[k]; a != nil {
				return a
			}
		}
		a = &addrState{}
		g.addrs[k] = a
	}
	return a
}

// fail records a request without a valid token from ip and says how long
// to delay its 401, or, when the address is blocked, how long it should
// wait (answer 429).
func (g *guard) fail(ip string) (delay, retryAfter time.Duration) {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	a := g.state(ip)
	perSec := g.Forgive / 60
	if !a.scored.IsZero() {
		a.score = math.Max(0, a.score-now.Sub(a.scored).Seconds()*perSec)
	}
	a.scored = now
	a.score = math.Min(a.score+1, 2*g.Block+1)
	switch {
	case a.score > g.Block:
		secs := math.Ceil((a.score - g.Block) / perSec)
		return 0, time.Duration(max(1, secs)) * time.Second
	case a.score > g.Slow:
		return min(g.MaxDelay, time.Duration((a.score-g.Slow)*float64(100*time.Millisecond))), 0
	}
	return 0, 0
}

// log says whether a refused request without a valid token from ip is
// logged on its own (true) or counted into the next flood summary.
func (g *guard) log(ip string, status int) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	a := g.state(ip)
	if now.Sub(a.window) >= g.LogEvery {
		a.window, a.logged = now, 0
	}
	if a.logged < g.LogBurst {
		a.logged++
		return true
	}
	if a.counted == nil {
		a.counted, a.since = map[int]int{}, now
	}
	a.counted[status]++
	return false
}

// floodCount is the summary of refused requests counted for an address.
type floodCount struct {
	addr   string
	status int
	n      int
	since  time.Time
}

// flush returns the counts since the last flush and forgets addresses
// that have nothing left to remember.
func (g *guard) flush() []floodCount {
	g.mu.Lock()
	defer g.mu.Unlock()
	now := g.now()
	var out []floodCount
	for k, a := range g.addrs {
		for status, n := range a.counted {
			out = append(out, floodCount{addr: k, status: status, n: n, since: a.since})
		}
		a.counted = nil
		score := a.score - now.Sub(a.scored).Seconds()*g.Forgive/60
		if score <= 0 && now.Sub(a.window) >= g.LogEvery {
			delete(g.addrs, k)
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].addr != out[j].addr {
			return out[i].addr < out[j].addr
		}
		return out[i].status < out[j].status
	})
	return out
}

// quota allows each key (a token's name) at most n events in any window
// of length every.
type quota struct {
	n     int
	every time.Duration
	now   func() time.Time
	mu    sync.Mutex
	used  map[string][]time.Time
}

func newQuota(n int, every time.Duration, now func() time.Time) *quota {
	return &quota{n: n, every: every, now: now, used: map[string][]time.Time{}}
}

// take records an event for key, or returns how long until one is allowed.
func (q *quota) take(key string) (retryAfter time.Duration, ok bool) {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.now()
	ts := q.used[key]
	i := 0
	for i < len(ts) && now.Sub(ts[i]) >= q.every {
		i++
	}
	ts = ts[i:]
	if len(ts) >= q.n {
		q.used[key] = ts
		return ts[0].Add(q.every).Sub(now), false
	}
	q.used[key] = append(ts, now)
	return 0, true
}

// giveBack undoes the last take of key (a request that made nothing).
func (q *quota) giveBack(key string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if ts := q.used[key]; len(ts) > 0 {
		q.used[key] = ts[:len(ts)-1]
	}
}
