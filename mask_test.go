package tvauth

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"io/fs"
	"log/slog"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

// maskSecret is a secret for one field: distinct from every other from its first character, longer
// than 80 characters, and holding every character that escapes differently in URL, JSON, XML and Go
// quoting, so that a leak in any encoding is found.
func maskSecret(field string) string {
	r := []rune(field)
	slices.Reverse(r) // not the field's name: a printed name is no leak
	return "Zq" + string(r) + `-"q\b+p/s=e<l&g>'` + strings.Repeat("x7", 40)
}

// secretHolder is one exported type that holds a secret, directly or through a field of another such
// type: a value with every secret set, the secrets, and a text its %+v must still show.
type secretHolder struct {
	value   any
	secrets []string
	visible string
}

// secretHolders lists every secret-holding type of the package. TestSecretHoldersComplete fails when an
// exported type has a secret-looking field, or a field of a type listed here, and is missing.
func secretHolders(t *testing.T) []secretHolder {
	t.Helper()
	s := maskSecret
	headers := PassHeaders{VisitorID: "visitor-1", SubjectToken: s("SubjectToken"), RokuConnectToken: s("RokuConnectToken"),
		ServiceToken: s("ServiceToken"), TempPassIdentity: s("TempPassIdentity")}
	headerSecrets := []string{s("SubjectToken"), s("RokuConnectToken"), s("ServiceToken"), s("TempPassIdentity")}
	media := MediaToken{NotBefore: time.Unix(1e9, 0), SerializedToken: s("SerializedToken")}
	decision := Decision{Resource: "resource-1", Authorized: true, Token: &media}
	creds := ClientCredentials{ClientID: "client-1", ClientSecret: s("ClientSecret")}
	sess := &WebAPISession{LoginID: "login-1", Token: s("Token"), SessionSecret: s("SessionSecret"), SessionKey: s("SessionKey")}
	sessSecrets := []string{s("Token"), s("SessionSecret"), s("SessionKey")}
	tokens := Tokens{AccessToken: s("AccessToken"), RefreshToken: s("RefreshToken"), ClientID: "PUB-1"}
	tokenSecrets := []string{s("AccessToken"), s("RefreshToken")}
	uat := s("UserAccountToken")
	rawAccount, _ := json.Marshal(map[string]string{"userAccountToken": uat, "accountInformation": "acct-1"})
	account := Account{UserAccountToken: uat, AccountInformation: "acct-1", Raw: rawAccount}
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
	return []secretHolder{
		// Adobe Pass
		{creds, []string{s("ClientSecret")}, "client-1"},
		{RegisterRequest{SoftwareStatement: s("SoftwareStatement"), RedirectURI: "https://app.example/cb"}, []string{s("SoftwareStatement")}, "app.example"},
		{headers, headerSecrets, "visitor-1"},
		{SessionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{LogoutRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{DecisionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{ProfileRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{PartnerProfileRequest{ServiceProvider: "sp-1", SAMLResponse: s("SAMLResponse"), Headers: headers},
			append([]string{s("SAMLResponse")}, headerSecrets...), "sp-1"},
		{PartnerSessionRequest{ServiceProvider: "sp-1", Headers: headers}, headerSecrets, "sp-1"},
		{media, []string{s("SerializedToken")}, "2001"},
		{decision, []string{s("SerializedToken")}, "resource-1"},
		{DecisionsResult{Decisions: []Decision{decision}}, []string{s("SerializedToken")}, "resource-1"},
		{store, []string{s("ClientSecret")}, ""},
		{c.Pass.TokenSource(creds), []string{s("ClientSecret")}, "client-1"},
		// Clientless
		{ShortMediaToken{Resource: "resource-1", SerializedToken: s("SerializedToken")}, []string{s("SerializedToken")}, "resource-1"},
		// NINA WebAPI
		{ClientLoginRequest{LoginID: "login-1", Password: s("Password"), SecurID: s("SecurID")},
			[]string{s("Password"), s("SecurID")}, "login-1"},
		{*sess, sessSecrets, "login-1"},
		{WebAPILogoutRequest{Session: sess, LoginID: "login-1"}, sessSecrets, "login-1"},
		{WebAPIResponse{StatusCode: 200, RequestID: "req-1", Data: map[string]string{"token_a": s("token_a"), "sig_sha256": s("sig_sha256"), "a": s("a")}},
			[]string{s("token_a"), s("sig_sha256"), s("a")}, "req-1"},
		// OpenTV AGS
		{tokens, tokenSecrets, "PUB-1"},
		{account, []string{uat}, "acct-1"},
		{params[1], []string{s("password")}, "password"},
		{signOn, []string{s("password")}, "dave"},
		{SignOnResult{Tokens: &tokens, Accounts: []Account{account}, CorrelationID: "corr-1"}, append([]string{uat}, tokenSecrets...), "corr-1"},
		{ServiceDiscoveryRequest{Token: s("DiscoveryToken"), AuthService: "svc-1"}, []string{s("DiscoveryToken")}, "svc-1"},
		{c.AGS.TokenSource(&tokens, signOn, nil), append([]string{s("password")}, tokenSecrets...), "PUB-1"},
	}
}

// maskShapes are the places a secret-holding value ends up in a caller's program.
var maskShapes = []struct {
	name string
	wrap func(v any) any
}{
	{"value", func(v any) any { return v }},
	{"pointer", func(v any) any {
		p := reflect.New(reflect.TypeOf(v))
		p.Elem().Set(reflect.ValueOf(v))
		return p.Interface()
	}},
	{"slice", func(v any) any {
		s := reflect.MakeSlice(reflect.SliceOf(reflect.TypeOf(v)), 1, 1)
		s.Index(0).Set(reflect.ValueOf(v))
		return s.Interface()
	}},
	{"map value", func(v any) any {
		m := reflect.MakeMap(reflect.MapOf(reflect.TypeOf(""), reflect.TypeOf(v)))
		m.SetMapIndex(reflect.ValueOf("k"), reflect.ValueOf(v))
		return m.Interface()
	}},
	{"caller struct", func(v any) any {
		st := reflect.New(reflect.StructOf([]reflect.StructField{
			{Name: "Name", Type: reflect.TypeOf("")},
			{Name: "Field", Type: reflect.TypeOf(v)},
		})).Elem()
		st.Field(1).Set(reflect.ValueOf(v))
		return st.Interface()
	}},
	{"error", func(v any) any { return fmt.Errorf("tvauth call failed for %v", v) }},
	{"slog group", func(v any) any { return slog.Group("g", slog.Any("v", v)) }},
}

// maskRenderers are the ways a value is turned into text.
var maskRenderers = []struct {
	name   string
	render func(v any) string
}{
	{"%v", func(v any) string { return fmt.Sprintf("%v", v) }},
	{"%+v", func(v any) string { return fmt.Sprintf("%+v", v) }},
	{"%#v", func(v any) string { return fmt.Sprintf("%#v", v) }},
	{"%s", func(v any) string { return fmt.Sprintf("%s", v) }},
	{"%d", func(v any) string { return fmt.Sprintf("%d", v) }},
	{"%x", func(v any) string { return fmt.Sprintf("%x", v) }},
	{"%q", func(v any) string { return fmt.Sprintf("%q", v) }},
	{"slog text", func(v any) string { return slogRender(slog.NewTextHandler, v) }},
	{"slog JSON", func(v any) string { return slogRender(slog.NewJSONHandler, v) }},
	{"json.Marshal", func(v any) string { b, err := json.Marshal(v); return string(b) + fmt.Sprint(err) }},
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

// leaks reports the first secret out shows, in any encoding the redactor knows (whole or a prefix of
// at least minSecretPrefix characters) or hex-encoded (%x).
func leaks(out string, secrets []string) (string, bool) {
	for _, secret := range secrets {
		if newRedactor(secret).scrub(out) != out {
			return secret, true
		}
		h := hex.EncodeToString([]byte(secret))[:2*minSecretPrefix]
		if strings.Contains(out, h) || strings.Contains(out, strings.ToUpper(h)) {
			return secret, true
		}
	}
	return "", false
}

// TestSecretHoldersMask renders every secret-holding type in every shape with every renderer and
// finds no secret.
func TestSecretHoldersMask(t *testing.T) {
	// Not parallel: 1820 renderings under -race would starve the timing-sensitive parallel tests.
	renderings := 0 // subtests run in sequence: no race
	for _, h := range secretHolders(t) {
		name := reflect.TypeOf(h.value).String()
		t.Run(name, func(t *testing.T) {
			if out := fmt.Sprintf("%+v", h.value); !strings.Contains(out, h.visible) {
				t.Errorf("%%+v lost the non-secret %q: %s", h.visible, out)
			}
			for _, shape := range maskShapes {
				v := shape.wrap(h.value)
				for _, r := range maskRenderers {
					out := r.render(v)
					renderings++
					if secret, leaked := leaks(out, h.secrets); leaked {
						t.Errorf("%s, %s: shows %.20s…: %s", shape.name, r.name, secret, out)
					}
				}
			}
		})
	}
	t.Logf("%d renderings", renderings)
}

// secretFieldName is a field name that suggests a secret.
var secretFieldName = regexp.MustCompile(`(?i)token|secret|passw|pwd|key|signature|^sig|securid|statement|saml|credential|cookie`)

// notSecretFields are the fields secretFieldName matches that hold nothing secret, with the reason.
// (Fields of listed types are not checked: Tokens.TokenType needs no entry.)
var notSecretFields = map[string]string{
	"ParameterProperty.IsPassword": "a flag from service discovery",
}

// TestSecretHoldersComplete fails when an exported type of the package holds a secret-looking field,
// or a field whose type is a secret holder, and is missing from secretHolders: a type added later
// cannot skip TestSecretHoldersMask.
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
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(fi fs.FileInfo) bool { return !strings.HasSuffix(fi.Name(), "_test.go") }, 0)
	if err != nil {
		t.Fatal(err)
	}
	var missing []string
	for _, pkg := range pkgs {
		for _, f := range pkg.Files {
			ast.Inspect(f, func(n ast.Node) bool {
				ts, ok := n.(*ast.TypeSpec)
				if !ok || !ts.Name.IsExported() {
					return true
				}
				st, ok := ts.Type.(*ast.StructType)
				if !ok || listed[ts.Name.Name] {
					return true
				}
				for _, field := range st.Fields.List {
					for _, id := range field.Names {
						key := ts.Name.Name + "." + id.Name
						if _, ok := notSecretFields[key]; ok {
							continue
						}
						if secretFieldName.MatchString(id.Name) || mentionsListed(field.Type, listed) {
							missing = append(missing, key)
						}
					}
				}
				return true
			})
		}
	}
	sort.Strings(missing)
	for _, m := range missing {
		t.Errorf("%s looks secret (or holds a secret holder) but its type is not in secretHolders", m)
	}
}

// mentionsListed reports whether a field type names a listed type (T, *T, []T, map[K]T …).
func mentionsListed(e ast.Expr, listed map[string]bool) bool {
	found := false
	ast.Inspect(e, func(n ast.Node) bool {
		if id, ok := n.(*ast.Ident); ok && listed[id.Name] {
			found = true
		}
		return !found
	})
	return found
}

// TestMarshalUnmaskedJSONRoundTrips: the storage form of the types a caller persists keeps the
// secrets and reads back with json.Unmarshal, while json.Marshal masks them.
func TestMarshalUnmaskedJSONRoundTrips(t *testing.T) {
	t.Parallel()
	s := maskSecret
	at := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	creds := ClientCredentials{ClientID: "client-1", ClientSecret: s("ClientSecret"), IssuedAt: at, Scopes: []string{"api:client:v2"}}
	tokens := Tokens{AccessToken: s("AccessToken"), RefreshToken: s("RefreshToken"), ClientID: "PUB-1", ExpiresIn: time.Hour, ReceivedAt: at}
	sess := WebAPISession{LoginID: "login-1", Token: s("Token"), ExpiresIn: time.Hour, SessionSecret: s("SessionSecret"),
		SessionKey: s("SessionKey"), HostTime: at, ReceivedAt: at}
	type storable interface{ MarshalUnmaskedJSON() ([]byte, error) }
	tests := []struct {
		in      storable
		back    func(b []byte) (any, error) // decodes the storage form into a new value of in's type
		secrets []string
	}{
		{creds, func(b []byte) (any, error) { var v ClientCredentials; err := json.Unmarshal(b, &v); return v, err },
			[]string{creds.ClientSecret}},
		{tokens, func(b []byte) (any, error) { var v Tokens; err := json.Unmarshal(b, &v); return v, err },
			[]string{tokens.AccessToken, tokens.RefreshToken}},
		{sess, func(b []byte) (any, error) { var v WebAPISession; err := json.Unmarshal(b, &v); return v, err },
			[]string{sess.Token, sess.SessionSecret, sess.SessionKey}},
	}
	for _, tt := range tests {
		name := reflect.TypeOf(tt.in).Name()
		b, err := tt.in.MarshalUnmaskedJSON()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if back, err := tt.back(b); err != nil || !reflect.DeepEqual(back, tt.in) {
			t.Errorf("%s: %s reads back as %#v (%v)", name, b, back, err)
		}
		masked, err := json.Marshal(tt.in)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if secret, leaked := leaks(string(masked), tt.secrets); leaked {
			t.Errorf("%s: json.Marshal shows %.20s…: %s", name, secret, masked)
		}
		if !strings.Contains(string(masked), `"REDACTED"`) {
			t.Errorf("%s: json.Marshal = %s, want the secrets as REDACTED", name, masked)
		}
	}
}
