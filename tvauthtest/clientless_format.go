package tvauthtest

import (
	"encoding/json"
	"encoding/xml"
	"net/http"
	"strconv"
	"strings"
)

// Clientless (REST API v1) answers in XML by default and in JSON on request, with the same member
// names in both. Replies are built once as ordered fields and rendered either way.

type clFormat int

const (
	clXML clFormat = iota
	clJSON
)

// clField is one member of a reply. Values: string, int64, int, bool, nil (JSON null, left out of
// XML), clObj, clList.
type clField struct {
	key string
	val any
}

type clObj []clField

// clList is an array: in JSON a plain array, in XML a <key> element wrapping one <item> element per
// entry (e.g. <resources><resource>…</resource></resources>).
type clList struct {
	item  string
	items []any
}

// clFormatOf picks the reply format the way the v1 docs describe: a .json/.xml suffix on the last
// path segment, else the format parameter, else the Accept header; XML when none says. It returns
// the segments with the suffix removed.
func clFormatOf(r *http.Request, seg []string) (clFormat, []string) {
	if n := len(seg); n > 0 {
		switch {
		case strings.HasSuffix(seg[n-1], ".json"):
			seg[n-1] = strings.TrimSuffix(seg[n-1], ".json")
			return clJSON, seg
		case strings.HasSuffix(seg[n-1], ".xml"):
			seg[n-1] = strings.TrimSuffix(seg[n-1], ".xml")
			return clXML, seg
		}
	}
	switch strings.ToLower(r.URL.Query().Get("format")) {
	case "json":
		return clJSON, seg
	case "xml":
		return clXML, seg
	}
	if strings.Contains(strings.ToLower(r.Header.Get("Accept")), "application/json") {
		return clJSON, seg
	}
	return clXML, seg
}

// clRender writes a reply. root names the XML root element (rootAttrs are written inside its start
// tag); with root "" the object's single member is the XML root.
func clRender(w http.ResponseWriter, f clFormat, status int, root, rootAttrs string, obj clObj) {
	var b strings.Builder
	if f == clJSON {
		w.Header().Set("Content-Type", "application/json;charset=UTF-8")
		clWriteJSON(&b, obj)
	} else {
		w.Header().Set("Content-Type", "application/xml;charset=UTF-8")
		b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`)
		if root == "" && len(obj) == 1 {
			clWriteXMLField(&b, obj[0], rootAttrs)
		} else {
			b.WriteString("<" + root + rootAttrs + ">")
			for _, fld := range obj {
				clWriteXMLField(&b, fld, "")
			}
			b.WriteString("</" + clElemName(root) + ">")
		}
	}
	w.WriteHeader(status)
	_, _ = w.Write([]byte(b.String()))
}

// clElemName is the name in an end tag (a start tag may carry attributes after it).
func clElemName(tag string) string {
	name, _, _ := strings.Cut(tag, " ")
	return name
}

func clWriteJSON(b *strings.Builder, v any) {
	switch v := v.(type) {
	case clObj:
		b.WriteByte('{')
		for i, f := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			k, _ := json.Marshal(f.key)
			b.Write(k)
			b.WriteByte(':')
			clWriteJSON(b, f.val)
		}
		b.WriteByte('}')
	case clList:
		b.WriteByte('[')
		for i, item := range v.items {
			if i > 0 {
				b.WriteByte(',')
			}
			clWriteJSON(b, item)
		}
		b.WriteByte(']')
	default:
		j, err := json.Marshal(v)
		if err != nil {
			j = []byte("null")
		}
		b.Write(j)
	}
}

func clWriteXMLField(b *strings.Builder, f clField, attrs string) {
	switch v := f.val.(type) {
	case nil:
		return
	case clList:
		b.WriteString("<" + f.key + attrs + ">")
		for _, item := range v.items {
			clWriteXMLField(b, clField{v.item, item}, "")
		}
		b.WriteString("</" + f.key + ">")
	case clObj:
		b.WriteString("<" + f.key + attrs + ">")
		for _, kid := range v {
			clWriteXMLField(b, kid, "")
		}
		b.WriteString("</" + f.key + ">")
	default:
		b.WriteString("<" + f.key + attrs + ">")
		var text string
		switch v := v.(type) {
		case string:
			text = v
		case int64:
			text = strconv.FormatInt(v, 10)
		case int:
			text = strconv.Itoa(v)
		case bool:
			text = strconv.FormatBool(v)
		}
		_ = xml.EscapeText(clWriter{b}, []byte(text))
		b.WriteString("</" + f.key + ">")
	}
}

type clWriter struct{ b *strings.Builder }

func (w clWriter) Write(p []byte) (int, error) { return w.b.Write(p) }

// clError writes a legacy v1 error: {"status":…,"message":…} or <error><status>…</status>…</error>,
// with whatever extra members the documented sample of that endpoint shows.
func clError(w http.ResponseWriter, f clFormat, status int, message string, extra ...clField) {
	obj := clObj{{"status", status}, {"message", message}}
	clRender(w, f, status, "error", "", append(obj, extra...))
}

// clMethodNotAllowed answers 405 with Allow and the Enhanced Error Code object Adobe's v1 catalog
// lists for it (action none, code internal_error, status 405), in the request's format.
func clMethodNotAllowed(w http.ResponseWriter, f clFormat, allow string) {
	w.Header().Set("Allow", allow)
	clRender(w, f, http.StatusMethodNotAllowed, "error", "", clObj{
		{"action", "none"}, {"status", http.StatusMethodNotAllowed}, {"code", adobeGenericCode},
		{"message", "The request method is not supported: use " + strings.ReplaceAll(allow, ", ", " or ") + "."},
		{"helpUrl", adobeHelpURL}, {"trace", adobeUUID()},
	})
}

// clNullDetails is the "details": null member some documented v1 error samples carry.
func clNullDetails() clField { return clField{"details", nil} }
