package tvauthtest

import "net/http"

type agsState struct{}

func newAGSState() *agsState { return &agsState{} }

func (s *Server) registerAGS(mux *http.ServeMux) {}
