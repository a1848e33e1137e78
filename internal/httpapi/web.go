package httpapi

import (
	"embed"
	"net/http"
	"path"
)

// The page at / and its script and style sheet, embedded in the binary.
//
//go:embed web/index.html web/app.js web/app.css
var webFS embed.FS

// pageCSP lets the page load its own script, style sheet and API answers
// and nothing else: no inline script, no other host, no frames. Trusted
// Types with no policy make every HTML sink (innerHTML ...) throw, so
// data from the API can only ever become text.
const pageCSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; " +
	"require-trusted-types-for 'script'; trusted-types 'none'"

var assetTypes = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
}

func (s *Server) handlePage(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.serveAsset(w, "index.html")
}

func (s *Server) handleAsset(w http.ResponseWriter, r *http.Request, st *reqState) {
	s.serveAsset(w, path.Base(r.URL.Path))
}

func (s *Server) serveAsset(w http.ResponseWriter, name string) {
	b, err := webFS.ReadFile("web/" + name)
	if err != nil {
		writeError(w, http.StatusNotFound, "not found")
		return
	}
	h := w.Header()
	h.Set("Content-Security-Policy", pageCSP)
	h.Set("Content-Type", assetTypes[path.Ext(name)])
	h.Set("Cache-Control", "no-cache")
	w.Write(b)
}
