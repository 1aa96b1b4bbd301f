package tvauthtest

import (
	"slices"
	"strconv"
	"time"
)

// The subscribers of the fake MVPDs: who can sign in on an MVPD's login page (pass_mvpd.go).

// The subscriber every MVPD has, so that seeds written before MVPDs had subscribers keep working and
// a user agent that does not ask for the login page (UserAgent, a plain HTTP client) is signed in as
// someone.
const (
	DefaultSubscriber         = "subscriber"
	DefaultSubscriberPassword = "subscriber-password"
)

// Subscriber is a user of an MVPD who signs in on its login page.
type Subscriber struct {
	Username string // typed in the login form's Username field
	Password string // typed in its Password field
}

// AddSubscriber lets sub sign in on the login page of an MVPD the fake has (AddMVPD), beside
// DefaultSubscriber; adding a username again replaces its password. An unknown MVPD, an empty
// username or password, or one with a control character is refused with an *InputError (Input
// "subscriber"), changing nothing.
func (s *Server) AddSubscriber(mvpd string, sub Subscriber) error {
	bad := func(field, reason string) error {
		return &InputError{Input: "subscriber", Field: field, Reason: reason}
	}
	for _, f := range []struct{ field, value string }{{"username", sub.Username}, {"password", sub.Password}} {
		if f.value == "" {
			return bad(f.field, "a subscriber needs a "+f.field)
		}
		if reason := textProblem(f.value); reason != "" {
			return bad(f.field, reason)
		}
	}
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	if s.pass.mvpds[mvpd] == nil {
		return bad("mvpd", "the fake has no MVPD "+strconv.Quote(mvpd)+" (AddMVPD first)")
	}
	subs := s.pass.subscribers[mvpd]
	if i := slices.IndexFunc(subs, func(x Subscriber) bool { return x.Username == sub.Username }); i >= 0 {
		subs[i] = sub
	} else {
		s.pass.subscribers[mvpd] = append(subs, sub)
	}
	return nil
}

// Subscribers returns who can sign in on an MVPD's login page, DefaultSubscriber first (with the
// password AddSubscriber may have given it); nil for an MVPD the fake does not have.
func (s *Server) Subscribers(mvpd string) []Subscriber {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	return s.pass.subscribersOf(mvpd)
}

// subscribersOf is Subscribers. Call with p.mu held.
func (p *passState) subscribersOf(mvpd string) []Subscriber {
	if p.mvpds[mvpd] == nil {
		return nil
	}
	out := []Subscriber{Subscriber{Username: DefaultSubscriber, Password: DefaultSubscriberPassword}}
	for _, sub := range p.subscribers[mvpd] {
		if sub.Username == DefaultSubscriber {
			out[0] = sub
		} else {
			out = append(out, sub)
		}
	}
	return out
}

// LoginAttempt is one sign-in on an MVPD's login page, as the fake recorded it (never the password).
type LoginAttempt struct {
	MVPD     string    // whose login page it was
	Username string    // what was typed as the username
	OK       bool      // the username and password were a subscriber's
	Time     time.Time // when, by the fake's clock
}

// LoginAttempts returns every sign-in on the MVPD login pages so far, oldest first: the failed ones
// (a wrong password) and the successful ones, including those of user agents that were signed in as
// DefaultSubscriber without asking for the page.
func (s *Server) LoginAttempts() []LoginAttempt {
	s.pass.mu.Lock()
	defer s.pass.mu.Unlock()
	return slices.Clone(s.pass.attempts)
}

// checkSubscriber reports whether username and password are a subscriber's of mvpd and records the
// attempt.
func (p *passState) checkSubscriber(mvpd, username, password string, now time.Time) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	ok := slices.Contains(p.subscribersOf(mvpd), Subscriber{Username: username, Password: password})
	p.attempts = append(p.attempts, LoginAttempt{MVPD: mvpd, Username: username, OK: ok, Time: now})
	return ok
}
