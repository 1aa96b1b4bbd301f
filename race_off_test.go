//go:build !race

package tvauth_test

// raceDetector: see race_on_test.go.
const raceDetector = false
