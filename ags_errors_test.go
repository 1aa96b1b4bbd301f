package tvauth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync/atomic"
	"testing"
)

// Every documented AGS code, with what the two classifiers say of it: a session that ended (stop
// playback, sign out) or a location refusal. The table is the documented list (ags_errors.go).
var agsCodeClasses = []struct {
	code         string
	sessionEnded bool
	geoBlocked   bool
}{
	{AGSCodeAccountCancelled, true, false},
	{AGSCodeAccountSuspended, true, false},
	{AGSCodeDeviceDeleted, true, false},
	{AGSCodeDeviceDisabled, true, false},
	{AGSCodeDeviceLimitReached, false, false},
	{AGSCodeProxyOrVPN, false, true},
	{AGSCodeBlacklistedLocation, false, true},
	{AGSCodeTokenValidityCheckFailed, false, false},
	{AGSCodeRestrictedProxyFirstSignOn, false, true},
	{AGSCodeRestrictedCountryFirstSignOn, false, true},
	{AGSCodeGeoFiltered, false, true},
}

// IsAGSCode, AGSSessionEnded and AGSGeoBlocked read the Code of an *AGSError however deep it is
// wrapped, and nothing else: the same code in another family's error, a nil error or an AGSError
// with an undocumented code are all false.
func TestAGSCodeClassifiers(t *testing.T) {
	t.Parallel()
	wrappings := map[string]func(error) error{
		"bare":          func(e error) error { return e },
		"wrapped":       func(e error) error { return fmt.Errorf("playback: %w", e) },
		"joined":        func(e error) error { return errors.Join(errors.New("other"), e) },
		"wrapped twice": func(e error) error { return fmt.Errorf("a: %w", fmt.Errorf("b: %w", e)) },
	}
	for _, tc := range agsCodeClasses {
		for wname, wrap := range wrappings {
			err := wrap(&AGSError{HTTPStatus: http.StatusForbidden, Code: tc.code, Op: "ags.signOn"})
			t.Run(tc.code+"/"+wname, func(t *testing.T) {
				if !IsAGSCode(err, tc.code) {
					t.Errorf("IsAGSCode(%v, %s) = false", err, tc.code)
				}
				if !IsAGSCode(err, "nope", tc.code) {
					t.Errorf("IsAGSCode with %s second in the list = false", tc.code)
				}
				if IsAGSCode(err) {
					t.Error("IsAGSCode with no codes = true")
				}
				if IsAGSCode(err, tc.code+"0") {
					t.Errorf("IsAGSCode(%s0) = true for code %s", tc.code, tc.code)
				}
				if got := AGSSessionEnded(err); got != tc.sessionEnded {
					t.Errorf("AGSSessionEnded = %v, want %v", got, tc.sessionEnded)
				}
				if got := AGSGeoBlocked(err); got != tc.geoBlocked {
					t.Errorf("AGSGeoBlocked = %v, want %v", got, tc.geoBlocked)
				}
			})
		}
	}
	for name, err := range map[string]error{
		"nil":              nil,
		"plain":            errors.New("20001"),
		"pass error":       &PassError{HTTPStatus: http.StatusForbidden, Code: AGSCodeAccountCancelled},
		"undocumented":     &AGSError{HTTPStatus: http.StatusForbidden, Code: "20005"},
		"no code":          &AGSError{HTTPStatus: http.StatusForbidden},
		"request error":    &RequestError{Op: "ags.signOn", Err: errors.New("connection refused")},
		"context canceled": context.Canceled,
	} {
		t.Run(name, func(t *testing.T) {
			all := make([]string, 0, len(agsCodeClasses))
			for _, tc := range agsCodeClasses {
				all = append(all, tc.code)
			}
			if IsAGSCode(err, all...) || AGSSessionEnded(err) || AGSGeoBlocked(err) {
				t.Errorf("%v classified as an AGS code: IsAGSCode %v, AGSSessionEnded %v, AGSGeoBlocked %v",
					err, IsAGSCode(err, all...), AGSSessionEnded(err), AGSGeoBlocked(err))
			}
		})
	}
}

// The classifiers work on what a call returns: a 403 signOn reply carrying each documented code,
// as a JSON number (the documented samples) or a string (some deployments), classifies as the table
// says, after exactly one POST to /ags/signOn.
func TestAGSCodeClassifiersOnTheWire(t *testing.T) {
	t.Parallel()
	for _, tc := range agsCodeClasses {
		for _, quoted := range []bool{false, true} {
			code := tc.code
			if quoted {
				code = `"` + code + `"`
			}
			t.Run(code, func(t *testing.T) {
				t.Parallel()
				c, mux := agsSetup(t)
				var hits atomic.Int32
				mux.HandleFunc("/ags/signOn", func(w http.ResponseWriter, r *http.Request) {
					hits.Add(1)
					if r.Method != http.MethodPost {
						t.Errorf("method %s, want POST", r.Method)
					}
					agsReply(w, http.StatusForbidden, []byte(`{"code":`+code+`,"message":"refused"}`))
				})
				_, err := c.AGS.SignOn(context.Background(), SignOnRequest{ClientID: "c"})
				var ae *AGSError
				if !errors.As(err, &ae) || ae.Code != tc.code || ae.HTTPStatus != http.StatusForbidden {
					t.Fatalf("SignOn: %v, want an *AGSError with code %s and HTTP 403", err, tc.code)
				}
				if !IsAGSCode(err, tc.code) || AGSSessionEnded(err) != tc.sessionEnded || AGSGeoBlocked(err) != tc.geoBlocked {
					t.Errorf("%s: IsAGSCode %v, AGSSessionEnded %v (want %v), AGSGeoBlocked %v (want %v)", tc.code,
						IsAGSCode(err, tc.code), AGSSessionEnded(err), tc.sessionEnded, AGSGeoBlocked(err), tc.geoBlocked)
				}
				if n := hits.Load(); n != 1 {
					t.Errorf("%d attempts, want 1 (a 403 is not retried)", n)
				}
			})
		}
	}
}
