package node

import "time"

// Clock is a node's time source: every time a node reads, waits for or
// puts in a block or a timer comes from it, so tests can run a node on a
// virtual clock (package nodetest) and the simulator on its own.
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// After returns a channel that receives the time once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
var SystemClock Clock = systemClock{}

type systemClock struct{}

func (systemClock) Now() time.Time                         { return time.Now() }
func (systemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
