package tvauthtest

import (
	"crypto/subtle"
	"net/http"
	"net/url"
)

// Seeded clientLogin challenges: statusCode 330 with statusDetailCode 3011–3015 and
// data.challenge {info, context[, url]}, answered by sending clientLogin again with context and the
// answer.

// The clientLogin challenges (statusDetailCode of a 330) the fake can be seeded with.
const (
	WebAPIChallengePassword       = 3011 // password required or invalid: answer with pwd
	WebAPIChallengeSecurID        = 3012 // SecurID required: answer with securid (and pwd)
	WebAPIChallengeSecurIDNext    = 3013 // SecurID next code: answer with securid (pwd may be left out)
	WebAPIChallengeSecretQuestion = 3014 // account security question: answer with word (lenient: no client's name for it is known)
	WebAPIChallengeCaptcha        = 3015 // captcha: answer with word (and pwd); challenge.url is the image
)

// WebAPIChallenge is a challenge SetWebAPIChallenge seeds.
type WebAPIChallenge struct {
	Code   int    // WebAPIChallengePassword … WebAPIChallengeCaptcha
	Answer string // the expected securid (3012, 3013) or word (3014, 3015); 3011 expects the password
	Info   string // challenge.info; "" = the fake's default for Code (3014: the question)
}

// webapiChallenge is a seeded challenge and the contexts it handed out.
type webapiChallenge struct {
	WebAPIChallenge
	contexts map[string]bool
}

// SetWebAPIChallenge makes clientLogin for loginID answer 330 with the challenge, whatever the
// password, until a clientLogin sends back the context of one of those 330s with the right answer
// (and, except for 3013, the right password); then the login succeeds and the challenge is spent. A
// wrong answer gets the challenge again. A Code outside 3011–3015 removes the seeded challenge.
func (s *Server) SetWebAPIChallenge(loginID string, c WebAPIChallenge) {
	st := s.webapi
	st.mu.Lock()
	defer st.mu.Unlock()
	if c.Code < WebAPIChallengePassword || c.Code > WebAPIChallengeCaptcha {
		delete(st.challenges, loginID)
		return
	}
	st.challenges[loginID] = &webapiChallenge{WebAPIChallenge: c, contexts: map[string]bool{}}
}

func waChallengeText(code int) (statusText, info string) {
	switch code {
	case WebAPIChallengePassword:
		return "Password/LoginId Required/Invalid", "password"
	case WebAPIChallengeSecurID:
		return "SecurID Required/Invalid", "securid"
	case WebAPIChallengeSecurIDNext:
		return "SecurID Next Code Required", "securid next code"
	case WebAPIChallengeSecretQuestion:
		return "ASQ Required/Invalid", "What is the name of your first pet?"
	}
	return "Captcha Required/Invalid", "captcha"
}

// challenged answers clientLogin's seeded challenge. It reports whether it wrote a reply
// (the challenge), and whether the login must skip the password check (a SecurID next code answer
// without pwd). Call with st.mu held.
func (st *webapiState) challenged(w http.ResponseWriter, r *http.Request, fm waFormat, params url.Values, rid string) (replied, skipPassword bool) {
	loginID := params.Get("s")
	c := st.challenges[loginID]
	if c == nil {
		return false, false
	}
	if ctx := params.Get("context"); ctx != "" && c.contexts[ctx] {
		var answer string
		switch c.Code {
		case WebAPIChallengePassword:
			answer = st.users[loginID]
			if answer == "" {
				break
			}
			if subtle.ConstantTimeCompare([]byte(params.Get("pwd")), []byte(answer)) == 1 {
				delete(st.challenges, loginID)
				return false, false
			}
		case WebAPIChallengeSecurID, WebAPIChallengeSecurIDNext:
			answer = params.Get("securid")
		default:
			answer = params.Get("word")
		}
		if c.Code != WebAPIChallengePassword && answer != "" && subtle.ConstantTimeCompare([]byte(answer), []byte(c.Answer)) == 1 {
			delete(st.challenges, loginID)
			return false, c.Code == WebAPIChallengeSecurIDNext && params.Get("pwd") == ""
		}
	}
	text, info := waChallengeText(c.Code)
	if c.Info != "" {
		info = c.Info
	}
	ctx := randURLToken(18)
	c.contexts[ctx] = true
	fields := []waField{waStr("info", info), waStr("context", ctx)}
	if c.Code == WebAPIChallengeCaptcha {
		u := url.URL{Scheme: "http", Host: r.Host, Path: "/auth/captcha"}
		if r.TLS != nil {
			u.Scheme = "https"
		}
		fields = append(fields, waStr("url", u.String()))
	}
	fm.write(w, waError(330, c.Code, text, rid, waObj("challenge", fields...)))
	return true, false
}

// webapiCaptcha serves the image a 3015 challenge's url points at: a 1×1 PNG (the answer is the
// seeded one, whatever the picture).
func (s *Server) webapiCaptcha(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		http.Error(w, "use GET", http.StatusMethodNotAllowed)
		return
	}
	w.Header().Set("Content-Type", "image/png")
	_, _ = w.Write(onePixelPNG)
}

var onePixelPNG = []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89" +
	"\x00\x00\x00\rIDATx\x9cc\xf8\xff\xff?\x00\x05\xfe\x02\xfe\xa7\x35\x81\x84\x00\x00\x00\x00IEND\xaeB`\x82")
