package tvauth

// options.go: the With… options, their defaults, and the base-URL rules.

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"
)

// Version is this SDK's version, sent in the default User-Agent.
const Version = "0.1.0"

// Default base URLs. AGS has none: every operator runs its own.
const (
	DefaultPassURL       = "https://sp.auth.adobe.com"
	DefaultClientlessURL = "https://api.auth.adobe.com"
	DefaultWebAPIURL     = "https://api.screenname.nina.bz"
)

// Default retry policy: RetryPolicy{MaxRetries: 3, MinWait: 200ms, MaxWait: 5s}.
const (
	defaultMaxRetries = 3
	defaultMinWait    = 200 * time.Millisecond
	defaultMaxWait    = 5 * time.Second
)

// maxBodyBytes caps every reply body: a larger one is an error (ErrResponseTooLarge), never an OOM.
const maxBodyBytes = 4 << 20

// Option configures a Client. Options validate their input; New reports the first error.
type Option func(*config) error

// checked is an Option that applies set when err, the check of the option's input, is nil.
func checked(err error, set func(*config)) Option {
	return func(c *config) error {
		if err == nil {
			set(c)
		}
		return err
	}
}

// positive is the check of a duration option.
func positive(option string, d time.Duration) error {
	if d <= 0 {
		return invalid(option, "must be positive, got %v", d)
	}
	return nil
}

// notNil is the check of an option that takes no nil.
func notNil[T comparable](option string, v T, what string) error {
	if v == *new(T) {
		return invalid(option, "nil %s", what)
	}
	return nil
}

// RetryPolicy says how often and how long the client retries. Only safe retries happen: idempotent
// requests on network errors (a net.Error, a syscall error such as ECONNRESET, a reply cut short), 429
// and 5xx (not 501); non-idempotent ones only when the server surely did nothing (429, 503, a failed
// dial). Any other transport error, such as a mock's "no responder", is returned at once.
// MaxRetries does not count the one resend after a rejected Pass token or a WebAPI 1015.
type RetryPolicy struct {
	MaxRetries int           // retries after the first attempt; 0 = none
	MinWait    time.Duration // 0 = 200ms
	MaxWait    time.Duration // 0 = 5s; also caps a server's Retry-After
}

// withDefaults fills in the zero waits (WithRetry refuses negative fields).
func (p RetryPolicy) withDefaults() RetryPolicy {
	p.MinWait = cmp.Or(p.MinWait, defaultMinWait)
	p.MaxWait = max(cmp.Or(p.MaxWait, defaultMaxWait), p.MinWait)
	return p
}

type config struct {
	httpClient     *http.Client
	timeouts       TransportTimeouts
	passURL        string
	clientlessURL  string
	webapiURL      string
	agsURL         string
	retry          RetryPolicy
	userAgent      string
	device         *Device
	passTS         oauth2.TokenSource
	passCredsTS    func(*PassService) oauth2.TokenSource // WithPassCredentials
	passStoreTS    func(*PassService) oauth2.TokenSource // WithPassCredentialStore
	webapiDevID    string
	agsTenant      string
	agsAuthService string
	agsHeaders     http.Header

	tokenFetchTimeout time.Duration  // 0 = DefaultTokenFetchTimeout
	leaseWaitTimeout  time.Duration  // 0 = DefaultLeaseWaitTimeout
	passTokenStore    PassTokenStore // shared Pass access tokens; nil = this process only

	// held are the credentials and tokens the client holds (its options', and those its calls sent):
	// every call's errors and log lines are scrubbed of them, not only of the call's own secrets.
	held *heldSecrets

	// logAttempt writes each attempt's debug line; only WithLogger sets it, so others link no slog.
	logAttempt func(ctx context.Context, st *attemptState, req *http.Request, resp *http.Response, err error, d time.Duration)
	logWarn    func(ctx context.Context, msg string, attrs ...slog.Attr) // WithLogger's too
	observer   Observer                                                  // WithObserver (observe.go)
}

func defaultConfig() *config {
	return &config{
		passURL:       DefaultPassURL,
		clientlessURL: DefaultClientlessURL,
		webapiURL:     DefaultWebAPIURL,
		retry:         RetryPolicy{MaxRetries: defaultMaxRetries, MinWait: defaultMinWait, MaxWait: defaultMaxWait},
		userAgent:     "tvauth-go/" + Version,
		agsHeaders:    http.Header{},
		held:          &heldSecrets{},
	}
}

// WithHTTPClient sets the HTTP client whose Transport and per-attempt Timeout the SDK uses. Both are
// read at every attempt, so httpmock.ActivateNonDefault(hc) intercepts whether it runs before or after
// New; a nil Transport means the default rule described at New. Retries, redirect refusal and
// authorisation wrap the transport, and hc is never modified.
func WithHTTPClient(hc *http.Client) Option {
	return checked(notNil("WithHTTPClient", hc, "*http.Client"), func(c *config) { c.httpClient = hc })
}

// WithTransportTimeouts replaces the limits of an attempt's phases (by default DefaultDialTimeout,
// DefaultTLSHandshakeTimeout, DefaultResponseHeaderTimeout and DefaultResponseBodyTimeout); a zero
// field keeps its default. They bound each attempt; a context deadline bounds the whole call. The
// Transport of WithHTTPClient's client keeps its own limits: see TransportTimeouts and New.
func WithTransportTimeouts(t TransportTimeouts) Option {
	var err error
	if t.Dial < 0 || t.TLSHandshake < 0 || t.ResponseHeader < 0 || t.ResponseBody < 0 {
		err = invalid("WithTransportTimeouts", "negative timeout")
	}
	return checked(err, func(c *config) { c.timeouts = t })
}

// WithPassURL sets the Adobe Pass REST API v2 and DCR root (default https://sp.auth.adobe.com).
func WithPassURL(u string) Option {
	return func(c *config) error { c.passURL = u; return nil }
}

// WithClientlessURL sets the Adobe Pass REST API v1 root (default https://api.auth.adobe.com).
func WithClientlessURL(u string) Option {
	return func(c *config) error { c.clientlessURL = u; return nil }
}

// WithWebAPIURL sets the NINA WebAPI root (default https://api.screenname.nina.bz).
func WithWebAPIURL(u string) Option {
	return func(c *config) error { c.webapiURL = u; return nil }
}

// WithAGSURL sets the OpenTV AGS root, e.g. "https://host:port/ags". Without it AGS calls fail with
// ErrNotConfigured.
func WithAGSURL(u string) Option {
	return func(c *config) error { c.agsURL = u; return nil }
}

// WithRetry replaces the default RetryPolicy{MaxRetries: 3, MinWait: 200ms, MaxWait: 5s}.
func WithRetry(p RetryPolicy) Option {
	var err error
	switch {
	case p.MaxRetries < 0:
		err = invalid("WithRetry", "MaxRetries %d is negative", p.MaxRetries)
	case p.MinWait < 0 || p.MaxWait < 0:
		err = invalid("WithRetry", "negative wait")
	}
	return checked(err, func(c *config) { c.retry = p })
}

// WithLogger sets a logger for one debug line per HTTP attempt, and a Warn line when LoadOrRegister
// adopts credentials another replica stored. nil (the default) is silent. Secrets are always redacted.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) error {
		c.logAttempt, c.logWarn = nil, nil
		if l != nil {
			c.logAttempt = func(ctx context.Context, st *attemptState, req *http.Request, resp *http.Response, err error, d time.Duration) {
				logAttempt(ctx, l, st, req, resp, err, d)
			}
			c.logWarn = func(ctx context.Context, msg string, attrs ...slog.Attr) {
				l.LogAttrs(ctx, slog.LevelWarn, msg, attrs...)
			}
		}
		return nil
	}
}

// logAttempt writes one redacted debug line for an HTTP attempt.
func logAttempt(ctx context.Context, l *slog.Logger, st *attemptState, req *http.Request, resp *http.Response, err error, d time.Duration) {
	if !l.Enabled(ctx, slog.LevelDebug) {
		return
	}
	attrs := []slog.Attr{
		slog.String("service", st.call.service.String()),
		slog.String("method", req.Method),
		slog.String("url", st.red.url(req.URL)),
		slog.Int("attempt", st.attempt),
		slog.Duration("duration", d),
	}
	if resp != nil {
		attrs = append(attrs, slog.Int("status", resp.StatusCode))
	}
	if err != nil {
		attrs = append(attrs, slog.String("error", st.red.text(err.Error(), maxTextBytes)))
	}
	l.LogAttrs(ctx, slog.LevelDebug, "tvauth: http attempt", attrs...)
}

// WithUserAgent replaces the default User-Agent "tvauth-go/<version>".
func WithUserAgent(ua string) Option {
	return checked(checkHeaderValue("WithUserAgent", ua), func(c *config) { c.userAgent = ua })
}

// WithDevice sets the default device for the Adobe Pass device headers.
func WithDevice(d Device) Option {
	err := checkHeaderValue("WithDevice.ForwardedFor", d.ForwardedFor)
	return checked(err, func(c *config) { c.device = &d })
}

// WithPassTokenSource sets where Adobe Pass (v2 and v1) calls get their "Authorization: Bearer" token,
// typically client.Pass.TokenSource(creds).
func WithPassTokenSource(ts oauth2.TokenSource) Option {
	return func(c *config) error { c.passTS = ts; return nil }
}

// WithPassCredentials makes the client fetch its own Pass bearer tokens with these DCR client
// credentials (client.Pass.TokenSource(creds)); an explicit WithPassTokenSource wins over it.
func WithPassCredentials(creds ClientCredentials) Option {
	return checked(creds.validate("WithPassCredentials"), func(c *config) {
		c.passCredsTS = func(s *PassService) oauth2.TokenSource { return s.TokenSource(creds) }
		c.held.add(string(creds.ClientSecret))
	})
}

// WithTokenFetchTimeout bounds one token fetch of this client's token sources (Pass TokenSource and
// WithPassCredentials, AGS TokenSource and SharedTokenSource), retries included; the wait for a
// shared store's lease before it has its own budget (WithLeaseWaitTimeout). The default is
// DefaultTokenFetchTimeout (30 s). The fetch runs detached from its callers, so a caller with a
// shorter context still leaves when that ends; this timeout (plus the lease wait, for a source that
// shares its tokens through a store) is what Token() (no context) waits at most.
func WithTokenFetchTimeout(d time.Duration) Option {
	return checked(positive("WithTokenFetchTimeout", d), func(c *config) { c.tokenFetchTimeout = d })
}

// WithPassTokenStore shares this client's Pass access tokens (Pass TokenSource, WithPassCredentials)
// with every replica using the same store: one token fetch per fleet per expiry rather than one per
// replica. Each replica still keeps the token in memory and reads the store only when its copy
// expires or a server rejects it. tvauthredis.Store implements it.
func WithPassTokenStore(store PassTokenStore) Option {
	return checked(notNil("WithPassTokenStore", store, "store"), func(c *config) { c.passTokenStore = store })
}

// WithWebAPIDevID sets the NINA developer id (devId) sent on every WebAPI call.
func WithWebAPIDevID(devID string) Option {
	return checked(checkText("WithWebAPIDevID", devID), func(c *config) { c.webapiDevID = devID })
}

// WithAGSTenant sets the nv-tenant-id header of AGS calls.
func WithAGSTenant(tenantID string) Option {
	return checked(checkHeaderValue("WithAGSTenant", tenantID), func(c *config) { c.agsTenant = tenantID })
}

// WithAGSAuthService sets the default x-auth-service-id of AGS calls.
func WithAGSAuthService(authServiceID string) Option {
	err := checkHeaderValue("WithAGSAuthService", authServiceID)
	if authServiceID != "" && isBlank(authServiceID) {
		err = invalid("WithAGSAuthService",
			"blank: leave it empty or set an authServiceName from service discovery")
	}
	return checked(err, func(c *config) { c.agsAuthService = authServiceID })
}

// WithAGSHeader adds a header sent on every AGS call, such as Nagra-Device-Type or Nagra-Target.
func WithAGSHeader(name, value string) Option {
	err := checkHeaderName("WithAGSHeader", name)
	if i := controlAt(value); i >= 0 && err == nil {
		err = invalid("WithAGSHeader", "value of %s contains a control character at byte %d", name, i)
	}
	return checked(err, func(c *config) { c.agsHeaders.Add(name, value) })
}

// parseBaseURL checks a service root: absolute http(s), no query or fragment, and plain http only to a
// loopback host (test servers), so that tokens never cross a network in clear text.
func parseBaseURL(option, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil {
		// Never the URL itself (url.Error quotes it whole, escapes quote their bytes): its userinfo
		// or query may hold a password or a token, refused below but only once it parses.
		var esc url.EscapeError
		if errors.As(err, &esc) {
			err = errors.New("invalid URL escape")
		} else {
			err = errors.Unwrap(err) // url.Parse's errors are *url.Error
		}
		return nil, invalid(option, "malformed URL: %v", err)
	}
	if u.Scheme != "https" && u.Scheme != "http" {
		return nil, invalid(option, "scheme must be https, got %q", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return nil, invalid(option, "URL has no host")
	}
	if u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return nil, invalid(option, "a base URL takes no query, fragment or userinfo")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return nil, invalid(option, "plain http is allowed only to a loopback host, not %q", u.Hostname())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u, nil
}

func isLoopback(host string) bool {
	return strings.EqualFold(host, "localhost") || strings.HasSuffix(strings.ToLower(host), ".localhost") ||
		net.ParseIP(host).IsLoopback() // false for nil: host is no IP
}
