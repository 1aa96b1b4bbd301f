package tvauthtest

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/tvauth/tvauth"
)

// Lifetimes the fake hands out. They follow Adobe's documented samples: access tokens of 6 h
// (expires_in 21600), authentication codes of 30 min, media tokens of about 10 min.
const (
	PassTokenTTL   = 6 * time.Hour
	SessionCodeTTL = 30 * time.Minute
	ProfileTTL     = 30 * 24 * time.Hour
	MediaTokenTTL  = 10 * time.Minute
	DecisionTTL    = time.Hour
)

// passState is what the Pass v2 fake (and the DCR and MVPD pages it shares with Clientless) keeps.
// All of it lives on one Server, behind mu: nothing is global.
type passState struct {
	mu sync.Mutex

	statement   string // the one software statement the register endpoint accepts
	mediaKey    []byte // signs media tokens so VerifyMediaToken can tell ours from forgeries
	clients     map[string]*passClient
	tokens      map[string]*passToken
	mvpds       map[string]*passMVPD
	sessions    map[string]*passSession // by code
	profiles    map[passProfileKey]*Profile
	denied      map[[2]string]bool // {mvpd, resource}
	logins      map[string]*mvpdLogin
	logouts     map[string]*mvpdLogout
	logoutsDone map[string]int          // MVPD → completed MVPD logout chains
	subscribers map[string][]Subscriber // MVPD → who signs in on its page, besides DefaultSubscriber
	attempts    []LoginAttempt          // sign-ins on the MVPD pages, oldest first
	preset      *passClient             // the DCR client PassCredentials returns, registered at start
	partners    map[string]bool
	partnerKey  []byte // signs the partner SAML responses PartnerSAMLResponse issues
}

type passClient struct {
	id, secret string
	issuedAt   time.Time
}

type passToken struct {
	clientID string
	expires  time.Time
}

type passMVPD struct {
	id             string
	logoutEndpoint bool
	degraded       bool // Adobe answers for the MVPD (DegradeMVPD)
}

type passSession struct {
	id, code, serviceProvider string
	mvpd, domain, redirectURL string
	deviceID                  string         // decoded AP-Device-Identifier of the device that created it
	deviceInfo                map[string]any // decoded X-Device-Info, for the session status reply
	notBefore, notAfter       time.Time
	profile                   *passProfileKey // set once the user logged in through this session's code
}

type passProfileKey struct{ serviceProvider, deviceID, mvpd string }

// Profile is an authenticated profile the Pass fake holds for one device, as created by a browser
// login or seeded with AddProfile.
type Profile struct {
	ServiceProvider string    // the service provider (requestor) the profile is for
	MVPD            string    // the MVPD the user signed in with
	DeviceID        string    // the raw device ID (what AP-Device-Identifier carries base64-encoded)
	UserID          string    // the MVPD's opaque user ID; "" when seeding: derived from the other fields
	Type            string    // regular, degraded, …; "" when seeding: "regular"
	SessionID       string    // the authentication session the login went through; "" when seeding: a new one
	NotBefore       time.Time // zero when seeding: now
	NotAfter        time.Time // zero when seeding: NotBefore + ProfileTTL
}

func newPassState() *passState {
	p := &passState{
		clients:     map[string]*passClient{},
		tokens:      map[string]*passToken{},
		mvpds:       map[string]*passMVPD{},
		sessions:    map[string]*passSession{},
		profiles:    map[passProfileKey]*Profile{},
		denied:      map[[2]string]bool{},
		logins:      map[string]*mvpdLogin{},
		logouts:     map[string]*mvpdLogout{},
		logoutsDone: map[string]int{},
		subscribers: map[string][]Subscriber{},
		mediaKey:    adobeRandomBytes(32),
		partners:    map[string]bool{PartnerApple: true},
		partnerKey:  adobeRandomBytes(32),
	}
	p.preset = &passClient{id: adobeSecret(12), secret: adobeSecret(24), issuedAt: time.Now()}
	p.clients[p.preset.id] = p.preset
	// A JWS-shaped statement, as the TVE Dashboard hands out; only its exact bytes matter here.
	header := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"RS256"}`))
	payload, _ := json.Marshal(map[string]any{
		"software_id": adobeUUID(), "client_name": "tvauthtest RESTV2", "iss": "auth.adobe.com",
		"iat": time.Now().Unix(),
	})
	p.statement = header + "." + base64.RawURLEncoding.EncodeToString(payload) + "." +
		base64.RawURLEncoding.EncodeToString(adobeRandomBytes(64))
	return p
}

func (s *Server) registerPass(mux *http.ServeMux) {
	mux.HandleFunc("/o/client/register", s.passRegister)
	mux.HandleFunc("/o/client/token", s.passToken)
	// One handler for all of /api/v2/: the documented paths overlap in ways net/http's pattern
	// matcher rejects (authenticate/{sp}/{code} against {sp}/profiles/{mvpd}), so it routes itself.
	mux.HandleFunc("/api/v2/", s.passAPI)
	mux.HandleFunc("/adobe-services/logout", s.adobeServicesLogout)
	mux.HandleFunc("/mvpd/", s.mvpdPage)
}

// adobeNow is the clock of the Pass and Clientless fakes: the server's (SetClock), so a test moves
// every family's time at once.
func (s *Server) adobeNow() time.Time { return s.now() }

// SoftwareStatement is the one software statement the fake's DCR register endpoint accepts.
func (s *Server) SoftwareStatement() tvauth.Secret { return tvauth.Secret(s.pass.statement) }

// PassCredentials are the DCR client credentials of a client the fake registered when it started, as
// if the app had registered once and stored them: Options passes them to
// tvauth.WithPassCredentials, so a client needs no Register call of its own. Each Server has its own.
func (s *Server) PassCredentials() tvauth.ClientCredentials {
	return tvauth.ClientCredentials{ClientID: s.pass.preset.id, ClientSecret: tvauth.Secret(s.pass.preset.secret)}
}

// DefaultDeviceID is the ID of DefaultDevice: what the fake keys Pass profiles and Clientless
// authentications of a client built from Options by (Profile.DeviceID, AddClientlessAuthn).
const DefaultDeviceID = "tvauthtest-device"

// DefaultDevice is the device Options gives a client: a set-top box with every X-Device-Info field
// Adobe requires.
func DefaultDevice() tvauth.Device {
	secure := true
	return tvauth.Device{ID: DefaultDeviceID, Info: tvauth.DeviceInfo{
		PrimaryHardwareType: "SetTopBox", Model: "tvauthtest-stb", Version: "1.0", Manufacturer: "tvauth",
		OSName: "Linux", OSVersion: "6.1", ConnectionType: "Ethernet", ConnectionSecure: &secure,
		DisplayWidth: 1920, DisplayHeight: 1080,
	}}
}

// AddMVPD seeds an MVPD, integrated with every service provider (v2) and requestor (v1). With
// hasLogoutEndpoint a v2 logout answers logout/interactive with a URL whose chain the fake serves;
// without, complete/none (Adobe's "dummy logout").
func (s *Server) AddMVPD(id string, hasLogoutEndpoint bool) {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	s.pass.mvpds[id] = &passMVPD{id: id, logoutEndpoint: hasLogoutEndpoint}
}

// AddProfile seeds an authenticated profile, as if the user had logged in on that device.
func (s *Server) AddProfile(p Profile) {
	now := s.adobeNow()
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	s.pass.putProfile(p, now)
}

func (p *passState) putProfile(pr Profile, now time.Time) *Profile {
	if pr.UserID == "" {
		pr.UserID = adobeUserID(pr.ServiceProvider, pr.DeviceID, pr.MVPD)
	}
	if pr.Type == "" {
		pr.Type = "regular"
	}
	if pr.SessionID == "" {
		pr.SessionID = adobeUUID()
	}
	if pr.NotBefore.IsZero() {
		pr.NotBefore = now
	}
	if pr.NotAfter.IsZero() {
		pr.NotAfter = pr.NotBefore.Add(ProfileTTL)
	}
	stored := pr
	p.profiles[passProfileKey{pr.ServiceProvider, pr.DeviceID, pr.MVPD}] = &stored
	return &stored
}

// Profiles returns the profiles the fake holds for a device at a service provider (expired ones
// included), sorted by MVPD.
func (s *Server) Profiles(serviceProvider, deviceID string) []Profile {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	var out []Profile
	for k, p := range s.pass.profiles {
		if k.serviceProvider == serviceProvider && k.deviceID == deviceID {
			out = append(out, *p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].MVPD < out[j].MVPD })
	return out
}

// DenyResource makes the MVPD deny authorization (v2 decisions, v1 authorize and preauthorize) for
// a resource ID (for an MRSS resource, its channel title).
func (s *Server) DenyResource(mvpd, resource string) {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	s.pass.denied[[2]string{mvpd, resource}] = true
}

// ExpirePassTokens invalidates every DCR access token issued so far, so the next call with one gets
// the documented 401: for testing a client's refetch-and-retry.
func (s *Server) ExpirePassTokens() {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	clear(s.pass.tokens)
}

// CompletedLogouts counts the MVPD logout chains (the URL of a logout/interactive action) that a
// user agent followed to the end for this MVPD.
func (s *Server) CompletedLogouts(mvpd string) int {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	return s.pass.logoutsDone[mvpd]
}

// PassSession is a read-only view of a v2 authentication session.
type PassSession struct {
	Code            string    // the authentication code the TV shows
	ID              string    // the session's id (sessionId)
	ServiceProvider string    // the service provider it was created for
	MVPD            string    // "" until the session has one (created or resumed with it)
	Domain          string    // its domainName; "" until it has one
	RedirectURL     string    // where the user agent lands after the login; "" until it has one
	DeviceID        string    // the raw ID of the device that created it
	NotBefore       time.Time // when the code became valid
	NotAfter        time.Time // when the code expires (SessionCodeTTL after NotBefore)
	Authenticated   bool      // the user logged in through this code
}

// PassSession returns the v2 authentication session of a code.
func (s *Server) PassSession(code string) (PassSession, bool) {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	ss, ok := s.pass.sessions[code]
	if !ok {
		return PassSession{}, false
	}
	return PassSession{Code: ss.code, ID: ss.id, ServiceProvider: ss.serviceProvider, MVPD: ss.mvpd,
		Domain: ss.domain, RedirectURL: ss.redirectURL, DeviceID: ss.deviceID, NotBefore: ss.notBefore,
		NotAfter: ss.notAfter, Authenticated: ss.profile != nil}, true
}

func (p *passState) mvpd(id string) *passMVPD {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.mvpds[id]
}

func (p *passState) isDenied(mvpd, resource string) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.denied[[2]string{mvpd, adobeResourceID(resource)}]
}

// validToken reports whether the request carries "Authorization: Bearer <a token we issued>" that
// has not expired, and which client it was issued to.
func (s *Server) validToken(r *http.Request) (clientID string, ok bool) {
	auth := r.Header.Get("Authorization")
	scheme, tok, found := strings.Cut(auth, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return "", false
	}
	now := s.adobeNow()
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	t, ok := s.pass.tokens[tok]
	if !ok || !now.Before(t.expires) {
		return "", false
	}
	return t.clientID, true
}
