package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The example shows what it claims: where the credentials live, and every next-action kind.
func TestPassLogoutShowsEveryNextAction(t *testing.T) {
	var out bytes.Buffer
	store := filepath.Join(t.TempDir(), "creds.json")
	if err := run(&out, "", "REF30", "", "https://app.example/logged-out", store, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"credentials: none yet at " + store,
		"Cablevision: logout/interactive", "(fake) the user agent reached https://app.example/logged-out",
		"Spectrum:    partner_logout/partner_interactive",
		"Dish:        complete/none",
		"Verizon:     invalid/none",
		"credentials saved in " + store,
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	// What the next start would load (a new fake would not know these credentials, a real host does).
	saved, err := os.ReadFile(store)
	if err != nil || !bytes.Contains(saved, []byte("client_id")) {
		t.Fatalf("credentials file: %s, %v", saved, err)
	}
}

func TestPassLogoutRealHostNeedsStatement(t *testing.T) {
	t.Setenv("TVAUTH_PASS_SOFTWARE_STATEMENT", "")
	err := run(&bytes.Buffer{}, "https://sp.auth-staging.adobe.com", "REF30", "Cablevision", "https://app.example/x", filepath.Join(t.TempDir(), "c"), false)
	if err == nil || !strings.Contains(err.Error(), "TVAUTH_PASS_SOFTWARE_STATEMENT") {
		t.Fatalf("got %v", err)
	}
}
