package tvauthtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
)

// ReachedRedirect reports whether a WebView that navigated to navigated has arrived at redirectURL:
// same scheme, host and path. Query and fragment are ignored, because the service appends its own
// parameters; scheme and host compare case-insensitively and a default port equals no port. Apps
// that open a login or logout URL in a WebView close it when this turns true.
func ReachedRedirect(navigated, redirectURL string) bool {
	n, err := url.Parse(navigated)
	if err != nil {
		return false
	}
	r, err := url.Parse(redirectURL)
	if err != nil || r.Scheme == "" || r.Host == "" {
		return false
	}
	return strings.EqualFold(n.Scheme, r.Scheme) &&
		canonicalHost(n) == canonicalHost(r) &&
		pathOrSlash(n) == pathOrSlash(r)
}

func canonicalHost(u *url.URL) string {
	host, port := strings.ToLower(u.Hostname()), u.Port()
	scheme := strings.ToLower(u.Scheme)
	if (scheme == "https" && port == "443") || (scheme == "http" && port == "80") {
		port = ""
	}
	return host + ":" + port
}

func pathOrSlash(u *url.URL) string {
	if p := u.EscapedPath(); p != "" {
		return p
	}
	return "/"
}

// UserAgent returns an http.Client that behaves like the browser or WebView of an app: it has its own
// cookie jar and follows redirects, served in-process by the fake. It stops before a redirect leaves
// the fake (a host other than the fake's or the first request's), so the last answer is that redirect
// and its Location is where a real browser would go next. At an MVPD's login page it does what a
// person does: it fills in the form as DefaultSubscriber and submits it (UserAgentAs signs in as
// another subscriber).
func (s *Server) UserAgent() *http.Client { return s.userAgent(nil) }

// UserAgentAs is UserAgent signing in as sub on the MVPD login pages. With a password that is not
// sub's, the chain ends on the login page (HTTP 403, the form again with its error), as it does for
// a person who mistyped, and the attempt is recorded (LoginAttempts).
func (s *Server) UserAgentAs(sub Subscriber) *http.Client { return s.userAgent(&sub) }

func (s *Server) userAgent(sub *Subscriber) *http.Client {
	jar, _ := cookiejar.New(nil) // never fails without options
	return &http.Client{
		Transport: signInTransport{s: s, sub: sub},
		Jar:       jar,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 20 {
				return errors.New("tvauthtest: stopped after 20 redirects")
			}
			if !s.inside(req.URL, via[0].URL) {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
}

// signInTransport serves in-process and completes the MVPD login form: a GET of a login page asks
// for the page, as a browser does, and, when the form comes back, posts it with sub's username and
// password (nil: the MVPD's DefaultSubscriber). The answer to the GET is then the form's answer: the
// redirect on to the app, or the form again.
type signInTransport struct {
	s   *Server
	sub *Subscriber
}

func (t signInTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	seg, err := adobeSegments(req.URL.EscapedPath(), "/mvpd/")
	if req.Method != http.MethodGet || err != nil || len(seg) != 2 || seg[1] != "login" {
		return t.s.roundTrip(req)
	}
	page := req.Clone(req.Context())
	page.Header.Set("Accept", "text/html")
	resp, err := t.s.roundTrip(page)
	if err != nil || resp.StatusCode != http.StatusOK {
		return resp, err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	sub := Subscriber{Username: DefaultSubscriber, Password: DefaultSubscriberPassword}
	if t.sub != nil {
		sub = *t.sub
	} else if subs := t.s.Subscribers(seg[0]); len(subs) > 0 {
		sub = subs[0] // DefaultSubscriber, with the password the MVPD gives it
	}
	form := url.Values{"relayState": {req.URL.Query().Get("relayState")}, "username": {sub.Username}, "password": {sub.Password}}
	post, err := http.NewRequestWithContext(req.Context(), http.MethodPost, req.URL.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	post.Header.Set("Accept", "text/html")
	if ua := req.Header.Get("User-Agent"); ua != "" {
		post.Header.Set("User-Agent", ua)
	}
	resp, err = t.s.roundTrip(post)
	if err != nil {
		return nil, err
	}
	resp.Request = req
	return resp, nil
}

// inside reports whether u is served by the fake: its host is the fake's own or the one the chain
// started on (a client may reach the fake under a vendor's host name through Transport).
func (s *Server) inside(u, start *url.URL) bool {
	own, err := url.Parse(s.URL())
	return (err == nil && strings.EqualFold(u.Host, own.Host)) || strings.EqualFold(u.Host, start.Host)
}

// Browse opens startURL in ua the way an app's WebView would (nil ua means a fresh UserAgent) and
// follows the redirect chain until the next navigation ReachedRedirect(redirectURL). It returns that
// navigation's URL, which is not fetched: it belongs to the app. It fails when the chain ends on a
// page that does not redirect, or leaves for somewhere else.
func (s *Server) Browse(ctx context.Context, ua *http.Client, startURL, redirectURL string) (string, error) {
	if ua == nil {
		ua = s.UserAgent()
	}
	// One hop at a time, so that the chain can be stopped exactly at redirectURL.
	hop := *ua
	hop.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	start, err := url.Parse(startURL)
	if err != nil {
		return "", fmt.Errorf("tvauthtest: browse: %w", err)
	}
	next := startURL
	for range 20 {
		if ReachedRedirect(next, redirectURL) {
			return next, nil
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, next, nil)
		if err != nil {
			return "", fmt.Errorf("tvauthtest: browse: %w", err)
		}
		resp, err := hop.Do(req)
		if err != nil {
			return "", fmt.Errorf("tvauthtest: browse: %w", err)
		}
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxRequestBody))
		resp.Body.Close()
		loc := resp.Header.Get("Location")
		if resp.StatusCode < 300 || resp.StatusCode > 399 || loc == "" {
			return "", fmt.Errorf("tvauthtest: browse: %s answered %d without redirecting to %s", next, resp.StatusCode, redirectURL)
		}
		u, err := req.URL.Parse(loc)
		if err != nil {
			return "", fmt.Errorf("tvauthtest: browse: bad Location %q: %w", loc, err)
		}
		if !ReachedRedirect(u.String(), redirectURL) && !s.inside(u, start) {
			return "", fmt.Errorf("tvauthtest: browse: the chain left the fake for %s before reaching %s", u, redirectURL)
		}
		next = u.String()
	}
	return "", fmt.Errorf("tvauthtest: browse: no arrival at %s after 20 redirects", redirectURL)
}
