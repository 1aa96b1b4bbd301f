package tvauth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
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

// maskSecret is a secret for one field: distinct from every other from its first characters, longer
// than 80 characters, and holding every character that escapes differently in URL, JSON, XML and Go
// quoting. Its head, "Zq" and the field name reversed, is plain letters, the same in every encoding:
// leaks looks for it (and its hex form), so a leak in any encoding is found.
func maskSecret(field string) string {
	r := []rune(field)
	slices.Reverse(r) // not the field's name: a printed name is no leak
	return "Zq" + string(r) + `-"q\b+p/s=e<l&g>'` + strings.Repeat("x7", 40)
}

// leaks reports the first of secrets whose head (see maskSecret) out shows, as text or in hex.
func leaks(out string, secrets []string) (string, bool) {
	for _, secret := range secrets {
		head, _, _ := strings.Cut(secret, "-")
		h := hex.EncodeToString([]byte(head))
		if strings.Contains(out, head) || strings.Contains(out, h) || strings.Contains(out, strings.ToUpper(h)) {
			return secret, true
		}
	}
	return "", false
}

// secretHolder is one type that holds a secret, directly or through a field of another such type: a
// value with every secret set, the secrets, and a text its %+v must still show.
type secretHolder struct {
	value   any
	secrets []string
	visible string
}

// secretHolders lists every secret-holding type of the package (TestSecretHoldersComplete fails when
// an exported one is missing), each as the SDK hands it out.
func secretHolders(t *testing.T) []secretHolder {
	t.Helper()
	s := maskSecret
	S := func(field string) Secret { return Secret(maskSecret(field)) }
	headers := PassHeaders{VisitorID: "visitor-1", SubjectToken: S("SubjectToken"), RokuConnectToken: S("RokuConnectToken"),
		ServiceToken: S("ServiceToken"), TempPassIdentity: S("TempPassIdentity")}
	headerSecrets := []string{s("SubjectToken"), s("RokuConnectToken"), s("ServiceToken"), s("TempPassIdentity")}
	media := MediaToken{NotBefore: time.Unix(1e9, 0), SerializedToken: S("SerializedToken")}
	decision := Decision{Resource: "resource-1", Authorized: true, Token: &media}
	creds := ClientCredentials{ClientID: "client-1", ClientSecret: S("ClientSecret"), Scopes: []string{"api:client:v2"}}
	sess := &WebAPISession{LoginID: "login-1", Token: S("Token"), SessionSecret: S("SessionSecret"), SessionKey: S("SessionKey")}
	sessSecrets := []string{s("Token"), s("SessionSecret"), s("SessionKey")}
	tokens := Tokens{AccessToken: S("AccessToken"), RefreshToken: S("RefreshToken"), ClientID: "PUB-1"}
	tokenSecrets := []string{s("AccessToken"), s("RefreshToken")}
	// An account as the SDK decodes it from a 300 reply.
	element, err := json.Marshal(map[string]string{"userAccountToken": s("UserAccountToken"), "accountInformation": "acct-1"})
	if err != nil {
		t.Fatal(err)
	}
	accounts, err := agsDecodeAccounts([]byte(`{"accounts":[` + string(element) + `]}`))
	if err != nil {
		t.Fatal(err)
	}
	account := accounts[0]
	params := []Parameter{{Name: "username", Value: "dave"}, {Name: "password", Value: s("password")}}
	signOn := SignOnRequest{Parameters: params, ClientID: "PUB-1"}

	c, err := New(WithAGSURL("https://ags.example/ags"))
	if err != nil {
		t.Fatal(err)
	}
	store := NewMemoryCredentialStore()
	if err := store.Save(context.Background(), creds); err != nil {
		t.Fatal(err)
	}
	fleet := newFleetStore() // a caller's AGSTokenStore, holding tokens in a map
	fleet.ags["dave"] = tokens
	return []secretHolder{
		// Adobe Pass
		{creds, []string{s("ClientSecret")}, "client-1"},
		{RegisterRequest{SoftwareStatement: S("SoftwareStatement"), RedirectURI: "https://app.example/cb", Device: &Device{ID: "tv-1"}},
			[]string{s("SoftwareStatement")}, "app.example"},
		{headers, headerSecrets, "visitor-1"},
		{SessionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{LogoutRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{DecisionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{ProfileRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{PartnerProfileRequest{ServiceProvider: "sp-1", SAMLResponse: S("SAMLResponse"), Headers: headers},
			append([]string{s("SAMLResponse")}, headerSecrets...), "sp-1"},
		{PartnerSessionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{media, []string{s("SerializedToken")}, "2001"},
		{decision, []string{s("SerializedToken")}, "resource-1"},
		{DecisionsResult{Decisions: []Decision{decision}}, []string{s("SerializedToken")}, "resource-1"},
		{store, []string{s("ClientSecret")}, ""},
		{c.Pass.TokenSource(creds), []string{s("ClientSecret")}, "client-1"},
		// Clientless
		{ShortMediaToken{Resource: "resource-1", SerializedToken: S("SerializedToken")}, []string{s("SerializedToken")}, "resource-1"},
		// NINA WebAPI
		{ClientLoginRequest{LoginID: "login-1", Password: S("Password"), SecurID: S("SecurID"), Callback: "cb"},
			[]string{s("Password"), s("SecurID")}, "login-1"},
		{*sess, sessSecrets, "login-1"},
		{WebAPILogoutRequest{Session: sess, LoginID: "login-1"}, sessSecrets, "login-1"},
		// OpenTV AGS
		{tokens, tokenSecrets, "PUB-1"},
		{account, []string{s("UserAccountToken")}, "acct-1"},
		{params[1], []string{s("password")}, "password"},
		{signOn, []string{s("password")}, "dave"},
		{SignOnResult{Tokens: &tokens, Accounts: []Account{account}, CorrelationID: "corr-1"},
			append([]string{s("UserAccountToken")}, tokenSecrets...), "corr-1"},
		{ServiceDiscoveryRequest{Token: S("DiscoveryToken"), AuthService: "svc-1"}, []string{s("DiscoveryToken")}, "svc-1"},
		{c.AGS.TokenSource(&tokens, signOn, nil), append([]string{s("password")}, tokenSecrets...), ""},
		{c.AGS.SharedTokenSource(fleet, "dave", signOn, nil), append([]string{s("password")}, tokenSecrets...), ""},
	}
}

// maskShape is a place a secret-holding value ends up in a caller's program. fmt prints a pointer it
// meets below the top level (pointerBelow), under a verb it rejects for pointers (%s, %q, %t, …),
// field by field without calling any method: only a pointee with a Format method of its own keeps
// its Secrets masked there (the Secret doc says so). A slog.Attr holds a group in an unexported
// pointer, so fmt itself (not slog) prints it that way for every type: such verbs are left out there.
type maskShape struct {
	name         string
	pointerBelow bool
	wrap         func(v any) any
}

const slogGroupShape = "slog group"

var maskShapes = []maskShape{
	{"value", false, func(v any) any { return v }},
	{"pointer", false, func(v any) any { return ptrTo(v).Interface() }},
	{"slice", false, func(v any) any { return sliceOf(reflect.ValueOf(v)) }},
	{"map value", false, func(v any) any {
		m := reflect.MakeMap(reflect.MapOf(reflect.TypeOf(""), reflect.TypeOf(v)))
		m.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(v))
		return m.Interface()
	}},
	{"caller struct", false, func(v any) any { return callerStruct(reflect.ValueOf(v)) }},
	{"caller struct, pointer field", true, func(v any) any { return callerStruct(ptrTo(v)) }},
	{"slice of pointers", true, func(v any) any { return sliceOf(ptrTo(v)) }},
	{"error", false, func(v any) any { return fmt.Errorf("tvauth call failed for %v", v) }},
	{slogGroupShape, true, func(v any) any { return slog.Group("g", slog.Any("v", v)) }},
}

func ptrTo(v any) reflect.Value {
	p := reflect.New(reflect.TypeOf(v))
	p.Elem().Set(reflect.ValueOf(v))
	return p
}

func sliceOf(v reflect.Value) any {
	s := reflect.MakeSlice(reflect.SliceOf(v.Type()), 1, 1)
	s.Index(0).Set(v)
	return s.Interface()
}

func callerStruct(v reflect.Value) any {
	st := reflect.New(reflect.StructOf([]reflect.StructField{
		{Name: "Name", Type: reflect.TypeOf("")},
		{Name: "Field", Type: v.Type()},
	})).Elem()
	st.Field(1).Set(v)
	return st.Interface()
}

// maskRenderers are the ways a value is turned into text; pointerBadVerb marks the verbs fmt rejects
// for a pointer.
var maskRenderers = []struct {
	name           string
	pointerBadVerb bool
	render         func(v any) string
}{
	{"%v", false, func(v any) string { return fmt.Sprintf("%v", v) }},
	{"%+v", false, func(v any) string { return fmt.Sprintf("%+v", v) }},
	{"%#v", false, func(v any) string { return fmt.Sprintf("%#v", v) }},
	{"%s", true, func(v any) string { return fmt.Sprintf("%s", v) }},
	{"%d", false, func(v any) string { return fmt.Sprintf("%d", v) }},
	{"%x", false, func(v any) string { return fmt.Sprintf("%x", v) }},
	{"%q", true, func(v any) string { return fmt.Sprintf("%q", v) }},
	{"%t", true, func(v any) string { return fmt.Sprintf("%t", v) }},
	{"%12.5v", false, func(v any) string { return fmt.Sprintf("%12.5v", v) }},
	{"slog text", false, func(v any) string { return slogRender(slog.NewTextHandler, v) }},
	{"slog JSON", false, func(v any) string { return slogRender(slog.NewJSONHandler, v) }},
	{"json.Marshal", false, func(v any) string { b, err := json.Marshal(v); return string(b) + fmt.Sprint(err) }},
}

func slogRender[H slog.Handler](newHandler func(w io.Writer, opts *slog.HandlerOptions) H, v any) string {
	var buf bytes.Buffer
	l := slog.New(newHandler(&buf, nil))
	if a, ok := v.(slog.Attr); ok {
		l.LogAttrs(context.Background(), slog.LevelInfo, "m", a)
	} else {
		l.Info("m", "v", v)
	}
	return buf.String()
}

// TestSecretHoldersMask renders every secret-holding type in every shape with every renderer and
// finds no secret, and finds every field in %+v and the type's own name in %#v. The one exception
// is fmt's own (see maskShape): a struct without a Format method, behind a pointer below the top level,
// under a verb fmt rejects for pointers; the types the API hands out or points to by pointer have one.
func TestSecretHoldersMask(t *testing.T) {
	// Not parallel: thousands of renderings under -race would starve the timing-sensitive parallel tests.
	for _, h := range secretHolders(t) {
		typ := reflect.TypeOf(h.value)
		_, formats := h.value.(fmt.Formatter)
		t.Run(typ.String(), func(t *testing.T) {
			plus := fmt.Sprintf("%+v", h.value)
			if !strings.Contains(plus, h.visible) {
				t.Errorf("%%+v lost the non-secret %q: %s", h.visible, plus)
			}
			if typ.Kind() == reflect.Struct { // every field shows, and %#v names the type
				for i := range typ.NumField() {
					if f := typ.Field(i); f.IsExported() && !strings.Contains(plus, f.Name+":") {
						t.Errorf("%%+v drops %s: %s", f.Name, plus)
					}
				}
				if sharp := fmt.Sprintf("%#v", h.value); !strings.HasPrefix(sharp, typ.String()+"{") {
					t.Errorf("%%#v = %s, want it to start with %s{", sharp, typ)
				}
			}
			for _, shape := range maskShapes {
				v := shape.wrap(h.value)
				for _, r := range maskRenderers {
					if shape.pointerBelow && r.pointerBadVerb && (typ.Kind() == reflect.Struct && !formats || shape.name == slogGroupShape) {
						continue
					}
					out := r.render(v)
					if secret, leaked := leaks(out, h.secrets); leaked {
						t.Errorf("%s, %s: shows %.20s…: %s", shape.name, r.name, secret, out)
					}
				}
			}
		})
	}
}

// TestSecretHoldersJSON: json.Marshal of every secret-holding exported type writes its secrets masked
// (or nothing), and json.Unmarshal refuses that with ErrMaskedSecret, never reading it back as a value
// that lost its secrets.
func TestSecretHoldersJSON(t *testing.T) {
	t.Parallel()
	for _, h := range secretHolders(t) {
		typ := reflect.TypeOf(h.value)
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if !token.IsExported(typ.Name()) {
			continue
		}
		b, err := json.Marshal(h.value)
		if err != nil {
			t.Errorf("%s: json.Marshal: %v", typ, err)
			continue
		}
		if secret, leaked := leaks(string(b), h.secrets); leaked {
			t.Errorf("%s: json.Marshal shows %.20s…: %s", typ, secret, b)
		}
		if err := json.Unmarshal(b, reflect.New(typ).Interface()); !errors.Is(err, ErrMaskedSecret) {
			t.Errorf("%s: json.Unmarshal(%s) = %v, want ErrMaskedSecret", typ, b, err)
		}
	}
}

// TestMarshalUnmaskedJSONRoundTrips: the storage form of the types a caller persists keeps every
// field and reads back exactly with json.Unmarshal.
func TestMarshalUnmaskedJSONRoundTrips(t *testing.T) {
	t.Parallel()
	S := func(field string) Secret { return Secret(maskSecret(field)) }
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []interface{ MarshalUnmaskedJSON() ([]byte, error) }{
		ClientCredentials{ClientID: "client-1", ClientSecret: S("ClientSecret"), IssuedAt: at,
			RedirectURIs: []string{"adobepass://app"}, GrantTypes: []string{"client_credentials"}, Scopes: []string{"api:client:v2"}},
		// CorrelationID belongs to the call that returned the tokens: it is not stored. Lifetimes are
		// stored in whole seconds, as AGS sends them.
		Tokens{AccessToken: S("AccessToken"), RefreshToken: S("RefreshToken"), ClientID: "PUB-1", AccountID: "1663",
			TokenType: "bearer", ExpiresIn: time.Hour, RefreshExpiresIn: 48 * time.Hour, FixedRefreshExpiresIn: 90 * time.Hour, ReceivedAt: at},
		WebAPISession{LoginID: "login-1", Token: S("Token"), ExpiresIn: time.Hour, SessionSecret: S("SessionSecret"),
			SessionKey: S("SessionKey"), HostTime: at, ReceivedAt: at.Add(time.Second)},
	}
	for _, in := range tests {
		typ := reflect.TypeOf(in)
		v := reflect.ValueOf(in)
		for i := range typ.NumField() { // every exported field is set, so that one dropped is seen
			if f := typ.Field(i); f.IsExported() && v.Field(i).IsZero() && f.Name != "CorrelationID" {
				t.Fatalf("%s.%s is not set in the test value", typ.Name(), f.Name)
			}
		}
		b, err := in.MarshalUnmaskedJSON()
		if err != nil {
			t.Fatalf("%s: %v", typ.Name(), err)
		}
		back := reflect.New(typ)
		if err := json.Unmarshal(b, back.Interface()); err != nil || !reflect.DeepEqual(back.Elem().Interface(), in) {
			t.Errorf("%s: %s reads back as %#v (%v)", typ.Name(), b, back.Elem().Interface(), err)
		}
	}
}

// TestSecretHoldersComplete reads the package's exported types (go/doc, as go doc does) and fails
// when a type holds a Secret, a Parameter (whose value is secret by its name) or another holder, in
// any field, and secretHolders has no row for it; or when an exported field whose name looks secret
// is not a Secret (nor a holder).
func TestSecretHoldersComplete(t *testing.T) {
	t.Parallel()
	listed := map[string]bool{}
	for _, h := range secretHolders(t) {
		typ := reflect.TypeOf(h.value)
		for typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		listed[typ.Name()] = true
	}
	names, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var files []*ast.File
	for _, n := range names {
		if !strings.HasSuffix(n, "_test.go") {
			f, err := parser.ParseFile(fset, n, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, f)
		}
	}
	pkg, err := doc.NewFromFiles(fset, files, "github.com/tvauth/tvauth", doc.AllDecls|doc.PreserveAST)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	for _, typ := range pkg.Types {
		if !token.IsExported(typ.Name) {
			continue
		}
		for _, spec := range typ.Decl.Specs {
			if ts := spec.(*ast.TypeSpec); ts.Name.Name == typ.Name {
				if st, ok := ts.Type.(*ast.StructType); ok {
					structs[typ.Name] = st
				}
			}
		}
	}
	if len(structs) < 40 {
		t.Fatalf("read %d exported struct types: the source was not found", len(structs))
	}
	holders := map[string]bool{"Secret": true, "Parameter": true}
	for changed := true; changed; { // to a fixed point: a type holding a holder is one
		changed = false
		for name, st := range structs {
			if !holders[name] && slices.ContainsFunc(st.Fields.List, func(f *ast.Field) bool { return mentions(f.Type, holders) }) {
				holders[name], changed = true, true
			}
		}
	}
	for name := range structs {
		if holders[name] && !listed[name] {
			t.Errorf("%s holds a secret but secretHolders has no row for it", name)
		}
		for _, f := range structs[name].Fields.List {
			for _, id := range f.Names {
				key := name + "." + id.Name
				if id.IsExported() && secretFieldName.MatchString(id.Name) && !mentions(f.Type, holders) && notSecretFields[key] == "" {
					t.Errorf("%s looks secret but is not a Secret", key)
				}
			}
		}
	}
	for key := range notSecretFields {
		if name, _, _ := strings.Cut(key, "."); structs[name] == nil {
			t.Errorf("notSecretFields lists %s, which is no field of an exported type", key)
		}
	}
}

// secretFieldName is a field name that suggests a secret.
var secretFieldName = regexp.MustCompile(`(?i)token|secret|passw|pwd|key|signature|^sig|securid|statement|saml|credential|cookie`)

// notSecretFields are the fields secretFieldName matches that hold nothing secret, with the reason.
var notSecretFields = map[string]string{
	"ParameterProperty.IsPassword":     "a flag from service discovery",
	"Tokens.TokenType":                 `"bearer"`,
	"ClientLoginRequest.TokenType":     "shortterm, longterm or seconds",
	"ClientLoginRequest.UnescapeToken": "a flag",
}

// mentions reports whether a type expression names one of names (T, *T, []T, map[K]T, atomic.Pointer[T] …).
func mentions(e ast.Expr, names map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && names[id.Name] {
			found = true
		}
		return !found
	})
	return found
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

// ---- the scrubber ------------------------------------------------------------------------------

// hostileSecret holds every character an encoder treats specially.
const hostileSecret = `pa ss"wo\rd+/=<&>'é-0123456789`

func TestRedactQueryKeepsOrder(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"a=tok&devId=d&f=json&sig_sha256=abc%3D", "a=REDACTED&devId=d&f=json&sig_sha256=REDACTED"},
		{"client_id=x&client_secret=y&grant_type=client_credentials", "client_id=x&client_secret=REDACTED&grant_type=client_credentials"},
		{"PWD=p&s=user", "PWD=REDACTED&s=user"},
		{"access%5Ftoken=t&x", "access%5Ftoken=REDACTED&x"},
		{"refresh_token=&z=1", "refresh_token=REDACTED&z=1"},
		{"mvpd=a&b", "mvpd=a&b"},
	}
	for _, tt := range tests {
		if got := redactQuery(tt.in); got != tt.want {
			t.Errorf("redactQuery(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSecretNames(t *testing.T) {
	t.Parallel()
	for _, n := range []string{"a", "pwd", "sig_sha256", "Authorization", "user-token", "User-Token", "client_secret",
		"access_token", "refresh_token", "software_statement", "SAMLResponse", "Adobe-Subject-Token", "AD-Service-Token"} {
		if !isSecretName(n) {
			t.Errorf("%q is not treated as secret", n)
		}
	}
	for _, n := range []string{"f", "devId", "mvpd", "requestor_id", "redirect_url", "client_id", "s"} {
		if isSecretName(n) {
			t.Errorf("%q is treated as secret", n)
		}
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	u, _ := url.Parse("https://user:pw@host.test/p/SECRETVALUE?x=1&access_token=zzz&q=SECRETVALUE#frag")
	r := newRedactor("SECRETVALUE")
	if got, want := r.url(u), "https://host.test/p/REDACTED?x=1&access_token=REDACTED&q=REDACTED"; got != want {
		t.Errorf("url = %q, want %q", got, want)
	}
}

// Every form the SDK puts a secret on the wire in is scrubbed whole, and nothing else: the encodings
// a server could add by itself (base64, hex, a decoded or re-wrapped rendering) are not the SDK's to
// chase, since an error carries at most 200 bytes of a reply and RawBody holds the rest as sent.
func TestScrubWireForms(t *testing.T) {
	t.Parallel()
	html, _ := json.Marshal(hostileSecret)
	var plain bytes.Buffer
	enc := json.NewEncoder(&plain)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(hostileSecret)
	var x bytes.Buffer
	_ = xml.EscapeText(&x, []byte(hostileSecret))
	forms := map[string]string{
		"raw": hostileSecret, "query": url.QueryEscape(hostileSecret), "RFC 3986": percentEncode(hostileSecret),
		"path": url.PathEscape(hostileSecret), "JSON": string(html[1 : len(html)-1]),
		"JSON without HTML escaping": strings.TrimSpace(plain.String())[1 : len(strings.TrimSpace(plain.String()))-1],
		"XML":                        x.String(),
	}
	r := newRedactor(hostileSecret, "", "ab") // empty and tiny values are ignored, not matched everywhere
	for name, form := range forms {
		if got := r.scrub("server said: " + form + " (end)"); got != "server said: REDACTED (end)" {
			t.Errorf("%s form: scrub = %q", name, got)
		}
	}
	if got := r.scrub("a b ab"); got != "a b ab" {
		t.Errorf("short values scrubbed: %q", got)
	}
	var nilR *redactor
	if nilR.scrub("x") != "x" {
		t.Error("nil redactor changed text")
	}
}

// Needles that contain each other, overlap or repeat are replaced as one run, whole.
func TestScrubOverlappingSecrets(t *testing.T) {
	t.Parallel()
	tests := []struct {
		secrets    []string
		text, want string
	}{
		{[]string{"token", "token-long-value"}, "x token-long-value y", "x REDACTED y"},
		{[]string{"bcd", "abcdef"}, "zabcdefz", "zREDACTEDz"},
		{[]string{"abc", "cde"}, "abcde abc cde", "REDACTED REDACTED REDACTED"},
		{[]string{"aaa"}, "aaaaaaa", "REDACTED"},
		{[]string{"xyz"}, "xyzxyz-xy-xyz", "REDACTED-xy-REDACTED"},
		{[]string{"bc", "abcd"}, "abc", "abc"}, // bc is too short to be a secret
		{[]string{"REDACTED"}, "a REDACTED b", "a REDACTED b"},
	}
	for _, tt := range tests {
		if got := newRedactor(tt.secrets...).scrub(tt.text); got != tt.want {
			t.Errorf("secrets %q: scrub(%q) = %q, want %q", tt.secrets, tt.text, got, tt.want)
		}
	}
}

// An error field is cut to its bound after the scrub, never before: a secret the cut crosses is
// replaced whole, and the bounded text is a prefix of the whole scrubbed text.
func TestTextCutAfterScrub(t *testing.T) {
	t.Parallel()
	secret := strings.Repeat("s3cr3t", 20) // 120 bytes
	r := newRedactor(secret)
	for pad := 0; pad < 220; pad += 7 {
		text := strings.Repeat("x", pad) + secret + strings.Repeat("y", 300)
		got := r.text(text, 200)
		if len(got) > 200 || strings.Contains(got, "s3cr3ts3cr3t") {
			t.Fatalf("pad %d: text = %q (%d bytes)", pad, got, len(got))
		}
		if full := r.scrub(text); !strings.HasPrefix(full, got) {
			t.Fatalf("pad %d: %q is not a prefix of the whole scrub %q", pad, got, full)
		}
	}
	if got := r.text("héllo wörld", 2); got != "h" {
		t.Errorf("cut inside a character: %q", got)
	}
}

// The client's own secrets (its credentials, the tokens it holds) are scrubbed from the errors of every
// call, not only of the call that sent them: a Pass host that echoes the client secret in a logout
// error, an AGS host that echoes a refresh token in a sign-on error, a DCR host that echoes the bearer
// in a registration error.
func TestHeldSecretsScrubbedFromOtherCalls(t *testing.T) {
	t.Parallel()
	const (
		clientSecret = "client-secret-0123456789abcdef"
		statement    = "software-statement-0123456789abcdef"
		bearer       = "bearer-token-0123456789abcdef"
		refresh      = "ags-refresh-token-0123456789abcdef"
		rotated      = "ags-refresh-token-rotated-0123456789"
		access       = "ags-access-token-0123456789abcdef"
	)
	held := []string{clientSecret, statement, bearer, refresh, rotated, access}
	echo := func(w http.ResponseWriter, body string) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, body)
	}
	echoAll := strings.Join(held, " | ")
	c, mux, _ := setup(t, WithPassCredentials(ClientCredentials{ClientID: "client-1", ClientSecret: clientSecret}),
		WithPassTokenSource(nil), WithAGSAuthService("OPF"), WithWebAPIDevID("dev-1"))
	mux.HandleFunc("POST /o/client/token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`+bearer+`","token_type":"bearer","expires_in":3600}`)
	})
	mux.HandleFunc("POST /ags/refresh", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"access_token":"`+access+`","refresh_token":"`+rotated+`","expires_in":3600}`)
	})
	mux.HandleFunc("GET /api/v2/REF30/configuration", func(w http.ResponseWriter, r *http.Request) {
		echo(w, `{"status":400,"code":"`+clientSecret+`","message":"`+echoAll+`"}`)
	})
	mux.HandleFunc("POST /o/client/register", func(w http.ResponseWriter, r *http.Request) {
		if body, _ := io.ReadAll(r.Body); strings.Contains(string(body), statement) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusCreated)
			_, _ = io.WriteString(w, `{"client_id":"client-2","client_secret":"another-client-secret-0123456789"}`)
			return
		}
		echo(w, `{"error":"invalid_request","error_description":"`+echoAll+`"}`)
	})
	mux.HandleFunc("POST /ags/signOn", func(w http.ResponseWriter, r *http.Request) {
		echo(w, `{"code":"`+rotated+`","message":"`+echoAll+`"}`)
	})
	mux.HandleFunc("POST /auth/clientLogin", func(w http.ResponseWriter, r *http.Request) {
		echo(w, `{"response":{"statusCode":401,"statusText":"`+echoAll+`","requestId":"`+access+`"}}`)
	})
	ctx := context.Background()
	if _, err := c.AGS.Refresh(ctx, refresh, SignOnRequest{}); err != nil {
		t.Fatalf("Refresh: %v", err)
	}
	if _, err := c.Pass.Register(ctx, statement); err != nil {
		t.Fatalf("Register: %v", err)
	}
	calls := map[string]func() error{
		// The bearer is fetched with the client secret, so the client holds both by then.
		"Pass.Configuration": func() error { _, err := c.Pass.Configuration(ctx, "REF30"); return err },
		"Pass.Register":      func() error { _, err := c.Pass.Register(ctx, "another-statement"); return err },
		"AGS.SignOn": func() error {
			_, err := c.AGS.SignOn(ctx, SignOnRequest{ClientID: "c1", Parameters: []Parameter{{Name: "username", Value: "jo"}}})
			return err
		},
		"WebAPI.ClientLogin": func() error {
			_, err := c.WebAPI.ClientLogin(ctx, ClientLoginRequest{LoginID: "jo", Password: "pw-1234"})
			return err
		},
	}
	for _, name := range []string{"Pass.Configuration", "Pass.Register", "AGS.SignOn", "WebAPI.ClientLogin"} {
		err := calls[name]()
		if err == nil {
			t.Fatalf("%s: no error", name)
		}
		for _, out := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, s := range held {
				if strings.Contains(out, s) {
					t.Errorf("%s: the client's secret %q shows: %s", name, s, out)
				}
			}
		}
		if !strings.Contains(err.Error(), "REDACTED") {
			t.Errorf("%s: nothing scrubbed in %q", name, err)
		}
	}
}

// Scrubbing stops when the call's context ends: building the matcher of 5,000 secrets and scanning a
// text both look at the context as they go, and a text they could not finish is left out ("").
func TestScrubStopsWhenContextEnds(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	r := &redactor{done: ctx.Done()}
	for i := range 5000 {
		r.add(fmt.Sprintf("pw-%05d-Zq8vR2mX4tLw9KpB7nYc", i))
	}
	if got := r.scrub("text with pw-00042-Zq8vR2mX4tLw9KpB7nYc"); got != "" {
		t.Errorf("scrub after the context ended = %q, want \"\"", got)
	}
	if got := r.text("text with pw-00042-Zq8vR2mX4tLw9KpB7nYc", maxTextBytes); got != "" {
		t.Errorf("text after the context ended = %q, want \"\"", got)
	}
	m := buildMatcher([]string{"needle"}, nil)
	if out, ok := m.replace(strings.Repeat("x", 4*checkEvery), -1, ctx.Done()); ok || out != "" {
		t.Errorf("a scan of a long text went on after the context ended")
	}
}

func TestHeldSecretsBounded(t *testing.T) {
	t.Parallel()
	var h heldSecrets
	for i := range 3 * maxHeldSecrets {
		h.add(fmt.Sprintf("token-%03d", i), fmt.Sprintf("token-%03d", i), "ab")
	}
	got := h.snapshot()
	if len(got) != maxHeldSecrets || got[0] != fmt.Sprintf("token-%03d", 2*maxHeldSecrets) {
		t.Errorf("held = %d values from %q, want the %d most recent", len(got), got[0], maxHeldSecrets)
	}
}

// FuzzScrub: whatever the secret and the text, no wire form of the secret survives a scrub outside
// the REDACTED it was replaced with, and the output is bounded: at most 8/3 of the input (a 3-byte
// secret becomes 8 bytes), and a bounded text is at most its limit and a prefix of the whole scrub.
func FuzzScrub(f *testing.F) {
	f.Add(hostileSecret, "before ", " after", 40)
	f.Add("abc", "abcabc", "cab", 5)
	f.Add("s3cr3t-token", "%", "\r\n", 200)
	f.Fuzz(func(t *testing.T, secret, before, after string, limit int) {
		if limit < 0 || limit > 1<<12 {
			limit = 200
		}
		r := newRedactor(secret)
		for _, form := range appendWireForms(nil, secret) {
			text := before + form + after + form
			out := r.scrub(text)
			if len(out) > len(text)*8/3+8 {
				t.Fatalf("scrub grew %d bytes to %d", len(text), len(out))
			}
			for _, piece := range strings.Split(out, redacted) {
				for _, needle := range appendWireForms(nil, secret) {
					if strings.Contains(piece, needle) && !strings.Contains(text, redacted) {
						t.Fatalf("secret %q form %q survives in %q (from %q)", secret, needle, out, text)
					}
				}
			}
			bounded := r.text(text, limit)
			if len(bounded) > limit || !strings.HasPrefix(strings.TrimSpace(out), bounded) {
				t.Fatalf("text(%q, %d) = %q, not a prefix of %q within the limit", text, limit, bounded, out)
			}
		}
	})
}

// The scrubber's cost per call: a failed call builds its matcher once and scrubs a few bounded fields.
// Run: go test -run '^$' -bench Scrub -benchmem
func BenchmarkScrubErrorFields(b *testing.B) {
	secrets := []string{"eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk",
		`p@ss"wo\rd+/=<&>`, "2jmj7l5rSw0yVb/vlWAYkK/YBwk="}
	msg := strings.Repeat("at com.adobe.pass.Handler.handle(Handler.java:128) ", 1<<10)
	b.ReportAllocs()
	for b.Loop() {
		r := newRedactor(secrets...)
		_ = r.text(msg, maxTextBytes)
		_ = r.text("invalid_request", maxCodeBytes)
	}
}

// TestWebAPILogoutDataScrubbed: a successful logout reply that echoes the session token and the
// signature returns its envelope text scrubbed, and keeps none of its data.
func TestWebAPILogoutDataScrubbed(t *testing.T) {
	t.Parallel()
	c, mux, _ := webapiSetup(t)
	ninaSigned(t, mux, "/auth/logout", vecSessionKey, func(w http.ResponseWriter, r *http.Request, _ int, p url.Values) {
		_ = json.NewEncoder(w).Encode(map[string]any{"response": map[string]any{"statusCode": 200, "statusText": "OK " + p.Get("a"),
			"requestId": r.URL.Query().Get("sig_sha256"),
			"data":      map[string]any{"echo": "got " + p.Get("a"), "token": map[string]string{"a": p.Get("a")}, "query": r.URL.RawQuery}}})
	})
	res, err := c.WebAPI.Logout(context.Background(), WebAPILogoutRequest{Session: testSession()})
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusText != "OK REDACTED" || res.RequestID != "REDACTED" {
		t.Errorf("StatusText = %q, RequestID = %q", res.StatusText, res.RequestID)
	}
	for _, out := range []string{fmt.Sprint(res), fmt.Sprintf("%+v", *res), fmt.Sprintf("%#v", *res)} {
		if strings.Contains(out, vecToken) || strings.Contains(out, url.QueryEscape(vecToken)) || strings.Contains(out, percentEncode(vecToken)) {
			t.Errorf("token shows: %s", out)
		}
	}
}
