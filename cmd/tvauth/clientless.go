package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
)

func clientlessCommand(env *environment) *ffcli.Command {
	cmd := func(name, short string, extra func(*flag.FlagSet, *flowFlags), do func(context.Context, *flow, []string) error) *ffcli.Command {
		return flowCommand(env, "clientless", name, "", short, famPass|famClientless, extra, do)
	}
	var regCode, preCode string
	var follow bool
	var lookup regCodeFlags
	var temp freePreviewFlags
	return group("clientless", "Adobe Pass REST API v1 (clientless): reg codes, config, authenticate, tokens, authorize, media tokens, metadata, TempPass, logout",
		cmd("authenticate", "second-screen login: a reg code, the authenticate URL and its QR code, then wait for checkauthn", nil, clientlessAuthenticate),
		cmd("authurl", "print the /api/v1/authenticate URL and explain each pair (creates a reg code unless -reg-code); -follow shows where Adobe sends the browser",
			func(fs *flag.FlagSet, f *flowFlags) {
				fs.StringVar(&regCode, "reg-code", "", "the registration code to put in the URL (default: create one)")
				fs.BoolVar(&follow, "follow", false, "also request the URL as a browser would and print Adobe's redirect (the MVPD's login page)")
				f.contacts = func() int {
					switch {
					case regCode == "":
						return famPass | famClientless // a reg code, with a DCR token
					case follow:
						return famClientless // the browser's request, without a token
					}
					return 0 // the URL is built offline
				}
			},
			func(ctx context.Context, fl *flow, args []string) error {
				return clientlessAuthURL(ctx, fl, regCode, follow)
			}),
		cmd("checkauthn", "is the device authenticated? (exit 1 when not)", nil, clientlessCheckAuthN),
		cmd("authorize", "authorize -pass-resource for the device", nil, clientlessAuthorize),
		cmd("logout", "DELETE /api/v1/logout, then check that the device is signed out", nil, clientlessLogout),
		cmd("config", "the requestor's MVPD list (/api/v1/config): ids, names, iframe and platform SSO settings",
			func(_ *flag.FlagSet, f *flowFlags) { f.contacts = func() int { return famClientless } }, clientlessConfig),
		cmd("regcode", "create a reg code (or look up -reg-code), read its record back, ask whether its login is done; -delete removes it",
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&lookup.code, "reg-code", "", "an existing registration code (default: create one)")
				fs.BoolVar(&lookup.delete, "delete", false, "delete the code at the end (DELETE /reggie/v1/…/regcode/…)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return clientlessRegCode(ctx, fl, lookup) }),
		cmd("tokens", "the device's cached tokens: the authentication token, then the authorization token of each -pass-resource", nil, clientlessTokens),
		cmd("mediatoken", "authorize each -pass-resource, then get its short media token (/api/v1/tokens/media) for playback", nil, clientlessMediaToken),
		cmd("preauthorize", "preauthorize -pass-resource (many at once, no token); with -reg-code on the second screen's behalf",
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&preCode, "reg-code", "", "preauthorize for the device that created this registration code (default: this device)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return clientlessPreauthorize(ctx, fl, preCode) }),
		cmd("metadata", "the user metadata the MVPD shared (/api/v1/tokens/usermetadata); encrypted values are named, not shown", nil, clientlessMetadata),
		cmd("freepreview", "TempPass: authenticate the device with -temppass without a login (/api/v1/authenticate/freepreview)",
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&temp.mvpd, "temppass", "TempPass_5mins", "the TempPass MVPD id")
				fs.StringVar(&temp.genericData, "generic-data", "", "Promotional TempPass generic_data (optional)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return clientlessFreePreview(ctx, fl, temp) }),
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

func clientlessAuthURL(ctx context.Context, fl *flow, code string, follow bool) error {
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
	if !follow {
		return nil
	}
	next, err := c.Clientless.Authenticate(ctx, fl.authenticateRequest(code))
	if err != nil {
		return fail("authenticate", err)
	}
	fl.ok("authenticate", map[string]any{"location": next.String()}, "Adobe redirects the browser to %s", next.String())
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
	return fl.requireAuthenticated(ctx, c, "")
}

// requireAuthenticated runs checkauthn and fails unless the device is authenticated; how says how it
// should have been ("TempPass"), or is "".
func (fl *flow) requireAuthenticated(ctx context.Context, c *tvauth.Client, how string) error {
	ok, err := c.Clientless.CheckAuthN(ctx, tvauth.ClientlessRequest{RequestorID: fl.passSP})
	if err != nil {
		return fail("checkauthn", err)
	}
	suffix := ""
	if how != "" {
		suffix = " (" + how + ")"
	}
	if !ok {
		return fail("checkauthn", errors.New("the device is not authenticated"+suffix))
	}
	fl.ok("checkauthn", map[string]any{"authenticated": true, "device_id": fl.deviceID}, "device %s is authenticated%s", fl.deviceID, suffix)
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

func clientlessConfig(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.client(tvauth.WithDevice(fl.device()))
	if err != nil {
		return err
	}
	cfg, err := c.Clientless.Config(ctx, fl.passSP)
	if err != nil {
		return fail("config", err)
	}
	fl.ok("config", map[string]any{"requestor": fl.passSP, "mvpds": len(cfg.MVPDs)}, "%s offers %s", fl.passSP, plural(len(cfg.MVPDs), "MVPD"))
	for _, m := range cfg.MVPDs {
		var traits []string
		if m.IFrameRequired {
			traits = append(traits, fmt.Sprintf("iframe %dx%d", m.IFrameWidth, m.IFrameHeight))
		}
		if m.BoardingStatus != "" {
			traits = append(traits, "platform SSO "+m.BoardingStatus)
		}
		if len(m.RequiredMetadataFields) > 0 {
			traits = append(traits, "metadata "+strings.Join(m.RequiredMetadataFields, ","))
		}
		what := ""
		if len(traits) > 0 {
			what = " (" + strings.Join(traits, ", ") + ")"
		}
		fl.ok("mvpd", map[string]any{"id": m.ID, "display_name": m.DisplayName, "iframe_required": m.IFrameRequired,
			"boarding_status": m.BoardingStatus}, "%s %q%s", m.ID, m.DisplayName, what)
	}
	return nil
}

// regCodeFlags are clientless regcode's flags.
type regCodeFlags struct {
	code   string
	delete bool
}

func clientlessRegCode(ctx context.Context, fl *flow, rf regCodeFlags) error {
	var c *tvauth.Client
	code := rf.code
	if code == "" {
		var rc *tvauth.RegCode
		var err error
		if c, rc, err = fl.regCode(ctx); err != nil {
			return err
		}
		code = rc.Code
	} else {
		var err error
		if c, err = fl.passClient(ctx); err != nil {
			return err
		}
	}
	rc, err := c.Clientless.RegCode(ctx, fl.passSP, code)
	if err != nil {
		return fail("lookup", err)
	}
	fl.ok("lookup", map[string]any{"code": rc.Code, "id": rc.ID, "requestor": rc.Requestor, "mvpd": rc.MVPD,
		"generated": rc.Generated.UTC().Format(time.RFC3339), "expires": rc.Expires.UTC().Format(time.RFC3339)},
		"code %s (record %s) for %s, generated %s, expires %s", rc.Code, rc.ID, rc.Requestor,
		rc.Generated.UTC().Format(time.DateTime), rc.Expires.UTC().Format(time.DateTime))
	done, err := c.Clientless.CheckAuthNByRegCode(ctx, fl.passSP, code)
	if err != nil {
		return fail("checkauthn", err)
	}
	what := "not yet: nobody has signed in with it"
	if done {
		what = "yes: a login finished with it"
	}
	fl.ok("checkauthn", map[string]any{"code": code, "authenticated": done}, "login done with code %s? %s", code, what)
	if rf.delete {
		if err := c.Clientless.DeleteRegCode(ctx, fl.passSP, code); err != nil {
			return fail("delete", err)
		}
		fl.ok("delete", map[string]any{"code": code, "deleted": true}, "code %s deleted: it no longer signs anyone in", code)
	}
	return nil
}

// resources is -pass-resource as a list; an empty one is bad usage.
func (fl *flow) resources() ([]string, error) {
	res := splitList(fl.passResource)
	if len(res) == 0 {
		return nil, usagef("-pass-resource: name at least one resource")
	}
	return res, nil
}

func clientlessTokens(ctx context.Context, fl *flow, _ []string) error {
	resources, err := fl.resources()
	if err != nil {
		return err
	}
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	me := tvauth.ClientlessRequest{RequestorID: fl.passSP}
	authn, err := c.Clientless.AuthNToken(ctx, me)
	if err != nil {
		return fail("authn token", err)
	}
	fl.ok("authn token", map[string]any{"mvpd": authn.MVPD, "user_id": authn.UserID, "expires": authn.Expires.UTC().Format(time.RFC3339)},
		"signed in at %s as %s until %s", authn.MVPD, authn.UserID, authn.Expires.UTC().Format(time.DateTime))
	for _, res := range resources {
		if fl.fake != nil {
			if _, err := c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: fl.passSP, Resource: res}); err != nil {
				return fail("authorize", err)
			}
			fl.note("fake authz", map[string]any{"resource": res}, "%s authorised first, so that the fake holds its authorization token", res)
		}
		az, err := c.Clientless.AuthZToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: fl.passSP, Resource: res})
		if err != nil {
			return fail("authz token", err)
		}
		data := map[string]any{"resource": az.Resource, "mvpd": az.MVPD, "expires": az.Expires.UTC().Format(time.RFC3339)}
		if az.ProxyMVPD != "" {
			data["proxy_mvpd"] = az.ProxyMVPD
		}
		fl.ok("authz token", data, "%s authorised by %s until %s", az.Resource, az.MVPD, az.Expires.UTC().Format(time.DateTime))
	}
	return nil
}

func clientlessMediaToken(ctx context.Context, fl *flow, _ []string) error {
	resources, err := fl.resources()
	if err != nil {
		return err
	}
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	for _, res := range resources {
		az, err := c.Clientless.Authorize(ctx, tvauth.ClientlessAuthorizeRequest{RequestorID: fl.passSP, Resource: res})
		if err != nil {
			return fail("authorize", err)
		}
		fl.ok("authorize", map[string]any{"resource": az.Resource, "mvpd": az.MVPD, "expires": az.Expires.UTC().Format(time.RFC3339)},
			"%s authorised by %s until %s", az.Resource, az.MVPD, az.Expires.UTC().Format(time.DateTime))
		mt, err := c.Clientless.MediaToken(ctx, tvauth.ClientlessResourceRequest{RequestorID: fl.passSP, Resource: res})
		if err != nil {
			return fail("media token", err)
		}
		fl.out.addSecret(string(mt.SerializedToken))
		fl.ok("media token", map[string]any{"resource": mt.Resource, "mvpd": mt.MVPD, "media_token": "REDACTED",
			"expires": mt.Expires.UTC().Format(time.RFC3339)},
			"short media token %s for %s, expires %s: hand it to the Media Verification Library", masked(string(mt.SerializedToken)), mt.Resource,
			mt.Expires.UTC().Format(time.DateTime))
	}
	return nil
}

func clientlessPreauthorize(ctx context.Context, fl *flow, code string) error {
	resources, err := fl.resources()
	if err != nil {
		return err
	}
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	req := tvauth.ClientlessPreauthorizeRequest{RequestorID: fl.passSP, Resources: resources}
	var pre *tvauth.Preauthorization
	if code != "" {
		pre, err = c.Clientless.PreauthorizeByRegCode(ctx, code, req)
	} else {
		pre, err = c.Clientless.Preauthorize(ctx, req)
	}
	if err != nil {
		return fail("preauthorize", err)
	}
	for _, r := range pre.Resources {
		data := map[string]any{"resource": r.ID, "authorized": r.Authorized}
		if !r.Authorized {
			if r.Error != nil {
				data["error"] = r.Error.Error()
			}
			fl.ok("preauthorize", data, "%s not playable: %v", r.ID, r.Error)
			continue
		}
		fl.ok("preauthorize", data, "%s playable; authorize it for a media token", r.ID)
	}
	return nil
}

func clientlessMetadata(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.authnClient(ctx)
	if err != nil {
		return err
	}
	md, err := c.Clientless.UserMetadata(ctx, tvauth.ClientlessRequest{RequestorID: fl.passSP})
	if err != nil {
		return fail("metadata", err)
	}
	var keys []string
	for k := range md.Data {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	fl.ok("metadata", map[string]any{"keys": keys, "encrypted": md.Encrypted, "updated": md.Updated.UTC().Format(time.RFC3339)},
		"%s, updated %s", plural(len(keys), "key"), md.Updated.UTC().Format(time.DateTime))
	for _, k := range keys {
		encrypted := slices.Contains(md.Encrypted, k)
		line := map[string]any{"key": k, "encrypted": encrypted}
		value := string(md.Data[k])
		if encrypted { // named, not shown, in either output
			value = "(encrypted for the programmer's private key)"
		} else {
			line["value"] = md.Data[k]
		}
		fl.ok("metadata", line, "%s = %s", k, value)
	}
	return nil
}

// freePreviewFlags are clientless freepreview's flags.
type freePreviewFlags struct{ mvpd, genericData string }

func clientlessFreePreview(ctx context.Context, fl *flow, ff freePreviewFlags) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	if fl.fake != nil {
		fl.fake.AddMVPD(ff.mvpd, false)
		fl.note("fake temppass", map[string]any{"mvpd": ff.mvpd}, "the fake integrates the TempPass MVPD %s", ff.mvpd)
	}
	err = c.Clientless.FreePreview(ctx, tvauth.FreePreviewRequest{RequestorID: fl.passSP, MSOID: ff.mvpd, DomainName: fl.domain, GenericData: ff.genericData})
	if err != nil {
		return fail("freepreview", err)
	}
	fl.ok("freepreview", map[string]any{"mvpd": ff.mvpd}, "TempPass %s granted to device %s", ff.mvpd, fl.deviceID)
	return fl.requireAuthenticated(ctx, c, "TempPass")
}
