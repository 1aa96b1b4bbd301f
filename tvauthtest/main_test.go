package tvauthtest_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them (a fake left running, a request
// left hanging). It runs once for both the tvauthtest and tvauthtest_test packages. No goroutine is
// ignored.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
