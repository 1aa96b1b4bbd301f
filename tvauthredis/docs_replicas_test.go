package tvauthredis_test

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthredis"
	"github.com/tvauth/tvauth/tvauthtest"
	"golang.org/x/oauth2"
)

// docs:begin replicas
func newReplicaClient(rdb *redis.Client, aead cipher.AEAD, device tvauth.Device, softwareStatement tvauth.Secret) (*tvauth.Client, *tvauthredis.Store, error) {
	store, err := tvauthredis.New(rdb, tvauthredis.WithAEAD(aead)) // client secret and tokens sealed at rest
	if err != nil {
		return nil, nil, err
	}
	client, err := tvauth.New(tvauth.WithDevice(device), tvauth.WithAGSURL("https://ags.example.com/ags"),
		tvauth.WithPassCredentialStore(store, softwareStatement), // one registration per fleet
		tvauth.WithPassTokenStore(store))                         // one token fetch per fleet per expiry
	return client, store, err
}

// AGS: share a user's tokens once after SignOn; every replica then uses the shared source, and only
// one of them refreshes when they expire.
func sharedAGSToken(ctx context.Context, client *tvauth.Client, store *tvauthredis.Store, userID string, tokens tvauth.Tokens, authService string) (*oauth2.Token, error) {
	if _, err := store.CompareAndSwapTokens(ctx, userID, "", tokens); err != nil {
		return nil, err
	}
	ts := client.AGS.SharedTokenSource(store, userID, tvauth.SignOnRequest{AuthService: authService}, nil)
	return ts.TokenContext(ctx)
}

// docs:end replicas

func TestDocsReplicas(t *testing.T) {
	ctx := context.Background()
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddAGSUser("dave", "1660")
	// The guide's code names real hosts: the fake serves them all, in-process.
	old := http.DefaultTransport
	http.DefaultTransport = fake.Transport()
	t.Cleanup(func() { http.DefaultTransport = old })

	rdb := redis.NewClient(&redis.Options{Addr: tvauthredis.TestRedisAddr(t)})
	defer rdb.Close()
	// The guide uses the default prefix: start from an empty one (earlier runs share this Redis).
	if keys, err := rdb.Keys(ctx, "tvauth:*").Result(); err != nil {
		t.Fatal(err)
	} else if len(keys) > 0 {
		if err := rdb.Del(ctx, keys...).Err(); err != nil {
			t.Fatal(err)
		}
	}
	block, err := aes.NewCipher(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}

	var clients []*tvauth.Client
	var store *tvauthredis.Store
	for range 3 {
		c, s, err := newReplicaClient(rdb, aead, tvauthtest.DefaultDevice(), fake.SoftwareStatement())
		if err != nil {
			t.Fatal(err)
		}
		clients, store = append(clients, c), s
	}
	for _, c := range clients {
		if _, err := c.Pass.Configuration(ctx, "REF30"); err != nil {
			t.Fatal(err)
		}
	}
	if n := count(fake, "/o/client/register"); n != 1 {
		t.Errorf("%d registrations for 3 replicas, want 1", n)
	}
	if n := count(fake, "/o/client/token"); n != 1 {
		t.Errorf("%d token fetches for 3 replicas, want 1", n)
	}

	res, err := clients[0].AGS.SignOn(ctx, tvauth.SignOnRequest{AuthService: tvauthtest.AGSAuthService,
		Parameters: []tvauth.Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: fake.AGSPassword("dave")}},
		Device:     &tvauth.AGSDeviceInformation{DeviceType: "OPEN"}})
	if err != nil || res.Tokens == nil {
		t.Fatalf("signOn: %v", err)
	}
	stale := *res.Tokens
	stale.ReceivedAt = time.Now().Add(-2 * time.Hour) // expired: the first replica to ask refreshes
	for _, c := range clients {
		tok, err := sharedAGSToken(ctx, c, store, "dave", stale, tvauthtest.AGSAuthService)
		if err != nil {
			t.Fatal(err)
		}
		if !fake.AGSAccessTokenActive(tvauth.Secret(tok.AccessToken)) {
			t.Fatal("a replica holds an access token AGS does not know")
		}
	}
	if n := count(fake, "/ags/refresh"); n != 1 {
		t.Errorf("%d refreshes for 3 replicas, want 1", n)
	}
}

// docs:begin replicas-durability
// At start-up: refuse to run on a Redis that would lose the client credentials. (Or alert and rely on
// healing: the replicas that still run write the credentials back.)
func requireDurableRedis(ctx context.Context, store *tvauthredis.Store) error {
	err := store.CheckDurability(ctx)
	if errors.Is(err, tvauthredis.ErrNotDurable) {
		return fmt.Errorf("refusing to start: %w", err)
	}
	return err // nil, or "cannot tell" (CONFIG refused and INFO silent): your call
}

// docs:end replicas-durability

// The tests' Redis has no persistence: the guide's check refuses it (miniredis cannot tell).
func TestDocsReplicasDurability(t *testing.T) {
	rdb := redis.NewClient(&redis.Options{Addr: tvauthredis.TestRedisAddr(t)})
	defer rdb.Close()
	store, err := tvauthredis.New(rdb)
	if err != nil {
		t.Fatal(err)
	}
	err = requireDurableRedis(context.Background(), store)
	if err == nil || (!errors.Is(err, tvauthredis.ErrNotDurable) && !strings.Contains(err.Error(), "cannot tell")) {
		t.Errorf("requireDurableRedis on a Redis without persistence: %v", err)
	}
}

// docs:begin replicas-mounted-secret
// A Kubernetes secret volume mounts each key as a symbolic link to a 0644 file unless the volume's
// defaultMode says 0400: set that, or accept a mode that the mount itself protects.
func clientFromMountedSecret(path string, device tvauth.Device, softwareStatement tvauth.Secret) (*tvauth.Client, error) {
	store := tvauth.NewFileCredentialStore(path, tvauth.AllowGroupOrOtherAccess())
	return tvauth.New(tvauth.WithDevice(device), tvauth.WithPassCredentialStore(store, softwareStatement))
}

// docs:end replicas-mounted-secret

// A secret mounted as Kubernetes does (a 0644 file behind a symbolic link) is used as it is: no
// registration, the stored client's token.
func TestDocsReplicasMountedSecret(t *testing.T) {
	fake := tvauthtest.NewServer()
	defer fake.Close()
	old := http.DefaultTransport
	http.DefaultTransport = fake.Transport()
	t.Cleanup(func() { http.DefaultTransport = old })
	dir := t.TempDir()
	data := filepath.Join(dir, "..data")
	if err := os.Mkdir(data, 0o755); err != nil {
		t.Fatal(err)
	}
	creds := fake.PassCredentials()
	if err := tvauth.NewFileCredentialStore(filepath.Join(data, "creds.json")).Save(context.Background(), creds); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(data, "creds.json"), 0o644); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "creds.json")
	if err := os.Symlink(filepath.Join("..data", "creds.json"), path); err != nil {
		t.Skip("no symbolic links here:", err)
	}
	client, err := clientFromMountedSecret(path, tvauthtest.DefaultDevice(), fake.SoftwareStatement())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.Pass.Configuration(context.Background(), "REF30"); err != nil {
		t.Fatal(err)
	}
	if n := count(fake, "/o/client/register"); n != 0 {
		t.Errorf("%d registrations with mounted credentials", n)
	}
}

func count(fake *tvauthtest.Server, path string) int {
	n := 0
	for _, r := range fake.Requests() {
		if r.Path == path {
			n++
		}
	}
	return n
}
