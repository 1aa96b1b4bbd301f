package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"strings"

	"github.com/peterbourgon/ff/v3/ffcli"

	"github.com/tvauth/tvauth"
	"github.com/tvauth/tvauth/tvauthtest"
)

func agsCommand(env *environment) *ffcli.Command {
	var account int
	var regType string
	accountFlag := func(fs *flag.FlagSet, _ *flowFlags) {
		fs.IntVar(&account, "account", 1, "which account to choose when signOn answers 300 (1 = the first listed)")
	}
	cmd := func(name, short string, do func(context.Context, *flow, int) error) *ffcli.Command {
		return flowCommand(env, "ags", name, "", short, famAGS, accountFlag,
			func(ctx context.Context, fl *flow, _ []string) error { return do(ctx, fl, account) })
	}
	return group("ags", "OpenTV AGS: discovery, signOn and register (and their 300 answer), session-token hand-over, refresh, signOut",
		flowCommand(env, "ags", "discover", "", "list the SSO services, their endpoints and parameters", famAGS, nil,
			func(ctx context.Context, fl *flow, _ []string) error { _, _, err := agsDiscover(ctx, fl); return err }),
		cmd("signon", "signOn with -ags-user (password in TVAUTH_AGS_PASSWORD); on 300 choose -account and subsequentSignOn", agsSignOn),
		cmd("refresh", "sign on, then refresh: the access token changes and the refresh token rotates", agsRefresh),
		cmd("signout", "sign on, then signOut: the session is revoked", agsSignOut),
		flowCommand(env, "ags", "register", "", "register the device with -ags-user (password in TVAUTH_AGS_PASSWORD); on 300 choose -account and subsequentRegister", famAGS,
			func(fs *flag.FlagSet, _ *flowFlags) {
				accountFlag(fs, nil)
				fs.StringVar(&regType, "register-type", "", "the registration type, /register/{type} (default: the one discovery lists)")
			},
			func(ctx context.Context, fl *flow, _ []string) error { return agsRegister(ctx, fl, regType, account) }),
		flowCommand(env, "ags", "sessiontoken", "", "hand a sign-in to another device: getSessionToken with the operator's token (TVAUTH_AGS_OPERATOR_TOKEN), then signOnWithSessionToken", famAGS, nil,
			agsSessionToken),
	)
}

func agsDiscover(ctx context.Context, fl *flow) (*tvauth.Client, tvauth.AuthService, error) {
	if fl.fake == nil && fl.agsURL == "" {
		return nil, tvauth.AuthService{}, fail("discovery", usagef("set -ags-url (e.g. https://host:port/ags) for a real host"))
	}
	c, err := fl.client()
	if err != nil {
		return nil, tvauth.AuthService{}, err
	}
	disc, err := c.AGS.ServiceDiscovery(ctx)
	if err != nil {
		return nil, tvauth.AuthService{}, fail("discovery", err)
	}
	if len(disc.AvailableServices) == 0 {
		return nil, tvauth.AuthService{}, fail("discovery", fmt.Errorf("no service offered"))
	}
	for _, s := range disc.AvailableServices {
		var eps []string
		var list []map[string]any
		for _, e := range s.Endpoints {
			var params []string
			for _, p := range e.ParameterProperties {
				flags := ""
				if p.Mandatory {
					flags += "mandatory"
				}
				if p.IsPassword {
					flags += ",password"
				}
				params = append(params, fmt.Sprintf("%s(%s)", p.Name, strings.TrimPrefix(flags, ",")))
			}
			eps = append(eps, fmt.Sprintf("%s %s [%s]", e.Name, e.Path, strings.Join(params, " ")))
			list = append(list, map[string]any{"name": e.Name, "path": e.Path, "parameters": e.ParameterProperties})
		}
		fl.ok("service", map[string]any{"auth_service": s.AuthServiceName, "display_name": s.DisplayAttributes.Name, "endpoints": list},
			"%q (%s), %s", s.AuthServiceName, s.DisplayAttributes.Name, plural(len(s.Endpoints), "endpoint"))
		fl.out.text("       " + strings.Join(eps, "\n       ") + "\n")
	}
	svc := disc.AvailableServices[0]
	if fl.agsAuthService != "" {
		found, ok := disc.Service(fl.agsAuthService)
		if !ok {
			return nil, tvauth.AuthService{}, fail("discovery", usagef("no service %q", fl.agsAuthService))
		}
		svc = found
	}
	return c, svc, nil
}

var agsDevice = json.RawMessage(`{"deviceType":"OPEN","playoutDeviceClass":"stb","device":{"hardware":{"model":"tvauth-cli","manufacturer":"tvauth","type":"STB"},"OS":{"type":"Linux","version":"6.1"}}}`)

func (fl *flow) addTokens(t *tvauth.Tokens) {
	fl.out.addSecret(string(t.AccessToken))
	fl.out.addSecret(string(t.RefreshToken))
}

func tokensData(t *tvauth.Tokens) map[string]any {
	return map[string]any{"access_token": "REDACTED", "refresh_token": "REDACTED", "client_id": t.ClientID, "account_id": t.AccountID,
		"expires_in_seconds": int(t.ExpiresIn.Seconds()), "refresh_expires_in_seconds": int(t.RefreshExpiresIn.Seconds()),
		"correlation_id": t.CorrelationID}
}

// agsSignOn signs on and, on a 300, chooses an account; it returns the tokens and the request for the
// calls that follow.
func agsSignOn(ctx context.Context, fl *flow, account int) error {
	_, _, _, err := fl.agsSignOn(ctx, account)
	return err
}

func (fl *flow) agsSignOn(ctx context.Context, account int) (*tvauth.Client, *tvauth.Tokens, tvauth.SignOnRequest, error) {
	var next tvauth.SignOnRequest
	c, svc, err := agsDiscover(ctx, fl)
	if err != nil {
		return nil, nil, next, err
	}
	password, err := fl.secret("TVAUTH_AGS_PASSWORD", "AGS password for "+fl.agsUser, func() string { return fl.agsPassword(fl.agsUser) })
	if err != nil {
		return nil, nil, next, fail("signOn", err)
	}
	params := []tvauth.Parameter{{Name: "username", Value: fl.agsUser}, {Name: "password", Value: password}}
	if err := svc.CheckSignOn(params); err != nil {
		return nil, nil, next, fail("signOn", err)
	}
	res, err := c.AGS.SignOn(ctx, tvauth.SignOnRequest{Parameters: params, DeviceInformation: agsDevice, AuthService: svc.AuthServiceName})
	if err != nil {
		return nil, nil, next, fail("signOn", err)
	}
	tokens := res.Tokens
	if len(res.Accounts) > 0 {
		chosen, err := fl.agsChoose("signOn", res, account)
		if err != nil {
			return nil, nil, next, err
		}
		tokens, err = c.AGS.SubsequentSignOn(ctx, chosen, tvauth.SignOnRequest{Parameters: params[:1], AuthService: svc.AuthServiceName})
		if err != nil {
			return nil, nil, next, fail("subsequentSignOn", err)
		}
		fl.addTokens(tokens)
		fl.ok("subsequentSignOn", tokensData(tokens), "account %d chosen: 201 with User-Token, account %s, client_id %s", account, tokens.AccountID, tokens.ClientID)
	} else {
		fl.addTokens(tokens)
		fl.ok("signOn", tokensData(tokens), "201: account %s, client_id %s, access token valid for %s", tokens.AccountID, tokens.ClientID, round(tokens.ExpiresIn))
	}
	return c, tokens, tvauth.SignOnRequest{AuthService: svc.AuthServiceName, ClientID: tokens.ClientID}, nil
}

// agsChoose lists the accounts of a 300 answer and returns the one -account chooses.
func (fl *flow) agsChoose(step string, res *tvauth.SignOnResult, account int) (tvauth.Account, error) {
	var infos []map[string]any
	var text []string
	for i, a := range res.Accounts {
		fl.out.addSecret(string(a.UserAccountToken))
		info, _ := a.Information()
		infos = append(infos, map[string]any{"number": i + 1, "information": info})
		b, _ := json.Marshal(info)
		text = append(text, fmt.Sprintf("%d. %s", i+1, b))
	}
	fl.ok(step, map[string]any{"status": 300, "accounts": infos, "correlation_id": res.CorrelationID},
		"HTTP 300: %d accounts for one login: %s", len(res.Accounts), strings.Join(text, "  "))
	if account < 1 || account > len(res.Accounts) {
		return tvauth.Account{}, fail("choose", usagef("-account %d: the answer lists %d accounts", account, len(res.Accounts)))
	}
	return res.Accounts[account-1], nil
}

func agsRefresh(ctx context.Context, fl *flow, account int) error {
	c, tokens, next, err := fl.agsSignOn(ctx, account)
	if err != nil {
		return err
	}
	refreshed, err := c.AGS.Refresh(ctx, tokens.RefreshToken, next)
	if err != nil {
		return fail("refresh", err)
	}
	fl.addTokens(refreshed)
	data := tokensData(refreshed)
	data["access_token_changed"] = refreshed.AccessToken != tokens.AccessToken
	data["refresh_token_rotated"] = refreshed.RefreshToken != tokens.RefreshToken
	fl.ok("refresh", data, "new access token valid for %s; refresh token rotated: %v (persist the new one)",
		round(refreshed.ExpiresIn), refreshed.RefreshToken != tokens.RefreshToken)
	return nil
}

func agsSignOut(ctx context.Context, fl *flow, account int) error {
	c, tokens, next, err := fl.agsSignOn(ctx, account)
	if err != nil {
		return err
	}
	if err := c.AGS.SignOut(ctx, tokens.AccessToken, next); err != nil {
		return fail("signOut", err)
	}
	data := map[string]any{"revoked": true}
	if fl.fake != nil {
		data["still_active"] = fl.fake.AGSAccessTokenActive(tokens.AccessToken)
	}
	fl.ok("signOut", data, "session revoked: the access and refresh tokens no longer work")
	return nil
}

func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func agsRegister(ctx context.Context, fl *flow, regType string, account int) error {
	c, svc, err := agsDiscover(ctx, fl)
	if err != nil {
		return err
	}
	if regType == "" {
		for _, e := range svc.Endpoints {
			if t, ok := strings.CutPrefix(e.Path, "/register/"); ok && t != "" {
				regType = t
				break
			}
		}
		if regType == "" {
			return fail("register", usagef("-register-type: discovery lists no /register/{type} endpoint for %q; name the type", svc.AuthServiceName))
		}
	}
	password, err := fl.secret("TVAUTH_AGS_PASSWORD", "AGS password for "+fl.agsUser, func() string { return fl.agsPassword(fl.agsUser) })
	if err != nil {
		return fail("register", err)
	}
	params := []tvauth.Parameter{{Name: "username", Value: fl.agsUser}, {Name: "password", Value: password}}
	res, err := c.AGS.Register(ctx, regType, tvauth.SignOnRequest{Parameters: params, DeviceInformation: agsDevice, AuthService: svc.AuthServiceName})
	if err != nil {
		return fail("register", err)
	}
	if len(res.Accounts) == 0 {
		fl.addTokens(res.Tokens)
		fl.ok("register", tokensData(res.Tokens), "201: device registered (%s) for account %s, client_id %s", regType, res.Tokens.AccountID, res.Tokens.ClientID)
		return nil
	}
	chosen, err := fl.agsChoose("register", res, account)
	if err != nil {
		return err
	}
	sub, err := c.AGS.SubsequentRegister(ctx, chosen, tvauth.SignOnRequest{Parameters: params[:1], AuthService: svc.AuthServiceName})
	if err != nil {
		return fail("subsequentRegister", err)
	}
	if sub.Tokens == nil {
		return fail("subsequentRegister", fmt.Errorf("no tokens in the answer"))
	}
	fl.addTokens(sub.Tokens)
	fl.ok("subsequentRegister", tokensData(sub.Tokens), "account %d chosen: device registered (%s) for account %s, client_id %s",
		account, regType, sub.Tokens.AccountID, sub.Tokens.ClientID)
	return nil
}

// agsSessionToken is the operator-initiated hand-over: the operator's back end (holding an
// OperatorAuthToken for the account) asks for a one-time session token; the new device signs on with it.
func agsSessionToken(ctx context.Context, fl *flow, _ []string) error {
	c, svc, err := agsDiscover(ctx, fl)
	if err != nil {
		return err
	}
	operator, err := fl.secret("TVAUTH_AGS_OPERATOR_TOKEN", "AGS OperatorAuthToken", func() string {
		return fl.fake.AGSOperatorAuthToken(tvauthtest.DefaultSeed().AGSUsers[0].Accounts[0], 0)
	})
	if err != nil {
		return fail("getSessionToken", err)
	}
	st, err := c.AGS.GetSessionToken(ctx, tvauth.SignOnRequest{Parameters: []tvauth.Parameter{{Name: "OperatorAuthToken", Value: operator}},
		AuthService: svc.AuthServiceName})
	if err != nil {
		return fail("getSessionToken", err)
	}
	fl.out.addSecret(string(st))
	fl.ok("getSessionToken", map[string]any{"session_token": "REDACTED"}, "one-time session token %s: give it to the device that signs on", masked(string(st)))
	tokens, err := c.AGS.SignOnWithSessionToken(ctx, st, tvauth.SignOnRequest{DeviceInformation: agsDevice, AuthService: svc.AuthServiceName})
	if err != nil {
		return fail("signOnWithSessionToken", err)
	}
	fl.addTokens(tokens)
	fl.ok("signOnWithSessionToken", tokensData(tokens), "201: signed on as account %s, client_id %s, access token valid for %s",
		tokens.AccountID, tokens.ClientID, round(tokens.ExpiresIn))
	return nil
}
