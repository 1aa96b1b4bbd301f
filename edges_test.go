package tvauth

// Edge cases a review of the hot paths found (caller token sources, error chains, AuthenticateURL).
// Each failed on the code before its fix; the comment above each says what went wrong then, and the
// test holds the promise it names.

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

// stallingTokenSource is a caller's oauth2.TokenSource (oauth2.ReuseTokenSource over a slow IdP, say):
// its Token() blocks until release is closed.
type stallingTokenSource struct{ release chan struct{} }

func (s stallingTokenSource) Token() (*oauth2.Token, error) {
	<-s.release
	return &oauth2.Token{AccessToken: "late-token", TokenType: "Bearer"}, nil
}

// "Every wait ends when the context does": with a token source of the caller's own (not the SDK's
// tokenContexter), authorising an attempt would call Token() inline and the call would wait for it however long it
// takes, past the context's deadline, and even when the context was cancelled before the call.
func TestForeignTokenSourceHonoursContext(t *testing.T) {
	release := make(chan struct{})
	var calls sync.WaitGroup
	c, mux, _ := setup(t, WithPassTokenSource(stallingTokenSource{release}))
	t.Cleanup(func() { close(release); calls.Wait() }) // before the server closes: no call outlives the test
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"REF30","mvpds":[]}`)
	})
	for _, tc := range []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
	}{
		{"deadline 100ms", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 100*time.Millisecond)
		}},
		{"cancelled before the call", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := tc.ctx()
			defer cancel()
			done := make(chan error, 1)
			calls.Add(1)
			go func() { defer calls.Done(); _, err := c.Pass.Configuration(ctx, "REF30"); done <- err }()
			select {
			case err := <-done:
				if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
					t.Errorf("err = %v, want the context's error", err)
				}
			case <-time.After(1500 * time.Millisecond):
				t.Error("the call was still waiting for Token() 1.5 s after its context ended")
			}
		})
	}
}

// urlQuotingTransport fails every request with an error that quotes the URL, as many
// RoundTrippers do (mocks, service-mesh and signing transports, "dial upstream for <url>").
type urlQuotingTransport struct{}

func (urlQuotingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return nil, errors.New("upstream unavailable for " + r.URL.String())
}

// RequestError scrubs its text (msg) but keeps the unscrubbed cause in Err, which Unwrap hands out:
// whatever walks the chain (errors.Unwrap, Sentry's exception chain, a logger printing causes) reads
// the NINA token and signature the transport quoted.
func TestRequestErrorChainScrubbed(t *testing.T) {
	const token = "NinaTokenZZ9-0123456789abcdefghijklmnopqrstuvwxyz"
	c, err := New(WithWebAPIURL("http://127.0.0.1:1"), WithWebAPIDevID("dev-1"), WithRetry(RetryPolicy{MaxRetries: 0}),
		WithHTTPClient(&http.Client{Transport: urlQuotingTransport{}}))
	if err != nil {
		t.Fatal(err)
	}
	sess := &WebAPISession{LoginID: "jo@example.com", Token: token, SessionSecret: "sessionsecret-0123456789",
		SessionKey: SessionKey("pw", "sessionsecret-0123456789"), ExpiresIn: time.Hour}
	_, err = c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: sess})
	if err == nil {
		t.Fatal("Logout succeeded through a failing transport")
	}
	if strings.Contains(err.Error(), token[:20]) {
		t.Fatalf("err.Error() leaks the token: %v", err)
	}
	for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), token[:20]) {
			t.Errorf("a cause in the chain (%T) leaks the token: %v", e, e)
			break
		}
	}
}

// Bad input is a *ValidationError whatever the context: every other method validates before it looks
// at ctx, but WaitForAuthN selects between a zero timer and ctx.Done() before CheckAuthN validates
// the request, so with a cancelled context an invalid request is context.Canceled about half the
// time.
func TestWaitForAuthNBadInputWithCancelledContext(t *testing.T) {
	c, _, _ := setup(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Clientless.CheckAuthN(ctx, ClientlessRequest{}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("CheckAuthN: %v, want a *ValidationError", err)
	}
	canceled := 0
	for i := 0; i < 50; i++ {
		if err := c.Clientless.WaitForAuthN(ctx, ClientlessRequest{}, 0); !errors.Is(err, ErrInvalidRequest) {
			canceled++
		}
	}
	if canceled > 0 {
		t.Errorf("WaitForAuthN with an empty request and a cancelled context: %d of 50 calls did not return "+
			"a *ValidationError", canceled)
	}
}

// v1EntitySafe breaks "&reg" so that no browser shows the ® entity in the authenticate URL (text
// content decodes the legacy entities even without ";" and before letters), but "&reg" is one of the
// ~100 legacy entity names: an extra parameter named param, notify, copy, times, lt, amp or sect
// still reads as ¶m=, ¬ify=, ©=, ×=, <=, &=, §= wherever the URL is shown as HTML text.
func TestAuthenticateURLLegacyEntities(t *testing.T) {
	c, _, _ := setup(t)
	req := AuthenticateRequest{RequestorID: "REF30", MSOID: "Cablevision", RegCode: "ABC1234",
		DomainName: "adobe.com", RedirectURL: "https://app.example/done",
		Extra: map[string][]string{"param": {"1"}, "notify": {"1"}, "copy": {"1"}, "times": {"1"}, "lt": {"1"},
			"amp": {"1"}, "sect": {"1"}, "region": {"1"}}}
	got, err := c.Clientless.AuthenticateURL(req)
	if err != nil {
		t.Fatal(err)
	}
	for _, entity := range []string{"reg", "para", "not", "copy", "times", "lt", "amp", "sect"} {
		if strings.Contains(got, "&"+entity) {
			t.Errorf("URL holds &%s, which HTML text shows as an entity: %s", entity, got)
		}
	}
}

// A cause's stand-in (redactor.cause) is a net.Error only when the cause was one: a *DecodeError whose
// JSON error quoted a secret must not answer errors.As(err, &net.Error) with true, or a caller that
// tells network failures from bad replies that way (the usual retry test) takes a broken reply for a
// network error.
func TestScrubbedCauseIsANetErrorOnlyIfItsCauseWas(t *testing.T) {
	const secret = "s3cr3t-token-value-1234"
	e := &DecodeError{Service: "adobe pass", Err: fmt.Errorf("invalid value %q for access_token", secret)}
	e.scrub(newRedactor(secret))
	if strings.Contains(e.Error(), secret) {
		t.Fatalf("precondition: %q holds the secret", e)
	}
	var ne net.Error
	if errors.As(e, &ne) {
		t.Errorf("a *DecodeError whose cause held a secret is a net.Error (%T %q): a broken reply reads as a network failure", ne, ne)
	}
}

// Whatever walks the chain of an error (errors.Unwrap, an error reporter, a logger printing causes)
// reads only scrubbed text: LoadOrRegister's unsavedError (credstore.go) hands out a stand-in for a
// store's error that quoted the client secret, not the store's error itself.
func TestUnsavedErrorChainHoldsNoSecret(t *testing.T) {
	c, mux, _ := setup(t)
	registrationServer(t, mux)
	store := &flakySaveStore{mem: NewMemoryCredentialStore(), failures: 1}
	_, err := c.Pass.LoadOrRegister(context.Background(), store, testSoftwareStatement)
	if !errors.Is(err, errSaveRefused) {
		t.Fatalf("LoadOrRegister: %v, want the store's error", err)
	}
	for e := err; e != nil; e = errors.Unwrap(e) {
		if strings.Contains(e.Error(), "secret-number-1") {
			t.Errorf("the chain of the returned error holds the client secret: %T %q", e, e.Error())
		}
	}
}

// The epoch lock (pass_credstore_lock_excl.go) writes the expiry start+lease, start being taken before the
// listing and the O_EXCL create, and accepts an acquisition that took up to lease/2. Its holder
// renews that expiry while it holds the lease, and the lease's context ends once it cannot: a holder
// whose epoch others judged free (its expiry passed) stops working rather than register a second time.
func TestExclLeaseRenewedAndLost(t *testing.T) {
	const lease = time.Hour
	lockPath := filepath.Join(t.TempDir(), "creds.json.lock")
	start := time.Now().Add(-lease * 4 / 10) // listing, create and write took 0.4 lease: accepted (< lease/2)
	l, err := takeEpoch(lockPath, 1, lease, start)
	if err != nil || l == nil {
		t.Fatalf("takeEpoch = %v, %v", l, err)
	}
	if !l.until().Equal(start.Add(lease)) {
		t.Errorf("the lease runs until %v, the epoch file says %v", l.until(), start.Add(lease))
	}
	if epochFree(l.name, lease, l.until().Add(-time.Second)) {
		t.Error("the epoch is judged free before the end of the lease its holder was given")
	}

	path := filepath.Join(t.TempDir(), "creds.json")
	const short = time.Second
	store := &FileCredentialStore{path: path, tryLock: tryLockExcl, lease: short}
	held, release, err := store.LockCredentials(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	time.Sleep(2 * short) // renewed meanwhile: still held, and nobody else gets it
	if held.Err() != nil {
		t.Fatalf("the lease ended while its holder lived: %v", context.Cause(held))
	}
	if other, err := acquireExcl(path+".lock", short); other != nil || err != nil {
		t.Fatalf("another took a renewed lease: %v, %v", other, err)
	}
	abandon(t, path+".lock") // as if its holder had stalled past the expiry
	other, err := acquireExcl(path+".lock", short)
	if err != nil || other == nil {
		t.Fatalf("takeover: %v, %v", other, err)
	}
	defer other.release()
	select {
	case <-held.Done():
		if !errors.Is(context.Cause(held), ErrLeaseLost) {
			t.Errorf("the lease's context ended with %v, want ErrLeaseLost", context.Cause(held))
		}
	case <-time.After(time.Minute):
		t.Fatal("the lease's context outlived a takeover by a minute")
	}
}

// countingStallSource is a caller's token source over a hung IdP: Token blocks until release is
// closed, and inFlight counts the Token calls waiting.
type countingStallSource struct {
	release  chan struct{}
	inFlight *atomic.Int32
}

func (s countingStallSource) Token() (*oauth2.Token, error) {
	s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	<-s.release
	return &oauth2.Token{AccessToken: "late-token", TokenType: "Bearer"}, nil
}

// tokenWithContext (client.go) starts a goroutine per call for a caller's token source and leaves
// it behind when the call's context ends. While the source hangs (an IdP that never answers, a
// ReuseTokenSource queueing every caller behind the hung one), every call that gives up leaves one
// more goroutine: an app retrying each second grows by 3600 goroutines an hour, each holding its
// stack until the IdP answers. The calls have all returned here; one fetch in flight (waiters
// sharing it, as tokenCache does for the SDK's own sources) would be enough.
func TestForeignTokenSourceGoroutinesBounded(t *testing.T) {
	release := make(chan struct{})
	var inFlight atomic.Int32
	c, mux, _ := setup(t, WithPassTokenSource(countingStallSource{release, &inFlight}))
	var calls sync.WaitGroup
	t.Cleanup(func() { close(release); calls.Wait() })
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"id":"REF30","mvpds":[]}`)
	})
	const n = 20
	for range n {
		calls.Add(1)
		func() {
			defer calls.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			defer cancel()
			if _, err := c.Pass.Configuration(ctx, "REF30"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("err = %v, want the deadline", err)
			}
		}()
	}
	deadline := time.Now().Add(2 * time.Second)
	for inFlight.Load() < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if got := inFlight.Load(); got > 1 {
		t.Errorf("%d calls returned, and %d goroutines still wait in the caller's Token(): one per abandoned call", n, got)
	}
}

// A cause that was a net.Error stays one once scrubbed, with its Timeout, and %q, %x and %#v print
// only the scrubbed text.
func TestScrubbedNetErrorKeepsTimeout(t *testing.T) {
	const secret = "s3cr3t-token-value-1234"
	cause := &net.OpError{Op: "read", Net: "tcp", Err: timeoutError{"i/o timeout reading " + secret}}
	_, err := newRedactor(secret).cause(cause)
	var ne net.Error
	if !errors.As(err, &ne) || !ne.Timeout() {
		t.Fatalf("scrubbed %T: errors.As(net.Error) %v, want a net.Error that timed out", err, errors.As(err, &ne))
	}
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x"} {
		if out := fmt.Sprintf(verb, err); strings.Contains(out, secret) || strings.Contains(out, hex.EncodeToString([]byte(secret))) {
			t.Errorf("%s prints the secret: %s", verb, out)
		}
	}
	if _, err := newRedactor(secret).cause(fmt.Errorf("%s: %w", secret, context.DeadlineExceeded)); !errors.Is(err, context.DeadlineExceeded) {
		t.Error("a scrubbed cause no longer matches the context error it wrapped")
	}
}

type timeoutError struct{ msg string }

func (e timeoutError) Error() string   { return e.msg }
func (e timeoutError) Timeout() bool   { return true }
func (e timeoutError) Temporary() bool { return false }

type panickingTokenSource struct{}

func (panickingTokenSource) Token() (*oauth2.Token, error) { panic("identity provider bug") }

// A panic in a caller's Token, run in a goroutine because the call's context can end, reaches the
// call that waited for it rather than killing the process.
func TestForeignTokenSourcePanicReachesTheCaller(t *testing.T) {
	c, _, _ := setup(t, WithPassTokenSource(panickingTokenSource{}))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	defer func() {
		if v := recover(); v != "identity provider bug" {
			t.Errorf("recovered %v, want the token source's panic", v)
		}
	}()
	_, _ = c.Pass.Configuration(ctx, "REF30")
	t.Error("the call returned after its token source panicked")
}
