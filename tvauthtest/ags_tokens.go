package tvauthtest

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"time"
)

// Devices, device sessions and the tokens AGS issues for them.

// addDevice registers a device and returns its client_id. Call with st.mu held.
func (st *agsState) addDevice(owner string, info json.RawMessage) string {
	st.nextDevice++
	id := fmt.Sprintf("PUB_%d", st.nextDevice)
	st.devices[id] = &agsDevice{owner: owner, info: append(json.RawMessage(nil), info...)}
	return id
}

// endGrant revokes every token of a device session. Call with st.mu held.
func (st *agsState) endGrant(g *agsGrant) {
	for t := range g.accessTokens {
		delete(st.access, t)
	}
	g.accessTokens = map[string]time.Time{}
	delete(st.refresh, g.refreshToken)
	g.refreshToken = ""
}

// agsTokens is the documented token response (201 of signOn/subsequentSignOn, 200 of refresh).
type agsTokens struct {
	AccessToken           string `json:"access_token"`
	RefreshToken          string `json:"refresh_token"`
	ClientID              string `json:"client_id"`
	AccountID             string `json:"accountId"`
	TokenType             string `json:"token_type"`
	ExpiresIn             int64  `json:"expires_in"`
	RefreshExpiresIn      int64  `json:"refresh_expires_in"`
	FixedRefreshExpiresIn int64  `json:"fixed_refresh_expires_in"`
}

// grant issues tokens: a new device session, or with prev the rotation of an existing one (its
// fixed refresh cap kept). Call with st.mu held.
func (st *agsState) grant(user, account, clientID string, now time.Time, prev *agsGrant) agsTokens {
	g := prev
	if g == nil {
		g = &agsGrant{user: user, account: account, clientID: clientID, accessTokens: map[string]time.Time{},
			fixedExp: now.Add(AGSFixedRefreshLifetime)}
	}
	accessExp := now.Add(AGSAccessLifetime)
	refreshExp := now.Add(AGSRefreshLifetime)
	if refreshExp.After(g.fixedExp) {
		refreshExp = g.fixedExp
	}
	access := st.jwt(map[string]any{
		"typ": "DevAuthN", "ver": "1.0", "jti": randAlnum(19), "tenantId": AGSTenant, "accountId": account,
		"userId": user, "deviceId": clientID, "accountProfileId": "DEFAULT", "exp": accessExp.Unix(),
	})
	refresh := st.jwt(map[string]any{
		"typ": "RefreshAuthN", "ver": "1.0", "jti": randAlnum(19), "tenantId": AGSTenant, "accountId": account,
		"userId": user, "deviceId": clientID, "exp": refreshExp.Unix(), "fixed_exp": g.fixedExp.Unix(),
	})
	g.accessTokens[access] = accessExp
	g.refreshToken, g.refreshExp = refresh, refreshExp
	st.access[access] = g
	st.refresh[refresh] = g
	return agsTokens{
		AccessToken: access, RefreshToken: refresh, ClientID: clientID, AccountID: account, TokenType: "bearer",
		ExpiresIn:             int64(AGSAccessLifetime / time.Second),
		RefreshExpiresIn:      int64(refreshExp.Sub(now) / time.Second),
		FixedRefreshExpiresIn: int64(g.fixedExp.Sub(now) / time.Second),
	}
}

// jwt makes an HS256 JWT like AGS's: clients decode it (exp) but cannot verify it; the fake itself
// checks tokens by lookup, so revocation works.
func (st *agsState) jwt(claims map[string]any) string {
	header, _ := json.Marshal(map[string]string{"kid": "259629", "alg": "HS256", "typ": "JWT"})
	payload, _ := json.Marshal(claims)
	enc := base64.RawURLEncoding.EncodeToString
	signing := enc(header) + "." + enc(payload)
	m := hmac.New(sha256.New, st.jwtKey)
	m.Write([]byte(signing))
	return signing + "." + enc(m.Sum(nil))
}
