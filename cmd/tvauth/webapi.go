package main

import (
	"context"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func webapiCommand(env *environment) *ffcli.Command {
	var format string
	var method, rawURL string
	return group("webapi", "NINA WebAPI: clientLogin, signed logout, the signature itself",
		flowCommand(env, "webapi", "login", "", "clientLogin with -webapi-login (password in TVAUTH_WEBAPI_PASSWORD)", famWebAPI, nil, webapiLogin),
		flowCommand(env, "webapi", "logout", "", "clientLogin, then the sig_sha256-signed logout of that session", famWebAPI,
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&format, "format", "json", "reply format of the logout: json, xml or qs")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return webapiLogout(ctx, fl, format) }),
		flowCommand(env, "webapi", "sign", "[name=value ...]",
			"print the canonical base string and sig_sha256 for a method, URL and parameters (key from TVAUTH_WEBAPI_SESSION_KEY, or TVAUTH_WEBAPI_PASSWORD with TVAUTH_WEBAPI_SESSION_SECRET; the token a from TVAUTH_WEBAPI_TOKEN)",
			famWebAPI,
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&method, "method", "GET", "HTTP method of the signed request")
				fs.StringVar(&rawURL, "url", "", "URL of the signed request (default: the logout endpoint under -webapi-url)")
			},
			func(ctx context.Context, fl *flow, args []string) error {
				return webapiSign(ctx, fl, method, rawURL, args)
			}),
	)
}

// rfc3986 is the signature's percent-encoding: the unreserved characters kept, every other byte %XX.
func rfc3986(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || strings.IndexByte("-._~", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// addSignedSecret registers a secret in every spelling a signature base string or a URL gives it.
func (fl *flow) addSignedSecret(s string) {
	once := rfc3986(s)
	for _, v := range []string{s, once, rfc3986(once), url.QueryEscape(s)} {
		fl.out.addSecret(v)
	}
}

// webapiSession makes the flow's client and signs in with clientLogin: the client, the session and the
// password it used.
func (fl *flow) webapiSession(ctx context.Context) (*tvauth.Client, *tvauth.WebAPISession, string, error) {
	c, err := fl.client()
	if err != nil {
		return nil, nil, "", err
	}
	password, err := fl.secret("TVAUTH_WEBAPI_PASSWORD", "NINA WebAPI password", func() string { return fl.webapiPassword(fl.webapiLogin) })
	if err != nil {
		return nil, nil, "", fail("clientLogin", err)
	}
	if fl.fake == nil && fl.webapiDevID == "" {
		return nil, nil, "", fail("clientLogin", usagef("set -webapi-devid (the NINA developer id) for a real host"))
	}
	sess, err := c.WebAPI.ClientLogin(ctx, tvauth.ClientLoginRequest{LoginID: fl.webapiLogin, Password: tvauth.Secret(password)})
	if err != nil {
		return nil, nil, "", fail("clientLogin", err)
	}
	fl.addSignedSecret(string(sess.Token))
	fl.addSignedSecret(string(sess.SessionSecret))
	fl.addSignedSecret(string(sess.SessionKey))
	fl.ok("clientLogin", map[string]any{"login_id": sess.LoginID, "token": "REDACTED", "session_secret": "REDACTED", "session_key": "REDACTED",
		"expires_in_seconds": int(sess.ExpiresIn.Seconds()), "host_time": sess.HostTime.UTC().Format(time.RFC3339)},
		"token %s for %s, expires in %s, host clock %s", masked(string(sess.Token)), sess.LoginID, round(sess.ExpiresIn), sess.HostTime.UTC().Format(time.TimeOnly))
	return c, sess, password, nil
}

func webapiLogin(ctx context.Context, fl *flow, _ []string) error {
	_, sess, password, err := fl.webapiSession(ctx)
	if err != nil {
		return err
	}
	if sess.SessionKey != tvauth.SessionKey(tvauth.Secret(password), sess.SessionSecret) {
		return fail("session key", fmt.Errorf("not base64(HMAC-SHA256(password, sessionSecret))"))
	}
	fl.ok("session key", map[string]any{"session_key": "REDACTED", "length": len(sess.SessionKey)},
		"base64(HMAC-SHA256(password, sessionSecret)), %d chars: it keys every sig_sha256", len(sess.SessionKey))
	return nil
}

func webapiLogout(ctx context.Context, fl *flow, format string) error {
	f := tvauth.Format(format)
	if f != tvauth.FormatJSON && f != tvauth.FormatXML && f != tvauth.FormatQS {
		return usagef("-format %q: want json, xml or qs", format)
	}
	c, sess, _, err := fl.webapiSession(ctx)
	if err != nil {
		return err
	}
	res, err := c.WebAPI.Logout(ctx, tvauth.WebAPILogoutRequest{Session: sess, Format: f})
	if err != nil {
		return fail("logout", err)
	}
	fl.ok("logout", map[string]any{"status_code": res.StatusCode, "status_text": res.StatusText, "format": format},
		"sig_sha256-signed %s logout: statusCode %d %s", format, res.StatusCode, res.StatusText)
	return nil
}

// webapiSign prints what a WebAPI server compares: the canonical base string and its signature.
// With -fake it signs the logout of a fresh fake session; against real values the key and token come
// from the environment.
func webapiSign(ctx context.Context, fl *flow, method, rawURL string, args []string) error {
	params := url.Values{}
	for i, a := range args {
		name, value, ok := strings.Cut(a, "=")
		if !ok || name == "" { // not quoted: it may be a token given alone
			return usagef("webapi sign: argument %d is not name=value", i+1)
		}
		if name == "a" || name == "sig_sha256" || name == "pwd" {
			return usagef("webapi sign: %s is a secret: give the token in TVAUTH_WEBAPI_TOKEN, never on the command line", name)
		}
		params.Add(name, value)
	}
	var key string
	if fl.fake != nil {
		_, sess, _, err := fl.webapiSession(ctx)
		if err != nil {
			return err
		}
		key = string(sess.SessionKey)
		params.Set("a", string(sess.Token))
		if rawURL == "" {
			rawURL = fl.fake.URL() + "/auth/logout"
		}
		if !params.Has("devId") {
			params.Set("devId", tvauthtest.WebAPIDevID)
		}
		if !params.Has("f") {
			params.Set("f", "json")
		}
	} else {
		key = fl.env.getenv("TVAUTH_WEBAPI_SESSION_KEY")
		if key == "" {
			secret := fl.env.getenv("TVAUTH_WEBAPI_SESSION_SECRET")
			if secret == "" {
				return usagef("webapi sign: set TVAUTH_WEBAPI_SESSION_KEY, or TVAUTH_WEBAPI_SESSION_SECRET and TVAUTH_WEBAPI_PASSWORD")
			}
			fl.addSignedSecret(secret)
			password, err := fl.secret("TVAUTH_WEBAPI_PASSWORD", "NINA WebAPI password", nil)
			if err != nil {
				return err
			}
			fl.addSignedSecret(password)
			key = string(tvauth.SessionKey(tvauth.Secret(password), tvauth.Secret(secret)))
		}
		fl.addSignedSecret(key)
		if tok := fl.env.getenv("TVAUTH_WEBAPI_TOKEN"); tok != "" {
			fl.addSignedSecret(tok)
			params.Set("a", tok)
		}
		if rawURL == "" {
			base := fl.webapiURL
			if base == "" {
				base = "https://api.screenname.nina.bz"
			}
			rawURL = strings.TrimSuffix(base, "/") + "/auth/logout"
		}
	}
	base, err := tvauth.SignatureBaseString(method, rawURL, params)
	if err != nil {
		return fail("base string", err)
	}
	sig, err := tvauth.Sign(method, rawURL, params, tvauth.Secret(key))
	if err != nil {
		return fail("sign", err)
	}
	fl.ok("base string", map[string]any{"method": strings.ToUpper(method), "url": rawURL, "base_string": base},
		"METHOD & enc(URL without query) & enc(sorted, encoded params); the token a shows as REDACTED:")
	fl.out.text("       " + base + "\n")
	fl.ok("signature", map[string]any{"sig_sha256": sig},
		"sig_sha256 = base64(HMAC-SHA256(session key, base string)) = %s", sig)
	return nil
}
