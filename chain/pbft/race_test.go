//go:build race

package pbft_test

// raceBuild: the race detector slows ed25519 about tenfold, so the seeded
// runs are fewer under -race (use -pbft.runs for more).
const raceBuild = true
