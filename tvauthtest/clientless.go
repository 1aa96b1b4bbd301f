package tvauthtest

import "net/http"

type clientlessState struct{}

func newClientlessState() *clientlessState { return &clientlessState{} }

func (s *Server) registerClientless(mux *http.ServeMux) {}
