package httpapi

// The page is driven in headless Chromium through the DevTools protocol
// over --remote-debugging-pipe: Chromium reads commands on file descriptor
// 3 and writes answers and events on 4, each a JSON message ended by a NUL
// byte. That needs no websocket client, no port and no third-party code:
// two os.Pipes in exec.Cmd.ExtraFiles and a small client below.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// cdp is a minimal DevTools protocol client.
type cdp struct {
	w       io.Writer
	mu      sync.Mutex
	next    int
	pending map[int]chan cdpMessage
	logMu   sync.Mutex
	console []string // console messages, exceptions and log entries
	done    chan struct{}
}

type cdpMessage struct {
	ID        int             `json:"id,omitempty"`
	Method    string          `json:"method,omitempty"`
	Params    json.RawMessage `json:"params,omitempty"`
	SessionID string          `json:"sessionId,omitempty"`
	Result    json.RawMessage `json:"result,omitempty"`
	Error     *struct {
		Message string `json:"message"`
	} `json:"error,omitempty"`
}

func newCDP(w io.Writer, r io.Reader) *cdp {
	c := &cdp{w: w, pending: map[int]chan cdpMessage{}, done: make(chan struct{})}
	go func() {
		defer close(c.done)
		br := bufio.NewReaderSize(r, 1<<20)
		for {
			b, err := br.ReadBytes(0)
			if err != nil {
				return
			}
			var m cdpMessage
			if json.Unmarshal(b[:len(b)-1], &m) != nil {
				continue
			}
			if m.ID != 0 {
				c.mu.Lock()
				ch := c.pending[m.ID]
				delete(c.pending, m.ID)
				c.mu.Unlock()
				if ch != nil {
					ch <- m
				}
				continue
			}
			c.event(m)
		}
	}()
	return c
}

// event keeps what the page said: console calls, exceptions, log entries
// (CSP violations are log entries).
func (c *cdp) event(m cdpMessage) {
	var line string
	switch m.Method {
	case "Runtime.consoleAPICalled":
		var p struct {
			Type string `json:"type"`
			Args []struct {
				Value any `json:"value"`
			} `json:"args"`
		}
		json.Unmarshal(m.Params, &p)
		var parts []string
		for _, a := range p.Args {
			parts = append(parts, fmt.Sprint(a.Value))
		}
		line = "console." + p.Type + ": " + strings.Join(parts, " ")
	case "Runtime.exceptionThrown":
		line = "exception: " + string(m.Params)
	case "Log.entryAdded":
		var p struct {
			Entry struct {
				Level, Source, Text, URL string
			} `json:"entry"`
		}
		json.Unmarshal(m.Params, &p)
		line = "log " + p.Entry.Level + " (" + p.Entry.Source + "): " + p.Entry.Text + " " + p.Entry.URL
	default:
		return
	}
	c.logMu.Lock()
	c.console = append(c.console, line)
	c.logMu.Unlock()
}

func (c *cdp) messages() []string {
	c.logMu.Lock()
	defer c.logMu.Unlock()
	return append([]string(nil), c.console...)
}

// call sends a command (to a page session when session is set) and
// returns its result.
func (c *cdp) call(ctx context.Context, session, method string, params any, result any) error {
	c.mu.Lock()
	c.next++
	id := c.next
	ch := make(chan cdpMessage, 1)
	c.pending[id] = ch
	c.mu.Unlock()
	if params == nil {
		params = struct{}{}
	}
	msg := map[string]any{"id": id, "method": method, "params": params}
	if session != "" {
		msg["sessionId"] = session
	}
	b, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	if _, err := c.w.Write(append(b, 0)); err != nil {
		return fmt.Errorf("%s: %w", method, err)
	}
	select {
	case m := <-ch:
		if m.Error != nil {
			return fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		if result != nil {
			return json.Unmarshal(m.Result, result)
		}
		return nil
	case <-c.done:
		return fmt.Errorf("%s: chromium closed the pipe", method)
	case <-ctx.Done():
		return fmt.Errorf("%s: %w", method, ctx.Err())
	}
}

// page is one tab driven through its session.
type page struct {
	t       *testing.T
	ctx     context.Context
	c       *cdp
	session string
}

// eval runs a JavaScript expression in the page (awaiting a promise) and
// returns its value.
func (p *page) eval(expr string) any {
	p.t.Helper()
	var res struct {
		Result struct {
			Value    any    `json:"value"`
			ObjectID string `json:"objectId"`
		} `json:"result"`
		ExceptionDetails any `json:"exceptionDetails"`
	}
	if err := p.c.call(p.ctx, p.session, "Runtime.evaluate", map[string]any{
		"expression": expr, "awaitPromise": true, "returnByValue": true, "userGesture": true}, &res); err != nil {
		p.t.Fatal(err)
	}
	if res.ExceptionDetails != nil {
		p.t.Fatalf("%s: %v", expr, res.ExceptionDetails)
	}
	return res.Result.Value
}

// waitFor polls a boolean expression until it holds.
func (p *page) waitFor(what, expr string) {
	p.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if v, _ := p.eval("!!(" + expr + ")").(bool); v {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.t.Fatalf("timed out waiting for %s\npage text:\n%v\nconsole:\n%s", what,
		p.eval("document.body.innerText"), strings.Join(p.c.messages(), "\n"))
}

// typeInto focuses an input and types text into it, as a user would.
func (p *page) typeInto(id, text string) {
	p.t.Helper()
	p.eval(fmt.Sprintf("document.getElementById(%q).focus()", id))
	if err := p.c.call(p.ctx, p.session, "Input.insertText", map[string]any{"text": text}, nil); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) click(id string) {
	p.t.Helper()
	p.eval(fmt.Sprintf("document.getElementById(%q).click()", id))
}

// setFile puts a file into a file input.
func (p *page) setFile(id, path string) {
	p.t.Helper()
	var res struct {
		Result struct {
			ObjectID string `json:"objectId"`
		} `json:"result"`
	}
	if err := p.c.call(p.ctx, p.session, "Runtime.evaluate", map[string]any{
		"expression": fmt.Sprintf("document.getElementById(%q)", id)}, &res); err != nil {
		p.t.Fatal(err)
	}
	if err := p.c.call(p.ctx, p.session, "DOM.setFileInputFiles", map[string]any{
		"files": []string{path}, "objectId": res.Result.ObjectID}, nil); err != nil {
		p.t.Fatal(err)
	}
}

func (p *page) screenshot(path string) {
	p.t.Helper()
	var res struct {
		Data string `json:"data"`
	}
	if err := p.c.call(p.ctx, p.session, "Page.captureScreenshot", map[string]any{"format": "png", "captureBeyondViewport": true}, &res); err != nil {
		p.t.Fatal(err)
	}
	b, err := base64.StdEncoding.DecodeString(res.Data)
	if err != nil {
		p.t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		p.t.Fatal(err)
	}
}

func findChromium(t *testing.T) string {
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
		t.Fatal("chromium not found and RRSTAT_REQUIRE_TOOLS=1")
	}
	t.Skip("chromium not found")
	return ""
}

// TestPageInChromium pastes a token into the page, uploads the UZ sample,
// makes a donor report, sees its download links and saves one, all in
// headless Chromium; then uploads an export whose column name is markup
// and checks it shows as text. The screenshot lands in t.TempDir(), or in
// $RRSTAT_SCREENSHOT_DIR when set.
func TestPageInChromium(t *testing.T) {
	bin := findChromium(t)
	s := newService(t, serviceOptions{})
	tmp := t.TempDir()
	zipPath := filepath.Join(tmp, "export-UZ.zip")
	if err := os.WriteFile(zipPath, zipDir(t, sampleDir("UZ")), 0o600); err != nil {
		t.Fatal(err)
	}
	downloads := filepath.Join(tmp, "downloads")
	os.MkdirAll(downloads, 0o755)

	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	toChromeR, toChromeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	fromChromeR, fromChromeW, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, bin, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
		"--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--window-size=1200,1000",
		"--user-data-dir="+filepath.Join(tmp, "profile"), "--remote-debugging-pipe", "about:blank")
	cmd.ExtraFiles = []*os.File{toChromeR, fromChromeW} // fds 3 and 4
	var stderr lockedBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	toChromeR.Close()
	fromChromeW.Close()
	c := newCDP(toChromeW, fromChromeR)
	defer func() {
		c.call(ctx, "", "Browser.close", nil, nil)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		toChromeW.Close()
		fromChromeR.Close()
		if t.Failed() {
			t.Logf("chromium stderr:\n%s", stderr.String())
		}
	}()

	var target struct {
		TargetID string `json:"targetId"`
	}
	if err := c.call(ctx, "", "Target.createTarget", map[string]any{"url": "about:blank"}, &target); err != nil {
		t.Fatal(err)
	}
	var att struct {
		SessionID string `json:"sessionId"`
	}
	if err := c.call(ctx, "", "Target.attachToTarget", map[string]any{"targetId": target.TargetID, "flatten": true}, &att); err != nil {
		t.Fatal(err)
	}
	p := &page{t: t, ctx: ctx, c: c, session: att.SessionID}
	for _, m := range []string{"Page.enable", "Runtime.enable", "Log.enable"} {
		if err := c.call(ctx, p.session, m, nil, nil); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.call(ctx, p.session, "Emulation.setDeviceMetricsOverride", map[string]any{
		"width": 1200, "height": 1000, "deviceScaleFactor": 1, "mobile": false}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.call(ctx, "", "Browser.setDownloadBehavior", map[string]any{
		"behavior": "allow", "downloadPath": downloads}, nil); err != nil {
		t.Fatal(err)
	}
	if err := c.call(ctx, p.session, "Page.navigate", map[string]any{"url": s.ts.URL + "/"}, nil); err != nil {
		t.Fatal(err)
	}
	p.waitFor("the page", `document.readyState === 'complete' && document.getElementById('token-form')`)

	// Paste the analyst token.
	p.typeInto("token", s.analyst)
	p.click("token-use")
	p.waitFor("the analyst view", `!document.getElementById('upload-section').hidden && document.body.dataset.role === 'analyst'`)
	if v := p.eval(`document.getElementById('token').value`); v != "" {
		t.Errorf("the token stays in the input: %v", v)
	}
	if v := p.eval(`sessionStorage.getItem('rrstat.token')`); v != s.analyst {
		t.Errorf("sessionStorage holds %v", v)
	}

	// Upload the sample.
	p.setFile("upload-file", zipPath)
	p.waitFor("the upload button", `!document.getElementById('upload-submit').disabled`)
	p.click("upload-submit")
	p.waitFor("the load", `document.getElementById('upload-status') && document.getElementById('upload-status').dataset.status === 'loaded'`)
	p.waitFor("the snapshot row", `[...document.querySelectorAll('#snapshots tbody td')].some(td => td.textContent === 'UZ')`)

	// Make a donor report.
	p.typeInto("report-period", "2025Q3")
	p.eval(`document.getElementById('report-audience').value = 'donor'`)
	p.typeInto("report-countries", "UZ")
	p.click("report-submit")
	p.waitFor("the report", `document.getElementById('report-status') && document.getElementById('report-status').dataset.report`)
	links, _ := p.eval(`[...document.querySelectorAll('#report-result a.download')].map(a => a.textContent + ' ' + a.getAttribute('href'))`).([]any)
	id, _ := p.eval(`document.getElementById('report-status').dataset.report`).(string)
	var want []any
	for _, f := range []string{"indicators.csv", "series.csv", "report.xlsx", "dashboard.html", "manifest.json"} {
		want = append(want, f+" /api/reports/"+id+"/"+f)
	}
	if fmt.Sprint(links) != fmt.Sprint(want) {
		t.Errorf("download links %v, want %v", links, want)
	}
	p.waitFor("the report list", `document.querySelectorAll('#reports tbody tr').length === 1`)

	// Save one file through its link (fetched with the token).
	p.eval(`document.querySelector('#report-result a[data-file="indicators.csv"]').click()`)
	wantFile := filepath.Join(downloads, "2025Q3-donor-"+id[:8]+"-indicators.csv")
	deadline := time.Now().Add(20 * time.Second)
	for {
		if b, err := os.ReadFile(wantFile); err == nil && len(b) > 0 {
			onDisk, _ := os.ReadFile(filepath.Join(s.reportsDir, id, "indicators.csv"))
			if string(b) != string(onDisk) {
				t.Errorf("the saved file differs from the report's")
			}
			break
		}
		if time.Now().After(deadline) {
			entries, _ := os.ReadDir(downloads)
			t.Fatalf("no download %s; the folder holds %v", wantFile, entries)
		}
		time.Sleep(100 * time.Millisecond)
	}

	shotDir := os.Getenv("RRSTAT_SCREENSHOT_DIR")
	if shotDir == "" {
		shotDir = tmp
	}
	p.screenshot(filepath.Join(shotDir, "page.png"))

	// Markup in an export shows as text and runs nothing.
	hostile := `<img src=x onerror="document.title='pwned'">`
	evil := zipWith(t, sampleDir("UZ"), "returnees.csv", func(b []byte) []byte {
		lines := strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n")
		for i, l := range lines {
			switch {
			case i == 0:
				lines[i] = l + `,"` + strings.ReplaceAll(hostile, `"`, `""`) + `"`
			case l != "":
				lines[i] = l + ",x"
			}
		}
		return []byte(strings.Join(lines, "\n"))
	})
	evilPath := filepath.Join(tmp, "evil.zip")
	os.WriteFile(evilPath, evil, 0o600)
	p.setFile("upload-file", evilPath)
	p.waitFor("the upload button", `!document.getElementById('upload-submit').disabled`)
	p.click("upload-submit")
	p.waitFor("the second load", `document.getElementById('upload-status') && document.getElementById('upload-status').dataset.status === 'loaded'`)
	if n := p.eval(`document.querySelectorAll('#upload-result img').length`); n != float64(0) {
		t.Errorf("%v img elements made from export data", n)
	}
	if txt, _ := p.eval(`document.getElementById('upload-result').textContent`).(string); !strings.Contains(txt, "<img src=x") {
		t.Errorf("the column name is not shown as text: %q", txt)
	}
	if title := p.eval(`document.title`); title != "rrstat" {
		t.Errorf("title %v: page script ran from data", title)
	}

	// An export in Windows-1251 uploaded as UTF-8 fails with its reason in
	// the page's words, and no table of counts.
	cp1251 := zipWith(t, sampleDir("UZ"), "returnees.csv", func(b []byte) []byte {
		return bytes.Replace(b, []byte("Andijan"), []byte("\xc0\xed\xe4\xe8\xe6\xe0\xed"), 1) // Андижан
	})
	cpPath := filepath.Join(tmp, "cp1251.zip")
	os.WriteFile(cpPath, cp1251, 0o600)
	p.setFile("upload-file", cpPath)
	p.waitFor("the upload button", `!document.getElementById('upload-submit').disabled`)
	p.click("upload-submit")
	p.waitFor("the refusal", `document.getElementById('upload-status') && document.getElementById('upload-status').dataset.status === 'failed'`)
	if txt, _ := p.eval(`document.getElementById('upload-result').textContent`).(string); !strings.Contains(txt, `choose Windows-1251 (or UTF-16) in "Encoding"`) || strings.Contains(txt, "--encoding") {
		t.Errorf("the refusal does not speak of the page's Encoding: %q", txt)
	}
	if n := p.eval(`document.querySelectorAll('#upload-counts').length`); n != float64(0) {
		t.Error("a refused export shows a table of counts")
	}

	// Every rejected row can be seen, a page at a time, with its value.
	bad := zipWith(t, sampleDir("UZ"), "returnees.csv", func(b []byte) []byte {
		return bytes.ReplaceAll(b, []byte(",F,"), []byte(",fem,"))
	})
	badPath := filepath.Join(tmp, "bad.zip")
	os.WriteFile(badPath, bad, 0o600)
	p.setFile("upload-file", badPath)
	p.waitFor("the upload button", `!document.getElementById('upload-submit').disabled`)
	p.click("upload-submit")
	p.waitFor("the failed load", `document.getElementById('upload-status') && document.getElementById('upload-status').dataset.status === 'failed' && document.getElementById('rejects')`)
	total := 0
	fmt.Sscanf(p.eval(`document.getElementById('rejects-caption').textContent`).(string), "%d", &total)
	seen := map[string]bool{}
	for page := 0; page < 100; page++ {
		rows, _ := p.eval(`[...document.querySelectorAll('#rejects tbody tr')].map(tr => [...tr.cells].map(td => td.textContent).join('|'))`).([]any)
		for _, r := range rows {
			seen[r.(string)] = true
		}
		if p.eval(`!document.getElementById('rejects-next') || document.getElementById('rejects-next').disabled`) == true {
			break
		}
		p.click("rejects-next")
	}
	females := 0
	for r := range seen {
		if strings.Contains(r, "|sex|fem|") {
			females++
		}
	}
	if total < 26 || len(seen) != total || females == 0 {
		t.Errorf("rejects: caption says %d, %d rows seen across the pages, %d with the value fem", total, len(seen), females)
	}

	p.screenshot(filepath.Join(shotDir, "page-rejects.png"))

	// The k field is there for donor reports only.
	p.eval(`(() => { const a = document.getElementById('report-audience'); a.value = 'analyst'; a.dispatchEvent(new Event('change')); })()`)
	if p.eval(`document.getElementById('report-k-label').hidden`) != true {
		t.Error("k is shown for an analyst report")
	}
	p.eval(`(() => { const a = document.getElementById('report-audience'); a.value = 'donor'; a.dispatchEvent(new Event('change')); })()`)
	if p.eval(`document.getElementById('report-k-label').hidden`) != false {
		t.Error("k is hidden for a donor report")
	}

	// A donor token sees the report and no upload form.
	p.click("token-forget")
	p.typeInto("token", s.donor)
	p.click("token-use")
	p.waitFor("the donor view", `document.body.dataset.role === 'donor' && document.querySelectorAll('#reports tbody tr').length === 1`)
	if hidden := p.eval(`document.getElementById('upload-section').hidden && document.getElementById('snapshots-section').hidden`); hidden != true {
		t.Error("a donor sees the upload form or the snapshots")
	}
	// Opening the page as a donor is not a refused request.
	for _, e := range s.auditEntries() {
		if e.TokenName == "donor-1" && e.Outcome == "denied" {
			t.Errorf("the donor's page was denied something: %+v", e)
		}
	}

	for _, m := range c.messages() {
		if strings.Contains(m, "exception") || strings.Contains(m, "Content Security Policy") || strings.Contains(m, "Trusted Type") {
			t.Errorf("page: %s", m)
		}
	}
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Fatal("timed out")
	}
}
