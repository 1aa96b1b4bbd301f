//go:build race

package tvauth_test

// raceDetector: the race detector charges every byte a buffer moves, so the fault rows that move
// megabytes run on fewer methods under -race (see heavyRowMethods).
const raceDetector = true
