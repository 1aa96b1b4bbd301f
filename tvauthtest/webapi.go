package tvauthtest

import "net/http"

type webapiState struct{}

func newWebAPIState() *webapiState { return &webapiState{} }

func (s *Server) registerWebAPI(mux *http.ServeMux) {}
