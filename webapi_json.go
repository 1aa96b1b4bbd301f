package tvauth

import (
	"errors"
	"fmt"
	"strconv"
)

// webapiFlattenJSONOnce is webapiFlattenJSON in one pass over the body: it checks the JSON syntax
// and flattens the envelope as it goes, where decoding into map[string]any first cost dozens of
// allocations a reply. It keeps webapiFlattenJSON's rules: {"response":{...}} or a bare envelope,
// scalar envelope fields, data keys joined with "_", arrays with "_<index>", null absent, at most
// webapiMaxDepth levels, nothing after the value. (One difference, for replies that repeat a key: a
// broken value is an error even when a later duplicate would have replaced it.)
func webapiFlattenJSONOnce(b []byte) (env, data map[string]string, err error) {
	p := &jsonScanner{b: b}
	p.space()
	if p.i >= len(b) || b[p.i] != '{' {
		if err := p.skip(); err != nil {
			return nil, nil, err
		}
		if err := p.end(); err != nil {
			return nil, nil, err
		}
		return nil, nil, fmt.Errorf("%w: JSON reply is not an object", errWebAPINoEnvelope)
	}
	// The top-level members fill top; a "response" object fills its own target. Which one is the
	// reply is known only at the end: the last "response" key decides, as a map would.
	// The top level and a "response" object are both flattened until the end says which is the
	// reply, so they share one budget: it bounds the memory of both.
	budget := webapiKeyBudget(len(b))
	top := &webapiFlatTarget{budget: &budget}
	var resp *webapiFlatTarget
	p.i++
	if err := p.members(func(key string) error {
		if key == "response" && p.peek() == '{' {
			resp = &webapiFlatTarget{budget: &budget}
			p.i++
			return p.members(func(k string) error { return p.envelopeMember(resp, k) })
		}
		if key == "response" {
			resp = nil
		}
		return p.envelopeMember(top, key)
	}); err != nil {
		return nil, nil, err
	}
	if err := p.end(); err != nil {
		return nil, nil, err
	}
	t := top
	if resp != nil {
		t = resp
	}
	if t.err != nil {
		return nil, nil, t.err
	}
	if t.env == nil {
		t.env = map[string]string{}
	}
	if t.data == nil {
		t.data = map[string]string{}
	}
	return t.env, t.data, nil
}

// webapiFlatTarget collects one envelope; err is the first reason it is not a valid one (the parser
// goes on checking the syntax, which decides first).
type webapiFlatTarget struct {
	env, data map[string]string
	err       error
	budget    *int // webapiKeyBudget, less the keys made so far
}

// join is the key of k under prefix, or "" once the envelope is refused (no key is built for it).
func (t *webapiFlatTarget) join(prefix, k string) string {
	if t.err != nil {
		return ""
	}
	if err := webapiSpendKey(t.budget, prefix, k); err != nil {
		t.fail(err)
		return ""
	}
	return webapiJoinKey(prefix, k)
}

func (t *webapiFlatTarget) fail(err error) {
	if t.err == nil {
		t.err = err
	}
}

// envelopeMember files one member of an envelope object: the four envelope fields, "data", or any
// other key as data.
func (p *jsonScanner) envelopeMember(t *webapiFlatTarget, key string) error {
	if webapiEnvelopeKey(key) {
		switch p.peek() {
		case '{', '[':
			t.fail(fmt.Errorf("%s is not a scalar", key))
			return p.skip()
		}
		text, isNull, err := p.scalar(t.err == nil)
		if err != nil || isNull || t.err != nil {
			return err
		}
		if t.env == nil {
			t.env = map[string]string{}
		}
		t.env[key] = text
		return nil
	}
	if key == "data" {
		return p.flatten(t, "", 1)
	}
	return p.flatten(t, t.join("", key), 1)
}

// flatten writes the value under key as webapiFlattenJSONValue (the reference in the tests) does.
func (p *jsonScanner) flatten(t *webapiFlatTarget, key string, depth int) error {
	if depth > webapiMaxDepth {
		t.fail(errors.New("reply nested too deeply"))
		return p.skip() // the syntax still decides first; no key is joined for a reply refused already
	}
	switch p.peek() {
	case '{':
		p.i++
		return p.members(func(k string) error { return p.flatten(t, t.join(key, k), depth+1) })
	case '[':
		p.i++
		return p.elements(func(n int) error {
			child := ""
			if t.err == nil {
				child = t.join(key, strconv.Itoa(n))
			}
			return p.flatten(t, child, depth+1)
		})
	}
	store := t.err == nil && key != "" // "data": "text" has no name to file it under
	text, isNull, err := p.scalar(store)
	if err != nil || isNull || !store {
		return err
	}
	if t.data == nil {
		t.data = map[string]string{}
	}
	t.data[key] = text
	return nil
}
