package tvauth

// tokens.go: the token cache under every token source, and the Pass token store a fleet shares.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// DefaultTokenFetchTimeout bounds one token fetch of the SDK's token sources (a Pass access token, an
// AGS refresh), retries included, unless WithTokenFetchTimeout says otherwise.
const DefaultTokenFetchTimeout = 30 * time.Second

// tokenCache is the caching core of the SDK's token sources (Pass DCR, AGS refresh): it keeps the
// current token, refetches it early before expiry, and runs one fetch at a time.
//
// The fetch is detached: it runs in its own goroutine with its own deadline (timeout) and the values,
// not the cancellation, of its starter's context. Every caller waits for it with its own context and
// leaves when that ends; the fetch is cancelled only when the last waiter has left (unless
// finishAbandoned), and once it ends the next caller that needs a token starts a fresh one. The mutex
// is never held across I/O, so nothing waits on a stalled fetch without a context of its own.
type tokenCache struct {
	fetch   func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error)
	now     func() time.Time
	timeout time.Duration // bounds one fetch; 0 = DefaultTokenFetchTimeout
	// finishAbandoned lets a fetch that all its waiters left run on to its timeout instead of
	// cancelling it: an AGS refresh, which rotates the refresh token the moment AGS takes it, cut off
	// would lose the rotated token. The next caller's fetch waits for it and uses its token.
	finishAbandoned bool
	observer        Observer // told of the token events, as family's (observe.go)
	family          string

	mu     sync.Mutex
	early  time.Duration // refetch this long before expiry
	tok    *oauth2.Token
	last   *oauth2.Token // the token last cached, kept after invalidate: the fetch's old token
	flight *tokenFlight  // the fetch in progress, or nil

	// running is held by the fetch that runs: a fetch abandoned by its waiters is cancelled but may
	// take a moment to return, and the next one starts only after it.
	running chan struct{}
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
	return &tokenCache{fetch: fetch, early: early, now: time.Now, running: make(chan struct{}, 1)}
}

// Token implements oauth2.TokenSource; it waits at most for one fetch, which its timeout bounds.
func (c *tokenCache) Token() (*oauth2.Token, error) { return c.tokenContext(context.Background()) }

func (c *tokenCache) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	if ctx == nil { // AGSTokenSource.TokenContext(nil): bad input, not a panic
		return nil, invalid("ctx", "nil context")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	c.mu.Lock()
	if c.valid(c.tok) {
		tok := c.tok
		c.mu.Unlock()
		c.observe(ctx, "cache_hit", 0, nil)
		return tok, nil
	}
	f, kind := c.flight, "shared_wait"
	if f == nil {
		kind = "fetch_started"
		timeout := cmp.Or(c.timeout, DefaultTokenFetchTimeout)
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		f = &tokenFlight{done: make(chan struct{}), cancel: cancel}
		c.flight = f
		go c.run(fctx, f)
	}
	f.waiters++
	c.mu.Unlock()
	start := time.Now()
	c.observe(ctx, kind, 0, nil)
	select {
	case <-f.done:
		c.observe(ctx, "fetch_ended", time.Since(start), f.err)
		return f.tok, f.err
	case <-ctx.Done():
		c.leave(f)
		c.observe(ctx, "fetch_ended", time.Since(start), ctx.Err())
		return nil, ctx.Err()
	}
}

// leave is a waiter giving up: a fetch left with none is cancelled; the next caller starts afresh.
func (c *tokenCache) leave(f *tokenFlight) {
	c.mu.Lock()
	defer c.mu.Unlock()
	f.waiters--
	if f.waiters == 0 && c.flight == f {
		c.flight = nil
		if !c.finishAbandoned {
			f.cancel()
		}
	}
}

// run is the detached fetch. It waits for an abandoned fetch still returning, then uses the token
// that one got, if any, rather than fetching again.
func (c *tokenCache) run(ctx context.Context, f *tokenFlight) {
	defer f.cancel()
	var tok *oauth2.Token
	var err error
	select {
	case c.running <- struct{}{}:
		defer func() { <-c.running }() // after the result is cached: the next fetch sees it
		c.mu.Lock()
		cached, old, valid := c.tok, cmp.Or(c.tok, c.last), c.valid(c.tok)
		c.mu.Unlock()
		if valid {
			tok = cached
		} else if tok, err = c.fetch(ctx, old); err == nil && tok == nil {
			err = errors.New("tvauth: the token fetch returned no token")
		}
	case <-ctx.Done():
		err = ctx.Err()
	}
	c.mu.Lock()
	if err == nil {
		c.tok, c.last = tok, tok
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
	return t != nil && t.AccessToken != "" && (t.Expiry.IsZero() || c.now().Add(c.early).Before(t.Expiry))
}

// setEarly sets how long before expiry the token is refetched (AGS derives it from each token).
func (c *tokenCache) setEarly(d time.Duration) {
	c.mu.Lock()
	c.early = d
	c.mu.Unlock()
}

// invalidate drops the cached token after a server rejected it, so the next call fetches a new one;
// with rejected set, only if it is still that one (another caller may have replaced it). It never
// waits for a fetch, so it needs no context; a fetch in progress goes on and its token is used.
func (c *tokenCache) invalidate(rejected string) {
	c.mu.Lock()
	if rejected == "" || (c.tok != nil && c.tok.AccessToken == rejected) {
		c.tok, c.last = nil, cmp.Or(c.tok, c.last)
	}
	c.mu.Unlock()
}

var (
	_ oauth2.TokenSource = (*tokenCache)(nil)
	_ tokenContexter     = (*tokenCache)(nil)
	_ tokenInvalidator   = (*tokenCache)(nil)
)

// ErrNoTokens is what a PassTokenStore or an AGSTokenStore returns (possibly wrapped) when it holds
// no tokens for the key.
var ErrNoTokens = errors.New("tvauth: no tokens stored")

// PassTokenStore shares Pass access tokens between the replicas of a fleet (WithPassTokenStore), keyed
// by client id, so that one replica fetches a token per expiry and the others read it. Implementations
// must be safe for concurrent use; tvauthredis.Store is one.
type PassTokenStore interface {
	// LoadPassToken returns the stored token for clientID, or ErrNoTokens.
	LoadPassToken(ctx context.Context, clientID string) (*oauth2.Token, error)
	// SavePassToken stores tok (AccessToken, TokenType, Expiry) for clientID.
	SavePassToken(ctx context.Context, clientID string, tok *oauth2.Token) error
	// LockPassToken takes clientID's fetch lease as CredentialLocker.LockCredentials takes the
	// registration lease: held, release and ctx's end behave as they do there.
	LockPassToken(ctx context.Context, clientID string) (held context.Context, release func(), err error)
}

// sharedPassFetch wraps a Pass token fetch with a shared store: a stored token that is live and not
// the one this replica holds (expired or rejected) is used as is; otherwise the replica takes the
// fleet's lease (waiting at most the lease wait timeout), looks again, and only then fetches
// (within the token fetch timeout) and saves. A token it cannot save is still used here.
func sharedPassFetch(c *Client, store PassTokenStore, clientID string, fetch func(context.Context, *oauth2.Token) (*oauth2.Token, error)) func(context.Context, *oauth2.Token) (*oauth2.Token, error) {
	return func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		usable := func(t *oauth2.Token) bool {
			return t != nil && t.AccessToken != "" && (old == nil || t.AccessToken != old.AccessToken) &&
				(t.Expiry.IsZero() || time.Now().Before(t.Expiry))
		}
		load := func() (*oauth2.Token, error) {
			t, err := store.LoadPassToken(ctx, clientID)
			if errors.Is(err, ErrNoTokens) {
				return nil, nil
			}
			if err != nil {
				return nil, fmt.Errorf("tvauth: reading the shared Pass token: %w", err)
			}
			return t, nil
		}
		if t, err := load(); err != nil || usable(t) {
			return t, err
		}
		work, done, err := c.takeLease(ctx, "Pass token", c.cfg.fetchTimeout(), func(ctx context.Context) (context.Context, func(), error) {
			return store.LockPassToken(ctx, clientID)
		})
		if err != nil {
			return nil, err
		}
		defer done()
		if t, err := load(); err != nil || usable(t) {
			return t, err
		}
		tok, err := fetch(work, old)
		if err != nil {
			return nil, leaseError(work, "Pass token", err)
		}
		_ = store.SavePassToken(ctx, clientID, tok)
		return tok, nil
	}
}
