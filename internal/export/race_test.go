//go:build race

package export

// raceEnabled: the tests run under the race detector.
const raceEnabled = true
