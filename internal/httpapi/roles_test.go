package httpapi

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"rrstat/internal/publish"
)

// TestRoles sends every endpoint of http.md with no token, an analyst's,
// a donor's and an unknown one, and checks the status of each pair.
func TestRoles(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	donorRep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 5}`)
	analystRep := s.makeReport(s.analyst, `{"period": "2025Q3", "audience": "analyst"}`)
	sample := zipDir(t, sampleDir("UZ"))

	unknown := "rrs_" + strings.Repeat("A", 43) // well-formed, never issued
	callers := []struct{ name, token string }{
		{"none", ""}, {"analyst", s.analyst}, {"donor", s.donor}, {"unknown", unknown},
	}
	type endpoint struct {
		method, path, body string
		want               map[string]int // by caller
	}
	all := func(code int) map[string]int {
		return map[string]int{"none": code, "analyst": code, "donor": code, "unknown": code}
	}
	authed := func(analyst, donor int) map[string]int {
		return map[string]int{"none": 401, "analyst": analyst, "donor": donor, "unknown": 401}
	}
	endpoints := []endpoint{
		{"GET", "/healthz", "", all(200)},
		{"GET", "/", "", all(200)},
		{"GET", "/app.js", "", all(200)},
		{"POST", "/api/exports?encoding=utf-8", "<sample>", authed(200, 403)},
		{"GET", "/api/snapshots", "", authed(200, 403)},
		{"GET", "/api/indicators", "", authed(200, 200)},
		{"GET", "/api/releases", "", authed(200, 403)},
		{"GET", "/api/audit", "", authed(200, 403)},
		{"POST", "/api/reports", `{"period": "2025Q3", "audience": "donor", "countries": ["UZ"], "k": 5}`, authed(201, 201)},
		{"POST", "/api/reports", `{"period": "2025Q3", "audience": "analyst", "countries": ["UZ"]}`, authed(201, 403)},
		{"GET", "/api/reports", "", authed(200, 200)},
		{"GET", "/api/nothing-here", "", authed(404, 404)},
		{"DELETE", "/api/reports", "", authed(405, 405)},
		{"GET", "/nothing-here", "", all(404)},
	}
	for _, f := range publish.Files {
		endpoints = append(endpoints,
			endpoint{"GET", "/api/reports/" + donorRep.ID + "/" + f, "", authed(200, 200)},
			endpoint{"GET", "/api/reports/" + analystRep.ID + "/" + f, "", authed(200, 403)})
	}
	for _, ep := range endpoints {
		for _, c := range callers {
			t.Run(ep.method+" "+ep.path+" as "+c.name, func(t *testing.T) {
				var body *bytes.Reader
				switch ep.body {
				case "<sample>":
					body = bytes.NewReader(sample)
				default:
					body = bytes.NewReader([]byte(ep.body))
				}
				r := s.do(ep.method, ep.path, c.token, body)
				if want := ep.want[c.name]; r.status != want {
					t.Fatalf("status %d, want %d: %.300s", r.status, want, r.body)
				}
				if r.status >= 400 {
					s.checkSafeError(ep.method+" "+ep.path, r)
				}
				if r.status == 401 && r.header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				for _, h := range []string{"Content-Security-Policy", "X-Content-Type-Options", "X-Frame-Options", "Referrer-Policy"} {
					if r.header.Get(h) == "" {
						t.Errorf("no %s header", h)
					}
				}
			})
		}
	}

	// A donor's list holds donor reports only; an analyst's holds all.
	ids := func(token string) []string {
		var got struct {
			Reports []createdReport `json:"reports"`
		}
		s.do("GET", "/api/reports", token, nil).json(t, &got)
		var out []string
		for _, r := range got.Reports {
			if token == s.donor && r.Audience != "donor" {
				t.Errorf("donor list holds %s report %s", r.Audience, r.ID)
			}
			out = append(out, r.ID)
		}
		return out
	}
	an, do := ids(s.analyst), ids(s.donor)
	if !slices.Contains(an, analystRep.ID) || !slices.Contains(an, donorRep.ID) {
		t.Errorf("analyst list %v lacks a report", an)
	}
	if slices.Contains(do, analystRep.ID) || !slices.Contains(do, donorRep.ID) {
		t.Errorf("donor list %v", do)
	}
}

// TestReportFileHeaders checks what a file is served with.
func TestReportFileHeaders(t *testing.T) {
	s := newService(t, serviceOptions{})
	s.mustLoad("UZ")
	rep := s.makeReport(s.donor, `{"period": "2025Q3", "audience": "donor", "countries": ["uz"]}`)
	if diff := cmp.Diff(createdReport{ID: rep.ID, Period: "2025Q3", Audience: "donor", K: 5, Countries: []string{"UZ"},
		Files: publish.Files}, rep); diff != "" {
		t.Errorf("created report (-want +got):\n%s", diff)
	}
	want := map[string]string{
		"indicators.csv": "text/csv; charset=utf-8",
		"report.xlsx":    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
		"dashboard.html": "text/html; charset=utf-8",
		"manifest.json":  "application/json; charset=utf-8",
	}
	for _, f := range publish.Files {
		r := s.do("GET", "/api/reports/"+rep.ID+"/"+f, s.donor, nil)
		if r.status != 200 {
			t.Fatalf("%s: %d", f, r.status)
		}
		if got := r.header.Get("Content-Type"); got != want[f] {
			t.Errorf("%s: Content-Type %q, want %q", f, got, want[f])
		}
		wantDisp := `attachment; filename="2025Q3-donor-` + rep.ID[:8] + `-` + f + `"`
		if got := r.header.Get("Content-Disposition"); got != wantDisp {
			t.Errorf("%s: Content-Disposition %q, want %q", f, got, wantDisp)
		}
		if got := r.header.Get("X-Content-Type-Options"); got != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", f, got)
		}
		csp := r.header.Get("Content-Security-Policy")
		if f == publish.FileDashboard {
			if !strings.HasPrefix(csp, "sandbox allow-scripts;") || strings.Contains(csp, "allow-same-origin") {
				t.Errorf("dashboard CSP %q: want a sandbox without allow-same-origin", csp)
			}
		} else if !strings.HasPrefix(csp, "default-src 'none'") {
			t.Errorf("%s: CSP %q", f, csp)
		}
	}
	// The files on disk match their manifest.
	if _, err := publish.Verify(s.reportsDir + "/" + rep.ID); err != nil {
		t.Error(err)
	}
	// The page has its own strict policy.
	r := s.do("GET", "/", "", nil)
	if csp := r.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") || !strings.Contains(csp, "frame-ancestors 'none'") {
		t.Errorf("page CSP %q", csp)
	}
	if !bytes.Contains(r.body, []byte(`<script src="/app.js" defer></script>`)) || bytes.Contains(r.body, []byte("http")) {
		t.Errorf("the page loads something other than its own script")
	}
	if r.status != http.StatusOK {
		t.Errorf("page: %d", r.status)
	}
}
