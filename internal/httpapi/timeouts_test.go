package httpapi

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// shortTimeouts are the timeouts of the slow-client tests.
var shortTimeouts = Timeouts{Header: time.Second, Body: 2 * time.Second, Upload: 3 * time.Second, Stall: time.Second}

// rawRequest opens a connection, writes head (the request line and
// headers, up to the blank line) and then body, and returns the connection.
func rawRequest(t *testing.T, addr, head, body string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if _, err := io.WriteString(c, head+body); err != nil {
		t.Fatal(err)
	}
	return c
}

// readAnswer reads one response from c within d; status 0 when the server
// closed the connection without one.
func readAnswer(t *testing.T, c net.Conn, d time.Duration) (int, http.Header, time.Duration) {
	t.Helper()
	start := time.Now()
	c.SetReadDeadline(start.Add(d))
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Fatalf("no answer within %v", d)
		}
		return 0, nil, time.Since(start)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, res.Header, time.Since(start)
}

// closedWithin reports whether the server closes c within d (reads drain
// whatever it still sends).
func closedWithin(c net.Conn, d time.Duration) bool {
	c.SetReadDeadline(time.Now().Add(d))
	_, err := io.Copy(io.Discard, c)
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		return false
	}
	return true
}

func head(method, path, token string, length int, extra ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: rrstat\r\nContent-Length: %d\r\n", method, path, length)
	if token != "" {
		fmt.Fprintf(&b, "Authorization: Bearer %s\r\n", token)
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	b.WriteString("\r\n")
	return b.String()
}

// TestSlowClients sends requests slowly over raw sockets: headers that
// never end, bodies that stall or trickle, with and without a token. Each
// is answered (or cut off) by the timeouts, not by the client; the
// answers to refused requests do not wait for their bodies.
func TestSlowClients(t *testing.T) {
	s := newService(t, serviceOptions{config: func(c *Config) { c.Timeouts = shortTimeouts }})
	s.mustLoad("UZ")
	addr := s.ts.Listener.Addr().String()
	const bound = 20 * time.Second // generous: these are behaviours, not speeds

	t.Run("headers never end", func(t *testing.T) {
		c := rawRequest(t, addr, "GET /healthz HTTP/1.1\r\nHost: rrstat\r\nX-Slow: ", "")
		if !closedWithin(c, bound) {
			t.Fatal("the connection stays open")
		}
	})
	t.Run("body without a token", func(t *testing.T) {
		c := rawRequest(t, addr, head("POST", "/api/reports", "", 100000), "{")
		if status, _, _ := readAnswer(t, c, bound); status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401 before the body", status)
		}
		if !closedWithin(c, bound) {
			t.Fatal("the connection stays open for the rest of the body")
		}
	})
	t.Run("upload without a token", func(t *testing.T) {
		c := rawRequest(t, addr, head("POST", "/api/exports", "", 100000), "P")
		if status, _, _ := readAnswer(t, c, bound); status != http.StatusUnauthorized {
			t.Fatalf("status %d, want 401", status)
		}
		if !closedWithin(c, bound) {
			t.Fatal("the connection stays open")
		}
	})
	t.Run("public page with a body", func(t *testing.T) {
		c := rawRequest(t, addr, head("GET", "/healthz", "", 1000), "x")
		if status, _, _ := readAnswer(t, c, bound); status != http.StatusOK {
			t.Fatalf("status %d", status)
		}
		if !closedWithin(c, bound) {
			t.Fatal("the connection stays open")
		}
	})
	t.Run("report body stalls", func(t *testing.T) {
		c := rawRequest(t, addr, head("POST", "/api/reports", s.analyst, 1000), `{"period": "2025Q3"`)
		if status, _, _ := readAnswer(t, c, bound); status != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", status)
		}
		if !closedWithin(c, bound) {
			t.Fatal("the connection stays open")
		}
	})
	t.Run("upload stalls", func(t *testing.T) {
		c := rawRequest(t, addr, head("POST", "/api/exports", s.analyst, 1<<20), strings.Repeat("P", 4096))
		if status, _, _ := readAnswer(t, c, bound); status != http.StatusRequestTimeout {
			t.Fatalf("status %d, want 408", status)
		}
	})
	t.Run("upload trickles", func(t *testing.T) {
		// A byte every half second never stalls, but the upload as a whole
		// takes longer than Timeouts.Upload.
		c := rawRequest(t, addr, head("POST", "/api/exports", s.analyst, 1000), "")
		done := make(chan int, 1)
		go func() {
			status, _, _ := readAnswer(t, c, bound)
			done <- status
		}()
		for i := 0; i < 40; i++ {
			select {
			case status := <-done:
				if status != http.StatusRequestTimeout {
					t.Fatalf("status %d, want 408", status)
				}
				return
			case <-time.After(500 * time.Millisecond):
				c.Write([]byte("P"))
			}
		}
		t.Fatal("a trickling upload was never cut off")
	})
	t.Run("slow connections do not starve the others", func(t *testing.T) {
		var conns []net.Conn
		for i := 0; i < 100; i++ {
			conns = append(conns, rawRequest(t, addr, head("POST", "/api/reports", "", 100000), "{"))
		}
		if h := s.do("GET", "/healthz", "", nil); h.status != 200 {
			t.Fatalf("healthz beside 100 slow senders: %d", h.status)
		}
		if r := s.do("GET", "/api/reports", s.donor, nil); r.status != 200 {
			t.Fatalf("a good client beside 100 slow senders: %d", r.status)
		}
		var wg sync.WaitGroup
		for _, c := range conns {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if !closedWithin(c, bound) {
					t.Error("a slow sender's connection stays open")
				}
			}()
		}
		wg.Wait()
	})
	if h := s.do("GET", "/healthz", "", nil); h.status != 200 {
		t.Fatalf("healthz after the slow clients: %d", h.status)
	}
}
