package tvauth

import (
	"context"
	"errors"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultTokenFetchTimeout bounds one token fetch of the SDK's token sources (a Pass access token, an
// AGS refresh), retries included, when WithTokenFetchTimeout does not say otherwise. It is what makes
// Token() — the oauth2.TokenSource face that oauth2.NewClient calls with no context — return on a
// stalled token endpoint.
const DefaultTokenFetchTimeout = 30 * time.Second

// errNoToken is a fetch that returned neither a token nor an error.
var errNoToken = errors.New("tvauth: the token fetch returned no token")

// tokenCache is the caching core of the SDK's token sources (Pass DCR, AGS refresh): it keeps the
// current token, refetches it early before expiry, and runs one fetch at a time.
//
// The fetch is detached from its callers: it runs in its own goroutine with its own deadline (timeout),
// keeping the values but not the cancellation of the context of the caller that started it. Every
// caller, the starter included, waits for it with its own context and leaves when that ends; the fetch
// goes on for the others, and is cancelled only when the last waiter has left. When the fetch ends (a
// token, an error or its deadline), its waiters get its result and the next caller that needs a token
// starts a fresh one. The mutex is never held across I/O, so nothing waits on a stalled fetch without
// a context of its own.
type tokenCache struct {
	fetch   func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error)
	now     func() time.Time
	timeout time.Duration // bounds one fetch; <= 0 = DefaultTokenFetchTimeout

	mu     sync.Mutex
	early  time.Duration // refetch this long before expiry
	tok    *oauth2.Token
	flight *tokenFlight // the fetch in progress, or nil
}

// tokenFlight is one fetch in progress; done is closed once tok and err are set.
type tokenFlight struct {
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // callers waiting for it; guarded by tokenCache.mu
	tok     *oauth2.Token
	err     error
}

func newTokenCache(early time.Duration, fetch func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error)) *tokenCache {
	return &tokenCache{fetch: fetch, early: early, now: time.Now}
}

// Token implements oauth2.TokenSource. With no context of its own, it waits at most for one fetch,
// which its timeout bounds.
func (c *tokenCache) Token() (*oauth2.Token, error) { return c.tokenContext(context.Background()) }

func (c *tokenCache) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.valid(c.tok) {
		tok := c.tok
		c.mu.Unlock()
		return tok, nil
	}
	f := c.flight
	if f == nil {
		timeout := c.timeout
		if timeout <= 0 {
			timeout = DefaultTokenFetchTimeout
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		f = &tokenFlight{done: make(chan struct{}), cancel: cancel}
		c.flight = f
		go c.run(fctx, f, c.tok)
	}
	f.waiters++
	c.mu.Unlock()
	select {
	case <-f.done:
		return f.tok, f.err
	case <-ctx.Done():
		c.leave(f)
		return nil, ctx.Err()
	}
}

// leave is a waiter giving up. A fetch that nobody waits for any more is abandoned and cancelled: the
// next caller starts a fresh one rather than joining a fetch that may be stalled.
func (c *tokenCache) leave(f *tokenFlight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && c.flight == f {
		c.flight = nil
		f.cancel()
	}
}

// run is the detached fetch.
func (c *tokenCache) run(ctx context.Context, f *tokenFlight, old *oauth2.Token) {
	defer f.cancel()
	tok, err := c.fetch(ctx, old)
	if err == nil && tok == nil {
		err = errNoToken
	}
	c.mu.Lock()
	if err == nil {
		c.tok = tok
	}
	f.tok, f.err = tok, err
	if c.flight == f {
		c.flight = nil
	}
	c.mu.Unlock()
	close(f.done)
}

// valid reports whether t can be handed out. Call with c.mu held.
func (c *tokenCache) valid(t *oauth2.Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || c.now().Add(c.early).Before(t.Expiry)
}

// setEarly changes how long before expiry the token is refetched (the AGS source derives it from
// each token's lifetime).
func (c *tokenCache) setEarly(d time.Duration) {
	c.mu.Lock()
	c.early = d
	c.mu.Unlock()
}

// invalidate drops the cached token after a server rejected it, so the next call fetches a new one.
// With rejected set, the token is dropped only if it is still that one: another caller may already
// have replaced it. It never waits for a fetch (the mutex is not held across I/O), so it needs no
// context; a fetch in progress goes on and its token is used.
func (c *tokenCache) invalidate(rejected string) {
	c.mu.Lock()
	if rejected == "" || (c.tok != nil && c.tok.AccessToken == rejected) {
		c.tok = nil
	}
	c.mu.Unlock()
}

var (
	_ oauth2.TokenSource = (*tokenCache)(nil)
	_ tokenContexter     = (*tokenCache)(nil)
	_ tokenInvalidator   = (*tokenCache)(nil)
)
