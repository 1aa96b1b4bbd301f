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
