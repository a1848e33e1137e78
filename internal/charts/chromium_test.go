package charts

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"rrstat/internal/report"
	"rrstat/internal/view"
)

// tool returns the path of the first of names that is installed. It skips
// the test when none is, or fails it with RRSTAT_REQUIRE_TOOLS=1.
func tool(t *testing.T, names ...string) string {
	t.Helper()
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
		t.Fatalf("%s not found and RRSTAT_REQUIRE_TOOLS=1", names[0])
	}
	t.Skipf("%s not found", names[0])
	return ""
}

// browser runs headless Chromium on a page, offline, with args (one
// action: --dump-dom, --screenshot=, --print-to-pdf=), and returns its
// output and log.
func browser(t *testing.T, bin, dir, file string, args ...string) (string, string) {
	t.Helper()
	base := []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--user-data-dir=" + filepath.Join(dir, "profile"), "--virtual-time-budget=5000",
		"--enable-logging=stderr", "--v=0", "--hide-scrollbars", "--no-pdf-header-footer"}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, append(append(base, args...), "file://"+file)...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %v: %v\n%s", args, err, consoleLines(stderr.String()))
	}
	return stdout.String(), stderr.String()
}

// consoleLines returns the console messages in Chromium's log.
func consoleLines(log string) string {
	var out []string
	for _, l := range strings.Split(log, "\n") {
		if strings.Contains(l, "CONSOLE") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// accent is put inside every pseudo-localised text of the browser test:
// Uzbek in Cyrillic and in Latin script (with the modifier letter turned
// comma of oʻ and gʻ), which must survive into the rendered charts and the
// printed PDF.
const accent = "Ўқ oʻgʻ "

// TestChromium renders dashboards in headless Chromium, offline, and
// checks that every chart (trends included) draws, that no script error
// happens, that hostile names run nothing, and, with pseudo-localised
// labels, that every word drawn (the charts' SVG text included) comes from
// the labels and that Cyrillic and Uzbek Latin letters survive. It prints
// two of them to PDF (A4, no buttons, every table open) and counts their
// pages with pdfinfo. It is skipped when chromium (or pdfinfo, for the
// print) is not installed, unless RRSTAT_REQUIRE_TOOLS=1. With
// RRSTAT_SCREENSHOTS=DIR it leaves screenshots and PDFs there.
func TestChromium(t *testing.T) {
	bin := tool(t, "chromium", "chromium-browser", "google-chrome")
	if !realScript {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("internal/charts/assets/echarts.min.js is missing (run `make assets`) and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("ECharts not fetched: run `make assets`")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	pseudo := withTargets(t, testReport(t, report.Donor, "quarterly.yaml"))
	cases := []struct {
		name  string
		r     *report.Report
		v     *view.View
		print bool
	}{
		{name: "analyst", r: testReport(t, report.Analyst, "quarterly.yaml")},
		{name: "donor", r: withTargets(t, testReport(t, report.Donor, "quarterly.yaml")), print: true},
		{name: "donor-summary", r: testReport(t, report.Donor, "donor-summary.yaml")},
		{name: "hostile", r: hostileReport(t)},
		{name: "pseudo-uz", r: pseudo, v: viewIn(t, pseudo, pseudoLabels(t, "uz", accent)), print: true},
	}
	cases[1].r.Synthetic = true
	shots := os.Getenv("RRSTAT_SCREENSHOTS")
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v := c.v
			if v == nil {
				v = testView(t, c.r)
			}
			dir := t.TempDir()
			file := filepath.Join(dir, "dashboard.html")
			b := writeView(t, v)
			if err := os.WriteFile(file, b, 0o644); err != nil {
				t.Fatal(err)
			}
			nCharts := len(parsePage(t, b).data.Charts)
			dom, log := browser(t, bin, dir, file, "--dump-dom")
			if m := regexp.MustCompile(`<body[^>]*data-charts="(\d+)"`).FindStringSubmatch(dom); m == nil || m[1] != strconv.Itoa(nCharts) {
				t.Errorf("the dashboard script did not finish: body %q, want data-charts=%d\n%s", regexp.MustCompile(`<body[^>]*>`).FindString(dom), nCharts, consoleLines(log))
			}
			doc, err := html.Parse(strings.NewReader(dom))
			if err != nil {
				t.Fatal(err)
			}
			drawn := 0
			for _, el := range find(doc, func(n *html.Node) bool { return hasClass(n, "chart") }) {
				if len(find(el, func(n *html.Node) bool { return n.Data == "svg" })) > 0 {
					drawn++
				}
			}
			if drawn != nCharts {
				t.Errorf("%d charts drawn, want %d", drawn, nCharts)
			}
			if regexp.MustCompile(`<body[^>]*data-errors`).MatchString(dom) {
				t.Errorf("script errors:\n%s", consoleLines(log))
			}
			if regexp.MustCompile(`<(html|body)[^>]*data-pwned`).MatchString(dom) {
				t.Error("hostile text ran as script")
			}
			for _, l := range strings.Split(consoleLines(log), "\n") {
				if strings.Contains(l, "Uncaught") || strings.Contains(l, "Content Security Policy") || strings.Contains(l, "Refused") {
					t.Errorf("console: %s", l)
				}
			}
			if c.v != nil {
				// Every word drawn, the charts' included, is a label.
				words := dataWords(c.r)
				seen := map[string]bool{}
				svg := ""
				for _, s := range pageTexts(doc) {
					for _, w := range foreign(s, words) {
						if !seen[w] {
							seen[w] = true
							t.Errorf("%q is drawn and is not from the labels: in %q", w, strings.TrimSpace(s))
						}
					}
				}
				for _, el := range find(doc, func(n *html.Node) bool { return n.Data == "text" }) {
					svg += text(el) + "\n"
				}
				for _, want := range []string{"oʻgʻ", "Ўқ", v.Panels[0].Trend.Countries.Axis.Title} {
					if !strings.Contains(svg, want) {
						t.Errorf("the charts do not draw %q", want)
					}
				}
			}
			if shots != "" {
				browser(t, bin, dir, file, "--window-size=1280,3000", "--screenshot="+filepath.Join(shots, c.name+".png"))
			}
			if c.print {
				printed(t, bin, dir, file, v, shots, c.name)
			}
		})
	}
}

// printed prints a page to PDF and checks it: A4, buttons and selector
// gone, every table open, every country's breakdowns drawn, the letters of
// the labels kept. It logs the number of pages.
func printed(t *testing.T, bin, dir, file string, v *view.View, shots, name string) {
	t.Helper()
	info := tool(t, "pdfinfo")
	pdftotext := tool(t, "pdftotext")
	pdf := filepath.Join(dir, "dashboard.pdf")
	browser(t, bin, dir, file, "--print-to-pdf="+pdf)
	out, err := exec.Command(info, pdf).Output()
	if err != nil {
		t.Fatalf("pdfinfo: %v", err)
	}
	m := regexp.MustCompile(`(?m)^Pages:\s+(\d+)`).FindSubmatch(out)
	size := regexp.MustCompile(`(?m)^Page size:\s+(.*)$`).FindSubmatch(out)
	if m == nil || size == nil {
		t.Fatalf("pdfinfo says:\n%s", out)
	}
	pages, _ := strconv.Atoi(string(m[1]))
	t.Logf("%s prints %d pages (%s)", name, pages, size[1])
	if !strings.Contains(string(size[1]), "A4") {
		t.Errorf("printed on %s, want A4", size[1])
	}
	if pages < 2 || pages > 40 {
		t.Errorf("%d pages", pages)
	}
	txt, err := exec.Command(pdftotext, "-layout", pdf, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	flat := strings.Join(strings.Fields(string(txt)), " ")
	for _, gone := range []string{v.Words.Print, v.Words.BreakdownsFor, v.Words.TableOfFigures} {
		if strings.Contains(flat, strings.Join(strings.Fields(gone), " ")) {
			t.Errorf("the print shows %q", gone)
		}
	}
	want := []string{v.Words.TrendData, v.Panels[0].Table.Rows[0].Label, v.Words.AboutFigures}
	for _, c := range v.Countries[1:] {
		want = append(want, c.Name)
	}
	for _, w := range want {
		if !strings.Contains(flat, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("the print does not show %q", w)
		}
	}
	// The breakdowns of every country at once: a country's name is in the
	// legend of every breakdown chart (on screen they draw one country,
	// without a legend), besides the text of the page that prints, the
	// trend legends and the charts by country.
	fields := strings.Fields(v.Countries[len(v.Countries)-1].Name)
	last := strings.Trim(fields[len(fields)-1], "⟦⟧")
	min := strings.Count(printedText(t, file), last)
	for _, p := range v.Panels {
		min += 2 // the legend of the countries' trend, the chart by country
		for _, ch := range p.Charts {
			if ch.Dimension != "country" {
				min++
			}
		}
	}
	if n := strings.Count(string(txt), last); n < min {
		t.Errorf("the print names %s %d times, want at least %d: not every country's breakdowns are printed", last, n, min)
	}
	if v.Lang == "uz" && (!strings.Contains(flat, "oʻgʻ") || !strings.Contains(flat, "Ўқ")) {
		t.Error("the print lost the Cyrillic or the Uzbek Latin letters")
	}
	if shots != "" {
		_ = os.WriteFile(filepath.Join(shots, name+".pdf"), mustRead(t, pdf), 0o644)
	}
}

func mustRead(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// printedText returns the text of a written page that prints: without
// the selector, the totals of the selected country and the name of the
// selected country, which the print hides.
func printedText(t *testing.T, file string) string {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(string(mustRead(t, file))))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	var visit func(n *html.Node)
	visit = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "title" || n.Data == "noscript" ||
			hasClass(n, "selector") || hasClass(n, "panel-total") || hasClass(n, "per-country") || hasClass(n, "print-button")) {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			visit(c)
		}
	}
	visit(doc)
	return b.String()
}
