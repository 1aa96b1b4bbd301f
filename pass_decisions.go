package tvauth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Adobe Pass REST API v2 decisions: authorization (with the media token) and preauthorization. A
// deny is a 200 whose item carries an Enhanced Error Code: it stays on its Decision, not the call's.

// DecisionSource says who made a decision. Values the server adds later decode as-is.
type DecisionSource string

// Documented decision sources.
const (
	SourceMVPD        DecisionSource = "mvpd"
	SourceDegradation DecisionSource = "degradation"
	SourceTempPass    DecisionSource = "temppass"
	SourceDummy       DecisionSource = "dummy"
)

// DecisionRequest asks for decisions on resources.
type DecisionRequest struct {
	ServiceProvider string      // path {serviceProvider}
	MVPD            string      // path {mvpd}
	Resources       []string    // JSON body {"resources": […]}: resource ids or MRSS
	Device          *Device     // nil = the client's default device
	Headers         PassHeaders // VisitorID, SSO tokens, PartnerFrameworkStatus; TempPassIdentity (authorize only)
}

// Decision is the decision for one resource.
type Decision struct {
	Resource        string         // the resource id (or MRSS) as the reply spells it
	ServiceProvider string         // the requestor id
	MVPD            string         // the MVPD that decided
	Authorized      bool           // permit (true) or deny (false)
	Source          DecisionSource // who decided: mvpd, degradation, temppass, dummy
	Token           *MediaToken    // authorize permits only: the media token for playback
	NotBefore       time.Time      // the decision's validity window: start
	NotAfter        time.Time      // the decision's validity window: end; cache it no longer
	// Error explains a deny (or a failed decision) with an Enhanced Error Code; HTTPStatus is that of
	// the whole reply (200), Status the one the item carries. Retry only items whose Action is "retry".
	Error *PassError
}

// MediaToken is the short-lived token a player sends to the media verifier.
type MediaToken struct {
	NotBefore       time.Time // the token's validity window: start
	NotAfter        time.Time // the token's validity window: end (media tokens live minutes)
	SerializedToken Secret    // Base64: hand string(SerializedToken) to the player
}

// mediaToken names MediaToken inside its Format, whose local copy of the type drops the methods.
type mediaToken = MediaToken

// Format prints every field under any verb, the token masked by Secret: fmt prints a pointer inside a
// struct (Decision.Token) field by field under %s or %q unless the pointee has this method.
func (t MediaToken) Format(f fmt.State, verb rune) {
	type MediaToken mediaToken // no methods: each field prints, and masks, itself
	_, _ = fmt.Fprintf(f, fmt.FormatString(f, verb), MediaToken(t))
}

// DecisionsResult is the reply of the decisions endpoints, one Decision per resource in reply order.
type DecisionsResult struct {
	Decisions []Decision // one per resource asked about, in reply order
}

// Decision returns the decision for a resource. Adobe's own sample pads a resource id with a space,
// so ids are compared with surrounding white space ignored.
func (r *DecisionsResult) Decision(resource string) (Decision, bool) {
	for _, d := range r.Decisions {
		if strings.TrimSpace(d.Resource) == strings.TrimSpace(resource) {
			return d, true
		}
	}
	return Decision{}, false
}

// decodeDecisions reads a DecisionsResponse. Item errors, server text handed back as data outside the
// pipeline's scrubbing, are scrubbed here of every secret the call sent (the bearer token too).
func decodeDecisions(r *response) (*DecisionsResult, error) {
	// Keys are Decision's field names but for case: the fields with other wire types shadow Decision's.
	var w struct {
		Decisions []struct {
			Decision
			Authorized flexBool
			Token      *struct {
				NotBefore, NotAfter passTime
				SerializedToken     string
			}
			NotBefore, NotAfter passTime
			Error               json.RawMessage
		}
	}
	if err := passUnmarshalObject(r.Body, &w); err != nil {
		return nil, err
	}
	out := &DecisionsResult{Decisions: make([]Decision, 0, len(w.Decisions))}
	for _, d := range w.Decisions {
		dec := d.Decision
		dec.Authorized, dec.NotBefore, dec.NotAfter = bool(d.Authorized), d.NotBefore.Time(), d.NotAfter.Time()
		if d.Token != nil {
			dec.Token = &MediaToken{NotBefore: d.Token.NotBefore.Time(), NotAfter: d.Token.NotAfter.Time(),
				SerializedToken: Secret(d.Token.SerializedToken)}
		}
		if e := trimBOM(d.Error); len(e) > 0 && e[0] == '{' {
			var b passErrorBody
			if err := unmarshalPassError(e, &b); err != nil {
				return nil, fmt.Errorf("decision error for %q: %w", d.Resource, err)
			}
			dec.Error = &PassError{HTTPStatus: r.StatusCode}
			dec.Error.fillFromJSON(&b)
			dec.Error.scrub(r.red)
		}
		out.Decisions = append(out.Decisions, dec)
	}
	return out, nil
}

// Authorize retrieves authorization decisions (POST /api/v2/{serviceProvider}/decisions/authorize/{mvpd}).
// A permitted Decision carries the media token; a denied one carries Error. Headers may carry
// VisitorID, the SSO tokens, PartnerFrameworkStatus and TempPassIdentity.
func (s *PassService) Authorize(ctx context.Context, req DecisionRequest) (*DecisionsResult, error) {
	return s.decide(ctx, "authorize", req, hdrVisitor|hdrSSO|hdrPFS|hdrTempPass)
}

// Preauthorize retrieves preauthorization decisions (POST
// /api/v2/{serviceProvider}/decisions/preauthorize/{mvpd}): which resources to show as playable. No
// media tokens. Headers may carry VisitorID, the SSO tokens and PartnerFrameworkStatus.
func (s *PassService) Preauthorize(ctx context.Context, req DecisionRequest) (*DecisionsResult, error) {
	return s.decide(ctx, "preauthorize", req, hdrVisitor|hdrSSO|hdrPFS)
}

func (s *PassService) decide(ctx context.Context, kind string, req DecisionRequest, allowed passHeader) (*DecisionsResult, error) {
	if err := s.check(http.MethodPost, authPassBearer, "ServiceProvider", req.ServiceProvider, "MVPD", req.MVPD); err != nil {
		return nil, err
	}
	if len(req.Resources) == 0 {
		return nil, invalid("Resources", "empty")
	}
	// {"resources":[…]}; MRSS resources are XML: appendJSONString keeps < > & as they are.
	body, sep := []byte(`{"resources":`), byte('[')
	for i, r := range req.Resources {
		if strings.TrimSpace(r) == "" {
			return nil, invalid("Resources", "resource %d is empty", i)
		}
		if err := checkResource("", r); err != nil {
			return nil, listItem(err, "Resources", i)
		}
		body, sep = appendJSONString(append(body, sep), r), ','
	}
	cl := s.v2call("pass."+kind, http.MethodPost, pathf("/api/v2/{serviceProvider}/decisions/"+kind+"/{mvpd}", req.ServiceProvider, req.MVPD))
	cl.header, cl.body = jsonHeader(), append(body, ']', '}')
	if err := s.prepare(cl, req.Device, deviceRequired, req.Headers, allowed); err != nil {
		return nil, err
	}
	return send(ctx, s.client, cl, decodeDecisions)
}
