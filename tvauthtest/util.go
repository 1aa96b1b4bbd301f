package tvauthtest

import (
	"bytes"
	"io"
	"net/http"
)

// readAll reads the request body and puts it back, so handlers can read it again.
func readAll(r *http.Request) []byte {
	if r.Body == nil {
		return nil
	}
	b, _ := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	r.Body.Close()
	r.Body = io.NopCloser(bytes.NewReader(b))
	return b
}
