package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/mdp/qrterminal/v3"
	"github.com/schollz/progressbar/v3"

	"github.com/tvauth/tvauth"
)

// activation is a second-screen login: a code shown on the TV, a URL the user opens elsewhere.
type activation struct {
	code, url string
	expires   time.Time
	// simulate does the user's browser login on the fake; nil against a real host.
	simulate func(ctx context.Context) error
	// wait polls the service until the login is done.
	wait func(ctx context.Context) error
}

// activate shows the code, the URL and a QR code of the URL, then polls with a countdown to the
// code's expiry. Ctrl-C (the context) stops it cleanly.
func (fl *flow) activate(ctx context.Context, a activation) error {
	left := time.Until(a.expires)
	fl.ok("activation", map[string]any{"code": a.code, "url": a.url, "expires": a.expires.UTC().Format(time.RFC3339)},
		"code %s, valid for %s: open the URL on another screen and sign in", a.code, round(left))
	fl.out.text(fmt.Sprintf("\n       %s\n\n", a.url))
	if fl.env.interactive && !fl.json {
		var qr strings.Builder
		qrterminal.GenerateWithConfig(a.url, qrterminal.Config{Level: qrterminal.L, Writer: &qr, HalfBlocks: true,
			BlackChar: qrterminal.BLACK_BLACK, WhiteChar: qrterminal.WHITE_WHITE, WhiteBlackChar: qrterminal.WHITE_BLACK,
			BlackWhiteChar: qrterminal.BLACK_WHITE, QuietZone: 2})
		fl.out.text(qr.String() + "\n")
	}

	ctx, cancel := context.WithDeadline(ctx, a.expires)
	defer cancel()
	stop := fl.countdown(ctx, a.expires)
	var err error
	if a.simulate != nil {
		fl.note("fake login", nil, "the fake's login pages are filled in as a user would, in an in-process browser")
		err = a.simulate(ctx)
	}
	if err == nil {
		err = a.wait(ctx)
	}
	stop()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, context.DeadlineExceeded) && !time.Now().Before(a.expires), errors.Is(err, tvauth.ErrCodeExpired):
		return fail("wait", fmt.Errorf("code %s expired before the login was done: %w", a.code, tvauth.ErrCodeExpired))
	}
	return fail("wait", err)
}

// countdown shows the time left until expires: a live bar on a terminal, one line otherwise. The
// returned func stops it.
func (fl *flow) countdown(ctx context.Context, expires time.Time) func() {
	if !fl.env.interactive || fl.json {
		fl.out.text(fmt.Sprintf("       waiting for the login until %s (the code's expiry); Ctrl-C stops\n",
			expires.Local().Format(time.TimeOnly)))
		return func() {}
	}
	total := time.Until(expires)
	bar := progressbar.NewOptions64(int64(total/time.Second),
		progressbar.OptionSetWriter(fl.env.stderr),
		progressbar.OptionSetDescription("waiting for the login"),
		progressbar.OptionSetPredictTime(false),
		progressbar.OptionSetElapsedTime(false),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetWidth(30))
	done := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		t := time.NewTicker(time.Second)
		defer t.Stop()
		for {
			left := time.Until(expires).Round(time.Second)
			bar.Describe(fmt.Sprintf("code expires in %s; Ctrl-C stops", left))
			_ = bar.Set64(int64((total - left) / time.Second))
			select {
			case <-t.C:
			case <-done:
				return
			case <-ctx.Done():
				return
			}
		}
	}()
	return func() {
		close(done)
		<-stopped
		_ = bar.Clear()
	}
}
