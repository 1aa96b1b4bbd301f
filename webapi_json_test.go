package tvauth

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"testing"
)

// FuzzWebAPIFlattenJSONOnce checks the one-pass flattener against webapiFlattenJSON, which decodes
// through map[string]any: same envelope and data, and an error exactly when it errs. Replies that
// repeat a key are left out: there the map keeps only the last value, which the one-pass reader does
// not model. (A reply whose top level and "response" object both hold more than 64 KiB of keys may
// also differ: the one-pass reader charges both to one budget, the reference only the one it keeps.)
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

// webapiFlattenJSON is the reference the one-pass flattener (webapiFlattenJSONOnce) is held to: it
// reads {"response":{...}} (or a bare envelope object) through map[string]any, with statusCode and
// friends as numbers or strings, and the same key limits.
func webapiFlattenJSON(b []byte) (env, data map[string]string, err error) {
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var top any
	if err := dec.Decode(&top); err != nil {
		return nil, nil, err
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, nil, errors.New("data after the JSON reply")
	}
	obj, ok := top.(map[string]any)
	if !ok {
		return nil, nil, fmt.Errorf("%w: JSON reply is not an object", errWebAPINoEnvelope)
	}
	if inner, ok := obj["response"].(map[string]any); ok {
		obj = inner
	}
	env, data = map[string]string{}, map[string]string{}
	budget := webapiKeyBudget(len(b))
	for k, v := range obj {
		switch {
		case webapiEnvelopeKey(k):
			if s, ok := webapiJSONScalar(v); ok {
				env[k] = s
			} else if v != nil {
				return nil, nil, fmt.Errorf("%s is not a scalar", k)
			}
		case k == "data":
			if err := webapiFlattenJSONValue(data, &budget, "", v, 1); err != nil {
				return nil, nil, err
			}
		default:
			if err := webapiSpendKey(&budget, "", k); err != nil {
				return nil, nil, err
			}
			if err := webapiFlattenJSONValue(data, &budget, k, v, 1); err != nil {
				return nil, nil, err
			}
		}
	}
	return env, data, nil
}

func webapiJSONScalar(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		return v.String(), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// webapiFlattenJSONValue writes v under key; objects nest with "_", arrays with "_<index>", as the qs
// format would. JSON null is absent.
func webapiFlattenJSONValue(out map[string]string, budget *int, key string, v any, depth int) error {
	if depth > webapiMaxDepth {
		return errors.New("reply nested too deeply")
	}
	switch v := v.(type) {
	case map[string]any:
		for k, inner := range v {
			if err := webapiSpendKey(budget, key, k); err != nil {
				return err
			}
			if err := webapiFlattenJSONValue(out, budget, webapiJoinKey(key, k), inner, depth+1); err != nil {
				return err
			}
		}
	case []any:
		for i, inner := range v {
			if err := webapiSpendKey(budget, key, strconv.Itoa(i)); err != nil {
				return err
			}
			if err := webapiFlattenJSONValue(out, budget, webapiJoinKey(key, strconv.Itoa(i)), inner, depth+1); err != nil {
				return err
			}
		}
	case nil:
	default:
		if key == "" { // "data": "text" has no name to file it under
			return nil
		}
		s, _ := webapiJSONScalar(v)
		out[key] = s
	}
	return nil
}
