//go:build race

package server_test

// raceEnabled: the race detector keeps shadow memory for every
// allocation, which multiplies what a memory bound measures.
const raceEnabled = true
