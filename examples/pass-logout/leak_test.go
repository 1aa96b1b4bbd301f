package main

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (a fake left running, a request
// left hanging).
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
