package chain

// EventType says what changed in a Chain.
type EventType int

const (
	// EventTipChanged: the best chain grew by one or more blocks.
	EventTipChanged EventType = iota
	// EventReorg: the best chain switched branches; Disconnected lists the
	// blocks that left it, newest first.
	EventReorg
)

func (t EventType) String() string {
	switch t {
	case EventTipChanged:
		return "tip changed"
	case EventReorg:
		return "reorg"
	}
	return "unknown event"
}

// Event is delivered to subscribers after the chain's state has changed.
type Event struct {
	Type         EventType
	Hash         Hash   // the new tip
	Height       uint64 // the new tip's height
	Block        *Block // the new tip
	Disconnected []*Block
}

// Subscribe registers fn to be called for every event, in order. fn runs
// with the chain's lock held for writing: it must not call back into the
// Chain and must not block (hand the event to a goroutine or channel).
// The returned function unsubscribes.
func (c *Chain) Subscribe(fn func(Event)) (unsubscribe func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	id := c.nextSub
	c.nextSub++
	c.subs[id] = fn
	return func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		delete(c.subs, id)
	}
}

// notify calls every subscriber. MUST be called with c.mu held.
func (c *Chain) notify(ev Event) {
	for _, fn := range c.subs {
		fn(ev)
	}
}
