package tvauth

import (
	"bytes"
	"cmp"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// msTime is a REST API v1 timestamp. Adobe sends milliseconds since the epoch, as a JSON string
// ("1601114932000") in token replies, a JSON number in regcode replies and element text in XML; the
// user metadata "updated" field is documented in seconds. Values below 1e11 cannot be milliseconds of
// any date after 1973, so they are read as seconds: one type then serves every v1 field safely.
type msTime time.Time

func (t *msTime) UnmarshalJSON(b []byte) error { return unmarshalTextOrString(b, t) }

// UnmarshalText reads the XML element text form, and the inside of the JSON string form.
func (t *msTime) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if s == "" {
		*t = msTime{}
		return nil
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		*t = msTime(v1UnixAuto(n))
		return nil
	}
	// A JSON number may carry a fraction or an exponent (1.6e12); anything else is not a v1 time.
	if f, err := strconv.ParseFloat(s, 64); err == nil && f >= -1e15 && f <= 1e15 {
		*t = msTime(v1UnixAuto(int64(f)))
		return nil
	}
	if tt, err := time.Parse(time.RFC3339Nano, s); err == nil {
		*t = msTime(tt)
		return nil
	}
	return fmt.Errorf("timestamp (%s) is neither epoch milliseconds nor RFC 3339", valueShape(s))
}

// v1UnixAuto reads n as epoch milliseconds, or as seconds when it is too small to be milliseconds.
func v1UnixAuto(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	if n > -1e11 && n < 1e11 {
		return time.Unix(n, 0).UTC()
	}
	return time.UnixMilli(n).UTC()
}

func (t msTime) time() time.Time { return time.Time(t) }

// v1Strings is a list of strings that an XML-to-JSON conversion may have flattened to one string.
type v1Strings []string

func (v *v1Strings) UnmarshalJSON(b []byte) error {
	if s, ok := plainJSONString(bytes.TrimSpace(b)); ok {
		*v = v1Strings{s}
		return nil
	}
	return json.Unmarshal(b, (*[]string)(v)) // null makes it nil
}

var errV1EmptyBody = errors.New("empty body") // an answer status whose documented body is missing

// v1Unmarshal reads a v1 answer as JSON, or as XML when it is XML (several endpoints' default, and
// Adobe's answer when a proxy drops Accept) whose root is xmlRoot: an HTML page is well-formed enough
// to decode. An empty xmlRoot reads JSON only.
func v1Unmarshal(body []byte, v any, xmlRoot string) error {
	body = trimBOM(body)
	if len(body) == 0 {
		return errV1EmptyBody
	}
	if isJSONNull(body) {
		return errNullReply
	}
	if body[0] != '<' || xmlRoot == "" {
		return json.Unmarshal(body, v)
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("XML reply: %w", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if se.Name.Local != xmlRoot {
				return fmt.Errorf("XML reply <%.40s> is not <%s>", se.Name.Local, xmlRoot)
			}
			return d.DecodeElement(v, &se)
		}
	}
}

// v1RegCodeWire is a regcode record as sent: JSON (201 sample) or XML <ns2:regcode> (GET sample).
type v1RegCodeWire struct {
	ID        string `json:"id" xml:"id"`
	Code      string `json:"code" xml:"code"`
	Requestor string `json:"requestor" xml:"requestor"`
	MVPD      string `json:"mvpd" xml:"mvpd"`
	Generated msTime `json:"generated" xml:"generated"`
	Expires   msTime `json:"expires" xml:"expires"`
	Info      struct {
		DeviceID                     string `json:"deviceId" xml:"deviceId"`
		DeviceInfo                   string `json:"deviceInfo" xml:"deviceInfo"`
		DeviceType                   string `json:"deviceType" xml:"deviceType"`
		DeviceUser                   string `json:"deviceUser" xml:"deviceUser"`
		AppID                        string `json:"appId" xml:"appId"`
		AppVersion                   string `json:"appVersion" xml:"appVersion"`
		RegistrationURL              string `json:"registrationURL" xml:"registrationURL"`
		UserAgent                    string `json:"userAgent" xml:"userAgent"`
		OriginalUserAgent            string `json:"originalUserAgent" xml:"originalUserAgent"`
		AuthorizationType            string `json:"authorizationType" xml:"authorizationType"`
		SourceApplicationInformation *struct {
			ID      string `json:"id" xml:"id"`
			Name    string `json:"name" xml:"name"`
			Version string `json:"version" xml:"version"`
		} `json:"sourceApplicationInformation" xml:"sourceApplicationInformation"`
	} `json:"info" xml:"info"`
}

func v1DecodeRegCode(r *response) (*RegCode, error) {
	var w v1RegCodeWire
	if err := v1Unmarshal(r.Body, &w, "regcode"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(w.Code) == "" {
		return nil, errors.New("regcode reply has no code")
	}
	return &RegCode{
		ID: w.ID, Code: w.Code, Requestor: w.Requestor, MVPD: w.MVPD,
		Generated: w.Generated.time(), Expires: w.Expires.time(),
		Info: RegCodeInfo{
			DeviceID: w.Info.DeviceID, DeviceInfo: w.Info.DeviceInfo, DeviceType: w.Info.DeviceType,
			DeviceUser: w.Info.DeviceUser, AppID: w.Info.AppID, AppVersion: w.Info.AppVersion,
			RegistrationURL: w.Info.RegistrationURL, UserAgent: w.Info.UserAgent,
			OriginalUserAgent: w.Info.OriginalUserAgent, AuthorizationType: w.Info.AuthorizationType,
			Application: (*SourceApplication)(w.Info.SourceApplicationInformation), // same fields, tags aside
		},
	}, nil
}

// v1TokenWire is every v1 token reply: <authentication>, <authorization> and <play> share field names.
type v1TokenWire struct {
	Requestor       string `json:"requestor" xml:"requestor"`
	MVPD            string `json:"mvpd" xml:"mvpd"`
	MVPDID          string `json:"mvpdId" xml:"mvpdId"`
	ProxyMVPD       string `json:"proxyMvpd" xml:"proxyMvpd"`
	UserID          string `json:"userId" xml:"userId"`
	Resource        string `json:"resource" xml:"resource"`
	SerializedToken string `json:"serializedToken" xml:"serializedToken"`
	Expires         msTime `json:"expires" xml:"expires"`
}

func v1DecodeAuthNToken(r *response) (*AuthNToken, error) {
	var w v1TokenWire
	if err := v1Unmarshal(r.Body, &w, "authentication"); err != nil {
		return nil, err
	}
	return &AuthNToken{Requestor: w.Requestor, MVPD: w.MVPD, UserID: w.UserID, Expires: w.Expires.time()}, nil
}

func v1DecodeAuthZToken(r *response) (*AuthZToken, error) {
	var w v1TokenWire
	if err := v1Unmarshal(r.Body, &w, "authorization"); err != nil {
		return nil, err
	}
	return &AuthZToken{Requestor: w.Requestor, MVPD: w.MVPD, ProxyMVPD: w.ProxyMVPD, Resource: w.Resource,
		Expires: w.Expires.time()}, nil
}

func v1DecodeShortMediaToken(r *response) (*ShortMediaToken, error) {
	var w v1TokenWire
	if err := v1Unmarshal(r.Body, &w, "play"); err != nil {
		return nil, err
	}
	if strings.TrimSpace(w.SerializedToken) == "" {
		return nil, errors.New("media token reply has no serializedToken")
	}
	return &ShortMediaToken{Requestor: w.Requestor, Resource: w.Resource, MVPD: cmp.Or(w.MVPDID, w.MVPD),
		UserID: w.UserID, SerializedToken: Secret(w.SerializedToken), Expires: w.Expires.time()}, nil
}

// v1PreauthWire is the preauthorize reply, JSON {"resources":[…]} or XML <resources><resource>….
type v1PreauthWire struct {
	Resources []struct {
		ID         string          `json:"id" xml:"id"`
		Authorized flexBool        `json:"authorized" xml:"authorized"`
		Error      json.RawMessage `json:"error" xml:"-"`
		XMLError   *passXMLError   `json:"-" xml:"error"`
	} `json:"resources" xml:"resource"`
}

// v1DecodePreauthorization reads a preauthorize reply. Item errors are server text handed back as
// data, outside the pipeline's error scrubbing: they are scrubbed here.
func v1DecodePreauthorization(reply *response) (*Preauthorization, error) {
	var w v1PreauthWire
	if err := v1Unmarshal(reply.Body, &w, "resources"); err != nil {
		return nil, err
	}
	p := &Preauthorization{Resources: make([]PreauthorizedResource, 0, len(w.Resources)),
		RequestID: reply.Header.Get("Adobe-Request-Id"), ResponseConfidence: reply.Header.Get("Adobe-Response-Confidence")}
	for _, r := range w.Resources {
		item := PreauthorizedResource{ID: r.ID, Authorized: bool(r.Authorized)}
		switch {
		case len(r.Error) > 0 && r.Error[0] == '{':
			var b passErrorBody
			if err := unmarshalPassError(r.Error, &b); err != nil {
				return nil, fmt.Errorf("resource %.40q: error: %w", r.ID, err)
			}
			item.Error = &PassError{HTTPStatus: reply.StatusCode}
			item.Error.fillFromJSON(&b)
		case len(r.Error) > 0 && r.Error[0] == '"':
			item.Error = &PassError{HTTPStatus: reply.StatusCode, Message: looseString(r.Error)}
		case r.XMLError != nil:
			x := r.XMLError
			item.Error = &PassError{HTTPStatus: reply.StatusCode, Action: strings.TrimSpace(x.Action),
				Code: strings.TrimSpace(x.Code), Message: strings.TrimSpace(x.Message),
				Details: strings.TrimSpace(x.Details), HelpURL: strings.TrimSpace(x.HelpURL),
				Trace: strings.TrimSpace(x.Trace)}
			item.Error.Status, _ = strconv.Atoi(strings.TrimSpace(x.Status))
		}
		if item.Error != nil {
			item.Error.Service = svcClientless.String()
			item.Error.scrub(reply.red)
		}
		p.Resources = append(p.Resources, item)
	}
	return p, nil
}

// v1DecodeUserMetadata reads the JSON form only: Adobe documents no XML schema for it.
func v1DecodeUserMetadata(r *response) (*UserMetadata, error) {
	var w struct {
		Updated   msTime                     `json:"updated"`
		Encrypted v1Strings                  `json:"encrypted"`
		Data      map[string]json.RawMessage `json:"data"`
	}
	if err := v1Unmarshal(r.Body, &w, ""); err != nil {
		return nil, err
	}
	return &UserMetadata{Updated: w.Updated.time(), Encrypted: w.Encrypted, Data: w.Data}, nil
}

// v1MVPDWire is one MVPD of the /config reply, documented only as "the /config servlet's MVPD XML, as
// JSON" and by its Platform SSO properties. Keys are ClientlessMVPD's field names but for case, which
// encoding/json ignores: the fields sent with looser types shadow ClientlessMVPD's.
type v1MVPDWire struct {
	ClientlessMVPD
	IFrameRequired, EnablePlatformServices, DisplayInPlatformPicker flexBool
	IFrameWidth, IFrameHeight                                       json.Number
	RequiredMetadataFields                                          v1Strings
}

// v1DecodeConfig finds the MVPD list wherever the known XML-to-JSON renderings put it:
// {"mvpds":[…]}, {"mvpds":{"mvpd":[…]}}, the same under "requestor" or "config", or a bare array;
// a one-MVPD list may arrive as a single object instead of an array.
func v1DecodeConfig(r *response) (*ClientlessConfig, error) {
	body := trimBOM(r.Body)
	if len(body) == 0 {
		return nil, errV1EmptyBody
	}
	if body[0] != '{' && body[0] != '[' {
		return nil, errors.New("MVPD list is not JSON")
	}
	list, err := v1FindMVPDList(body, false, 0)
	if err != nil {
		return nil, err
	}
	cfg := &ClientlessConfig{Raw: json.RawMessage(bytes.Clone(body)), MVPDs: make([]ClientlessMVPD, 0, len(list))}
	for i, raw := range list {
		var w v1MVPDWire
		if err := json.Unmarshal(raw, &w); err != nil {
			return nil, fmt.Errorf("mvpd %d: %w", i, err)
		}
		m := w.ClientlessMVPD
		m.IFrameRequired, m.EnablePlatformServices = bool(w.IFrameRequired), bool(w.EnablePlatformServices)
		m.DisplayInPlatformPicker, m.RequiredMetadataFields = bool(w.DisplayInPlatformPicker), w.RequiredMetadataFields
		m.IFrameWidth, m.IFrameHeight, m.Raw = v1Int(w.IFrameWidth), v1Int(w.IFrameHeight), json.RawMessage(bytes.Clone(raw))
		cfg.MVPDs = append(cfg.MVPDs, m)
	}
	return cfg, nil
}

func v1Int(n json.Number) int {
	if i, err := n.Int64(); err == nil && i >= 0 && i <= 1<<31-1 {
		return int(i)
	}
	return 0
}

// v1FindMVPDList returns the raw MVPD objects. inList says raw is the value of an "mvpds"/"mvpd" key,
// where a lone object is a one-element list; depth bounds the search to the known nesting.
func v1FindMVPDList(raw json.RawMessage, inList bool, depth int) ([]json.RawMessage, error) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return nil, nil
	}
	switch raw[0] {
	case '[':
		var list []json.RawMessage
		err := json.Unmarshal(raw, &list)
		return list, err
	case '{':
	default:
		return nil, errors.New("MVPD list is neither an array nor an object")
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return nil, err
	}
	if depth < 3 {
		for _, key := range []string{"mvpds", "mvpd", "requestor", "config"} {
			list, err := v1FindMVPDList(obj[key], key == "mvpds" || key == "mvpd", depth+1) // absent: nil
			if err != nil || list != nil {
				return list, err
			}
		}
	}
	if _, hasID := obj["id"]; inList && hasID {
		return []json.RawMessage{raw}, nil
	}
	return nil, nil
}
