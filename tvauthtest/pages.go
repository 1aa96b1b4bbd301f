package tvauthtest

import (
	"bytes"
	"embed"
	"html/template"
	"net/http"
	"net/url"
	"strings"
)

// The pages the fake serves to a person or a browser test: the activation page and MVPD picker
// (pages_activate.go), the MVPD login and logout pages (pass_mvpd.go) and the dashboard
// (admin_dashboard.go). They are plain HTML forms that work without JavaScript (curl and python can
// drive them), with a label for every input; html/template escapes every value, and no page loads
// anything from elsewhere (the CSS is inline).
//
// Forms that change state are POSTs, refused when a browser says they come from another site
// (crossSiteRefusal): a loopback test tool cannot keep a secret from the person using it, so the
// design relies on what browsers send instead of on tokens, as Go 1.25's http.CrossOriginProtection
// does, and curl, python and Go clients (which send neither header) are let through.

//go:embed pages/*.html
var pageFiles embed.FS

var pageTemplates = template.Must(template.New("").ParseFS(pageFiles, "pages/*.html"))

// page is what every page template reads: the layout's fields and the page's own (Body).
type page struct {
	Title   string
	Site    string // the bar's subtitle: whose page it is
	Alert   string // an error, shown with role="alert"
	Notice  string // a success, shown with role="status"
	Refresh string // a meta refresh ("5;url=…"), for pages that move on by themselves
	Wide    bool
	Body    any
}

// messageBody is the body of the "message" template: a sentence and a Continue link.
type messageBody struct {
	Text string
	Next string
}

// renderPage answers status with the page template name. The page is rendered before anything is
// written, so a template error is a 500, not half a page.
func renderPage(w http.ResponseWriter, status int, name string, p page) {
	var b bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&b, name, p); err != nil {
		http.Error(w, "tvauthtest: rendering "+name+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Referrer-Policy", "no-referrer")
	// Nothing from elsewhere, no scripts, no framing. form-action is left out: a login form's answer
	// redirects to the app's own URL, on another origin, which form-action would block.
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(b.Bytes())
}

// messagePage answers a page with a title, a sentence and, when next is set, a Continue link.
func messagePage(w http.ResponseWriter, status int, site, title, alert, text, next string) {
	renderPage(w, status, "message", page{Title: title, Site: site, Alert: alert, Body: messageBody{Text: text, Next: next}})
}

// wantsHTML reports whether the user agent asks for HTML, as every browser does when it navigates
// (Accept: text/html,…). HTTP clients that send no Accept (Go's http.Client, python's urllib) or
// */* (curl, python requests) do not: the MVPD pages then keep their historic, page-less answers.
func wantsHTML(r *http.Request) bool {
	for _, v := range r.Header.Values("Accept") {
		for _, part := range strings.Split(v, ",") {
			mt, _, _ := strings.Cut(part, ";")
			switch strings.ToLower(strings.TrimSpace(mt)) {
			case "text/html", "application/xhtml+xml":
				return true
			}
		}
	}
	return false
}

// crossSiteRefusal says why a request that changes state must be refused because a browser sent it
// from another site ("" when it may proceed). Safe methods always may. A browser says where a request
// comes from with Sec-Fetch-Site (same-origin, or none when the user typed the URL) or, older ones,
// with an Origin that must name this host; a client that sends neither (curl, python, Go) is no
// browser, so no other site can have made it send the request.
func crossSiteRefusal(r *http.Request) string {
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return ""
	}
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		if site == "same-origin" || site == "none" {
			return ""
		}
		return "the browser says this " + r.Method + " comes from another site (Sec-Fetch-Site: " + site + "); the fake's forms only accept their own pages' submissions"
	}
	origin := r.Header.Get("Origin")
	if origin == "" {
		return ""
	}
	if u, err := url.Parse(origin); err == nil && u.Host != "" && strings.EqualFold(u.Host, requestHost(r)) {
		return ""
	}
	return "the browser says this " + r.Method + " comes from " + origin + ", another site; the fake's forms only accept their own pages' submissions"
}

// baseURL is where the request reached the fake: scheme and host, no trailing slash.
func baseURL(r *http.Request) string { return requestScheme(r) + "://" + requestHost(r) }

// webURL reports whether raw is an absolute http or https URL, one a page may send a browser to.
func webURL(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != ""
}

// appURL is an app's redirect URL as a link target: html/template links only to http, https and
// mailto URLs, and an app's may be its own scheme (myapp://signed-in). Schemes that run code or
// carry content are never links.
func appURL(raw string) template.URL {
	u, err := url.Parse(raw)
	if err != nil {
		return "#"
	}
	switch strings.ToLower(u.Scheme) {
	case "", "javascript", "vbscript", "data", "file", "blob":
		return "#"
	}
	return template.URL(u.String())
}
