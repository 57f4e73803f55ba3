package sim

import (
	"time"

	"github.com/chainplay/chainplay/chain/node"
)

// clock is the virtual clock every simulated node reads: Now is the
// simulation's current time, and After fires through the event queue, so
// no goroutine and no wall clock is involved.
type clock struct{ s *Sim }

var _ node.Clock = clock{}

// Now implements node.Clock.
func (c clock) Now() time.Time { return c.s.epoch.Add(c.s.now) }

// After implements node.Clock: the channel receives the virtual time once
// the simulation reaches Now()+d. A Session-driven node does not wait on
// it; it is here so that any code of the node that does gets virtual time.
func (c clock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.s.schedule(&event{at: c.s.now + max(d, 0), kind: evTimer, ch: ch})
	return ch
}
