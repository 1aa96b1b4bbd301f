package tvauth

import (
	"context"
	"time"

	"golang.org/x/oauth2"
)

// tokenCache is the caching core of the SDK's token sources (Pass DCR, AGS refresh): it keeps the
// current token, refetches it early before expiry, and lets exactly one fetch run at a time. A waiting
// caller gives up when its own context ends; no caller's context outlives its call.
type tokenCache struct {
	fetch func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error)
	early time.Duration // refetch this long before expiry
	now   func() time.Time

	sem chan struct{} // capacity 1: held by the one fetch (or read) in progress
	tok *oauth2.Token
}

func newTokenCache(early time.Duration, fetch func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error)) *tokenCache {
	return &tokenCache{fetch: fetch, early: early, now: time.Now, sem: make(chan struct{}, 1)}
}

// Token implements oauth2.TokenSource; the fetch, if one is needed, runs without a deadline of its own
// beyond the client's retry policy.
func (c *tokenCache) Token() (*oauth2.Token, error) { return c.tokenContext(context.Background()) }

func (c *tokenCache) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	if c.valid(c.tok) {
		return c.tok, nil
	}
	tok, err := c.fetch(ctx, c.tok)
	if err != nil {
		return nil, err
	}
	c.tok = tok
	return tok, nil
}

func (c *tokenCache) valid(t *oauth2.Token) bool {
	if t == nil || t.AccessToken == "" {
		return false
	}
	return t.Expiry.IsZero() || c.now().Add(c.early).Before(t.Expiry)
}

// invalidate drops the cached token after a server rejected it, so the next call fetches a new one.
// With rejected set, the token is dropped only if it is still that one: another caller may already
// have replaced it.
func (c *tokenCache) invalidate(rejected string) {
	c.sem <- struct{}{}
	if rejected == "" || (c.tok != nil && c.tok.AccessToken == rejected) {
		c.tok = nil
	}
	<-c.sem
}

var (
	_ oauth2.TokenSource = (*tokenCache)(nil)
	_ tokenContexter     = (*tokenCache)(nil)
	_ tokenInvalidator   = (*tokenCache)(nil)
)
