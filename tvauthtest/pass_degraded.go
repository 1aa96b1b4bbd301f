package tvauthtest

import "time"

// Adobe's degradation: when an MVPD's systems are down, Adobe (on the programmer's request) answers
// for the MVPD. The fake plays the usual rule pair, AuthN-All and AuthZ-All: a session for a degraded
// MVPD answers authorize/direct with reasonType "degraded" and leaves a profile of type "degraded"
// issued by "Adobe"; POST profiles/sso/{partner} answers 200 (not 201) with such a profile; decisions
// come from "degradation" and permit every resource (the MVPD, and its denials, are not asked); a
// logout answers complete/none. [adobe-pass.md §4.1, §1.3; OAS:v2 DecisionResponse.source]

// DegradedProfileType is the type of the profiles Adobe issues for a degraded MVPD.
const DegradedProfileType = "degraded"

// DegradeMVPD switches degradation on or off for an integrated MVPD; it reports false, and changes
// nothing, when the fake has no such MVPD (AddMVPD first). Profiles issued while degraded stay
// degraded profiles after it is switched off, as Adobe's do until they expire.
func (s *Server) DegradeMVPD(id string, degraded bool) bool {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	m := s.pass.mvpds[id]
	if m == nil {
		return false
	}
	// Copy on write: handlers read an MVPD through a pointer taken under the lock.
	next := *m
	next.degraded = degraded
	s.pass.mvpds[id] = &next
	return true
}

// MVPDDegraded reports whether degradation is on for an MVPD.
func (s *Server) MVPDDegraded(id string) bool {
	m := s.pass.mvpd(id)
	return m != nil && m.degraded
}

// degradedProfile issues a degraded profile for a device when its MVPD is degraded; nil when it is
// not. Call with p.mu held.
func (p *passState) degradedProfile(sp, deviceID, mvpd string, now time.Time) *Profile {
	m := p.mvpds[mvpd]
	if m == nil || !m.degraded {
		return nil
	}
	return p.putProfile(Profile{ServiceProvider: sp, MVPD: mvpd, DeviceID: deviceID, Type: DegradedProfileType,
		UserID: adobeUserID("degraded", sp, deviceID, mvpd)}, now)
}

// profileTypes are the MvpdProfile types Adobe documents; a seed may give any of them.
var profileTypes = []string{"regular", DegradedProfileType, "temporary", PartnerProfileType, "platformSSO", "serviceTokenSSO"}
