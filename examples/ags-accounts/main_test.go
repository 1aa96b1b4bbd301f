package main

import (
	"bytes"
	"strings"
	"testing"
)

// The example shows what it claims: the 300 and the choice, then a rotation that fires the save
// callback, with the tokens printed masked.
func TestAGSAccountsRotationFiresCallback(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, "", "Customer Auth Service", "dave", 2, false); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	for _, want := range []string{"2 accounts for dave", "signed in to account 1663", "(fresh: no refresh yet)",
		"next start: tokens loaded from storage", "tokens rotated; saving them: {AccessToken:REDACTED RefreshToken:REDACTED",
		"refresh token rotated: true", "signed out"} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q:\n%s", want, s)
		}
	}
	if n := strings.Count(s, "tokens rotated"); n != 1 {
		t.Errorf("the save callback fired %d times, want 1:\n%s", n, s)
	}
	if err := run(&out, "", "Customer Auth Service", "dave", 3, false); err == nil {
		t.Error("-choose 3 of 2 accounts succeeded")
	}
}
