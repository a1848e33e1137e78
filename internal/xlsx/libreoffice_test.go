package xlsx

import (
	"archive/zip"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"rrstat/internal/report"
	"rrstat/internal/view"
)

// soffice returns LibreOffice's command, skipping the test when it is not
// installed (unless RRSTAT_REQUIRE_TOOLS=1) or in short mode.
func soffice(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("soffice")
	if err != nil {
		if os.Getenv("RRSTAT_REQUIRE_TOOLS") == "1" {
			t.Fatal("soffice not found and RRSTAT_REQUIRE_TOOLS=1")
		}
		t.Skip("soffice not found")
	}
	if testing.Short() {
		t.Skip("short mode")
	}
	return path
}

// convert converts workbooks with LibreOffice into dir, to format (pdf,
// xlsx); LibreOffice fails on a workbook it cannot read.
func convert(t *testing.T, soffice, dir, format string, names ...string) {
	t.Helper()
	args := append([]string{"--headless", "-env:UserInstallation=file://" + filepath.Join(t.TempDir(), "profile"),
		"--convert-to", format, "--outdir", dir}, names...)
	out, err := exec.Command(soffice, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("soffice: %v\n%s", err, out)
	}
}

// TestLibreOfficeOpens converts workbooks to PDF with LibreOffice: an
// analyst one, a donor one in pseudo-localised labels (its Cyrillic and
// Uzbek Latin letters must reach the PDF) and the one-page donor summary.
// The pages must be A4. RRSTAT_KEEP_PDF=DIR keeps the PDFs to look at.
func TestLibreOfficeOpens(t *testing.T) {
	cmd := soffice(t)
	dir := t.TempDir()
	var names []string
	for _, c := range []struct {
		name   string
		aud    report.Audience
		layout string
		pseudo bool
	}{
		{"analyst", report.Analyst, "quarterly.yaml", false},
		{"donor-pseudo", report.Donor, "quarterly.yaml", true},
		{"donor-summary", report.Donor, "donor-summary.yaml", false},
	} {
		r := withTargets(t, testReport(t, c.aud, c.layout))
		r.Synthetic = true
		l := english(t, r)
		if c.pseudo {
			l = pseudo(t, r)
		}
		name := filepath.Join(dir, c.name+".xlsx")
		if err := os.WriteFile(name, writeBook(t, build(t, r, l)), 0o644); err != nil {
			t.Fatal(err)
		}
		names = append(names, name)
	}
	convert(t, cmd, dir, "pdf", names...)
	keep := os.Getenv("RRSTAT_KEEP_PDF")
	for _, name := range names {
		pdf := strings.TrimSuffix(name, ".xlsx") + ".pdf"
		st, err := os.Stat(pdf)
		if err != nil || st.Size() < 10000 {
			t.Errorf("no PDF for %s: %v", filepath.Base(name), err)
			continue
		}
		if keep != "" {
			b, _ := os.ReadFile(pdf)
			_ = os.WriteFile(filepath.Join(keep, filepath.Base(pdf)), b, 0o644)
		}
		if _, err := exec.LookPath("pdfinfo"); err != nil {
			continue
		}
		out, err := exec.Command("pdfinfo", pdf).Output()
		if err != nil {
			t.Fatalf("pdfinfo %s: %v", pdf, err)
		}
		if !strings.Contains(string(out), "(A4)") {
			t.Errorf("%s is not on A4:\n%s", filepath.Base(pdf), out)
		}
		if m := regexp.MustCompile(`Pages:\s+(\d+)`).FindStringSubmatch(string(out)); m != nil {
			t.Logf("%s: %s pages", filepath.Base(pdf), m[1])
		}
	}
	if _, err := exec.LookPath("pdftotext"); err == nil {
		out, err := exec.Command("pdftotext", filepath.Join(dir, "donor-pseudo.pdf"), "-").Output()
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{"Oʻzbekiston gʻ", "Казахстан", "Прибывшие oʻ"} {
			if !strings.Contains(string(out), want) {
				t.Errorf("the PDF does not show %q", want)
			}
		}
	}
}

// TestLibreOfficePlotsChartData saves a donor workbook again with
// LibreOffice, which caches in each chart what it read from the chart's
// ranges on the hidden data sheet: the first chart (arrivals by age group)
// must hold every point that has a number, and none where a point is
// suppressed or has no value (a gap, not a zero), with the marked
// category labels.
func TestLibreOfficePlotsChartData(t *testing.T) {
	cmd := soffice(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	r := testReport(t, report.Donor, "quarterly.yaml")
	v := build(t, r, nil)
	name := filepath.Join(dir, "donor.xlsx")
	if err := os.WriteFile(name, writeBook(t, v), 0o644); err != nil {
		t.Fatal(err)
	}
	convert(t, cmd, out, "xlsx", name)
	zr, err := zip.OpenReader(filepath.Join(out, "donor.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var body string
	for _, zf := range zr.File {
		if zf.Name == "xl/charts/chart1.xml" {
			rc, _ := zf.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			body = string(b)
		}
	}
	if body == "" {
		t.Fatal("LibreOffice's workbook has no chart1")
	}
	ch := v.Panels[0].Charts[0]
	series := ch.CountrySeries()
	sers := regexp.MustCompile(`(?s)<c:ser>.*?</c:ser>`).FindAllString(body, -1)
	if len(sers) != len(series) {
		t.Fatalf("LibreOffice reads %d series, want %d", len(sers), len(series))
	}
	rePt := regexp.MustCompile(`<c:pt idx="(\d+)"><c:v>([^<]*)</c:v></c:pt>`)
	gaps := 0
	for i, ser := range sers {
		cats := regexp.MustCompile(`(?s)<c:cat>.*?</c:cat>`).FindString(ser)
		var labels []string
		for _, m := range rePt.FindAllStringSubmatch(cats, -1) {
			labels = append(labels, m[2])
		}
		if fmt.Sprint(labels) != fmt.Sprint(ch.Labels) {
			t.Errorf("series %d: LibreOffice's categories %q, want %q", i, labels, ch.Labels)
		}
		vals := regexp.MustCompile(`(?s)<c:val>.*?</c:val>`).FindString(ser)
		got := map[int]string{}
		for _, m := range rePt.FindAllStringSubmatch(vals, -1) {
			idx, _ := strconv.Atoi(m[1])
			got[idx] = m[2]
		}
		for j, p := range series[i].Points {
			g, ok := got[j]
			switch {
			case !p.HasNumber() && ok:
				t.Errorf("%s %s: LibreOffice plots %q where the point is %q", series[i].Name, ch.Categories[j], g, p.Mark)
			case !p.HasNumber():
				gaps++
			case !ok:
				t.Errorf("%s %s: LibreOffice does not plot %s", series[i].Name, ch.Categories[j], p.Value)
			default:
				want := number(p.Figure)
				gr, _ := new(big.Rat).SetString(g)
				wr, _ := new(big.Rat).SetString(fmt.Sprint(want))
				if gr == nil || wr == nil || gr.Cmp(wr) != 0 {
					t.Errorf("%s %s: LibreOffice plots %q, want %v", series[i].Name, ch.Categories[j], g, want)
				}
			}
		}
	}
	if gaps == 0 {
		t.Error("the chart has no suppressed point to check")
	}
	_ = view.Suppressed
}
