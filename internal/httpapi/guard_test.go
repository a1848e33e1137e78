package httpapi

import (
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestBadTokens guesses tokens from one address: after a few the answers
// slow down, then come as 429 with Retry-After; a valid token from the same
// address is answered as ever; the audit log and the service log get a
// few lines and a count, not a line per guess.
func TestBadTokens(t *testing.T) {
	s := newService(t, serviceOptions{config: func(c *Config) {
		c.Guard = Guard{Forgive: 1, Slow: 5, Block: 10, MaxDelay: 50 * time.Millisecond, LogBurst: 5, LogEvery: time.Hour}
	}})
	const guesses = 300
	statuses := map[int]int{}
	retryAfter := ""
	for i := 0; i < guesses; i++ {
		token := "rrs_guess" + strconv.Itoa(i)
		if i%3 == 0 {
			token = "" // no token at all counts too
		}
		r := s.do("GET", "/api/reports", token, nil)
		statuses[r.status]++
		if r.status == http.StatusTooManyRequests {
			retryAfter = r.header.Get("Retry-After")
			s.checkSafeError("429", r)
		}
		if i%50 == 0 {
			if good := s.do("GET", "/api/reports", s.analyst, nil); good.status != 200 {
				t.Fatalf("a valid token from the same address after %d guesses: %d %s", i, good.status, good.body)
			}
		}
	}
	if statuses[401] < 5 || statuses[401] > 15 || statuses[429] < guesses-15 {
		t.Errorf("statuses %v: want about 10 401s, then 429s", statuses)
	}
	if n, err := strconv.Atoi(retryAfter); err != nil || n < 1 {
		t.Errorf("Retry-After %q", retryAfter)
	}
	// A valid token still works, and is not slowed into a 429.
	if r := s.do("POST", "/api/reports", s.donor, strings.NewReader(`{"period": "2025Q3", "audience": "donor"}`)); r.status == http.StatusTooManyRequests || r.status == http.StatusUnauthorized {
		t.Errorf("donor beside the guesses: %d %s", r.status, r.body)
	}

	countDenied := func() (lines, counted int) {
		for _, e := range s.auditEntries() {
			if e.TokenName != "" {
				continue
			}
			if e.Count > 0 {
				counted += e.Count
			} else {
				lines++
			}
		}
		return
	}
	if lines, counted := countDenied(); lines != 5 || counted != 0 {
		t.Errorf("audit log before the summary: %d lines, %d counted; want 5 lines", lines, counted)
	}
	if n := strings.Count(s.log.String(), "request refused"); n > 6 {
		t.Errorf("service log: %d lines for refused requests", n)
	}
	s.srv.flushFloods()
	if lines, counted := countDenied(); lines+counted != guesses {
		t.Errorf("audit log after the summary: %d lines and %d counted, want %d in all", lines, counted, guesses)
	}
	if !strings.Contains(s.log.String(), "refused requests without a valid token, counted") {
		t.Error("the service log has no summary")
	}
}

// TestGuardForgives checks that an address is forgiven with time.
func TestGuardForgives(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	g := newGuard(Guard{Forgive: 60, Slow: 2, Block: 4, MaxDelay: time.Second}, clock)
	var last time.Duration
	for i := 0; i < 6; i++ {
		_, last = g.fail("192.0.2.1")
	}
	if last == 0 {
		t.Fatal("not blocked after 6 failures")
	}
	if _, r := g.fail("192.0.2.2"); r != 0 {
		t.Error("another address is blocked")
	}
	if _, r := g.fail("2001:db8::1"); r != 0 {
		t.Error("an IPv6 address is blocked")
	}
	mu.Lock()
	now = now.Add(time.Minute)
	mu.Unlock()
	if d, r := g.fail("192.0.2.1"); d != 0 || r != 0 {
		t.Errorf("not forgiven after a minute: delay %v, retry %v", d, r)
	}
}

// TestReportQuota makes reports faster than a token may.
func TestReportQuota(t *testing.T) {
	now := time.Date(2026, 1, 15, 10, 0, 0, 0, time.UTC)
	var mu sync.Mutex
	s := newService(t, serviceOptions{config: func(c *Config) {
		c.Limits.ReportsPerMinute = 3
		c.Now = func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	}})
	s.mustLoad("UZ")
	body := `{"period": "2025Q3", "audience": "donor"}`
	for i := 0; i < 3; i++ {
		s.makeReport(s.donor, body)
	}
	r := s.do("POST", "/api/reports", s.donor, strings.NewReader(body))
	if r.status != http.StatusTooManyRequests || r.header.Get("Retry-After") == "" {
		t.Fatalf("fourth report in a minute: %d %s (Retry-After %q)", r.status, r.body, r.header.Get("Retry-After"))
	}
	s.checkSafeError("quota", r)
	// Another token is not held back; a refused request does not count.
	s.makeReport(s.analyst, body)
	if r := s.do("POST", "/api/reports", s.analyst, strings.NewReader(`{"period": "2025Q3", "audience": "donor", "countries": ["FR"]}`)); r.status != http.StatusNotFound {
		t.Fatalf("unknown country: %d", r.status)
	}
	s.makeReport(s.analyst, body)
	s.makeReport(s.analyst, body)
	mu.Lock()
	now = now.Add(61 * time.Second)
	mu.Unlock()
	s.makeReport(s.donor, body)
	var found bool
	for _, e := range s.auditEntries() {
		if e.Action == "create_report" && e.Status == 429 && e.Reason == "rate_limit" && e.TokenName == "donor-1" {
			found = true
		}
	}
	if !found {
		t.Error("the refused report is not in the audit log")
	}
}

// TestServerErrorsCounted floods the server's own error log.
func TestServerErrorsCounted(t *testing.T) {
	var buf lockedBuffer
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	e := &serverErrors{log: slogTo(&buf), now: func() time.Time { return now }, burst: 3, every: time.Minute}
	for i := 0; i < 100; i++ {
		e.Write([]byte("http: TLS handshake error from 192.0.2.1:4242: EOF\n"))
	}
	now = now.Add(time.Minute)
	e.Write([]byte("http: TLS handshake error from 192.0.2.1:4242: EOF\n"))
	out := buf.String()
	if n := strings.Count(out, `msg="connection error"`); n != 4 || !strings.Contains(out, "count=97") {
		t.Errorf("%d lines, want 4 and a count of 97:\n%s", n, out)
	}
}
