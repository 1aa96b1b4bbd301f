package main

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

// The output redacts a secret in the spelling each form gives it: raw in the human form, escaped as
// jsonLine escapes it (quotes and backslashes, not & < >) in the JSON form, wherever it lands (the
// message, a data value, the error).
func TestOutputRedactsEverySpelling(t *testing.T) {
	secrets := []struct{ name, secret string }{
		{"plain", "s3cr3t-pass"},
		{"quote and ampersand", `p&ss"w0rd`},
		{"backslash and less-than", `a<b\c`},
		{"greater-than and control", "x>y\tz"},
		{"line separator and ampersand", "u\u2028v&w"},
	}
	for _, s := range secrets {
		for _, asJSON := range []bool{false, true} {
			var buf bytes.Buffer
			o := newOutput(&buf, asJSON)
			o.addSecret(s.secret)
			o.step("ok", "step", map[string]any{"echo": s.secret}, "message "+s.secret)
			o.finish("tvauth test", exitRefused, errors.New("server said "+s.secret))
			got := buf.String()
			if !asJSON {
				if strings.Contains(got, s.secret) {
					t.Errorf("%s, text: secret printed:\n%s", s.name, got)
				}
				continue
			}
			esc := strings.TrimSuffix(strings.TrimPrefix(strings.TrimSuffix(jsonLine(s.secret), "\n"), `"`), `"`)
			if strings.Contains(got, esc) || strings.Contains(got, s.secret) {
				t.Errorf("%s, JSON: secret printed (as %s):\n%s", s.name, esc, got)
			}
			if n := strings.Count(got, "REDACTED"); n != 3 {
				t.Errorf("%s, JSON: %d REDACTED, want 3:\n%s", s.name, n, got)
			}
		}
	}
}

// A stray argument may be a secret typed where it does not belong: the usage error names its
// position, never its text.
func TestStrayArgumentsAreNotEchoed(t *testing.T) {
	const secret = "hunter2-s3cr3t"
	for _, args := range [][]string{
		{"webapi", "login", "-fake", secret},
		{"pass", "token", "-fake", secret},
		{"ags", "signon", "-fake", secret},
		{"webapi", "sign", "-fake", "f=json", secret},
	} {
		res := runCmd(t, nil, nil, args...)
		if res.code != exitUsage {
			t.Errorf("%v: exit %d, want %d\n%s%s", args, res.code, exitUsage, res.stdout, res.stderr)
		}
		if strings.Contains(res.stdout+res.stderr, secret) {
			t.Errorf("%v: the argument is echoed:\n%s%s", args, res.stdout, res.stderr)
		}
		if !strings.Contains(res.stdout+res.stderr, "argument 1") && !strings.Contains(res.stdout+res.stderr, "argument 2") {
			t.Errorf("%v: the error does not name the argument's position:\n%s%s", args, res.stdout, res.stderr)
		}
	}
}
