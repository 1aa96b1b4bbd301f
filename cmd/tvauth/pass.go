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
	"github.com/tvauth/tvauth/tvauthtest"
)

func passCommand(env *environment) *ffcli.Command {
	cmd := func(name, short string, do func(context.Context, *flow, []string) error) *ffcli.Command {
		return flowCommand(env, "pass", name, "", short, famPass, nil, do)
	}
	var code, profileCode string
	var partner partnerFlags
	return group("pass", "Adobe Pass REST API v2: DCR, configuration, sessions, profiles, decisions, partner SSO, logout",
		cmd("register", "register a DCR client with the software statement (TVAUTH_PASS_SOFTWARE_STATEMENT)", passRegister),
		cmd("token", "get a DCR access token (registers first unless -creds holds credentials)", passToken),
		cmd("login", "second-screen login: show the code, the URL and its QR code, wait for the profile", passLogin),
		cmd("profiles", "list the device's profiles", passProfiles),
		cmd("decide", "authorize -pass-resource with -pass-mvpd and show each decision", passDecide),
		cmd("logout", "log out of -pass-mvpd and print each next action as the library returns it", passLogout),
		cmd("config", "the service provider's configuration: its domains and the MVPDs a picker offers", passConfig),
		flowCommand(env, "pass", "session", "", "second-screen session steps: create (unless -code), show what it holds and lacks, resume it with the rest", famPass,
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&code, "code", "", "an existing authentication code to look up and resume (default: create a session without -domain and -redirect-url)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return passSession(ctx, fl, code) }),
		flowCommand(env, "pass", "profile", "", "the profile for -pass-mvpd, or with -code the one that code's login created", famPass,
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&profileCode, "code", "", "authentication code of a login: show the profile it created (default: the -pass-mvpd profile)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return passProfile(ctx, fl, profileCode) }),
		cmd("preauthorize", "preauthorize -pass-resource with -pass-mvpd (no media token): what to show as playable", passPreauthorize),
		flowCommand(env, "pass", "partner", "", "partner (Apple) single sign-on: the partner session, then a profile from the partner's SAML response (TVAUTH_PASS_SAML_RESPONSE)", famPass,
			func(fs *flag.FlagSet, _ *flowFlags) {
				fs.StringVar(&partner.name, "partner", "Apple", "the partner framework")
				fs.StringVar(&partner.access, "pfs-access", "granted", "the framework's accessStatus: granted, denied, restricted, notDetermined (empty: send no framework status)")
				fs.StringVar(&partner.provider, "pfs-provider", "", "the framework's provider id (default: -pass-mvpd)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return passPartner(ctx, fl, partner) }),
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
			fl.out.addSecret(string(creds.ClientSecret))
			fl.ok("credentials", map[string]any{"client_id": creds.ClientID, "client_secret": "REDACTED", "file": fl.creds},
				"client credentials loaded from %s (client_id %s)", fl.creds, creds.ClientID)
			return creds, nil
		}
		if !errors.Is(err, tvauth.ErrNoCredentials) {
			return tvauth.ClientCredentials{}, fail("credentials", err)
		}
	}
	statement, err := fl.secret("TVAUTH_PASS_SOFTWARE_STATEMENT", "Adobe Pass software statement", func() string { return string(fl.fake.SoftwareStatement()) })
	if err != nil {
		return tvauth.ClientCredentials{}, fail("register", err)
	}
	reg, err := fl.client(tvauth.WithDevice(fl.device()))
	if err != nil {
		return tvauth.ClientCredentials{}, err
	}
	creds, err := reg.Pass.LoadOrRegister(ctx, store, tvauth.Secret(statement))
	if err != nil {
		return tvauth.ClientCredentials{}, fail("register", err)
	}
	fl.out.addSecret(string(creds.ClientSecret))
	data := map[string]any{"client_id": creds.ClientID, "client_secret": "REDACTED"}
	saved := "pass -creds FILE to keep them"
	if fl.creds != "" && fl.fake == nil {
		data["file"] = fl.creds
		saved = "saved to " + fl.creds
	}
	fl.ok("register", data, "client credentials issued (client_id %s, client_secret %s); %s", creds.ClientID, masked(string(creds.ClientSecret)), saved)
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
	if sess.ActionName == tvauth.ActionAuthorize {
		// Signed in already, or Adobe answers for the MVPD (degraded, temporary access): no login.
		res, err := c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD})
		if err != nil {
			return fail("profile", err)
		}
		p, ok := res.Profile(fl.passMVPD)
		if !ok {
			return fail("profile", fmt.Errorf("the session says authorize (%s), but there is no %s profile", sess.ReasonType, fl.passMVPD))
		}
		fl.ok("profile", profileData(p), "no login needed (%s): %s profile (%s, issued by %s), valid until %s",
			sess.ReasonType, p.MVPD, p.Type, p.Issuer, p.NotAfter.UTC().Format(time.DateTime))
		return nil
	}
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
	fl.printProfiles(res.Profiles)
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
			fl.out.addSecret(string(d.Token.SerializedToken))
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
	return string(d.Token.SerializedToken)
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

func passConfig(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	cfg, err := c.Pass.Configuration(ctx, fl.passSP)
	if err != nil {
		return fail("configuration", err)
	}
	var domains []string
	for _, d := range cfg.Requestor.Domains {
		domains = append(domains, d.Name)
	}
	fl.ok("configuration", map[string]any{"requestor": cfg.Requestor.ID, "name": cfg.Requestor.Name, "domains": domains,
		"mvpds": len(cfg.Requestor.MVPDs), "device": cfg.Device, "os": cfg.OS},
		"%s (%s): %s, domains %s", cfg.Requestor.ID, cfg.Requestor.Name, plural(len(cfg.Requestor.MVPDs), "MVPD"), strings.Join(domains, ", "))
	for _, m := range cfg.Requestor.MVPDs {
		var traits []string
		if m.IsTempPass {
			traits = append(traits, "TempPass")
		}
		if m.IsProxy {
			traits = append(traits, "proxy")
		}
		if m.BoardingStatus != "" {
			traits = append(traits, "platform SSO "+m.BoardingStatus)
		}
		what := ""
		if len(traits) > 0 {
			what = " (" + strings.Join(traits, ", ") + ")"
		}
		fl.ok("mvpd", map[string]any{"id": m.ID, "display_name": m.DisplayName, "temppass": m.IsTempPass, "proxy": m.IsProxy,
			"boarding_status": m.BoardingStatus}, "%s %q%s", m.ID, m.DisplayName, what)
	}
	return nil
}

// passSession walks the secondary-screen steps: the TV creates a session with what it knows, the
// second screen reads what it lacks and resumes it with the rest.
func passSession(ctx context.Context, fl *flow, code string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	if code == "" {
		sess, err := c.Pass.CreateSession(ctx, tvauth.SessionRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD})
		if err != nil {
			return fail("session", err)
		}
		fl.ok("session", sessionData(sess), "code %s: next action %s/%s, missing %s", sess.Code, sess.ActionName, sess.ActionType,
			listOrNone(sess.MissingParameters))
		if sess.Code == "" {
			return fail("session", fmt.Errorf("no code to resume: next action %s/%s (%s)", sess.ActionName, sess.ActionType, sess.ReasonType))
		}
		code = sess.Code
	}
	info, err := c.Pass.SessionInfo(ctx, fl.passSP, code)
	if err != nil {
		return fail("session info", err)
	}
	var have []string
	for k, v := range info.ExistingParameters {
		have = append(have, k+"="+v)
	}
	slices.Sort(have)
	fl.ok("session info", map[string]any{"code": code, "existing": info.ExistingParameters, "missing": info.MissingParameters,
		"not_after": info.NotAfter.UTC().Format(time.RFC3339)},
		"code %s holds %s; missing %s; valid until %s", code, listOrNone(have), listOrNone(info.MissingParameters), info.NotAfter.UTC().Format(time.DateTime))
	resumed, err := c.Pass.ResumeSession(ctx, code, tvauth.SessionRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD,
		DomainName: fl.domain, RedirectURL: fl.redirectURL})
	if err != nil {
		return fail("resume", err)
	}
	data := sessionData(resumed)
	next := fmt.Sprintf("next action %s/%s", resumed.ActionName, resumed.ActionType)
	if resumed.URL != nil {
		next += ": open " + resumed.URL.String()
	}
	fl.ok("resume", data, "%s", next)
	return nil
}

func sessionData(s *tvauth.Session) map[string]any {
	data := map[string]any{"code": s.Code, "action_name": string(s.ActionName), "action_type": string(s.ActionType),
		"reason_type": string(s.ReasonType), "missing": s.MissingParameters}
	if s.URL != nil {
		data["url"] = s.URL.String()
	}
	return data
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "nothing"
	}
	return strings.Join(l, ", ")
}

func passProfile(ctx context.Context, fl *flow, code string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	var res *tvauth.ProfilesResult
	if code != "" {
		res, err = c.Pass.ProfileForCode(ctx, tvauth.ProfileRequest{ServiceProvider: fl.passSP, Code: code})
	} else {
		fl.seedProfile(fl.passMVPD)
		res, err = c.Pass.ProfileForMVPD(ctx, tvauth.ProfileRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD})
	}
	if err != nil {
		return fail("profile", err)
	}
	if len(res.Profiles) == 0 {
		what := "no " + fl.passMVPD + " profile: the device is not signed in there"
		if code != "" {
			what = "no profile for code " + code + " (yet): the login is not done"
		}
		return fail("profile", errors.New(what))
	}
	fl.printProfiles(res.Profiles)
	return nil
}

func passPreauthorize(ctx context.Context, fl *flow, _ []string) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	fl.seedProfile(fl.passMVPD)
	res, err := c.Pass.Preauthorize(ctx, tvauth.DecisionRequest{ServiceProvider: fl.passSP, MVPD: fl.passMVPD, Resources: splitList(fl.passResource)})
	if err != nil {
		return fail("preauthorize", err)
	}
	for _, d := range res.Decisions {
		data := map[string]any{"resource": d.Resource, "authorized": d.Authorized, "source": string(d.Source)}
		if !d.Authorized {
			if d.Error != nil {
				data["error"] = d.Error.Error()
			}
			fl.ok("decision", data, "%s not playable: %v", d.Resource, d.Error)
			continue
		}
		fl.ok("decision", data, "%s playable (source %s); authorize it for a media token", d.Resource, d.Source)
	}
	return nil
}

// partnerFlags are pass partner's flags.
type partnerFlags struct{ name, access, provider string }

// passPartner is partner single sign-on as a TV app does it with the partner framework (Apple's
// Video Subscriber Account): ask Adobe for the SAML request, hand it to the framework, give Adobe
// the framework's SAML response. From a terminal the response comes from the environment (or, with
// -fake, from the fake's own partner).
func passPartner(ctx context.Context, fl *flow, pf partnerFlags) error {
	c, err := fl.passClient(ctx)
	if err != nil {
		return err
	}
	var headers tvauth.PassHeaders
	if pf.access != "" {
		provider := pf.provider
		if provider == "" {
			provider = fl.passMVPD
		}
		pfs, err := tvauth.FrameworkStatus{AccessStatus: pf.access, ProviderID: provider}.Encode()
		if err != nil {
			return fail("framework status", err)
		}
		headers.PartnerFrameworkStatus = pfs
	}
	sess, err := c.Pass.PartnerSession(ctx, tvauth.PartnerSessionRequest{ServiceProvider: fl.passSP, Partner: pf.name,
		DomainName: fl.domain, RedirectURL: fl.redirectURL, Headers: headers})
	if err != nil {
		return fail("partner session", err)
	}
	data := sessionData(sess)
	if sess.AuthenticationRequest != nil {
		fl.out.addSecret(sess.AuthenticationRequest.Request)
		data["authentication_request"] = "REDACTED"
	}
	fl.ok("partner session", data, "next action %s/%s (%s)", sess.ActionName, sess.ActionType, sess.ReasonType)
	if sess.ActionName != tvauth.ActionPartnerProfile {
		fl.ok("partner", map[string]any{"fallback": string(sess.ReasonType)},
			"no partner profile to create: follow the next action (pass login for basic authentication)")
		return nil
	}
	saml, err := fl.secret("TVAUTH_PASS_SAML_RESPONSE", "partner SAML response (Base64)", func() string {
		return string(fl.fake.PartnerSAMLResponse(fl.passMVPD, ""))
	})
	if err != nil {
		return fail("partner profile", err)
	}
	res, err := c.Pass.PartnerProfile(ctx, tvauth.PartnerProfileRequest{ServiceProvider: fl.passSP, Partner: pf.name,
		SAMLResponse: tvauth.Secret(saml), Headers: headers})
	if err != nil {
		return fail("partner profile", err)
	}
	if len(res.Profiles) == 0 {
		return fail("partner profile", errors.New("the answer holds no profile"))
	}
	fl.printProfiles(res.Profiles)
	return nil
}

func (fl *flow) printProfiles(profiles []tvauth.Profile) {
	for _, p := range profiles {
		fl.ok("profile", profileData(p), "%s (%s, issued by %s) valid until %s", p.MVPD, p.Type, p.Issuer, p.NotAfter.UTC().Format(time.DateTime))
	}
}
