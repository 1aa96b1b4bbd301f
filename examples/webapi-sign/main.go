// Command webapi-sign logs in to NINA WebAPI and signs a request by hand with the session, the way an
// app calls WebAPI methods the SDK does not wrap: sig_sha256 over the sorted, RFC 3986-encoded
// parameters, keyed with the session key, sent in exactly the order that was signed. It runs against
// the built-in fake, which verifies the signature independently. -v prints the SDK's per-attempt log
// lines (secrets redacted).
//
//	go run ./examples/webapi-sign -v
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func main() {
	verbose := flag.Bool("v", false, "log every HTTP attempt of the SDK to stderr (debug level, secrets redacted)")
	flag.Parse()
	if err := run(*verbose); err != nil {
		fmt.Fprintln(os.Stderr, "webapi-sign:", err)
		os.Exit(1)
	}
}

func run(verbose bool) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	fake := tvauthtest.NewServer()
	defer fake.Close()
	fake.AddWebAPIUser("viewer@example.com", "s3cret pass")
	opts := fake.Options()
	if verbose {
		opts = append(opts, tvauth.WithLogger(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	}
	client, err := tvauth.New(opts...)
	if err != nil {
		return err
	}

	sess, err := client.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: "viewer@example.com", Password: "s3cret pass"})
	if err != nil {
		return err
	}
	fmt.Println("logged in:", sess) // secrets print masked
	fmt.Println("server clock now:", sess.HostNow().UTC().Format(time.RFC3339))

	// Sign a call yourself: here /auth/logout with POST and a ts, so the fake can check it.
	endpoint := fake.URL() + "/auth/logout"
	signed, err := sess.Sign(http.MethodPost, endpoint, url.Values{
		"devId": {tvauthtest.WebAPIDevID}, "f": {"json"}, "ts": {sess.TS()}, "r": {"req 1"},
	})
	if err != nil {
		return err
	}
	fmt.Println("signed body:", maskSecrets(signed))
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(signed))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := fake.Transport().RoundTrip(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	fmt.Printf("HTTP %d %s\n", resp.StatusCode, body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("the server rejected the signature")
	}
	return nil
}

// maskSecrets keeps the token (a) and the signature out of the terminal; the order stays visible.
func maskSecrets(q string) string {
	pairs := strings.Split(q, "&")
	for i, p := range pairs {
		if name, _, _ := strings.Cut(p, "="); name == "a" || name == "sig_sha256" {
			pairs[i] = name + "=…"
		}
	}
	return strings.Join(pairs, "&")
}
