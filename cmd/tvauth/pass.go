package main

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"time"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func passCommand(env *environment) *ffcli.Command {
	cmd := func(name, short string, do func(context.Context, *flow, []string) error) *ffcli.Command {
		return flowCommand(env, "pass", name, "", short, famPass, nil, do)
	}
	return group(env, "pass", "Adobe Pass REST API v2: DCR, sessions, profiles, decisions, logout",
		cmd("register", "register a DCR client with the software statement (TVAUTH_PASS_SOFTWARE_STATEMENT)", passRegister),
		cmd("token", "get a DCR access token (registers first unless -creds holds credentials)", passToken),
		cmd("login", "second-screen login: show the code, the URL and its QR code, wait for the profile", passLogin),
		cmd("profiles", "list the device's profiles", passProfiles),
		cmd("decide", "authorize -pass-resource with -pass-mvpd and show each decision", passDecide),
		cmd("logout", "log out of -pass-mvpd and print each next action as the library returns it", passLogout),
	)
}

// passCredentials loads the DCR client credentials from -creds, or registers with the software
// statement (and saves them to -creds when given).
func (fl *flow) passCredentials(ctx context.Context) (tvauth.ClientCredentials, error) {
	var store tvauth.CredentialStore = tvauth.NewMemoryCredentialStore()
	if fl.creds != "" && fl.fake == nil {
		store = tvauth.NewFileCredentialStore(fl.creds)
		creds, err := store.Load(ctx)
		if err == nil {
			fl.out.addSecret(creds.ClientSecret)
			fl.ok("credentials", map[string]any{"client_id": creds.ClientID, "client_secret": "REDACTED", "file": fl.creds},
				"client credentials loaded from %s (client_id %s)", fl.creds, creds.ClientID)
			return creds, nil
		}
		if !errors.Is(err, tvauth.ErrNoCredentials) {
			return tvauth.ClientCredentials{}, fail("credentials", err)
		}
	}
	statement, err := fl.secret("TVAUTH_PASS_SOFTWARE_STATEMENT", "Adobe Pass software statement", func() string { return fl.fake.SoftwareStatement() })
	if err != nil {
		return tvauth.ClientCredentials{}, fail("register", err)
	}
	reg, err := fl.client(tvauth.WithDevice(fl.device()))
	if err != nil {
		return tvauth.ClientCredentials{}, err
	}
	creds, err := reg.Pass.LoadOrRegister(ctx, store, statement)
	if err != nil {
		return tvauth.ClientCredentials{}, fail("register", err)
	}
	fl.out.addSecret(creds.ClientSecret)
	data := map[string]any{"client_id": creds.ClientID, "client_secret": "REDACTED"}
	saved := "pass -creds FILE to keep them"
	if fl.creds != "" && fl.fake == nil {
		data["file"] = fl.creds
		saved = "saved to " + fl.creds
	}
	fl.ok("register", data, "client credentials issued (client_id %s, client_secret %s); %s", creds.ClientID, masked(creds.ClientSecret), saved)
	return creds, nil
}

// passClient is a client whose Pass calls carry a DCR bearer token.
func (fl *flow) passClient(ctx context.Context) (*tvauth.Client, error) {
	creds, err := fl.passCredentials(ctx)
	if err != nil {
		return nil, err
	}
	return fl.client(tvauth.WithDevice(fl.device()), tvauth.WithPassCredentials(creds))
}

// seedProfile gives the fake a profile for this device, as after a login, so that profile-bound
// commands have something to act on.
func (fl *flow) seedProfile(mvpd string) {
	if fl.fake == nil {
		return
	}
	fl.fake.AddProfile(tvauthtest.Profile{ServiceProvider: fl.passSP, MVPD: mvpd, DeviceID: fl.deviceID})
	fl.note("fake profile", map[string]any{"mvpd": mvpd, "device_id": fl.deviceID},
		"the fake holds a %s profile for device %s, as after a login", mvpd, fl.deviceID)
}

func passRegister(ctx context.Context, fl *flow, _ []string) error {
	_, err := fl.passCredentials(ctx)
	return err
}

func passToken(ctx context.Context, fl *flow, _ []string) error {
	creds, err := fl.passCredentials(ctx)
	if err != nil {
		return err
	}
	c, err := fl.client(tvauth.WithDevice(fl.device()))
	if err != nil {
		return err
	}
	tok, err := c.Pass.AccessToken(ctx, creds)
	if err != nil {
		return fail("token", err)
	}
	fl.out.addSecret(tok.AccessToken)
	fl.ok("token", map[string]any{"access_token": "REDACTED", "token_type": tok.TokenType, "expires_in_seconds": int(time.Until(tok.Expiry).Round(time.Minute).Seconds())},
		"%s token %s, valid for %s", tok.TokenType, masked(tok.AccessToken), round(time.Until(tok.Expiry)))
	return nil
}

func passLogin(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD,
		DomainName: fl.domain, RedirectURL: fl.redirectURL})
	if err != nil {
		return fail("session", err)
	}
	fl.ok("session", map[string]any{"code": sess.Code, "action_name": string(sess.ActionName), "action_type": string(sess.ActionType)},
		"next action %s/%s", sess.ActionName, sess.ActionType)
	link := sess.URL
	if link == nil {
		u, err := c.Pass.AuthenticateURL(fl.passSP, sess.Code)
		if err != nil {
			return fail("session", err)
		}
		if link, err = url.Parse(u); err != nil {
			return fail("session", err)
		}
	}
	expires := sess.NotAfter
	if expires.IsZero() {
		expires = time.Now().Add(30 * time.Minute)
	}
	var prof *tvauth.Profile
	a := activation{code: sess.Code, url: link.String(), expires: expires,
		wait: func(ctx context.Context) error {
			p, err := c.Pass.WaitForProfile(ctx, fl.passSP, sess.Code)
			prof = p
			return err
		}}
	if fl.fake != nil {
		a.simulate = func(ctx context.Context) error {
			_, err := fl.fake.Browse(ctx, nil, link.String(), fl.redirectURL)
			return err
		}
	}
	if err := fl.activate(ctx, a); err != nil {
		return err
	}
	fl.ok("profile", profileData(*prof), "%s profile (%s), valid until %s", prof.MVPD, prof.Type, prof.NotAfter.UTC().Format(time.DateTime))
	return nil
}

func profileData(p tvauth.Profile) map[string]any {
	var attrs []string
	for k := range p.Attributes {
		attrs = append(attrs, k)
	}
	slices.Sort(attrs)
	return map[string]any{"mvpd": p.MVPD, "type": string(p.Type), "issuer": p.Issuer,
		"not_after": p.NotAfter.UTC().Format(time.RFC3339), "attributes": attrs}
}

func passProfiles(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	fl.seedProfile(fl.passMVPD)
	res, err := c.Pass.Profiles(ctx, tvauth.ProfileRequest{ServiceProvider: fl.passSP})
	if err != nil {
		return fail("profiles", err)
	}
	if len(res.Profiles) == 0 {
		fl.ok("profiles", map[string]any{"count": 0}, "no profile: the device is not signed in")
	}
	for _, p := range res.Profiles {
		fl.ok("profile", profileData(p), "%s (%s, issued by %s) valid until %s", p.MVPD, p.Type, p.Issuer, p.NotAfter.UTC().Format(time.DateTime))
	}
	return nil
}

func passDecide(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	fl.seedProfile(fl.passMVPD)
	res, err := c.Pass.Authorize(ctx, tvauth.DecisionRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD, Resources: splitList(fl.passResource)})
	if err != nil {
		return fail("decide", err)
	}
	denied := 0
	for _, d := range res.Decisions {
		data := map[string]any{"resource": d.Resource, "authorized": d.Authorized, "source": string(d.Source)}
		if d.Token != nil {
			fl.out.addSecret(d.Token.SerializedToken)
			data["media_token"] = "REDACTED"
		}
		if !d.Authorized {
			denied++
			if d.Error != nil {
				data["error"] = d.Error.Error()
			}
			fl.ok("decision", data, "%s denied: %v", d.Resource, d.Error)
			continue
		}
		fl.ok("decision", data, "%s permitted (source %s), media token %s", d.Resource, d.Source, masked(tokenOf(d)))
	}
	if denied > 0 {
		return fail("decide", errors.New("denied"))
	}
	return nil
}

func tokenOf(d tvauth.Decision) string {
	if d.Token == nil {
		return ""
	}
	return d.Token.SerializedToken
}

func passLogout(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	fl.seedProfile(fl.passMVPD)
	res, err := c.Pass.Logout(ctx, tvauth.LogoutRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD, RedirectURL: fl.redirectURL})
	if err != nil {
		return fail("logout", err)
	}
	if len(res.Actions) == 0 {
		fl.ok("logout", map[string]any{"actions": 0}, "no next action: nothing was signed in")
	}
	for _, a := range res.Actions {
		data := map[string]any{"mvpd": a.MVPD, "action_name": string(a.Name), "action_type": string(a.Type),
			"needs_user_agent": a.NeedsUserAgent(), "needs_partner_logout": a.NeedsPartnerLogout()}
		if a.URL != nil {
			data["url"] = a.URL.String()
		}
		var what string
		switch {
		case a.NeedsUserAgent():
			what = "open " + a.URL.String() + " in a browser or WebView and follow it until it reaches " + fl.redirectURL
		case a.NeedsPartnerLogout():
			what = "ask the user to sign out of the partner framework too (e.g. the TV provider in the system settings)"
		case a.Name == tvauth.ActionInvalid:
			what = "there was no valid profile to log out of"
		case a.Type == tvauth.ActionTypeNone:
			what = "nothing more to do: the logout is complete"
		default:
			what = "a next action this version does not know: see Adobe's documentation"
		}
		fl.ok("next action", data, "%s %s/%s: %s", a.MVPD, a.Name, a.Type, what)
	}
	return nil
}
