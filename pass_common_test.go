package tvauth

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"
)

func FuzzPassTime(f *testing.F) {
	for _, s := range []string{`1733735289035`, `"1733735289035"`, `" 1 "`, `""`, `null`, `1.5e12`, `"x"`, `-1`, `1e400`, `"NaN"`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var pt passTime
		if err := pt.UnmarshalJSON(b); err != nil {
			return
		}
		if pt.Time().IsZero() {
			return
		}
		var again passTime
		ms := pt.Time().UnixMilli()
		if err := again.UnmarshalJSON([]byte(strconv.FormatInt(ms, 10))); err != nil || !again.Time().Equal(pt.Time()) {
			t.Errorf("%q: %v does not round-trip (%v)", b, pt.Time(), err)
		}
	})
}

func FuzzPassDropTrailingCommas(f *testing.F) {
	seed(f, "*.json")
	f.Add([]byte(`{"a":"x,}","b":[1,2,],}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		out, changed := dropTrailingCommas(b)
		if json.Valid(b) && (changed || !bytes.Equal(out, b)) {
			t.Errorf("valid JSON %q changed to %q", b, out)
		}
		if !changed && !bytes.Equal(out, b) {
			t.Errorf("unchanged flag but %q became %q", b, out)
		}
		if changed && len(out) >= len(b) {
			t.Errorf("changed but not shorter: %q → %q", b, out)
		}
	})
}

func TestPassTimeDecodes(t *testing.T) {
	t.Parallel()
	want := time.UnixMilli(1733735289035)
	for _, in := range []string{`1733735289035`, `"1733735289035"`, `" 1733735289035 "`, `1733735289035.0`} {
		var pt passTime
		if err := json.Unmarshal([]byte(in), &pt); err != nil || !pt.Time().Equal(want) {
			t.Errorf("%s → %v, %v; want %v", in, pt.Time(), err, want)
		}
	}
	for _, in := range []string{`null`, `""`} {
		var pt passTime
		if err := json.Unmarshal([]byte(in), &pt); err != nil || !pt.Time().IsZero() {
			t.Errorf("%s → %v, %v; want the zero time", in, pt.Time(), err)
		}
	}
	for _, in := range []string{`"soon"`, `true`, `{}`, `"NaN"`, `1e400`} {
		var pt passTime
		if err := json.Unmarshal([]byte(in), &pt); err == nil {
			t.Errorf("%s accepted as %v", in, pt.Time())
		}
	}
}

func TestPassUnmarshalTrailingCommas(t *testing.T) {
	t.Parallel()
	var v struct {
		A []int          `json:"a"`
		B map[string]int `json:"b"`
		S string         `json:"s"`
	}
	if err := passUnmarshal([]byte(`{"a":[1,2,],"b":{"x":1,},"s":"keep ,} this",}`), &v); err != nil ||
		len(v.A) != 2 || v.B["x"] != 1 || v.S != "keep ,} this" {
		t.Errorf("got %+v, %v", v, err)
	}
	// Other defects stay errors.
	for _, in := range []string{`{"a":[1 2]}`, `{"s":"x" "t":1}`, `{,}`, `[,]`} {
		if err := passUnmarshal([]byte(in), &v); err == nil {
			t.Errorf("%s accepted", in)
		}
	}
}

func TestPassFrameworkStatusEncode(t *testing.T) {
	t.Parallel()
	v, err := FrameworkStatus{AccessStatus: "granted", ProviderID: "Cablevision", ExpirationDate: time.UnixMilli(2025430636000)}.Encode()
	if err != nil {
		t.Fatal(err)
	}
	// The same JSON as Adobe's sample header, compact.
	var got, want any
	json.Unmarshal(mustB64(t, v), &got)
	json.Unmarshal([]byte(`{"frameworkPermissionInfo":{"accessStatus":"granted"},"frameworkProviderInfo":{"id":"Cablevision","expirationDate":"2025430636000"}}`), &want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decoded %v, want %v", got, want)
	}
	if _, err := (FrameworkStatus{}).Encode(); err == nil {
		t.Error("empty AccessStatus accepted")
	}
}

func TestPassHeadersMasked(t *testing.T) {
	t.Parallel()
	h := PassHeaders{VisitorID: "ecid", SubjectToken: "subject-secret", RokuConnectToken: "roku-secret",
		ServiceToken: "service-secret", TempPassIdentity: "identity-secret"}
	req := LogoutRequest{ServiceProvider: "REF30", Headers: h}
	var logs bytes.Buffer
	slog.New(slog.NewJSONHandler(&logs, nil)).Info("x", "headers", h, "req", req)
	for _, s := range []string{logs.String(), fmtAll(req), fmtAll(h)} {
		for _, secret := range []string{"subject-secret", "roku-secret", "service-secret", "identity-secret"} {
			if strings.Contains(s, secret) {
				t.Errorf("%q leaks %s", s, secret)
			}
		}
		if !strings.Contains(s, "ecid") {
			t.Errorf("%q lost the visitor id", s)
		}
	}
}
