package tvauth_test

import (
	"testing"

	"go.uber.org/goleak"
)

// TestMain fails the package's tests when a goroutine outlives them: a request left hanging, a
// server handler still blocked, a token fetch nobody waits for. It runs once for both the tvauth and
// tvauth_test packages (they share one test binary).
//
// No goroutine is ignored: every test closes its servers, and the SDK's default transport is private
// to each Client, so idle keep-alive connections die with the httptest server that owns them.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}
