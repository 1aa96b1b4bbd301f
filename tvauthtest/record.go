package tvauthtest

// ClearRequests forgets the requests recorded so far, so that Requests starts again from the next one.
func (s *Server) ClearRequests() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = nil
}

// ClearFaults drops every queued Fault, used or not.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// PendingFaults returns a copy of the queued faults, each with the uses it has left.
func (s *Server) PendingFaults() []Fault {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Fault, 0, len(s.faults))
	for _, f := range s.faults {
		c := *f
		c.Header = f.Header.Clone()
		out = append(out, c)
	}
	return out
}
