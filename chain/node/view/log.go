package view

import "github.com/chainplay/chainplay/chain/node"

// logBook is the model's log: the last max entries, and which of them
// changed since the last snapshot. Its rules keep a page readable however
// fast the node goes:
//   - a sync is one line: started and each progress replace the previous
//     sync line of the same peer, and done replaces it for the last time;
//   - while a sync runs, the tips it brings are not logged (the sync line
//     says how far it got);
//   - the new tip a block this node mined makes becomes the mined line
//     (one line, not two);
//   - everything else is a line of its own.
type logBook struct {
	max     int
	next    uint64
	entries []Entry             // oldest first
	changed map[uint64]struct{} // ids of the entries changed since take
	syncAt  uint64              // id of the current sync line, 0 if none
}

// add records ev; syncing says whether a sync is under way (after ev).
func (l *logBook) add(ev node.Event, syncing bool) {
	switch {
	case ev.Kind == node.EventTip && syncing:
		return
	case ev.Kind == node.EventMined && len(l.entries) > 0 && l.entries[len(l.entries)-1].Event.Kind == node.EventTip &&
		l.entries[len(l.entries)-1].Event.Hash == ev.Hash:
		l.replace(l.entries[len(l.entries)-1].ID, ev) // one line for a block this node mined
		return
	case ev.Kind == node.EventSync && l.syncAt != 0 && l.replace(l.syncAt, ev):
		if ev.Code == node.CodeSyncDone {
			l.syncAt = 0
		}
		return
	}
	l.next++
	l.entries = append(l.entries, Entry{ID: l.next, Event: ev})
	if ev.Kind == node.EventSync && ev.Code != node.CodeSyncDone {
		l.syncAt = l.next
	}
	if over := len(l.entries) - l.max; over > 0 {
		l.entries = append(l.entries[:0:0], l.entries[over:]...)
	}
	l.mark(l.next)
}

// replace puts ev in the entry with id, if it is still kept.
func (l *logBook) replace(id uint64, ev node.Event) bool {
	for i := len(l.entries) - 1; i >= 0; i-- {
		if l.entries[i].ID == id {
			l.entries[i].Event = ev
			l.mark(id)
			return true
		}
	}
	return false
}

func (l *logBook) mark(id uint64) {
	if l.changed == nil {
		l.changed = make(map[uint64]struct{})
	}
	l.changed[id] = struct{}{}
}

// take returns the kept entries changed since the last take, oldest first.
func (l *logBook) take() []Entry {
	out := []Entry{}
	for _, e := range l.entries {
		if _, ok := l.changed[e.ID]; ok {
			out = append(out, e)
		}
	}
	clear(l.changed)
	return out
}
