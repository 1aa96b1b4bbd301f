package tvauth

import (
	"cmp"
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
)

// WithPassCredentialStore gives a client its Pass bearer tokens from DCR credentials kept in store:
// on the first Pass or Clientless call that needs a token, the client loads them, or registers with
// softwareStatement and saves what it got (LoadOrRegister), then fetches tokens with them as
// WithPassCredentials does. So one client, built once, registers once per install and then calls:
//
//	c, err := tvauth.New(tvauth.WithDevice(device),
//		tvauth.WithPassCredentialStore(tvauth.NewFileCredentialStore(path), softwareStatement))
//
// The registration runs inside the first call, under its context, through the client's pipeline; a
// failed one (say, a rejected statement) fails that call and is tried again by the next.
//
// The client then reads the store at every token fetch, and on a call at most every 30 s: when it
// holds other credentials (another replica's, after a split), the client switches to them; when it
// is empty (it lost its data), the client writes its own back, write-once; when it cannot be read,
// the client keeps its own. WithPassTokenSource wins over it; it wins over WithPassCredentials.
func WithPassCredentialStore(store CredentialStore, softwareStatement Secret) Option {
	err := notNil("WithPassCredentialStore", store, "CredentialStore")
	if err == nil && strings.TrimSpace(string(softwareStatement)) == "" {
		err = invalid("WithPassCredentialStore", "empty software statement")
	}
	return checked(err, func(c *config) {
		sc := &passStoreConfig{store: store, statement: softwareStatement, checkEvery: storeCheckInterval}
		c.passStoreTS = func(s *PassService) oauth2.TokenSource { return s.storeTokenSource(sc) }
		c.held.add(string(softwareStatement))
	})
}

// WithLeaseWaitTimeout bounds how long one registration, token fetch or AGS refresh of this client
// waits for a lease that another replica holds (a shared store's: tvauthredis, FileCredentialStore)
// before its own work, which WithTokenFetchTimeout bounds, starts; a registration that LoadOrRegister
// makes when called directly is bounded by its context. The default is DefaultLeaseWaitTimeout
// (45 s): keep it above the token fetch timeout plus the store's lease when you change either.
func WithLeaseWaitTimeout(d time.Duration) Option {
	return checked(positive("WithLeaseWaitTimeout", d), func(c *config) { c.leaseWaitTimeout = d })
}

// storeCheckInterval is how often, at most, a call reads the credential store of
// WithPassCredentialStore between token fetches, to heal or follow it; storeCheckTimeout bounds that
// read, so that a store that hangs delays the call that checks by that much, not to its deadline.
const (
	storeCheckInterval = 30 * time.Second
	storeCheckTimeout  = 2 * time.Second
)

func (c *config) fetchTimeout() time.Duration {
	return cmp.Or(c.tokenFetchTimeout, DefaultTokenFetchTimeout)
}

func (c *config) leaseWait() time.Duration {
	return cmp.Or(c.leaseWaitTimeout, DefaultLeaseWaitTimeout)
}

// fetchBudget bounds a source's detached fetch: a lease's wait (when shared) plus a token fetch.
func (c *config) fetchBudget(shared bool) time.Duration {
	if shared {
		return c.leaseWait() + c.fetchTimeout()
	}
	return c.fetchTimeout()
}

func (c *Client) warn(ctx context.Context, msg string, attrs ...slog.Attr) {
	if c.cfg.logWarn != nil {
		c.cfg.logWarn(ctx, msg, attrs...)
	}
}

type passStoreConfig struct {
	store      CredentialStore
	statement  Secret
	checkEvery time.Duration // storeCheckInterval; tests shorten it
}

// storeTokenSource is WithPassCredentialStore's source: TokenSource's, with credentials kept in
// step with the store (LoadOrRegister on the first fetch, inStep later and every checkEvery).
func (s *PassService) storeTokenSource(sc *passStoreConfig) oauth2.TokenSource {
	ts := &passStoreTokenSource{svc: s, sc: sc}
	ts.cache = newTokenCache(0, ts.fetch)
	ts.cache.timeout = s.client.cfg.fetchBudget(true) + s.client.cfg.fetchBudget(s.client.cfg.passTokenStore != nil)
	ts.cache.observer, ts.cache.family = s.client.cfg.observer, "pass"
	return ts
}

// passStoreTokenSource prints nothing of the credentials it loads.
type passStoreTokenSource struct {
	svc   *PassService
	sc    *passStoreConfig
	cache *tokenCache

	creds     atomic.Pointer[ClientCredentials] // nil until the first LoadOrRegister
	lastCheck atomic.Int64                      // Unix ns of the last read of the store on a call
}

// fetch is the cache's fetch: the credentials, in step with the store, then a token with them.
func (t *passStoreTokenSource) fetch(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
	var creds ClientCredentials
	var err error
	if cur := t.creds.Load(); cur != nil {
		creds = t.inStep(ctx, *cur)
	} else if creds, err = t.svc.LoadOrRegister(ctx, t.sc.store, t.sc.statement); err != nil {
		return nil, err
	}
	t.creds.Store(&creds)
	t.lastCheck.Store(time.Now().UnixNano())
	fetch := func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) { return t.svc.fetchToken(ctx, creds) }
	if store := t.svc.client.cfg.passTokenStore; store != nil {
		fetch = sharedPassFetch(t.svc.client, store, creds.ClientID, fetch)
	}
	return fetch(ctx, old)
}

// inStep returns the credentials to use from now on, given the ones in use (cur): the stored ones
// (another client's after a split: the fleet follows the store); cur written back when the store is
// empty (write-once: whatever another replica wrote first wins); cur when the store cannot be read
// (an unreadable store is never taken for an empty one, nor a reason to stop calling).
func (t *passStoreTokenSource) inStep(ctx context.Context, cur ClientCredentials) ClientCredentials {
	stored, err := t.sc.store.Load(ctx)
	if errors.Is(err, ErrNoCredentials) {
		stored, err = t.svc.saveOrAdopt(ctx, t.sc.store, t.sc.statement, cur, "writing back the client credentials this client holds")
	} else if err == nil && stored.ClientID != cur.ClientID {
		t.svc.client.warn(ctx, "tvauth: the credential store holds another client: using it",
			slog.String("stored_client_id", stored.ClientID), slog.String("unused_client_id", cur.ClientID))
	}
	if err != nil {
		return cur
	}
	return stored
}

func (t *passStoreTokenSource) Token() (*oauth2.Token, error) {
	return t.tokenContext(context.Background())
}

// tokenContext hands out the cached token; at most every checkEvery, a call first reads the store
// (inStep), and a change of client drops the cached token so that this call fetches one for it.
func (t *passStoreTokenSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
	last := t.lastCheck.Load()
	if cur := t.creds.Load(); cur != nil && ctx != nil && time.Since(time.Unix(0, last)) >= t.sc.checkEvery &&
		t.lastCheck.CompareAndSwap(last, time.Now().UnixNano()) {
		cctx, cancel := context.WithTimeout(ctx, storeCheckTimeout)
		c := t.inStep(cctx, *cur)
		cancel()
		if c.ClientID != cur.ClientID {
			t.creds.Store(&c)
			t.cache.invalidate("")
		}
	}
	return t.cache.tokenContext(ctx)
}

func (t *passStoreTokenSource) invalidate(rejected string) { t.cache.invalidate(rejected) }

func (t *passStoreTokenSource) String() string {
	return "tvauth.PassTokenSource{from a CredentialStore}"
}

var (
	_ tokenContexter   = (*passStoreTokenSource)(nil)
	_ tokenInvalidator = (*passStoreTokenSource)(nil)
)
