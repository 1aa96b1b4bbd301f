package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
)

func clientlessCommand(env *environment) *ffcli.Command {
	cmd := func(name, short string, extra func(*flag.FlagSet), do func(context.Context, *flow, []string) error) *ffcli.Command {
		return flowCommand(env, "clientless", name, "", short, famPass|famClientless, extra, do)
	}
	var regCode string
	return group(env, "clientless", "Adobe Pass REST API v1 (clientless): reg codes, authenticate, authorize, logout",
		cmd("authenticate", "second-screen login: a reg code, the authenticate URL and its QR code, then wait for checkauthn", nil, clientlessAuthenticate),
		cmd("authurl", "print the /api/v1/authenticate URL and explain each pair (creates a reg code unless -reg-code)",
			func(fs *flag.FlagSet) {
				fs.StringVar(&regCode, "reg-code", "", "the registration code to put in the URL (default: create one)")
			},
			func(ctx context.Context, fl *flow, args []string) error { return clientlessAuthURL(ctx, fl, regCode) }),
		cmd("checkauthn", "is the device authenticated? (exit 1 when not)", nil, clientlessCheckAuthN),
		cmd("authorize", "authorize -pass-resource for the device", nil, clientlessAuthorize),
		cmd("logout", "DELETE /api/v1/logout, then check that the device is signed out", nil, clientlessLogout),
	)
}

func (fl *flow) authenticateRequest(code string) tvauth.AuthenticateRequest {
	return tvauth.AuthenticateRequest{RequestorID: fl.passSP, MSOID: fl.passMVPD, RegCode: code,
		DomainName: fl.domain, RedirectURL: fl.redirectURL}
}

// regCode makes the flow's Pass client and asks it for a registration code.
func (fl *flow) regCode(ctx context.Context) (*tvauth.Client, *tvauth.RegCode, error) {
	c, err := fl.passClient(ctx)
	if err != nil {
		return nil, nil, err
	}
	rc, err := c.Clientless.CreateRegCode(ctx, tvauth.RegCodeRequest{RequestorID: fl.passSP, TTL: 30 * time.Minute})
	if err != nil {
		return nil, nil, fail("regcode", err)
	}
	fl.ok("regcode", map[string]any{"code": rc.Code, "expires": rc.Expires.UTC().Format(time.RFC3339)},
		"registration code %s, expires %s", rc.Code, rc.Expires.UTC().Format(time.DateTime))
	return c, rc, nil
}

func clientlessAuthenticate(ctx context.Context, fl *flow, _ []string) error {
	c, rc, err := fl.regCode(ctx)
	if err != nil {
		return err
	}
	authURL, err := c.Clientless.AuthenticateURL(fl.authenticateRequest(rc.Code))
	if err != nil {
		return fail("authenticate URL", err)
	}
	a := activation{code: rc.Code, url: authURL, expires: rc.Expires,
		wait: func(ctx context.Context) error {
			return c.Clientless.WaitForAuthN(ctx, tvauth.ClientlessRequest{RequestorID: fl.passSP}, 3*time.Second)
		}}
	if fl.fake != nil {
		a.simulate = func(ctx context.Context) error {
			_, err := fl.fake.Browse(ctx, nil, authURL, fl.redirectURL)
			return err
		}
	}
	if err := fl.activate(ctx, a); err != nil {
		return err
	}
	fl.ok("checkauthn", map[string]any{"authenticated": true, "device_id": fl.deviceID}, "device %s is authenticated", fl.deviceID)
	return nil
}

// authenticatePairs explains the pairs of /api/v1/authenticate, in the order the library writes them.
var authenticatePairs = map[string]string{
	"reg_code":     "the registration code shown on the TV; first, so that no \"&reg\" appears (browsers read it as ®)",
	"requestor_id": "the service provider (requestor) id",
	"mso_id":       "the MVPD the user signs in with",
	"domain_name":  "the app's registered domain name",
	"noflash":      "legacy switch Adobe expects: no Flash login page",
	"no_iframe":    "legacy switch Adobe expects: no iframe login page",
	"generic_data": "Promotional TempPass data",
	"redirect_url": "where the browser lands after the login; last and URL-encoded, as Adobe requires",
}

func clientlessAuthURL(ctx context.Context, fl *flow, code string) error {
	if code == "" {
		_, rc, err := fl.regCode(ctx)
		if err != nil {
			return err
		}
		code = rc.Code
	}
	c, err := fl.client(tvauth.WithDevice(fl.device()))
	if err != nil {
		return err
	}
	authURL, err := c.Clientless.AuthenticateURL(fl.authenticateRequest(code))
	if err != nil {
		return fail("authenticate URL", err)
	}
	_, rawQuery, _ := strings.Cut(authURL, "?")
	var pairs []map[string]any
	var text strings.Builder
	for i, pair := range strings.Split(rawQuery, "&") {
		name, raw, _ := strings.Cut(pair, "=")
		value, err := url.QueryUnescape(raw)
		if err != nil {
			value = raw
		}
		meaning, ok := authenticatePairs[name]
		if !ok {
			meaning = "an extra parameter, passed through"
		}
		pairs = append(pairs, map[string]any{"position": i + 1, "name": name, "raw": raw, "value": value, "meaning": meaning})
		fmt.Fprintf(&text, "       %d. %s=%s\n          %s", i+1, name, raw, meaning)
		if value != raw {
			fmt.Fprintf(&text, " (decoded: %s)", value)
		}
		text.WriteString("\n")
	}
	fl.ok("authenticate URL", map[string]any{"url": authURL, "pairs": pairs}, "%d pairs, reg_code first, redirect_url last:", len(pairs))
	fl.out.text(fmt.Sprintf("       %s\n%s", authURL, text.String()))
	return nil
}

// authnClient is the flow's Pass client for a step that needs the device signed in: with the fake, it
// first gives the fake an authenticated device, as after a login.
func (fl *flow) authnClient(ctx context.Context) (*tvauth.Client, error) {
	c, err := fl.passClient(ctx)
	if err != nil || fl.fake == nil {
		return c, err
	}
	fl.fake.AddClientlessAuthn(fl.passSP, fl.deviceID, fl.passMVPD)
	fl.note("fake authn", map[string]any{"mvpd": fl.passMVPD, "device_id": fl.deviceID},
		"the fake holds an authentication token for device %s at %s, as after a login", fl.deviceID, fl.passMVPD)
	return c, nil
}

func clientlessCheckAuthN(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	ok, err := c.Clientless.CheckAuthN(ctx, tvauth.ClientlessRequest{RequestorID: fl.passSP})
	if err != nil {
		return fail("checkauthn", err)
	}
	if !ok {
		return fail("checkauthn", errors.New("the device is not authenticated"))
	}
	fl.ok("checkauthn", map[string]any{"authenticated": true, "device_id": fl.deviceID}, "device %s is authenticated", fl.deviceID)
	return nil
}

func clientlessAuthorize(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	for _, res := range splitList(fl.passResource) {
		az, err := c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: fl.passSP, Resource: res})
		if err != nil {
			return fail("authorize", err)
		}
		fl.ok("authorize", map[string]any{"resource": az.Resource, "mvpd": az.MVPD, "expires": az.Expires.UTC().Format(time.RFC3339)},
			"%s authorised by %s until %s", az.Resource, az.MVPD, az.Expires.UTC().Format(time.DateTime))
	}
	return nil
}

func clientlessLogout(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	me := tvauth.ClientlessRequest{RequestorID: fl.passSP}
	if err := c.Clientless.Logout(ctx, me); err != nil {
		return fail("logout", err)
	}
	still, err := c.Clientless.CheckAuthN(ctx, me)
	if err != nil {
		return fail("checkauthn", err)
	}
	if still {
		return fail("checkauthn", errors.New("the device is still authenticated after DELETE /api/v1/logout"))
	}
	fl.ok("logout", map[string]any{"authenticated": false}, "signed out; checkauthn now says not authenticated")
	return nil
}
