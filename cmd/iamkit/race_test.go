//go:build race

package main

// raceEnabled: the tests run under -race, and build the iamkit they run
// with it too, so that the race detector watches the subprocesses.
func init() { raceEnabled = true }
