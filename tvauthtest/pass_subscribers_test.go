package tvauthtest

import (
	"errors"
	"reflect"
	"testing"
)

func TestAddSubscriberRefuses(t *testing.T) {
	for _, tc := range []struct {
		name        string
		mvpd        string
		sub         Subscriber
		field, want string
	}{
		{"an unknown MVPD", "Nobody", Subscriber{"alice", "pw"}, "mvpd", `the fake has no MVPD "Nobody" (AddMVPD first)`},
		{"no username", "Cablevision", Subscriber{"", "pw"}, "username", "a subscriber needs a username"},
		{"no password", "Cablevision", Subscriber{"alice", ""}, "password", "a subscriber needs a password"},
		{"a NUL in the username", "Cablevision", Subscriber{"al\x00ice", "pw"}, "username", "control character U+0000 at byte 2: only printable text is accepted"},
		{"a newline in the password", "Cablevision", Subscriber{"alice", "p\nw"}, "password", "control character U+000A at byte 1: only printable text is accepted"},
	} {
		s := adobeTestServer(t)
		err := s.AddSubscriber(tc.mvpd, tc.sub)
		var ie *InputError
		if !errors.As(err, &ie) || ie.Input != "subscriber" || ie.Field != tc.field || ie.Reason != tc.want {
			t.Errorf("%s: %v", tc.name, err)
		}
		if subs := s.Subscribers("Cablevision"); len(subs) != 1 {
			t.Errorf("%s: a refused subscriber was added: %+v", tc.name, subs)
		}
	}
}

func TestSubscribers(t *testing.T) {
	s := adobeTestServer(t)
	for _, sub := range []Subscriber{{"alice", "a1"}, {"bob", "b1"}, {"alice", "a2"}, {DefaultSubscriber, "d2"}} {
		if err := s.AddSubscriber("Cablevision", sub); err != nil {
			t.Fatal(err)
		}
	}
	want := []Subscriber{{DefaultSubscriber, "d2"}, {"alice", "a2"}, {"bob", "b1"}}
	if got := s.Subscribers("Cablevision"); !reflect.DeepEqual(got, want) {
		t.Errorf("Cablevision: %+v, want %+v", got, want)
	}
	if got := s.Subscribers("Dish"); !reflect.DeepEqual(got, []Subscriber{{DefaultSubscriber, DefaultSubscriberPassword}}) {
		t.Errorf("Dish: %+v", got)
	}
	if got := s.Subscribers("Nobody"); got != nil {
		t.Errorf("an unknown MVPD: %+v", got)
	}
	// Adding the MVPD again keeps its subscribers.
	s.AddMVPD("Cablevision", false)
	if got := s.Subscribers("Cablevision"); !reflect.DeepEqual(got, want) {
		t.Errorf("after AddMVPD again: %+v", got)
	}
}

func TestSeedSubscribers(t *testing.T) {
	seed, err := ParseSeed([]byte(`{"mvpds": [{"id": "Spectrum", "subscribers": [{"username": "alice", "password": "pw"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	s := NewServer()
	defer s.Close()
	if err := s.ApplySeed(seed); err != nil {
		t.Fatal(err)
	}
	if got := s.Subscribers("Spectrum"); !reflect.DeepEqual(got, []Subscriber{{DefaultSubscriber, DefaultSubscriberPassword}, {"alice", "pw"}}) {
		t.Errorf("seeded subscribers %+v", got)
	}
	for _, tc := range []struct{ seed, want string }{
		{`{"mvpds": [{"id": "A", "subscribers": [{"password": "pw"}]}]}`,
			"tvauthtest: seed line 1, column 40: mvpds[0].subscribers[0].username: a subscriber needs a username"},
		{`{"mvpds": [{"id": "A", "subscribers": [{"username": "u"}]}]}`,
			"tvauthtest: seed line 1, column 40: mvpds[0].subscribers[0].password: a subscriber needs a password"},
		{`{"mvpds": [{"id": "A", "subscribers": [{"username": "u", "password": "1"}, {"username": "u", "password": "2"}]}]}`,
			`tvauthtest: seed line 1, column 89: mvpds[0].subscribers[1].username: subscriber "u" is seeded twice for MVPD "A"`},
		{`{"mvpds": [{"id": "A", "subscribers": [{"username": "u", "pasword": "1"}]}]}`,
			"tvauthtest: seed line 1, column 58: mvpds[0].subscribers[0].pasword: unknown field (known: password, username)"},
	} {
		if _, err := ParseSeed([]byte(tc.seed)); err == nil || err.Error() != tc.want {
			t.Errorf("%s:\n got %v\nwant %s", tc.seed, err, tc.want)
		}
	}
}
