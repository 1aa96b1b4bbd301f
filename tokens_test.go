package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"
)

func TestTokenCacheOneFetchAtATime(t *testing.T) {
	t.Parallel()
	var fetches, inFlight, maxInFlight atomic.Int32
	c := newTokenCache(10*time.Second, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		fetches.Add(1)
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for {
			m := maxInFlight.Load()
			if n <= m || maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		time.Sleep(20 * time.Millisecond)
		return &oauth2.Token{AccessToken: "t", Expiry: time.Now().Add(time.Hour)}, nil
	})
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := c.Token()
			if err != nil || tok.AccessToken != "t" {
				t.Errorf("Token = %v, %v", tok, err)
			}
		}()
	}
	wg.Wait()
	if fetches.Load() != 1 || maxInFlight.Load() != 1 {
		t.Errorf("fetches = %d, max concurrent = %d; want 1, 1", fetches.Load(), maxInFlight.Load())
	}
}

func TestTokenCacheRefetchesEarly(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	var fetches atomic.Int32
	c := newTokenCache(time.Minute, func(ctx context.Context, old *oauth2.Token) (*oauth2.Token, error) {
		n := fetches.Add(1)
		return &oauth2.Token{AccessToken: fmt.Sprint(n), Expiry: now.Add(10 * time.Minute)}, nil
	})
	c.now = func() time.Time { return now }
	tok, _ := c.Token()
	now = now.Add(8 * time.Minute) // 2 minutes left: still good
	tok2, _ := c.Token()
	now = now.Add(90 * time.Second) // 30 s left: inside the early window
	tok3, _ := c.Token()
	if tok.AccessToken != "1" || tok2.AccessToken != "1" || tok3.AccessToken != "2" {
		t.Errorf("tokens = %s %s %s, want 1 1 2", tok.AccessToken, tok2.AccessToken, tok3.AccessToken)
	}
	c.invalidate("")
	if tok4, _ := c.Token(); tok4.AccessToken != "3" {
		t.Errorf("after invalidate got %s, want 3", tok4.AccessToken)
	}
}

func TestTokenCacheContext(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	var calls atomic.Int32
	c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		if calls.Add(1) == 1 {
			select {
			case <-release:
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		return &oauth2.Token{AccessToken: "ok", Expiry: time.Now().Add(time.Hour)}, nil
	})
	// A caller blocked behind a slow fetch gives up with its own context.
	go func() { _, _ = c.Token() }()
	for calls.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := c.tokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("waiting caller: err = %v, want DeadlineExceeded", err)
	}
	close(release)
	// A cancelled caller's fetch fails, and does not poison later callers.
	c.invalidate("")
	cctx, ccancel := context.WithCancel(context.Background())
	ccancel()
	if _, err := c.tokenContext(cctx); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled caller: err = %v", err)
	}
	if tok, err := c.tokenContext(context.Background()); err != nil || tok.AccessToken != "ok" {
		t.Errorf("later caller: %v, %v", tok, err)
	}
}

func TestTokenCacheInvalidateOnlyTheRejectedToken(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	c := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("tok-", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
	})
	first, _ := c.Token()
	c.invalidate(first.AccessToken)
	second, _ := c.Token()
	// A late caller rejected with the old token must not throw away the new one.
	c.invalidate(first.AccessToken)
	third, _ := c.Token()
	if first.AccessToken != "tok-1" || second.AccessToken != "tok-2" || third.AccessToken != "tok-2" || fetches.Load() != 2 {
		t.Errorf("tokens %s %s %s after %d fetches", first.AccessToken, second.AccessToken, third.AccessToken, fetches.Load())
	}
}

// Many calls rejected with the same token at once cause one refetch, not one each.
func TestConcurrent401sRefetchOnce(t *testing.T) {
	t.Parallel()
	var fetches atomic.Int32
	ts := newTokenCache(0, func(ctx context.Context, _ *oauth2.Token) (*oauth2.Token, error) {
		return &oauth2.Token{AccessToken: fmt.Sprint("tok-", fetches.Add(1)), Expiry: time.Now().Add(time.Hour)}, nil
	})
	c, mux, _ := setup(t, WithPassTokenSource(ts))
	var stale sync.WaitGroup
	stale.Add(20)
	mux.HandleFunc("/p", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") == "Bearer tok-1" {
			stale.Done()
			stale.Wait() // every call is rejected with tok-1 before any refetch happens
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
	})
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := c.do(context.Background(), &call{service: svcPass, method: "GET", path: "/p", auth: authPassBearer}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got := fetches.Load(); got != 2 {
		t.Errorf("fetches = %d, want 2 (the first token and one refetch)", got)
	}
}
