package tvauth

import (
	"context"
	"strings"

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
// The registration runs inside the first call, under that call's context, through the client's own
// pipeline; a failed one (say, a rejected statement) fails that call and is tried again by the next.
// WithPassTokenSource wins over it; it wins over WithPassCredentials.
func WithPassCredentialStore(store CredentialStore, softwareStatement Secret) Option {
	return func(c *config) error {
		if store == nil {
			return invalid("WithPassCredentialStore", "nil CredentialStore")
		}
		if strings.TrimSpace(string(softwareStatement)) == "" {
			return invalid("WithPassCredentialStore", "empty software statement")
		}
		sc := &passStoreConfig{store: store, statement: softwareStatement}
		c.passStoreTS = func(s *PassService) oauth2.TokenSource { return s.storeTokenSource(sc) }
		c.held.add(string(softwareStatement))
		return nil
	}
}

type passStoreConfig struct {
	store     CredentialStore
	statement Secret
}

// storeTokenSource is TokenSource with credentials that LoadOrRegister provides on the first fetch;
// like TokenSource, its fetches are bounded by the client's token fetch timeout and shared through
// WithPassTokenStore when one is set.
func (s *PassService) storeTokenSource(sc *passStoreConfig) oauth2.TokenSource {
	ts := &passStoreTokenSource{}
	// Touched only by fetches, which the cache runs one at a time.
	var (
		creds *ClientCredentials
		fetch func(context.Context, *oauth2.Token) (*oauth2.Token, error)
	)
	ts.cache = newTokenCache(0, func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		if creds == nil {
			c, err := s.LoadOrRegister(ctx, sc.store, sc.statement)
			if err != nil {
				return nil, err
			}
			creds = &c
			fetch = func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) { return s.fetchToken(ctx, c) }
			if store := s.client.cfg.passTokenStore; store != nil {
				fetch = sharedPassFetch(store, c.ClientID, fetch)
			}
		}
		return fetch(ctx, old)
	})
	ts.cache.timeout = s.client.cfg.tokenFetchTimeout
	return ts
}

// passStoreTokenSource prints nothing of the credentials it loads.
type passStoreTokenSource struct{ cache *tokenCache }

func (t *passStoreTokenSource) Token() (*oauth2.Token, error) { return t.cache.Token() }

func (t *passStoreTokenSource) tokenContext(ctx context.Context) (*oauth2.Token, error) {
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
