package tvauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// AGSTokenSource is an oauth2.TokenSource over AGS tokens: it hands out the current access token and,
// shortly before it expires, refreshes it through POST /refresh. One refresh runs at a time however
// many goroutines ask; the rotated refresh token replaces the old one; and every refresh is reported
// to the callback so the caller can persist the new tokens (with their ClientID: signing on again with
// DeviceInformation would register a brand-new device).
//
// A refresh that AGS refuses (400, 401, 403: the refresh token is expired or revoked, the account or
// device is gone) is final: later calls return the same error without asking again, and the user has
// to sign on anew. A location refusal (AGSGeoBlocked: VPN, geo-blocking) is not final: the refresh
// token is still good once the user connects from an allowed place.
type AGSTokenSource struct {
	svc       *AGSService
	req       SignOnRequest
	onRefresh func(Tokens)
	cache     *tokenCache

	mu    sync.Mutex
	cur   Tokens
	final error // a refusal from AGS: no refresh will succeed
}

// agsRefreshMargin is how long before expiry the access token is refreshed, at most (Kaltura's and
// yt-dlp's OpenTV clients both use five minutes); short-lived tokens use a fifth of their lifetime.
const agsRefreshMargin = 5 * time.Minute

// TokenSource returns a token source that starts from tokens (from SignOn, SubsequentSignOn, or
// persisted ones) and refreshes them with req (its Parameters, AuthService and CorrelationID; leave
// CorrelationID empty for a fresh one per refresh). onRefresh, which may be nil, is called with the
// new tokens after every refresh, before any caller gets them; calls are never concurrent. It must not
// call the token source itself.
//
// Tokens without ReceivedAt but with an ExpiresIn are of unknown age: the first use refreshes them.
// Tokens without ExpiresIn are used until Invalidate is called.
func (s *AGSService) TokenSource(tokens *Tokens, req SignOnRequest, onRefresh func(Tokens)) *AGSTokenSource {
	ts := &AGSTokenSource{svc: s, req: req, onRefresh: onRefresh}
	ts.cache = newTokenCache(0, ts.refresh)
	ts.cache.timeout = s.client.cfg.tokenFetchTimeout
	if tokens != nil {
		ts.cur = *tokens
		ts.cache.early = agsMarginFor(tokens.ExpiresIn)
		if tokens.AccessToken != "" && (tokens.ExpiresIn <= 0 || !tokens.ReceivedAt.IsZero()) {
			ts.cache.tok = tokens.OAuth2()
		}
	}
	return ts
}

func agsMarginFor(lifetime time.Duration) time.Duration {
	return min(agsRefreshMargin, lifetime/5)
}

// Token returns a valid access token, refreshing it first when it is about to expire. It has no
// context: it waits at most for one refresh, which the client's token fetch timeout bounds
// (WithTokenFetchTimeout, DefaultTokenFetchTimeout); use TokenContext to wait less.
func (ts *AGSTokenSource) Token() (*oauth2.Token, error) {
	return ts.cache.tokenContext(context.Background())
}

// TokenContext is Token with a context for waiting. The refresh itself runs detached from any one
// caller, bounded by the fetch timeout: a caller whose context ends returns at once with ctx.Err(),
// while the refresh goes on for the others, and the next caller after a failed or timed-out refresh
// starts a fresh one.
func (ts *AGSTokenSource) TokenContext(ctx context.Context) (*oauth2.Token, error) {
	return ts.cache.tokenContext(ctx)
}

func (ts *AGSTokenSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	return ts.cache.tokenContext(ctx)
}

// Invalidate drops the current access token, say after an API rejected it with 401: the next Token
// refreshes. It never waits for a refresh in progress.
func (ts *AGSTokenSource) Invalidate() { ts.cache.invalidate("") }

func (ts *AGSTokenSource) invalidate(rejected string) { ts.cache.invalidate(rejected) }

// Tokens returns a copy of the current tokens, including the latest rotated refresh token.
func (ts *AGSTokenSource) Tokens() Tokens {
	ts.mu.Lock()
	defer ts.mu.Unlock()
	return ts.cur
}

// refresh is the cache's fetch: the cache runs one at a time, detached from its callers and bounded
// by the fetch timeout (WithTokenFetchTimeout).
func (ts *AGSTokenSource) refresh(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
	ts.mu.Lock()
	cur, final := ts.cur, ts.final
	ts.mu.Unlock()
	if final != nil {
		return nil, final
	}
	if err := ts.svc.client.requireConfigured(svcAGS, http.MethodPost, authNone); err != nil {
		return nil, err
	}
	if cur.RefreshToken == "" {
		return nil, invalid("RefreshToken", "no refresh token to refresh with: sign on again")
	}
	nt, err := ts.svc.Refresh(ctx, cur.RefreshToken, ts.req)
	if err != nil {
		var ae *AGSError
		if errors.As(err, &ae) && !AGSGeoBlocked(err) && (ae.HTTPStatus == http.StatusBadRequest ||
			ae.HTTPStatus == http.StatusUnauthorized || ae.HTTPStatus == http.StatusForbidden) {
			ts.mu.Lock()
			ts.final = err
			ts.mu.Unlock()
		}
		return nil, err
	}
	// A refresh reply may leave out what does not change.
	if nt.ClientID == "" {
		nt.ClientID = cur.ClientID
	}
	if nt.AccountID == "" {
		nt.AccountID = cur.AccountID
	}
	if nt.TokenType == "" {
		nt.TokenType = cur.TokenType
	}
	ts.mu.Lock()
	ts.cur = *nt
	ts.mu.Unlock()
	ts.cache.setEarly(agsMarginFor(nt.ExpiresIn))
	if ts.onRefresh != nil {
		ts.onRefresh(*nt)
	}
	return nt.OAuth2(), nil
}

// String masks the tokens. (The pointer receiver is forced by the mutex; without a String method %+v
// would print the current tokens field by field, in clear.)
func (ts *AGSTokenSource) String() string {
	if ts == nil {
		return "<nil>"
	}
	return "AGSTokenSource{" + ts.Tokens().String() + "}"
}

// GoString masks the tokens for %#v too.
func (ts *AGSTokenSource) GoString() string { return "&tvauth." + ts.String() }

// LogValue masks the tokens in structured logs.
func (ts *AGSTokenSource) LogValue() slog.Value {
	if ts == nil {
		return slog.StringValue("<nil>")
	}
	return ts.Tokens().LogValue()
}

var (
	_ oauth2.TokenSource = (*AGSTokenSource)(nil)
	_ tokenContexter     = (*AGSTokenSource)(nil)
	_ tokenInvalidator   = (*AGSTokenSource)(nil)
)
