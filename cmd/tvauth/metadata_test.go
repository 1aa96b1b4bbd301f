package main

// clientless metadata names encrypted values and never shows them.

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// clientless metadata's help says "encrypted values are named, not shown", and its text lines keep
// that promise, but the -json line of each key carries "value": md.Data[k] whatever the key, so the
// RSA-encrypted value Adobe sent is printed in -json output. The goldens miss it: the fake never
// marks a key encrypted. Here a host (the fake behind a front that answers usermetadata as Adobe's
// sample does, with "zip" encrypted) shows it.
func TestMetadataHidesEncryptedValues(t *testing.T) {
	sa, _ := realHost(t)
	const cipher = "QmFzZTY0RW5jcnlwdGVkWmlwVmFsdWU="
	front := http.NewServeMux()
	front.Handle("/", sa)
	front.HandleFunc("/api/v1/tokens/usermetadata", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"updated":1334243471,"encrypted":["zip"],"data":{"zip":"` + cipher + `","userID":"u1"}}`))
	})
	hs := httptest.NewServer(front)
	t.Cleanup(hs.Close)
	vars := map[string]string{"TVAUTH_PASS_SOFTWARE_STATEMENT": string(sa.Server().SoftwareStatement())}
	for _, args := range [][]string{
		{"clientless", "metadata", "-pass-url", hs.URL, "-clientless-url", hs.URL},
		{"clientless", "metadata", "-json", "-pass-url", hs.URL, "-clientless-url", hs.URL},
	} {
		res := runCmd(t, vars, nil, args...)
		if res.code != exitOK {
			t.Fatalf("%v: exit %d\n%s%s", args, res.code, res.stdout, res.stderr)
		}
		if strings.Contains(res.stdout, cipher) {
			t.Errorf("%v prints the encrypted value of zip:\n%s", args, res.stdout)
		}
	}
}
