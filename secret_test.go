package tvauth

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
)

// holder nests a Secret the ways a user's own types do: a field, a pointer, a slice, a map, a struct.
type holder struct {
	Plain  string
	S      Secret
	P      *Secret
	List   []Secret
	ByName map[string]Secret
	Inner  struct{ S Secret }
	// Pointer is a pointer to a struct without methods. fmt prints such a field with the verbs it
	// accepts for pointers (%v, %d, %x, %X, %p, %b, %o) as an address; with any other verb (%s, %q, …)
	// it reports a bad verb and prints the pointee without calling its fields' methods, so it is left
	// out of the tests of those verbs (the Secret doc says so).
	Pointer *struct{ S Secret }
}

type xmlHolder struct{ S Secret }

func newHolder(s Secret, withPointer bool) holder {
	h := holder{Plain: "visible", S: s, P: &s, List: []Secret{s, s}, ByName: map[string]Secret{"k": s}}
	h.Inner.S = s
	if withPointer {
		h.Pointer = &struct{ S Secret }{s}
	}
	return h
}

// TestSecretMasksEverywhere renders a Secret alone and nested, with every fmt verb and flag, both slog
// handlers, encoding/json and encoding/xml: the clear value never appears.
func TestSecretMasksEverywhere(t *testing.T) {
	const clear = "s3cr3t-VALUE_0x41"
	s := Secret(clear)
	renders := map[string]func() string{}
	// %p is left out: fmt handles it before any method, for every type (the Secret doc says so).
	pointerVerbs := []string{"%v", "%+v", "%#v", "%d", "%x", "%X", "%b", "%o", "%8v"}
	otherVerbs := []string{"%s", "%q", "%10s", "%-10v", "%.3s", "%U", "%t", "%c", "%e"}
	for _, verb := range append(pointerVerbs, otherVerbs...) {
		h := newHolder(s, slices.Contains(pointerVerbs, verb))
		renders["fmt "+verb+" secret"] = func() string { return fmt.Sprintf(verb, s) }
		renders["fmt "+verb+" holder"] = func() string { return fmt.Sprintf(verb, h) }
		renders["fmt "+verb+" *holder"] = func() string { return fmt.Sprintf(verb, &h) }
		renders["fmt "+verb+" []any"] = func() string { return fmt.Sprintf(verb, []any{s, h}) }
	}
	h := newHolder(s, true)
	renders["fmt Sprint"] = func() string { return fmt.Sprint(s, h) }
	renders["fmt Sprintln"] = func() string { return fmt.Sprintln(s, h) }
	for _, name := range []string{"text", "json"} {
		renders["slog "+name] = func() string {
			var buf bytes.Buffer
			var hd slog.Handler = slog.NewTextHandler(&buf, nil)
			if name == "json" {
				hd = slog.NewJSONHandler(&buf, nil)
			}
			slog.New(hd).Info("m", "secret", s, "holder", h, "ptr", &h, "any", []any{s}, slog.Group("g", "s", s))
			return buf.String()
		}
	}
	renders["json"] = func() string {
		b, err := json.Marshal(map[string]any{"s": s, "h": h, "p": &h})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	renders["xml"] = func() string {
		b, err := xml.Marshal(xmlHolder{s})
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	for name, render := range renders {
		out := render()
		if strings.Contains(out, clear) || strings.Contains(out, fmt.Sprintf("%x", clear)) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
		if !strings.Contains(out, "RED") {
			t.Errorf("%s does not show the mask: %s", name, out)
		}
	}
}

func TestSecretRenderings(t *testing.T) {
	for _, tc := range []struct {
		format string
		s      Secret
		want   string
	}{
		{"%v", "x", "REDACTED"},
		{"%s", "x", "REDACTED"},
		{"%q", "x", `"REDACTED"`},
		{"%#v", "x", `"REDACTED"`},
		{"%x", "x", "REDACTED"},
		{"%12s|", "x", "    REDACTED|"},
		{"%q", "", `""`},
		{"%#v", "", `""`},
		{"%+v", "", ""},
	} {
		if got := fmt.Sprintf(tc.format, tc.s); got != tc.want {
			t.Errorf("Sprintf(%q, %q) = %q, want %q", tc.format, string(tc.s), got, tc.want)
		}
	}
	if got := Secret("x").String(); got != "REDACTED" {
		t.Errorf("String() = %q", got)
	}
	if got := Secret("").GoString(); got != `""` {
		t.Errorf("empty GoString() = %q", got)
	}
	if got := Secret("x").LogValue().String(); got != "REDACTED" {
		t.Errorf("LogValue() = %q", got)
	}
}

func TestSecretJSON(t *testing.T) {
	type stored struct {
		S Secret  `json:"s"`
		P *Secret `json:"p,omitempty"`
	}
	for _, tc := range []struct {
		in      string
		want    Secret
		wantErr error
	}{
		{`{"s":"clear"}`, "clear", nil},
		{`{"s":""}`, "", nil},
		{`{"s":null}`, "", nil},
		{`{"s":"caf\u00e9 \"q\""}`, "café \"q\"", nil},
		{`{"s":"REDACTED"}`, "", ErrMaskedSecret},
		{`{"p":"REDACTED"}`, "", ErrMaskedSecret},
		{`{"s":12}`, "", nil}, // a type error, checked below
	} {
		var v stored
		err := json.Unmarshal([]byte(tc.in), &v)
		switch {
		case tc.wantErr != nil:
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("Unmarshal(%s) = %v, want %v", tc.in, err, tc.wantErr)
			}
		case strings.Contains(tc.in, "12"):
			if err == nil {
				t.Errorf("Unmarshal(%s) took a number as a secret", tc.in)
			}
		case err != nil || v.S != tc.want:
			t.Errorf("Unmarshal(%s) = %q, %v; want %q", tc.in, string(v.S), err, tc.want)
		}
	}
	// The round trip through json.Marshal loses the secret, so it must fail rather than succeed quietly.
	b, err := json.Marshal(stored{S: "clear"})
	if err != nil || string(b) != `{"s":"REDACTED"}` {
		t.Fatalf("Marshal = %s, %v", b, err)
	}
	var back stored
	if err := json.Unmarshal(b, &back); !errors.Is(err, ErrMaskedSecret) {
		t.Errorf("Unmarshal(Marshal(v)) = %v (S=%q), want ErrMaskedSecret", err, string(back.S))
	}
	var x struct{ S Secret }
	if err := xml.Unmarshal([]byte(`<x><S>REDACTED</S></x>`), &x); !errors.Is(err, ErrMaskedSecret) {
		t.Errorf("xml.Unmarshal of the masked form = %v", err)
	}
	if err := xml.Unmarshal([]byte(`<x><S>clear</S></x>`), &x); err != nil || x.S != "clear" {
		t.Errorf("xml.Unmarshal = %q, %v", string(x.S), err)
	}
}

func FuzzSecretJSON(f *testing.F) {
	for _, s := range []string{`"a"`, `"REDACTED"`, `null`, `"\u0000"`, `"\ud800"`, `1`, `"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var s Secret
		if err := s.UnmarshalJSON(b); err != nil {
			return
		}
		if s == redacted {
			t.Fatalf("read %q back as the masked form", b)
		}
		want := `REDACTED REDACTED "REDACTED" "REDACTED" REDACTED`
		if s == "" {
			want = `  "" "" `
		}
		if out := fmt.Sprintf("%v %+v %#v %q %x", s, s, s, s, s); out != want {
			t.Fatalf("printed %q, want %q", out, want)
		}
	})
}
