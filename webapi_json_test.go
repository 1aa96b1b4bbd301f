package tvauth

import (
	"bytes"
	"encoding/json"
	"io"
	"maps"
	"os"
	"path/filepath"
	"testing"
)

// FuzzWebAPIFlattenJSONOnce checks the one-pass flattener against webapiFlattenJSON, which decodes
// through map[string]any: same envelope and data, and an error exactly when it errs. Replies that
// repeat a key are left out: there the map keeps only the last value, which the one-pass reader does
// not model.
func FuzzWebAPIFlattenJSONOnce(f *testing.F) {
	files, _ := filepath.Glob("testdata/webapi/*.json")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"response":{"statusCode":200,"statusText":"OK","data":{"token":{"a":"x\u00e9\ud83d\ude00","expiresIn":"86400"},"list":[1,"two",null,true,{"k":false}]}}}`,
		`{"statusCode":"200","data":"text","extra":{"n":1.5e3}}`,
		`{"response":"x","statusCode":1}`, `{"response":{"statusCode":{}}}`, `[1]`, `{}`, `{"a":1} x`, `{"a":"\ud800"}`,
		"{\"a\":\"\xff\"}", `{"statusCode":null}`, `{"a":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}`,
		`{"a":01}`, `{"a":tru}`, `{"a":"\x"}`, `{"a" 1}`, `{"a":1,}`, ``, ` `,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if repeatsKey(b) {
			t.Skip()
		}
		env1, data1, err1 := webapiFlattenJSON(b)
		env2, data2, err2 := webapiFlattenJSONOnce(b)
		if (err1 == nil) != (err2 == nil) {
			t.Fatalf("%q: errors differ: %v vs %v", b, err1, err2)
		}
		if err1 != nil {
			return
		}
		if !maps.Equal(env1, env2) || !maps.Equal(data1, data2) {
			t.Fatalf("%q:\nenv  %v\n     %v\ndata %v\n     %v", b, env1, env2, data1, data2)
		}
	})
}

// repeatsKey reports whether some object in b (valid JSON or not) names a key twice.
func repeatsKey(b []byte) bool {
	dec := json.NewDecoder(bytes.NewReader(b))
	type frame struct {
		keys  map[string]bool
		isObj bool
		key   bool // the next string token is a key
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err == io.EOF || err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		wasKey := top != nil && top.isObj && top.key
		if top != nil && top.isObj {
			top.key = !top.key
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, &frame{keys: map[string]bool{}, isObj: true, key: true})
			case '[':
				stack = append(stack, &frame{})
			default:
				stack = stack[:len(stack)-1]
				if len(stack) > 0 && stack[len(stack)-1].isObj {
					stack[len(stack)-1].key = true
				}
				continue
			}
		case string:
			if wasKey {
				if top.keys[v] {
					return true
				}
				top.keys[v] = true
			}
		}
	}
}
