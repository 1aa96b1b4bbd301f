package tvauth

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// AGSTokenSource is an oauth2.TokenSource over AGS tokens: it hands out the current access token and
// refreshes it (POST /refresh) shortly before it expires, one refresh at a time however many goroutines
// ask. The rotated refresh token replaces the old one, and every refresh is reported to the callback to
// persist the new tokens (with their ClientID: signing on again with DeviceInformation would register
// a brand-new device).
//
// A refusal from AGS (400, 401, 403: the refresh token expired or revoked, the account or device gone)
// is final: later calls return the same error without asking again, and the user must sign on anew. A
// location refusal (AGSGeoBlocked: VPN, geo-blocking) is not: the refresh token stays good.
//
// Print it or log it freely: it shows no tokens and no parameter values.
type AGSTokenSource struct {
	// fmt prints unexported fields without their methods, so none holds a secret: the tokens are
	// behind an atomic pointer (printed as an address), the request and store in the cache's fetch.
	svc       *AGSService
	onRefresh func(Tokens)
	cache     *tokenCache
	cur       atomic.Pointer[Tokens] // the current tokens; nil = none
	final     atomic.Pointer[error]  // a refusal from AGS: no refresh will succeed
}

// AGSTokenStore shares a user's AGS tokens between a fleet's replicas (SharedTokenSource), so that a
// refresh, which rotates the refresh token and kills the old one, happens once and the others read its
// result. Keys are the caller's; implementations must be safe for concurrent use (tvauthredis.Store is).
type AGSTokenStore interface {
	// LoadTokens returns the tokens stored under key, or ErrNoTokens.
	LoadTokens(ctx context.Context, key string) (Tokens, error)
	// CompareAndSwapTokens stores next under key only if the stored refresh token is still
	// oldRefreshToken (with "", only if nothing is stored), atomically, and reports whether it did.
	CompareAndSwapTokens(ctx context.Context, key string, oldRefreshToken Secret, next Tokens) (bool, error)
	// LockTokens takes key's refresh lease, waiting while someone else holds it and returning
	// ctx.Err() when ctx ends. held, derived from ctx, ends before the lease can lapse (see
	// CredentialLocker): the refresh runs under it, so no other replica presents the same refresh token
	// meanwhile. release ends lease and held, may be called again, and never frees another's lease.
	LockTokens(ctx context.Context, key string) (held context.Context, release func(), err error)
}

// agsRefreshMargin is how long before expiry the access token is refreshed, at most (Kaltura's and
// yt-dlp's OpenTV clients both use five minutes); short-lived tokens use a fifth of their lifetime.
const agsRefreshMargin = 5 * time.Minute

// TokenSource returns a token source that starts from tokens (from SignOn, SubsequentSignOn, or
// persisted ones) and refreshes them with req (leave its CorrelationID empty for a fresh one per
// refresh). onRefresh, which may be nil, gets the new tokens after every refresh, before any caller
// does; calls are never concurrent, and it must not call the token source itself.
//
// Tokens without ReceivedAt but with an ExpiresIn are of unknown age: the first use refreshes them.
// Tokens without ExpiresIn are used until Invalidate is called.
func (s *AGSService) TokenSource(tokens *Tokens, req SignOnRequest, onRefresh func(Tokens)) *AGSTokenSource {
	ts := &AGSTokenSource{svc: s, onRefresh: onRefresh}
	ts.cache = newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return ts.refresh(ctx, req)
	})
	ts.cache.timeout, ts.cache.finishAbandoned = s.client.cfg.tokenFetchTimeout, true
	ts.cache.observer, ts.cache.family = s.client.cfg.observer, "ags"
	if tokens != nil {
		cur := *tokens
		ts.cur.Store(&cur)
		ts.cache.early = agsMarginFor(tokens.ExpiresIn)
		if tokens.AccessToken != "" && (tokens.ExpiresIn <= 0 || !tokens.ReceivedAt.IsZero()) {
			ts.cache.tok = tokens.OAuth2()
		}
	}
	return ts
}

// SharedTokenSource is TokenSource over tokens shared through store under key: every replica with the
// same store and key hands out the same tokens, and when they expire exactly one replica refreshes
// (under the store's lease for key) while the others wait and read the rotated tokens. Store the
// tokens first: after SignOn (or SubsequentSignOn), store.CompareAndSwapTokens(ctx, key, "", *tokens);
// without them Token fails with ErrNoTokens.
//
// The refresh waits for the lease at most the lease wait timeout (WithLeaseWaitTimeout), takes at most
// the token fetch timeout, and is cancelled if the lease (renewed while it runs) is lost. The new
// tokens are saved with a compare-and-swap on the refresh token they replace: a replica that refreshed
// anyway (its lease lost to a stall) and lost the race uses the winner's tokens. A refusal from AGS is
// not final here (another replica may sign on again). onRefresh, which may be nil, gets every refresh
// this replica makes (not tokens read from the store), also one the store cannot save (used anyway).
func (s *AGSService) SharedTokenSource(store AGSTokenStore, key string, req SignOnRequest, onRefresh func(Tokens)) *AGSTokenSource {
	ts := &AGSTokenSource{svc: s, onRefresh: onRefresh}
	ts.cache = newTokenCache(0, func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		return ts.sharedRefresh(ctx, old, store, key, req)
	})
	ts.cache.timeout, ts.cache.finishAbandoned = s.client.cfg.fetchBudget(true), true
	ts.cache.observer, ts.cache.family = s.client.cfg.observer, "ags"
	return ts
}

// sharedRefresh is the cache's fetch for a SharedTokenSource.
func (ts *AGSTokenSource) sharedRefresh(ctx context.Context, old *oauth2.Token, store AGSTokenStore, key string, req SignOnRequest) (*oauth2.Token, error) {
	if err := ts.svc.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if store == nil {
		return nil, invalid("store", "nil AGSTokenStore")
	}
	// adopt takes stored tokens whose access token is live and not the one this replica holds
	// (expired or rejected); nil when it does not.
	adopt := func(t Tokens) *oauth2.Token {
		margin := agsMarginFor(t.ExpiresIn)
		if t.AccessToken == "" || (old != nil && string(t.AccessToken) == old.AccessToken) ||
			(t.ExpiresIn > 0 && (t.ReceivedAt.IsZero() || !time.Now().Add(margin).Before(t.Expiry()))) {
			return nil
		}
		ts.cur.Store(&t)
		ts.cache.setEarly(margin)
		return t.OAuth2()
	}
	load := func() (t Tokens, tok *oauth2.Token, err error) {
		if t, err = store.LoadTokens(ctx, key); err != nil {
			return t, nil, fmt.Errorf("tvauth: reading the shared AGS tokens: %w", err)
		}
		return t, adopt(t), nil
	}
	if _, tok, err := load(); err != nil || tok != nil {
		return tok, err
	}
	lock := func(ctx context.Context) (context.Context, func(), error) { return store.LockTokens(ctx, key) }
	work, done, err := ts.svc.client.takeLease(ctx, "AGS refresh", ts.svc.client.cfg.fetchTimeout(), lock)
	if err != nil {
		return nil, err
	}
	defer done()
	stored, tok, err := load()
	if err != nil || tok != nil {
		return tok, err
	}
	if stored.RefreshToken == "" {
		return nil, invalid("RefreshToken", "no refresh token to refresh with: sign on again")
	}
	nt, err := ts.svc.Refresh(work, stored.RefreshToken, req)
	if err != nil {
		// Another replica may have rotated the token meanwhile (our lease was lost).
		if t, lerr := store.LoadTokens(ctx, key); lerr == nil && t.RefreshToken != stored.RefreshToken {
			if tok := adopt(t); tok != nil {
				return tok, nil
			}
		}
		return nil, leaseError(work, "AGS refresh", err)
	}
	fillRefreshed(nt, stored)
	// Saved with the call's context, not the lease's: the compare-and-swap fences a late write.
	swapped, err := store.CompareAndSwapTokens(ctx, key, stored.RefreshToken, *nt)
	if err == nil && !swapped {
		if _, tok, lerr := load(); lerr == nil && tok != nil {
			return tok, nil
		}
	}
	return ts.rotated(nt), nil
}

// rotated makes nt the source's tokens, schedules the next refresh and reports it, before callers get it.
func (ts *AGSTokenSource) rotated(nt *Tokens) *oauth2.Token {
	ts.cur.Store(nt)
	ts.cache.setEarly(agsMarginFor(nt.ExpiresIn))
	if ts.onRefresh != nil {
		ts.onRefresh(*nt)
	}
	return nt.OAuth2()
}

// fillRefreshed completes a refresh reply, which may leave out what does not change.
func fillRefreshed(nt *Tokens, cur Tokens) {
	nt.ClientID = cmp.Or(nt.ClientID, cur.ClientID)
	nt.AccountID = cmp.Or(nt.AccountID, cur.AccountID)
	nt.TokenType = cmp.Or(nt.TokenType, cur.TokenType)
}

func agsMarginFor(lifetime time.Duration) time.Duration { return min(agsRefreshMargin, lifetime/5) }

// Token returns a valid access token, refreshing it first when about to expire; without a context it
// waits at most one refresh (WithTokenFetchTimeout, DefaultTokenFetchTimeout): TokenContext waits less.
func (ts *AGSTokenSource) Token() (*oauth2.Token, error) {
	return ts.cache.tokenContext(context.Background())
}

// TokenContext is Token with a context for waiting. A caller whose context ends returns at once with
// ctx.Err(); the detached refresh goes on within the fetch timeout (AGS may already have rotated the
// refresh token) for the next caller, who starts a fresh one after a failed or timed-out refresh.
func (ts *AGSTokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	return ts.cache.tokenContext(ctx)
}

func (ts *AGSTokenSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	return ts.cache.tokenContext(ctx)
}

// Invalidate drops the current access token, say after an API rejected it with 401: the next Token
// refreshes. It never waits for a refresh in progress.
func (ts *AGSTokenSource) Invalidate() {
	ts.cache.invalidate("")
	ts.cache.observe(context.Background(), "invalidated", 0, nil)
}

func (ts *AGSTokenSource) invalidate(rejected string) { ts.cache.invalidate(rejected) }

// Tokens returns a copy of the current tokens, including the latest rotated refresh token.
func (ts *AGSTokenSource) Tokens() Tokens {
	if t := ts.cur.Load(); t != nil {
		return *t
	}
	return Tokens{}
}

// UnmarshalJSON refuses every input (ErrMaskedSecret): json.Marshal writes a token source as {}, its
// tokens not being fields. Persist Tokens() with MarshalUnmaskedJSON and start a new source from them.
func (ts *AGSTokenSource) UnmarshalJSON([]byte) error {
	return fmt.Errorf("tvauth: an AGSTokenSource has no JSON form: %w", ErrMaskedSecret)
}

// refresh is the cache's fetch for a TokenSource (one at a time, detached, within the fetch timeout).
func (ts *AGSTokenSource) refresh(ctx context.Context, req SignOnRequest) (*oauth2.Token, error) {
	if final := ts.final.Load(); final != nil {
		return nil, *final
	}
	if err := ts.svc.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	cur := ts.Tokens()
	if cur.RefreshToken == "" {
		return nil, invalid("RefreshToken", "no refresh token to refresh with: sign on again")
	}
	nt, err := ts.svc.Refresh(ctx, cur.RefreshToken, req)
	if err != nil {
		var ae *AGSError
		final := []int{http.StatusBadRequest, http.StatusUnauthorized, http.StatusForbidden}
		if errors.As(err, &ae) && !AGSGeoBlocked(err) && slices.Contains(final, ae.HTTPStatus) {
			ts.final.Store(&err)
		}
		return nil, err
	}
	fillRefreshed(nt, cur)
	return ts.rotated(nt), nil
}

var (
	_ oauth2.TokenSource = (*AGSTokenSource)(nil)
	_ tokenContexter     = (*AGSTokenSource)(nil)
	_ tokenInvalidator   = (*AGSTokenSource)(nil)
)
