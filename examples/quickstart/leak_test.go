package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the example's tests when a goroutine outlives them (the fake it runs against, or a
// request still in flight). No goroutine is ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
