package benchpairs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/tvauth/tvauth"
)

// passErrorBody is an Adobe error body of about size bytes: an Enhanced Error Code whose message is a
// server's stack trace, which quotes the request's bearer token once near its start.
func passErrorBody(size int, token string) string {
	const frame = "\tat com.adobe.pass.api.v2.LogoutHandler.handle(LogoutHandler.java:128)\n"
	var msg strings.Builder
	msg.WriteString("Invalid request: Authorization Bearer " + token + " rejected by the upstream validator\n")
	for msg.Len() < size {
		msg.WriteString(frame)
	}
	b, _ := json.Marshal(map[string]any{"status": 400, "code": "invalid_request", "message": msg.String(),
		"details": "see the trace", "helpUrl": "https://experienceleague.adobe.com/", "trace": "0f1e2d3c-4b5a-6978", "action": "none"})
	return string(b)
}

// passErrorPair is a Pass logout that fails with a size-byte JSON error body: the SDK's typed error and
// its text, next to a hand-written read, JSON decode, format and strings.ReplaceAll of the token.
func passErrorPair(size int, label string) Pair {
	return Pair{ID: "PassLogoutError/body=" + label, Title: "Pass logout failing with a " + label + " JSON error body",
		New: func(tb testing.TB, rec *Recorder) (Op, Op, error) {
			base := server(tb, rec, map[string]reply{
				"POST /o/client/token":                 jsonReply(http.StatusOK, passTokenBody),
				"GET /api/v2/REF30/logout/Cablevision": jsonReply(http.StatusBadRequest, passErrorBody(size, "2YotnFZFEjr1zCsicMWpAA")),
			}).URL
			c, err := tvauth.New(tvauth.WithPassURL(base), tvauth.WithHTTPClient(sdkHTTPClient(tb)),
				tvauth.WithDevice(passDev), tvauth.WithPassCredentials(passCreds))
			if err != nil {
				return nil, nil, err
			}
			hc := rawClient(tb)
			tokens := &rawTokenCache{}
			raw := func(ctx context.Context) error {
				tok, err := tokens.get(ctx, hc, base)
				if err != nil {
					return err
				}
				req, err := http.NewRequestWithContext(ctx, http.MethodGet,
					base+"/api/v2/REF30/logout/Cablevision?redirectUrl="+enc("https://adobe.com"), nil)
				if err != nil {
					return err
				}
				req.Header["User-Agent"] = []string{userAgent}
				req.Header["Accept"] = []string{"application/json"}
				req.Header["Authorization"] = []string{"Bearer " + tok}
				req.Header["Ap-Device-Identifier"] = []string{rawDeviceID}
				req.Header["X-Device-Info"] = []string{rawDeviceInfo}
				resp, err := hc.Do(req)
				if err != nil {
					return err
				}
				body, err := readAll(resp)
				if err != nil {
					return err
				}
				if resp.StatusCode == http.StatusOK {
					return errors.New("raw logout: no error")
				}
				var w struct {
					Status  int    `json:"status"`
					Code    string `json:"code"`
					Message string `json:"message"`
					Details string `json:"details"`
					HelpURL string `json:"helpUrl"`
					Trace   string `json:"trace"`
					Action  string `json:"action"`
				}
				if err := json.Unmarshal(body, &w); err != nil {
					return err
				}
				text := fmt.Sprintf("adobe pass logout: HTTP %d %s: %s", resp.StatusCode, w.Code, w.Message)
				text = strings.ReplaceAll(text, tok, "REDACTED")
				if !strings.Contains(text, "invalid_request") || strings.Contains(text, tok) {
					return errors.New("raw logout: wrong error text")
				}
				return nil
			}
			req := tvauth.LogoutRequest{ServiceProvider: "REF30", MVPD: "Cablevision", RedirectURL: "https://adobe.com"}
			sdk := func(ctx context.Context) error {
				_, err := c.Pass.Logout(ctx, req)
				var pe *tvauth.PassError
				if !errors.As(err, &pe) {
					return fmt.Errorf("sdk logout: want a *PassError, got %v", err)
				}
				if text := err.Error(); !strings.Contains(text, "invalid_request") || strings.Contains(text, "2YotnFZFEjr1zCsicMWpAA") {
					return errors.New("sdk logout: wrong error text")
				}
				return nil
			}
			return raw, sdk, nil
		}}
}
