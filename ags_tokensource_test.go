package tvauth

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// agsRefreshServer answers /ags/refresh with rotating tokens "at-N"/"rt-N" and records the refresh
// tokens it was sent. delay slows each refresh so that concurrent callers pile up behind it.
type agsRefreshServer struct {
	mu      sync.Mutex
	sent    []string
	hits    atomic.Int32
	delay   time.Duration
	status  func(n int) int // nil = always 200
	code    string          // the AGS code of a refusal; "" = "x"
	omitIDs bool
}

func (s *agsRefreshServer) register(t *testing.T, mux *http.ServeMux) {
	mux.HandleFunc("/ags/refresh", func(w http.ResponseWriter, r *http.Request) {
		testMethod(t, r, http.MethodPost)
		_, _ = io.Copy(io.Discard, r.Body)
		n := int(s.hits.Add(1))
		s.mu.Lock()
		s.sent = append(s.sent, r.Header.Get("Authorization"))
		s.mu.Unlock()
		time.Sleep(s.delay)
		if s.status != nil {
			if st := s.status(n); st != http.StatusOK {
				code := s.code
				if code == "" {
					code = "x"
				}
				agsReply(w, st, []byte(`{"code":"`+code+`","message":"no"}`))
				return
			}
		}
		body := map[string]any{"access_token": fmt.Sprintf("at-%d", n), "refresh_token": fmt.Sprintf("rt-%d", n),
			"token_type": "bearer", "expires_in": 3600, "refresh_expires_in": 172800}
		if !s.omitIDs {
			body["client_id"], body["accountId"] = "PUB_989", "1663"
		}
		b, _ := json.Marshal(body)
		agsReply(w, http.StatusOK, b)
	})
}

func (s *agsRefreshServer) sentTokens() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.sent...)
}

func TestAGSTokenSourceConcurrentCallersOneRefresh(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	srv := &agsRefreshServer{delay: 30 * time.Millisecond}
	srv.register(t, mux)
	var mu sync.Mutex
	var persisted []Tokens
	// Expired tokens: every caller needs a refresh, and only one may run.
	start := &Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ClientID: "PUB_989", ExpiresIn: time.Hour,
		ReceivedAt: time.Now().Add(-2 * time.Hour)}
	ts := c.AGS.TokenSource(start, SignOnRequest{Parameters: []Parameter{{"username", "dave"}}}, func(t Tokens) {
		mu.Lock()
		persisted = append(persisted, t)
		mu.Unlock()
	})
	var wg sync.WaitGroup
	got := make([]string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := ts.Token()
			if err != nil {
				t.Errorf("Token: %v", err)
				return
			}
			got[i] = tok.AccessToken
		}()
	}
	wg.Wait()
	if srv.hits.Load() != 1 {
		t.Fatalf("%d refreshes for 20 concurrent callers, want 1", srv.hits.Load())
	}
	for i, g := range got {
		if g != "at-1" {
			t.Errorf("caller %d got %q", i, g)
		}
	}
	if sent := srv.sentTokens(); sent[0] != "Bearer rt-0" {
		t.Errorf("refresh sent %v", sent)
	}
	if len(persisted) != 1 || persisted[0].RefreshToken != "rt-1" || persisted[0].ClientID != "PUB_989" || persisted[0].ReceivedAt.IsZero() {
		t.Fatalf("callback got %+v, want one call with the rotated tokens", persisted)
	}
	if cur := ts.Tokens(); cur.RefreshToken != "rt-1" || cur.AccessToken != "at-1" {
		t.Errorf("Tokens() = %+v", cur)
	}
	// A valid token is served from the cache; after Invalidate the rotated refresh token is used.
	if tok, _ := ts.Token(); tok.AccessToken != "at-1" || srv.hits.Load() != 1 {
		t.Errorf("cached Token = %v after %d refreshes", tok.AccessToken, srv.hits.Load())
	}
	ts.Invalidate()
	if tok, err := ts.Token(); err != nil || tok.AccessToken != "at-2" {
		t.Errorf("after Invalidate: %v, %v", tok, err)
	}
	if sent := srv.sentTokens(); len(sent) != 2 || sent[1] != "Bearer rt-1" {
		t.Errorf("refreshes sent %v, want the rotated token second", sent)
	}
}

func TestAGSTokenSourceRefreshesBeforeExpiry(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	srv := &agsRefreshServer{omitIDs: true}
	srv.register(t, mux)
	now := time.Now()
	ts := c.AGS.TokenSource(&Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ClientID: "PUB_989", AccountID: "1663",
		ExpiresIn: time.Hour, ReceivedAt: now}, SignOnRequest{}, nil)
	var clock atomic.Int64
	clock.Store(int64(50 * time.Minute))
	ts.cache.now = func() time.Time { return now.Add(time.Duration(clock.Load())) }

	if tok, _ := ts.Token(); tok.AccessToken != "at-0" || srv.hits.Load() != 0 {
		t.Fatalf("10 minutes before expiry: %s after %d refreshes, want the original", tok.AccessToken, srv.hits.Load())
	}
	clock.Store(int64(56 * time.Minute)) // inside the 5-minute margin
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "at-1" {
		t.Fatalf("4 minutes before expiry: %v, %v; want a refresh", tok, err)
	}
	// A refresh reply without client_id and accountId keeps the known ones.
	if cur := ts.Tokens(); cur.ClientID != "PUB_989" || cur.AccountID != "1663" || tok.Extra("client_id") != "PUB_989" {
		t.Errorf("Tokens() = %+v", cur)
	}
}

func TestAGSTokenSourceStartStates(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		start       *Tokens
		wantToken   string
		wantRefresh bool
	}{
		{"fresh", &Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour, ReceivedAt: time.Now()}, "at-0", false},
		{"unknown age refreshes", &Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour}, "at-1", true},
		{"no lifetime is used as is", &Tokens{AccessToken: "at-0", RefreshToken: "rt-0"}, "at-0", false},
		{"persisted JSON", func() *Tokens {
			var tk Tokens
			_ = json.Unmarshal([]byte(`{"access_token":"at-0","refresh_token":"rt-0","expires_in":3600,"received_at":"2020-01-01T00:00:00Z"}`), &tk)
			return &tk
		}(), "at-1", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			srv := &agsRefreshServer{}
			srv.register(t, mux)
			tok, err := c.AGS.TokenSource(tt.start, SignOnRequest{}, nil).Token()
			if err != nil || tok.AccessToken != tt.wantToken || (srv.hits.Load() == 1) != tt.wantRefresh {
				t.Errorf("Token = %v, %v after %d refreshes", tok, err, srv.hits.Load())
			}
		})
	}
}

func TestAGSTokenSourceFailures(t *testing.T) {
	t.Parallel()
	expired := func() *Tokens {
		return &Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour, ReceivedAt: time.Now().Add(-time.Hour)}
	}
	t.Run("refusal is final", func(t *testing.T) {
		t.Parallel()
		c, mux := agsSetup(t)
		srv := &agsRefreshServer{status: func(int) int { return http.StatusUnauthorized }}
		srv.register(t, mux)
		ts := c.AGS.TokenSource(expired(), SignOnRequest{}, func(Tokens) { t.Error("callback after a failed refresh") })
		for range 3 {
			if _, err := ts.Token(); !errors.Is(err, ErrUnauthorized) {
				t.Errorf("err = %v, want ErrUnauthorized", err)
			}
		}
		if srv.hits.Load() != 1 {
			t.Errorf("%d refresh attempts after a 401, want 1", srv.hits.Load())
		}
	})
	// 403 is final when the account or device is gone, but a location refusal passes once the user
	// leaves the VPN or the blocked region: the refresh token is still good.
	for _, tt := range []struct {
		code      string
		wantFinal bool
	}{
		{AGSCodeDeviceDeleted, true},
		{AGSCodeAccountSuspended, true},
		{AGSCodeProxyOrVPN, false},
		{AGSCodeGeoFiltered, false},
	} {
		t.Run("403 "+tt.code, func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			srv := &agsRefreshServer{code: tt.code, status: func(n int) int {
				if n == 1 {
					return http.StatusForbidden
				}
				return http.StatusOK
			}}
			srv.register(t, mux)
			ts := c.AGS.TokenSource(expired(), SignOnRequest{}, nil)
			if _, err := ts.Token(); !IsAGSCode(err, tt.code) {
				t.Fatalf("first: err = %v, want code %s", err, tt.code)
			}
			tok, err := ts.Token()
			if tt.wantFinal {
				if !IsAGSCode(err, tt.code) || srv.hits.Load() != 1 {
					t.Errorf("second: %v, %v after %d refreshes; want the same refusal, not asked again", tok, err, srv.hits.Load())
				}
				return
			}
			if err != nil || tok.AccessToken != "at-2" || srv.hits.Load() != 2 {
				t.Errorf("second: %v, %v after %d refreshes; want a new refresh", tok, err, srv.hits.Load())
			}
		})
	}
	t.Run("server error is not final", func(t *testing.T) {
		t.Parallel()
		c, mux := agsSetup(t)
		srv := &agsRefreshServer{status: func(n int) int {
			if n == 1 {
				return http.StatusInternalServerError
			}
			return http.StatusOK
		}}
		srv.register(t, mux)
		ts := c.AGS.TokenSource(expired(), SignOnRequest{}, nil)
		var ae *AGSError
		if _, err := ts.Token(); !errors.As(err, &ae) || ae.HTTPStatus != 500 {
			t.Fatalf("first: %v", err)
		}
		if tok, err := ts.Token(); err != nil || tok.AccessToken != "at-2" {
			t.Errorf("second: %v, %v", tok, err)
		}
	})
	t.Run("no refresh token", func(t *testing.T) {
		t.Parallel()
		c, _ := agsSetup(t)
		_, err := c.AGS.TokenSource(&Tokens{AccessToken: "a", ExpiresIn: time.Hour}, SignOnRequest{}, nil).Token()
		var ve *ValidationError
		if !errors.As(err, &ve) || ve.Field != "RefreshToken" {
			t.Errorf("err = %v", err)
		}
		if _, err := c.AGS.TokenSource(nil, SignOnRequest{}, nil).Token(); !errors.As(err, &ve) {
			t.Errorf("nil tokens: err = %v", err)
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		c, mux := agsSetup(t)
		srv := &agsRefreshServer{}
		srv.register(t, mux)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		if _, err := c.AGS.TokenSource(expired(), SignOnRequest{}, nil).TokenContext(ctx); !errors.Is(err, context.Canceled) {
			t.Errorf("err = %v", err)
		}
	})
}

// Token() on a stalled /refresh returns within the fetch timeout; Invalidate does not wait for the
// stalled refresh; and once the endpoint recovers the next call refreshes.
func TestAGSTokenSourceStalledRefreshIsBounded(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t, WithTokenFetchTimeout(300*time.Millisecond))
	var stalled atomic.Bool
	stalled.Store(true)
	release := make(chan struct{})
	t.Cleanup(func() { close(release) }) // before the server closes: no handler outlives the test
	srv := &agsRefreshServer{}
	inner := http.NewServeMux()
	srv.register(t, inner)
	mux.HandleFunc("/ags/refresh", func(w http.ResponseWriter, r *http.Request) {
		if stalled.Load() {
			_, _ = io.Copy(io.Discard, r.Body)
			select {
			case <-r.Context().Done():
			case <-release:
			}
			return
		}
		inner.ServeHTTP(w, r)
	})
	start := &Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour,
		ReceivedAt: time.Now().Add(-2 * time.Hour)}
	ts := c.AGS.TokenSource(start, SignOnRequest{}, nil)
	done := make(chan error, 1)
	go func() { _, err := ts.Token(); done <- err }()
	if err := within(t, "Token() on a stalled refresh", done); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Token() = %v, want DeadlineExceeded", err)
	}
	// Invalidate while another refresh is stalled returns at once.
	go func() { _, _ = ts.Token() }()
	for len(srv.sentTokens()) == 0 && !ts.cache.flightRunning() {
		time.Sleep(time.Millisecond)
	}
	inv := make(chan struct{})
	go func() { ts.Invalidate(); close(inv) }()
	within(t, "Invalidate during a stalled refresh", inv)
	stalled.Store(false)
	deadline := time.Now().Add(generous)
	for {
		tok, err := ts.Token()
		if err == nil {
			if tok.AccessToken != "at-1" {
				t.Fatalf("after recovery: %q", tok.AccessToken)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no recovery: %v", err)
		}
	}
}

// Replicas sharing an AGSTokenStore refresh an expired user once; the others read the rotated tokens
// instead of presenting the dead refresh token.
func TestSharedAGSTokenSourceRefreshesOnce(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	srv := &agsRefreshServer{delay: 20 * time.Millisecond}
	srv.register(t, mux)
	store := newFleetStore()
	seed := Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ClientID: "PUB_989", ExpiresIn: time.Hour,
		ReceivedAt: time.Now().Add(-2 * time.Hour)}
	if ok, _ := store.CompareAndSwapTokens(context.Background(), "dave", "", seed); !ok {
		t.Fatal("seed")
	}
	var refreshed atomic.Int32
	var replicas []*AGSTokenSource
	for range 4 {
		replicas = append(replicas, c.AGS.SharedTokenSource(store, "dave", SignOnRequest{}, func(Tokens) { refreshed.Add(1) }))
	}
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			tok, err := replicas[i%4].TokenContext(context.Background())
			if err != nil || tok.AccessToken != "at-1" {
				t.Errorf("replica %d: %v, %v", i%4, tok, err)
			}
		}()
	}
	wg.Wait()
	if got := srv.sentTokens(); len(got) != 1 || got[0] != "Bearer rt-0" {
		t.Errorf("refreshes sent %q, want one with rt-0", got)
	}
	if refreshed.Load() != 1 {
		t.Errorf("onRefresh called %d times, want 1 (only by the replica that refreshed)", refreshed.Load())
	}
	stored, _ := store.LoadTokens(context.Background(), "dave")
	if stored.RefreshToken != "rt-1" || stored.ClientID != "PUB_989" {
		t.Errorf("stored %+v", stored)
	}
	for i, r := range replicas {
		if r.Tokens().RefreshToken != "rt-1" {
			t.Errorf("replica %d holds refresh token %q", i, r.Tokens().RefreshToken)
		}
	}
	// No tokens stored under a key: ErrNoTokens, no request.
	if _, err := c.AGS.SharedTokenSource(store, "nobody", SignOnRequest{}, nil).Token(); !errors.Is(err, ErrNoTokens) {
		t.Errorf("unknown key: %v", err)
	}
}

// A replica that refreshed but lost the compare-and-swap (its lease ran out and another replica
// stored newer tokens meanwhile) uses the winner's tokens.
func TestSharedAGSTokenSourceLoserReadsWinner(t *testing.T) {
	t.Parallel()
	c, mux := agsSetup(t)
	store := newFleetStore()
	seed := Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour, ReceivedAt: time.Now().Add(-2 * time.Hour)}
	store.CompareAndSwapTokens(context.Background(), "dave", "", seed)
	winner := Tokens{AccessToken: "at-winner", RefreshToken: "rt-winner", ExpiresIn: time.Hour, ReceivedAt: time.Now()}
	mux.HandleFunc("/ags/refresh", func(w http.ResponseWriter, r *http.Request) {
		// While this replica refreshes, another one stores its own result.
		store.mu.Lock()
		store.ags["dave"] = winner
		store.mu.Unlock()
		agsReply(w, http.StatusOK, []byte(`{"access_token":"at-loser","refresh_token":"rt-loser","expires_in":3600}`))
	})
	ts := c.AGS.SharedTokenSource(store, "dave", SignOnRequest{}, nil)
	tok, err := ts.Token()
	if err != nil || tok.AccessToken != "at-winner" || ts.Tokens().RefreshToken != "rt-winner" {
		t.Fatalf("loser got %v, %v (refresh token %q)", tok, err, ts.Tokens().RefreshToken)
	}
}

// AGS rotates the refresh token as soon as it takes a refresh, so a refresh must not be cut off
// because its only caller stopped waiting: the rotated token would be lost and the next refresh would
// present a dead one (401, final). The refresh goes on, bounded by the fetch timeout, and the next
// caller gets its tokens.
func TestAGSTokenSourceCallerLeavingDoesNotLoseTheRotation(t *testing.T) {
	t.Parallel()
	for _, shared := range []bool{false, true} {
		t.Run(fmt.Sprint("shared=", shared), func(t *testing.T) {
			t.Parallel()
			c, mux := agsSetup(t)
			srv := &agsRefreshServer{delay: 150 * time.Millisecond,
				status: func(n int) int { // rt-0 dies with its first use
					if n > 1 {
						return http.StatusUnauthorized
					}
					return http.StatusOK
				}}
			srv.register(t, mux)
			start := Tokens{AccessToken: "at-0", RefreshToken: "rt-0", ExpiresIn: time.Hour,
				ReceivedAt: time.Now().Add(-2 * time.Hour)}
			var refreshed atomic.Int32
			onRefresh := func(Tokens) { refreshed.Add(1) }
			var ts *AGSTokenSource
			if shared {
				store := newFleetStore()
				if _, err := store.CompareAndSwapTokens(context.Background(), "u", "", start); err != nil {
					t.Fatal(err)
				}
				ts = c.AGS.SharedTokenSource(store, "u", SignOnRequest{}, onRefresh)
			} else {
				ts = c.AGS.TokenSource(&start, SignOnRequest{}, onRefresh)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
			defer cancel()
			if _, err := ts.TokenContext(ctx); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("impatient caller: %v, want DeadlineExceeded", err)
			}
			tok, err := ts.Token()
			if err != nil || tok.AccessToken != "at-1" {
				t.Fatalf("next caller: %v, %v; want at-1", tok, err)
			}
			if got := ts.Tokens().RefreshToken; got != "rt-1" {
				t.Errorf("refresh token = %q, want rt-1", got)
			}
			if n := srv.hits.Load(); n != 1 {
				t.Errorf("refreshes = %d, want 1", n)
			}
			if n := refreshed.Load(); n != 1 {
				t.Errorf("onRefresh calls = %d, want 1", n)
			}
		})
	}
}
