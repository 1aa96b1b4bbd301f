package tvauthtest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// waField is one member of a WebAPI reply's data, in the order the docs show it. A field has either
// a value or children; num makes the JSON rendering a number, as AOL and open-oscar-server emit.
type waField struct {
	name  string
	value string
	num   bool
	kids  []waField
}

func waStr(name, value string) waField { return waField{name: name, value: value} }
func waNum(name string, v int64) waField {
	return waField{name: name, value: strconv.FormatInt(v, 10), num: true}
}
func waObj(name string, kids ...waField) waField { return waField{name: name, kids: kids} }

// waReply is the standard OpenAuth wrapper: statusCode, statusText, statusDetailCode (errors only),
// requestId (only when r was sent), data.
type waReply struct {
	statusCode int
	statusText string
	detailCode int
	requestID  string
	data       []waField
}

// waFormat is how the client asked to be answered: f=json (JSONP when c is set), xml or qs.
type waFormat struct {
	f        string
	callback string
}

// waFormatOf picks the reply format from the request's f and c. An unknown f or a callback that is
// not a plain JavaScript name is an error, answered in JSON.
func waFormatOf(f, c string) (waFormat, string) {
	switch f {
	case "json", "xml", "qs":
	default:
		return waFormat{f: "json"}, "f must be json, xml or qs"
	}
	if c != "" {
		if f != "json" || !waValidCallback(c) {
			return waFormat{f: f}, "c must be a JavaScript name (A-Z a-z 0-9 _ $ .), at most 100 characters, with f=json"
		}
	}
	return waFormat{f: f, callback: c}, ""
}

func waValidCallback(c string) bool {
	if len(c) == 0 || len(c) > 100 {
		return false
	}
	for i := 0; i < len(c); i++ {
		b := c[i]
		if !('A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '_' || b == '$' || b == '.') {
			return false
		}
	}
	return true
}

// waHTTPStatus is the HTTP status the fake sends with an envelope statusCode. NINA's docs only name
// the envelope codes; like open-oscar-server, the fake mirrors failures in the HTTP status too
// (330 challenges as 401), in every format, so that no failure looks like a success on the wire.
func waHTTPStatus(statusCode int) int {
	switch {
	case statusCode == 200 || statusCode == 304:
		return http.StatusOK
	case statusCode == 330 || statusCode == 401 || statusCode == 440 || statusCode == 442 ||
		statusCode == 443 || statusCode == 444:
		return http.StatusUnauthorized
	case statusCode == 430 || statusCode == 441 || statusCode == 607:
		return http.StatusTooManyRequests
	case statusCode == 405:
		return http.StatusMethodNotAllowed
	case statusCode == 408:
		return http.StatusRequestTimeout
	case statusCode >= 500:
		return http.StatusInternalServerError
	default:
		return http.StatusBadRequest
	}
}

func (fm waFormat) write(w http.ResponseWriter, rep waReply) {
	var body, ctype string
	switch fm.f {
	case "xml":
		body, ctype = rep.xml(), "text/xml; charset=utf-8"
	case "qs":
		body, ctype = rep.qs(), "text/plain; charset=utf-8"
	default:
		body, ctype = rep.json(), "application/json; charset=utf-8"
		if fm.callback != "" {
			body, ctype = fm.callback+"("+body+");", "application/javascript; charset=utf-8"
		}
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(waHTTPStatus(rep.statusCode))
	_, _ = w.Write([]byte(body))
}

func waQuote(s string) string {
	b, _ := json.Marshal(s) // a string always marshals
	return string(b)
}

func (rep waReply) json() string {
	var b strings.Builder
	b.WriteString(`{"response":{"statusCode":`)
	b.WriteString(strconv.Itoa(rep.statusCode))
	b.WriteString(`,"statusText":` + waQuote(rep.statusText))
	if rep.detailCode != 0 {
		b.WriteString(`,"statusDetailCode":` + strconv.Itoa(rep.detailCode))
	}
	if rep.requestID != "" {
		b.WriteString(`,"requestId":` + waQuote(rep.requestID))
	}
	b.WriteString(`,"data":`)
	waJSONObject(&b, rep.data)
	b.WriteString("}}")
	return b.String()
}

func waJSONObject(b *strings.Builder, fields []waField) {
	b.WriteByte('{')
	for i, f := range fields {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(waQuote(f.name) + ":")
		switch {
		case f.kids != nil:
			waJSONObject(b, f.kids)
		case f.num:
			b.WriteString(f.value)
		default:
			b.WriteString(waQuote(f.value))
		}
	}
	b.WriteByte('}')
}

// waXMLNamespace is AOL's OpenAuth namespace; NINA's own is undocumented, and clients parse
// namespace-agnostically.
const waXMLNamespace = "https://api.login.aol.com"

func (rep waReply) xml() string {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<response xmlns="` + waXMLNamespace + `">`)
	waXMLElem(&b, "statusCode", strconv.Itoa(rep.statusCode))
	waXMLElem(&b, "statusText", rep.statusText)
	if rep.detailCode != 0 {
		waXMLElem(&b, "statusDetailCode", strconv.Itoa(rep.detailCode))
	}
	if rep.requestID != "" {
		waXMLElem(&b, "requestId", rep.requestID)
	}
	b.WriteString("<data>")
	waXMLFields(&b, rep.data)
	b.WriteString("</data></response>\n")
	return b.String()
}

func waXMLFields(b *strings.Builder, fields []waField) {
	for _, f := range fields {
		if f.kids != nil {
			b.WriteString("<" + f.name + ">")
			waXMLFields(b, f.kids)
			b.WriteString("</" + f.name + ">")
			continue
		}
		waXMLElem(b, f.name, f.value)
	}
}

func waXMLElem(b *strings.Builder, name, value string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(value)) // a strings.Builder never fails
	b.WriteString("</" + name + ">")
}

// qs drops the data level and joins nested names with "_" (token_a, challenge_info), form-encoding
// every value as the clients that read f=qs expect (they turn "+" back into a space).
func (rep waReply) qs() string {
	pairs := []string{
		"statusCode=" + strconv.Itoa(rep.statusCode),
		"statusText=" + url.QueryEscape(rep.statusText),
	}
	if rep.detailCode != 0 {
		pairs = append(pairs, "statusDetailCode="+strconv.Itoa(rep.detailCode))
	}
	if rep.requestID != "" {
		pairs = append(pairs, "requestId="+url.QueryEscape(rep.requestID))
	}
	var flat func(prefix string, fields []waField)
	flat = func(prefix string, fields []waField) {
		for _, f := range fields {
			if f.kids != nil {
				flat(prefix+f.name+"_", f.kids)
				continue
			}
			pairs = append(pairs, url.QueryEscape(prefix+f.name)+"="+url.QueryEscape(f.value))
		}
	}
	flat("", rep.data)
	return strings.Join(pairs, "&")
}
