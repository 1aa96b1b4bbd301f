// Package tvauthredis keeps tvauth's shared state on Redis, so that a fleet of replicas registers one
// Adobe Pass client, fetches one Pass access token per expiry and refreshes each AGS user's tokens
// once, however many replicas run at the same moment.
//
// One Store implements tvauth.CredentialStore with tvauth.CredentialLocker (for
// PassService.LoadOrRegister), tvauth.PassTokenStore (for tvauth.WithPassTokenStore) and
// tvauth.AGSTokenStore (for AGSService.SharedTokenSource).
//
// # Primitives
//
// Client credentials are write-once: Save is SET NX, and a replica that registered too late (its
// lease lapsed while it registered: a pause, a slow network) finds another client stored and adopts
// it (tvauth.ErrCredentialsExist), so the fleet never splits across two clients. AGS tokens are
// swapped by a Lua script that compares the stored refresh token's fingerprint before writing.
//
// Leases are SET key token NX PX <lease>, renewed (a Lua script: PEXPIRE only while the key holds the
// holder's token) every third of the lease while the work under it runs, and released by another
// script only while the key still holds the holder's token. A lease's validity is counted from before
// the SET NX was sent, less a clock-drift margin (1% of the lease plus 2 ms, the Redis
// documentation's rule): a reply that arrives after that is not a lease, however it reads. The work
// runs under a context that ends before the lease can lapse. A crashed holder's lease expires after
// the lease time (WithLease, tvauth.DefaultLeaseTime, 10 s) and the others go on.
//
// Every method returns when its context ends, whatever the client's options: go-redis bounds a
// command by the context's deadline only with Options.ContextTimeoutEnabled, which is off by default.
//
// The scope is one Redis node (or a primary with replicas, or a Cluster: each key lives on one
// node). A *redis.Ring is refused for the credentials: when a shard is lost, the Ring rehashes its
// keys onto the others, where they look absent, and a replica would register a second client. Store
// AGS and Pass tokens on a Ring if you must, and the credentials on a *redis.Client.
//
// # What is stored
//
// Under the prefix (WithPrefix, "tvauth:" by default):
//
//	<prefix>pass:credentials         the DCR client: client_id, client_secret, issued_at, redirect_uris,
//	                                  grant_types, scopes (JSON); no expiry
//	<prefix>pass:credentials:lease   the registration lease (a random token)
//	<prefix>pass:token:<client id>   the shared Pass access token: access_token, token_type, expiry (JSON);
//	                                  expires with the token
//	<prefix>pass:token:<client id>:lease
//	<prefix>ags:<key>                a hash: "v", the AGS tokens (access and refresh token, client and
//	                                  account id, lifetimes, received_at, JSON), and "rt", the SHA-256 of
//	                                  the refresh token for the compare-and-swap; expires with the refresh
//	                                  token when AGS gave its lifetime
//	<prefix>ags:<key>:lease
//
// The JSON values hold secrets (client secret, access and refresh tokens) in clear unless WithAEAD is
// given: each value is then sealed with the caller's AEAD (a fresh random nonce per write, the Redis key
// as additional data, so a value cannot be moved to another key). Only the refresh-token fingerprint
// stays readable. A Store refuses values that do not match its configuration (clear values with an
// AEAD set, sealed ones without) rather than guess.
//
// # When Redis is down, or loses its data
//
// Every method returns the Redis error, wrapped: LoadOrRegister then fails without registering (an
// unreadable store is never taken for an empty one), and token sources fail the call that needed a
// new token. A Redis that restarts empty (no persistence) loses the credentials: the replicas still
// running write theirs back, write-once, at their next token fetch or store check, before a new
// replica would register. CheckDurability reports a Redis that cannot keep them across a restart.
package tvauthredis

import (
	"context"
	"crypto/cipher"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
	"golang.org/x/oauth2"

	"github.com/tvauth/tvauth"
)

// Store is tvauth's shared state on one Redis. Safe for concurrent use.
type Store struct {
	rdb    redis.UniversalClient
	ring   bool // a *redis.Ring: no credentials on it
	prefix string
	lease  time.Duration
	aead   cipher.AEAD
}

// Option configures a Store.
type Option func(*Store) error

// WithPrefix sets the prefix of every key ("tvauth:" by default). Give each application (each
// software statement) its own.
func WithPrefix(prefix string) Option {
	return func(s *Store) error { s.prefix = prefix; return nil }
}

// WithLease sets how long a lease lasts unless its holder renews it (tvauth.DefaultLeaseTime, 10 s,
// by default): the longest a crashed or stalled replica holds the others up. A holder renews it every
// third of it while its work runs, so a registration or token fetch may take longer (the client's
// token fetch timeout bounds them). Keep the client's lease wait (tvauth.WithLeaseWaitTimeout) above
// its token fetch timeout plus this lease.
func WithLease(d time.Duration) Option {
	return func(s *Store) error {
		if d < 10*time.Millisecond {
			return &tvauth.ValidationError{Field: "WithLease", Reason: fmt.Sprintf("at least 10ms, got %v", d)}
		}
		s.lease = d
		return nil
	}
}

// WithAEAD seals every stored value with aead (for example AES-256-GCM from crypto/aes and
// crypto/cipher, with a key from the caller's secret manager), so that client secrets and tokens do not
// sit in Redis in clear. Every replica needs the same key.
func WithAEAD(aead cipher.AEAD) Option {
	return func(s *Store) error {
		if aead == nil {
			return &tvauth.ValidationError{Field: "WithAEAD", Reason: "nil AEAD"}
		}
		s.aead = aead
		return nil
	}
}

// New returns a Store on rdb: a *redis.Client (a failover client included) or *redis.ClusterClient.
// On a *redis.Ring, the Store keeps tokens but refuses client credentials (see the package
// documentation).
func New(rdb redis.UniversalClient, opts ...Option) (*Store, error) {
	if rdb == nil {
		return nil, &tvauth.ValidationError{Field: "rdb", Reason: "nil Redis client"}
	}
	_, ring := rdb.(*redis.Ring)
	s := &Store{rdb: rdb, ring: ring, prefix: "tvauth:", lease: tvauth.DefaultLeaseTime}
	for _, o := range opts {
		if err := o(s); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Lease returns how long a lease lasts unless renewed.
func (s *Store) Lease() time.Duration { return s.lease }

// String shows where the store keeps its state, nothing secret.
func (s *Store) String() string {
	return fmt.Sprintf("tvauthredis.Store{prefix: %q, lease: %v, sealed: %t}", s.prefix, s.lease, s.aead != nil)
}

func (s *Store) credentialsKey() string        { return s.prefix + "pass:credentials" }
func (s *Store) passTokenKey(id string) string { return s.prefix + "pass:token:" + id }
func (s *Store) agsKey(key string) string      { return s.prefix + "ags:" + key }

// ---- credentials ----

// errRing is what the credential methods return on a *redis.Ring.
var errRing = fmt.Errorf("%w: a redis.Ring rehashes the keys of a lost shard onto the others, where they look absent, "+
	"and a replica would register a second client: keep the credentials on a *redis.Client", ErrNotDurable)

// Load returns the stored client credentials, or tvauth.ErrNoCredentials.
func (s *Store) Load(ctx context.Context) (tvauth.ClientCredentials, error) {
	if s.ring {
		return tvauth.ClientCredentials{}, errRing
	}
	key := s.credentialsKey()
	var c tvauth.ClientCredentials // stored as MarshalUnmaskedJSON writes it, as the root's stores do
	found, err := s.get(ctx, key, &c)
	if err != nil {
		return tvauth.ClientCredentials{}, err
	}
	if !found {
		return tvauth.ClientCredentials{}, fmt.Errorf("%w (no %s in Redis)", tvauth.ErrNoCredentials, key)
	}
	if c.ClientID == "" || c.ClientSecret == "" {
		return tvauth.ClientCredentials{}, fmt.Errorf("tvauthredis: %s holds incomplete credentials", key)
	}
	return c, nil
}

// Save stores the client credentials if none are stored (SET NX: write-once). It returns nil when
// these very credentials are stored already, and an error matching tvauth.ErrCredentialsExist when
// others are: LoadOrRegister then adopts those.
func (s *Store) Save(ctx context.Context, c tvauth.ClientCredentials) error {
	if strings.TrimSpace(c.ClientID) == "" || strings.TrimSpace(string(c.ClientSecret)) == "" {
		return &tvauth.ValidationError{Field: "creds", Reason: "client id and secret are required"}
	}
	if s.ring {
		return errRing
	}
	key := s.credentialsKey()
	clear, err := c.MarshalUnmaskedJSON()
	if err != nil {
		return fmt.Errorf("tvauthredis: encoding %s: %w", key, err)
	}
	v, err := s.seal(key, json.RawMessage(clear))
	if err != nil {
		return err
	}
	set, err := do(ctx, func(ctx context.Context) (bool, error) { return s.rdb.SetNX(ctx, key, v, 0).Result() }, nil)
	if err != nil {
		return fmt.Errorf("tvauthredis: saving %s: %w", key, err)
	}
	if set {
		return nil
	}
	stored, err := s.Load(ctx)
	if err != nil {
		return fmt.Errorf("tvauthredis: %s is taken and cannot be read: %w", key, err)
	}
	if stored.ClientID == c.ClientID && stored.ClientSecret == c.ClientSecret {
		return nil
	}
	return fmt.Errorf("%w (%s holds client %s)", tvauth.ErrCredentialsExist, key, stored.ClientID)
}

// DeleteCredentials removes the stored client credentials, for an operator who must replace them
// (Adobe revoked the client): Save never replaces them. Every replica still running holds them and
// would write them back: stop the fleet first.
func (s *Store) DeleteCredentials(ctx context.Context) error {
	if s.ring {
		return errRing
	}
	key := s.credentialsKey()
	if _, err := do(ctx, func(ctx context.Context) (int64, error) { return s.rdb.Del(ctx, key).Result() }, nil); err != nil {
		return fmt.Errorf("tvauthredis: deleting %s: %w", key, err)
	}
	return nil
}

// LockCredentials takes the registration lease (tvauth.CredentialLocker).
func (s *Store) LockCredentials(ctx context.Context) (context.Context, func(), error) {
	if s.ring {
		return nil, nil, errRing
	}
	return s.lock(ctx, s.credentialsKey()+":lease")
}

// ---- Pass access tokens ----

type passTokenRecord struct {
	AccessToken string    `json:"access_token"`
	TokenType   string    `json:"token_type,omitempty"`
	Expiry      time.Time `json:"expiry,omitzero"`
}

// LoadPassToken returns the shared access token of clientID, or tvauth.ErrNoTokens.
func (s *Store) LoadPassToken(ctx context.Context, clientID string) (*oauth2.Token, error) {
	var r passTokenRecord
	found, err := s.get(ctx, s.passTokenKey(clientID), &r)
	if err != nil {
		return nil, err
	}
	if !found || r.AccessToken == "" {
		return nil, tvauth.ErrNoTokens
	}
	return &oauth2.Token{AccessToken: r.AccessToken, TokenType: r.TokenType, Expiry: r.Expiry}, nil
}

// SavePassToken stores tok as clientID's shared access token, expiring with it.
func (s *Store) SavePassToken(ctx context.Context, clientID string, tok *oauth2.Token) error {
	if tok == nil || tok.AccessToken == "" {
		return &tvauth.ValidationError{Field: "tok", Reason: "no access token"}
	}
	var ttl time.Duration
	if !tok.Expiry.IsZero() {
		if ttl = time.Until(tok.Expiry); ttl < time.Millisecond {
			return nil // already expired: nothing worth sharing
		}
	}
	key := s.passTokenKey(clientID)
	v, err := s.seal(key, passTokenRecord{AccessToken: tok.AccessToken, TokenType: tok.TokenType, Expiry: tok.Expiry})
	if err != nil {
		return err
	}
	if _, err := do(ctx, func(ctx context.Context) (string, error) { return s.rdb.Set(ctx, key, v, ttl).Result() }, nil); err != nil {
		return fmt.Errorf("tvauthredis: saving %s: %w", key, err)
	}
	return nil
}

// LockPassToken takes clientID's token-fetch lease.
func (s *Store) LockPassToken(ctx context.Context, clientID string) (context.Context, func(), error) {
	return s.lock(ctx, s.passTokenKey(clientID)+":lease")
}

// ---- AGS tokens ----

type agsRecord struct {
	AccessToken           string        `json:"access_token"`
	RefreshToken          string        `json:"refresh_token"`
	ClientID              string        `json:"client_id,omitempty"`
	AccountID             string        `json:"account_id,omitempty"`
	TokenType             string        `json:"token_type,omitempty"`
	ExpiresIn             time.Duration `json:"expires_in_ns,omitempty"`
	RefreshExpiresIn      time.Duration `json:"refresh_expires_in_ns,omitempty"`
	FixedRefreshExpiresIn time.Duration `json:"fixed_refresh_expires_in_ns,omitempty"`
	ReceivedAt            time.Time     `json:"received_at,omitzero"`
}

// LoadTokens returns the AGS tokens stored under key, or tvauth.ErrNoTokens.
func (s *Store) LoadTokens(ctx context.Context, key string) (tvauth.Tokens, error) {
	rkey := s.agsKey(key)
	v, err := do(ctx, func(ctx context.Context) (string, error) { return s.rdb.HGet(ctx, rkey, "v").Result() }, nil)
	if errors.Is(err, redis.Nil) {
		return tvauth.Tokens{}, tvauth.ErrNoTokens
	}
	if err != nil {
		return tvauth.Tokens{}, fmt.Errorf("tvauthredis: reading %s: %w", rkey, err)
	}
	var r agsRecord
	if err := s.open(rkey, v, &r); err != nil {
		return tvauth.Tokens{}, err
	}
	return tvauth.Tokens{AccessToken: tvauth.Secret(r.AccessToken), RefreshToken: tvauth.Secret(r.RefreshToken), ClientID: r.ClientID,
		AccountID: r.AccountID, TokenType: r.TokenType, ExpiresIn: r.ExpiresIn, RefreshExpiresIn: r.RefreshExpiresIn,
		FixedRefreshExpiresIn: r.FixedRefreshExpiresIn, ReceivedAt: r.ReceivedAt}, nil
}

// casScript swaps the tokens of KEYS[1] when its refresh-token fingerprint is ARGV[1] ("" = no tokens
// stored): ARGV[2] the new fingerprint, ARGV[3] the new value, ARGV[4] the key's lifetime in ms (0 =
// none).
var casScript = redis.NewScript(`
local cur = redis.call("HGET", KEYS[1], "rt")
if (cur == false and ARGV[1] == "") or cur == ARGV[1] then
  redis.call("HSET", KEYS[1], "rt", ARGV[2], "v", ARGV[3])
  if tonumber(ARGV[4]) > 0 then
    redis.call("PEXPIRE", KEYS[1], ARGV[4])
  else
    redis.call("PERSIST", KEYS[1])
  end
  return 1
end
return 0`)

// CompareAndSwapTokens stores next under key if the stored refresh token is still oldRefreshToken
// ("" = only if nothing is stored), atomically, and reports whether it did.
func (s *Store) CompareAndSwapTokens(ctx context.Context, key string, oldRefreshToken tvauth.Secret, next tvauth.Tokens) (bool, error) {
	rkey := s.agsKey(key)
	v, err := s.seal(rkey, agsRecord{AccessToken: string(next.AccessToken), RefreshToken: string(next.RefreshToken),
		ClientID: next.ClientID, AccountID: next.AccountID, TokenType: next.TokenType, ExpiresIn: next.ExpiresIn,
		RefreshExpiresIn: next.RefreshExpiresIn, FixedRefreshExpiresIn: next.FixedRefreshExpiresIn,
		ReceivedAt: next.ReceivedAt})
	if err != nil {
		return false, err
	}
	var ttlMS int64
	if exp := next.RefreshExpiry(); !exp.IsZero() {
		ttlMS = max(time.Until(exp).Milliseconds(), 1)
	}
	n, err := do(ctx, func(ctx context.Context) (int, error) {
		return casScript.Run(ctx, s.rdb, []string{rkey}, fingerprint(string(oldRefreshToken)), fingerprint(string(next.RefreshToken)), v, ttlMS).Int()
	}, nil)
	if err != nil {
		return false, fmt.Errorf("tvauthredis: swapping %s: %w", rkey, err)
	}
	return n == 1, nil
}

// LockTokens takes key's refresh lease.
func (s *Store) LockTokens(ctx context.Context, key string) (context.Context, func(), error) {
	return s.lock(ctx, s.agsKey(key)+":lease")
}

// fingerprint identifies a refresh token without storing it: "" for none.
func fingerprint(refreshToken string) string {
	if refreshToken == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(refreshToken))
	return hex.EncodeToString(sum[:])
}

// ---- leases ----

// releaseScript deletes a lease only while it still holds the releaser's token.
var releaseScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("DEL", KEYS[1])
end
return 0`)

// extendScript moves a lease's expiry (ARGV[2] ms from now) only while it still holds the holder's
// token: redsync's Extend.
var extendScript = redis.NewScript(`
if redis.call("GET", KEYS[1]) == ARGV[1] then
  return redis.call("PEXPIRE", KEYS[1], ARGV[2])
end
return 0`)

// drift is the clock-drift margin taken off a lease's validity: 1% of it plus 2 ms, as the Redis
// documentation's single-instance lock does (redsync's driftFactor).
func (s *Store) drift() time.Duration { return s.lease/100 + 2*time.Millisecond }

// lock takes the lease key: SET NX PX, polled until it succeeds or ctx ends. The lease counts from
// before the SET NX was sent, less the drift: a grant whose reply arrives after that is dropped (if
// it is still ours) and the wait goes on, since another replica may hold the next lease by then.
// held ends before the lease can lapse; it is renewed every third of the lease until release.
func (s *Store) lock(ctx context.Context, key string) (context.Context, func(), error) {
	wait := 10 * time.Millisecond
	maxWait := min(250*time.Millisecond, max(s.lease/10, 10*time.Millisecond))
	for {
		token := newToken()
		start := time.Now()
		ok, err := do(ctx, func(ctx context.Context) (bool, error) { return s.rdb.SetNX(ctx, key, token, s.lease).Result() },
			func(ok bool) {
				if ok { // granted after this caller left: give it back
					s.release(key, token)
				}
			})
		if err != nil {
			if ctx.Err() != nil {
				return nil, nil, ctx.Err()
			}
			return nil, nil, fmt.Errorf("tvauthredis: taking the lease %s: %w", key, err)
		}
		if ok {
			until := start.Add(s.lease - s.drift())
			if time.Now().Before(until) {
				held, stop := tvauth.KeepLease(ctx, until, s.lease, func(ctx context.Context) (time.Time, error) {
					return s.extend(ctx, key, token)
				})
				var once sync.Once
				return held, func() { once.Do(func() { stop(); s.release(key, token) }) }, nil
			}
			s.release(key, token)
		}
		t := time.NewTimer(jitter(wait))
		select {
		case <-t.C:
		case <-ctx.Done():
			t.Stop()
			return nil, nil, ctx.Err()
		}
		wait = min(2*wait, maxWait)
	}
}

// extend renews the lease key while it holds token, and returns its new validity.
func (s *Store) extend(ctx context.Context, key, token string) (time.Time, error) {
	start := time.Now()
	n, err := do(ctx, func(ctx context.Context) (int, error) {
		return extendScript.Run(ctx, s.rdb, []string{key}, token, s.lease.Milliseconds()).Int()
	}, nil)
	if err != nil {
		return time.Time{}, err
	}
	if n != 1 {
		return time.Time{}, tvauth.ErrLeaseLost
	}
	return start.Add(s.lease - s.drift()), nil
}

// release deletes the lease key while it holds token. The caller's context may be over: the release
// must still reach Redis, within a bound of its own.
func (s *Store) release(key, token string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, _ = do(ctx, func(ctx context.Context) (int, error) {
		return releaseScript.Run(ctx, s.rdb, []string{key}, token).Int()
	}, nil)
}

// do runs one Redis command and returns when it does or when ctx ends, whichever comes first:
// go-redis bounds a command by the context's deadline only with Options.ContextTimeoutEnabled, off
// by default (its read and write timeouts and retries apply then, 3 s each). A command left behind
// finishes in the background; undo, when set, is given what it returned if it succeeded after all.
func do[T any](ctx context.Context, f func(context.Context) (T, error), undo func(T)) (T, error) {
	type result struct {
		v   T
		err error
	}
	ch := make(chan result, 1)
	go func() {
		v, err := f(ctx)
		ch <- result{v, err}
	}()
	select {
	case r := <-ch:
		return r.v, r.err
	case <-ctx.Done():
		if undo != nil {
			go func() {
				if r := <-ch; r.err == nil {
					undo(r.v)
				}
			}()
		}
		var zero T
		return zero, ctx.Err()
	}
}

func newToken() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// jitter spreads the replicas' polls: d/2 to d.
func jitter(d time.Duration) time.Duration {
	var b [2]byte
	_, _ = rand.Read(b[:])
	return d/2 + time.Duration(int64(d/2)*int64(int(b[0])<<8|int(b[1]))/65536)
}

// ---- values ----

// sealedPrefix marks a value sealed with the AEAD: sealedPrefix, nonce, ciphertext.
const sealedPrefix = "tvauth-aead1:"

func (s *Store) seal(key string, v any) (string, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return "", fmt.Errorf("tvauthredis: encoding %s: %w", key, err)
	}
	if s.aead == nil {
		return string(b), nil
	}
	nonce := make([]byte, s.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return "", fmt.Errorf("tvauthredis: nonce: %w", err)
	}
	return sealedPrefix + string(s.aead.Seal(nonce, nonce, b, []byte(key))), nil
}

func (s *Store) open(key, v string, out any) error {
	b := []byte(v)
	sealed := strings.HasPrefix(v, sealedPrefix)
	switch {
	case sealed && s.aead == nil:
		return fmt.Errorf("tvauthredis: %s is sealed with an AEAD: configure WithAEAD", key)
	case !sealed && s.aead != nil:
		return fmt.Errorf("tvauthredis: %s is stored in clear but this Store expects sealed values", key)
	case sealed:
		b = b[len(sealedPrefix):]
		ns := s.aead.NonceSize()
		if len(b) < ns {
			return fmt.Errorf("tvauthredis: %s: sealed value too short", key)
		}
		var err error
		if b, err = s.aead.Open(nil, b[:ns], b[ns:], []byte(key)); err != nil {
			return fmt.Errorf("tvauthredis: %s: cannot open the sealed value (wrong key?)", key)
		}
	}
	if err := json.Unmarshal(b, out); err != nil {
		// Never quote the value: it holds secrets.
		return fmt.Errorf("tvauthredis: %s does not hold what tvauth stored", key)
	}
	return nil
}

// get reads and opens a string key; found is false when it does not exist.
func (s *Store) get(ctx context.Context, key string, out any) (found bool, err error) {
	v, err := do(ctx, func(ctx context.Context) (string, error) { return s.rdb.Get(ctx, key).Result() }, nil)
	if errors.Is(err, redis.Nil) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("tvauthredis: reading %s: %w", key, err)
	}
	return true, s.open(key, v, out)
}

var (
	_ tvauth.CredentialStore  = (*Store)(nil)
	_ tvauth.CredentialLocker = (*Store)(nil)
	_ tvauth.PassTokenStore   = (*Store)(nil)
	_ tvauth.AGSTokenStore    = (*Store)(nil)
)
