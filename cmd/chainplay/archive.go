//go:build !js

package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/relay"
)

// archiveName is the nickname the archive peers go by in their rooms.
const archiveName = "archive"

// archiveConfig configures the archive peers.
type archiveConfig struct {
	// Dir holds one store per room, DIR/NAME.db. This field is required.
	Dir string
	// Idle is how long a room stays without websocket peers before its
	// archive peer stops. This field is required.
	Idle time.Duration
	// Clock is the clock of the archive nodes. This field is required.
	Clock node.Clock
	// Log receives start, stop and failure events. This field is required.
	Log *slog.Logger
	// StoreDelay is the archive nodes' node.Config.StoreDelay: how long
	// after a write of the store the next one waits for more blocks, so a
	// fast room costs fewer writes. A block accepted but not yet written
	// when the process dies is recovered from the room's peers by the
	// archive that takes over (docs/cluster.md). Zero: every block is
	// written as soon as the last write ends.
	StoreDelay time.Duration
}

// archives runs one archive peer per active room: a chain/node with an
// on-disk store that joins its room through relay.JoinLocal, validates
// everything it hears and keeps every valid block, so a tab that joins an
// empty room still syncs and the room survives a restart of the server.
//
// The relay's room hooks drive it: OnRoomActive starts the room's peer
// (Active), OnRoomEmpty arms a timer that stops it after Config.Idle
// (Empty); a created room's store stays on disk, an uncreated room's is
// reclaimed, and either way the room's session (its bans) ends. Reset and
// Claim give a room a new epoch with one write to the registry, then stop
// the peer, kick everyone and delete the old store.
//
// # Stores and crash safety
//
// A room's store is named by its epoch: DIR/NAME.db at epoch 0,
// DIR/NAME.EPOCH.db after. So the registry's record alone says which
// store is the room's, and a reset is decided by its one durable write:
// killed before it, the room is the old one, store and all; killed after
// it, the room is the new one, with a fresh store, and the old file is
// garbage that the next start of the room's peer (or of the server)
// deletes. No window leaves the old chain in the new room or a store of
// another chain where the room looks for its own.
//
// All methods are safe for concurrent use.
type archives struct {
	cfg   archiveConfig
	relay *relay.Server
	reg   roomRegistry
	// stores keeps the rooms' blocks elsewhere than in files under
	// Config.Dir (JetStream in a cluster: jsstore.go); nil: files.
	stores archiveStores
	// leases decides which process runs a room's archive (lease.go); nil:
	// this one, always.
	leases archiveLeases
	// onReset, if set, tells the other processes of a cluster that a
	// Reset or Claim moved a room to a new epoch (cluster.go).
	onReset func(room string, epoch uint64)
	// onHeld, if set, is called when this process's archive of a room is
	// up under the room's lease, and the function it returns when it
	// stops: the server answers the other processes' requests for the
	// room then (archiveproxy.go).
	onHeld func(room string) (stop func())
	bans   *bans // the rooms' sessions: cleared when one ends
	// record returns the record a room's archive builds its chain from
	// (the defaults for a room opened by URL) and whether a teacher
	// created the room.
	record func(room string) (roomRecord, bool, error)

	mu     sync.Mutex
	rooms  map[string]*roomState // guarded by mu
	closed bool                  // guarded by mu
	wg     sync.WaitGroup        // one per running peer goroutine
	// timelines records each room's lesson as its archive peer lives it,
	// across restarts of the peer; a reset starts a new one. Guarded by mu.
	timelines map[string]*node.Timeline
}

// roomState is what the manager knows of one room. Guarded by archives.mu.
type roomState struct {
	active    bool          // the room has websocket peers
	peer      *archivePeer  // the running peer, or nil
	idle      *time.Timer   // armed by Empty, nil otherwise
	idleGen   uint64        // which arming of idle is current
	resetting bool          // a Reset owns the room: do not start a peer
	last      chan struct{} // done of the last peer stopped: a new one waits for it
	failure   string        // why the last peer failed by itself, if it did
}

// archivePeer is one running archive node.
type archivePeer struct {
	room   string
	cancel context.CancelFunc
	done   chan struct{} // closed when run has returned and the store is closed

	mu   sync.Mutex
	node *node.Node // nil until the store is replayed
	id   string     // peer id of the current connection
	// standby: another process holds the room's lease (a cluster), this
	// peer waits to take over; held: it holds the lease.
	standby, held bool
}

// holding reports whether the peer holds its room's lease.
func (p *archivePeer) holding() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held
}

// archiveStatus describes a room's archive peer for the API.
type archiveStatus struct {
	Running bool       `json:"running"`
	ID      string     `json:"id,omitempty"` // its peer id in the room
	Height  uint64     `json:"height"`
	Tip     chain.Hash `json:"tip"`
	// Standby says that another process of the cluster runs the room's
	// archive and this one waits to take over (Running is false then).
	Standby bool `json:"standby,omitempty"`
	// Error says why the last archive peer of the room stopped by itself
	// (say, a store that holds another chain); it is retried when the
	// room next becomes active.
	Error string `json:"error,omitempty"`
}

func newArchives(cfg archiveConfig, rs *relay.Server, reg roomRegistry, b *bans, record func(string) (roomRecord, bool, error)) *archives {
	return &archives{cfg: cfg, relay: rs, reg: reg, bans: b, record: record, rooms: make(map[string]*roomState),
		timelines: make(map[string]*node.Timeline)}
}

// Timeline returns room's timeline (classroom.go), creating it.
func (a *archives) Timeline(room string) *node.Timeline {
	a.mu.Lock()
	defer a.mu.Unlock()
	tl := a.timelines[room]
	if tl == nil {
		tl = node.NewTimeline(a.cfg.Clock)
		a.timelines[room] = tl
	}
	return tl
}

// Node returns room's archive node and its peer id, or nil while it is
// not running (or still replaying its store).
func (a *archives) Node(room string) (*node.Node, string) {
	a.mu.Lock()
	var p *archivePeer
	if st := a.rooms[room]; st != nil {
		p = st.peer
	}
	a.mu.Unlock()
	if p == nil {
		return nil, ""
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.node, p.id
}

// storePath returns the file of room's store at epoch.
func (a *archives) storePath(room string, epoch uint64) string {
	if epoch == 0 {
		return filepath.Join(a.cfg.Dir, room+".db")
	}
	return filepath.Join(a.cfg.Dir, room+"."+strconv.FormatUint(epoch, 10)+".db")
}

// storeFile splits a file name of the store directory into its room and
// epoch; ok is false for any other file.
func storeFile(name string) (room string, epoch uint64, ok bool) {
	base, found := strings.CutSuffix(name, ".db")
	if !found {
		return "", 0, false
	}
	room, e, dotted := strings.Cut(base, ".")
	if dotted {
		n, err := strconv.ParseUint(e, 10, 64)
		if err != nil || n == 0 || e != strconv.FormatUint(n, 10) {
			return "", 0, false
		}
		epoch = n
	}
	return room, epoch, relay.ValidRoomName(room)
}

// storeFiles returns room's store files, whatever their epoch.
func (a *archives) storeFiles(room string) []string {
	ents, err := os.ReadDir(a.cfg.Dir)
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range ents {
		if r, _, ok := storeFile(e.Name()); ok && r == room && !e.IsDir() {
			out = append(out, filepath.Join(a.cfg.Dir, e.Name()))
		}
	}
	return out
}

// removeStores deletes room's store files but keep ("" keeps none). The
// caller makes sure no peer of the room holds one open.
func (a *archives) removeStores(room, keep string) error {
	var errs []error
	for _, f := range a.storeFiles(room) {
		if f == keep {
			continue
		}
		if err := os.Remove(f); err != nil && !errors.Is(err, os.ErrNotExist) {
			errs = append(errs, fmt.Errorf("archive: remove %s: %w", f, err))
		}
	}
	return errors.Join(errs...)
}

// Sweep deletes, at start, the store files no room will open: those of
// an epoch other than their created room's (a reset killed before it
// cleaned up), and those of rooms opened by URL that have not been
// written for Config.Idle (the room was idle when the server stopped).
func (a *archives) Sweep(now time.Time) {
	ents, err := os.ReadDir(a.cfg.Dir)
	if err != nil {
		return
	}
	for _, e := range ents {
		room, epoch, ok := storeFile(e.Name())
		if !ok || e.IsDir() {
			continue
		}
		rec, created, err := a.record(room)
		if err != nil {
			continue
		}
		stale := created && epoch != rec.Epoch
		if !created {
			info, err := e.Info()
			stale = err == nil && now.Sub(info.ModTime()) >= a.cfg.Idle
		}
		if stale {
			path := filepath.Join(a.cfg.Dir, e.Name())
			if err := os.Remove(path); err == nil {
				a.cfg.Log.Info("archive: removed a store no room opens", "file", path)
			}
		}
	}
}

// state returns room's state, creating it. a.mu must be held.
func (a *archives) state(room string) *roomState {
	st := a.rooms[room]
	if st == nil {
		st = &roomState{}
		a.rooms[room] = st
	}
	return st
}

// Active is the OnRoomActive hook: room has websocket peers, so its archive
// peer runs. It returns at once; the store is opened and replayed on the
// peer's own goroutine.
func (a *archives) Active(room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg.Log.Debug("archive: room active", "room", room)
	st := a.state(room)
	st.active = true
	if st.idle != nil {
		st.idle.Stop()
		st.idle = nil
	}
	a.startLocked(room, st)
}

// Empty is the OnRoomEmpty hook: room has no websocket peers left. Its
// archive peer stops after Config.Idle unless a peer comes back first.
func (a *archives) Empty(room string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.cfg.Log.Debug("archive: room empty", "room", room)
	if a.closed {
		return
	}
	st := a.state(room)
	st.active = false
	if st.idle != nil {
		st.idle.Stop()
	}
	st.idleGen++
	gen := st.idleGen
	st.idle = time.AfterFunc(a.cfg.Idle, func() { a.idleStop(room, gen) })
}

// idleStop stops room's peer if the room is still empty and gen is still
// the current arming of its idle timer.
func (a *archives) idleStop(room string, gen uint64) {
	a.mu.Lock()
	st := a.rooms[room]
	if st == nil || st.idle == nil || st.idleGen != gen || st.active {
		a.mu.Unlock()
		return
	}
	st.idle = nil
	p := a.detachLocked(st)
	a.mu.Unlock()
	// In a cluster, the room's stores and record are shared: only the
	// lease holder reclaims them, and only when no process has peers in
	// the room any more.
	reclaim := a.leases == nil
	if p != nil {
		reclaim = reclaim || p.holding() && len(a.relay.Peers(room)) <= 1 // the archive alone
		a.cfg.Log.Info("archive: room idle, stopping its peer", "room", room)
		p.stop()
	}
	a.mu.Lock()
	ended := a.rooms[room] == st && st.peer == nil && st.idle == nil && !st.active && !st.resetting
	if ended {
		delete(a.rooms, room) // keep the map to the rooms in use; the store is closed
	}
	a.mu.Unlock()
	if !ended {
		return
	}
	if reclaim {
		a.bans.endSession(room) // the room's session is over (everywhere: nobody is left in it)
	}
	if _, created, err := a.record(room); err == nil && !created && reclaim {
		// A room opened by URL leaves nothing behind: its slot, its
		// name and its disk are free for the next one.
		if err := a.removeOld(room, nil); err != nil {
			a.cfg.Log.Warn("archive: reclaim", "room", room, "err", err)
		}
		if err := a.reg.deleteUncreated(room); err != nil {
			a.cfg.Log.Warn("archive: reclaim", "room", room, "err", err)
		}
		a.cfg.Log.Info("archive: room opened by URL reclaimed", "room", room)
	}
}

// startLocked starts room's peer unless it runs, the room is being reset
// or the manager is closed. a.mu must be held.
func (a *archives) startLocked(room string, st *roomState) {
	if a.closed || st.resetting || st.peer != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	p := &archivePeer{room: room, cancel: cancel, done: make(chan struct{})}
	st.peer = p
	st.failure = ""
	prev := st.last
	a.wg.Add(1)
	go func() {
		defer a.wg.Done()
		defer close(p.done)
		if prev != nil {
			<-prev // the last peer's store is closed: the file is free
		}
		err := a.run(ctx, p)
		if err != nil && ctx.Err() == nil {
			a.cfg.Log.Error("archive: peer failed", "room", room, "err", err)
		}
		a.mu.Lock()
		st := a.rooms[room]
		a.cfg.Log.Debug("archive: peer ended", "room", room, "err", err, "stopped", ctx.Err() != nil,
			"state", st != nil, "current", st != nil && st.peer == p, "active", st != nil && st.active)
		if st != nil && st.peer == p {
			st.peer = nil // stopped by itself: the next Active retries
			st.last = p.done
			if err != nil {
				st.failure = err.Error()
			} else if st.active && !a.closed {
				// Stopped by itself without an error while the room has
				// peers: an active room keeps its archive, so start it again
				// (after a pause, in case whatever stopped it is still so).
				a.cfg.Log.Warn("archive: peer stopped by itself: starting it again", "room", room)
				time.AfterFunc(100*time.Millisecond, func() {
					a.mu.Lock()
					defer a.mu.Unlock()
					if st := a.rooms[room]; st != nil && st.active {
						a.startLocked(room, st)
					}
				})
			}
		}
		a.mu.Unlock()
	}()
}

// detachLocked takes st's peer out of the manager and returns it, to be
// stopped with a.mu released. a.mu must be held.
func (a *archives) detachLocked(st *roomState) *archivePeer {
	p := st.peer
	if p != nil {
		st.peer = nil
		st.last = p.done
	}
	return p
}

// stop cancels the peer and waits until its store is closed.
func (p *archivePeer) stop() {
	p.cancel()
	<-p.done
}

// run keeps room's archive peer going until ctx ends: it waits for the
// room's lease (lease.go; at once in a single process), runs the peer
// while it holds it, and starts over when the lease is lost or the room's
// epoch moved on under it (a reset decided by another process).
func (a *archives) run(ctx context.Context, p *archivePeer) error {
	for {
		p.mu.Lock()
		p.standby = a.leases != nil
		p.mu.Unlock()
		l, err := a.awaitLease(ctx, p.room)
		p.mu.Lock()
		p.standby, p.held = false, err == nil
		p.mu.Unlock()
		if err != nil {
			return err
		}
		lctx, cancel := context.WithCancel(ctx)
		go func() {
			select {
			case <-l.lost():
				a.cfg.Log.Warn("archive: lease lost: stopping the room's peer", "room", p.room)
				cancel()
			case <-lctx.Done():
			}
		}()
		err = a.runHeld(lctx, p)
		cancel()
		l.release()
		p.mu.Lock()
		p.node, p.id, p.held = nil, "", false
		p.mu.Unlock()
		switch {
		case ctx.Err() != nil:
			return err
		case errors.Is(err, errEpochMoved):
			a.cfg.Log.Info("archive: the room's epoch moved on: restarting its peer", "room", p.room)
		case err != nil:
			return err
		}
	}
}

// errEpochMoved ends runHeld when the room's record has another epoch
// than the one its peer started with.
var errEpochMoved = errors.New("archive: the room's epoch moved on")

// runHeld opens room's store, replays it into a fresh node and keeps the
// node in the room until ctx ends, rejoining after the relay drops it.
// The store is closed when runHeld returns.
func (a *archives) runHeld(ctx context.Context, p *archivePeer) error {
	rec, created, err := a.record(p.room)
	if err != nil {
		return err
	}
	if err := a.removeOld(p.room, &rec.Epoch); err != nil { // a reset's leftovers, if it was killed
		a.cfg.Log.Warn("archive: old stores", "room", p.room, "err", err)
	}
	store, err := a.openStore(p.room, rec.Epoch)
	if err != nil {
		return err
	}
	defer func() { store.Close() }()
	n, err := openArchiveNodeWith(store, rec, a.cfg.Clock, a.cfg.StoreDelay)
	if errors.Is(err, node.ErrOtherChain) && !created {
		// A room opened by URL has the server's defaults, which changed
		// since its store was written: its old chain is void, as after a
		// reset.
		a.cfg.Log.Info("archive: the defaults changed: starting the room opened by URL afresh", "room", p.room)
		store.Close()
		if err := a.dropStore(p.room, rec.Epoch); err != nil {
			return fmt.Errorf("archive: %w", err)
		}
		if store, err = a.openStore(p.room, rec.Epoch); err != nil {
			return err
		}
		n, err = openArchiveNodeWith(store, rec, a.cfg.Clock, a.cfg.StoreDelay)
	}
	if err != nil {
		return err
	}
	defer n.Flush() // before the store closes: the last blocks are written
	defer a.Timeline(p.room).Attach(n)()
	p.mu.Lock()
	p.node = n
	p.mu.Unlock()
	if a.onHeld != nil {
		defer a.onHeld(p.room)()
	}
	tip := n.Chain().Tip()
	a.cfg.Log.Info("archive: peer started", "room", p.room, "height", tip.Height, "tip", tip.Hash.Short())

	// The node stays joined through the shared helper; the archive needs
	// no epoch check, since Reset stops it right after it bumps the epoch
	// (and the new epoch's genesis is another chain).
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	moved := false
	unsubscribe := n.Subscribe(func(ev node.Event) {
		if ev.Kind == node.EventConnection && ev.Code == node.CodeConnDisconnected && ctx.Err() == nil {
			a.cfg.Log.Warn("archive: dropped from room, rejoining", "room", p.room, "reason", ev.Reason)
		}
	})
	defer unsubscribe()
	err = n.StayJoined(ctx, node.JoinConfig{
		Dial: func(ctx context.Context) (node.Transport, error) {
			// Another process may have reset the room (it kicked this
			// peer, too): its chain is void, start over on the new epoch.
			if now, _, err := a.record(p.room); err == nil && now.Epoch != rec.Epoch {
				moved = true
				stop()
				return nil, errEpochMoved
			}
			// An observer: it hears both groups of a split room (the
			// board draws the whole room from its tree) and reaches
			// neither, so it never joins them up.
			lc, err := a.relay.JoinObserver(ctx, p.room, archiveName)
			if errors.Is(err, relay.ErrClosed) {
				stop() // the relay is shutting down: StayJoined returns nil
				return nil, err
			}
			if err != nil {
				a.cfg.Log.Warn("archive: cannot join room", "room", p.room, "err", err)
				return nil, err
			}
			p.mu.Lock()
			p.id = lc.ID()
			p.mu.Unlock()
			return localTransport{lc: lc}, nil
		},
		MinBackoff: 100 * time.Millisecond,
		MaxBackoff: 5 * time.Second,
		// A join costs nothing in-process and every block missed is one the
		// room's newcomers can't fetch here: a connection that lasted a
		// second already counts, so a drop now and then rejoins at once.
		Stable: time.Second,
	})
	if moved {
		return errEpochMoved
	}
	return err
}

// archiveStore is what an archive peer needs of its store (node.OpenStore).
type archiveStore interface {
	node.BlockStore
	Setting(key string) ([]byte, error)
	SetSetting(key string, value []byte) error
}

// openArchiveNode builds the archive's node for rec's parameters on
// store: a fresh chain, the stored blocks replayed into it, and the
// archive's wallet (kept in the store so its address is stable). It obeys
// the room's controls, as every peer does, so the board shows them.
func openArchiveNode(store archiveStore, rec roomRecord, clock node.Clock) (*node.Node, error) {
	return openArchiveNodeWith(store, rec, clock, 0)
}

// openArchiveNodeWith is openArchiveNode whose store writes wait
// storeDelay for more blocks (archiveConfig.StoreDelay).
func openArchiveNodeWith(store archiveStore, rec roomRecord, clock node.Clock, storeDelay time.Duration) (*node.Node, error) {
	params := rec.Params
	key, err := archiveKey(store)
	if err != nil {
		return nil, err
	}
	c, err := chain.New(chain.Config{Params: params})
	if err != nil {
		return nil, err
	}
	return node.New(node.Config{
		Chain:      c,
		Key:        key,
		Name:       archiveName,
		Clock:      clock,
		Miner:      node.ThreadMiner{Threads: 1}, // the archive never mines
		Store:      store,
		StoreDelay: storeDelay,

		ControlKey: rec.controlPublic(),
	})
}

// archiveKey returns the wallet kept in store, creating it on first use.
func archiveKey(store archiveStore) ([]byte, error) {
	b, err := store.Setting("wallet_seed")
	if errors.Is(err, node.ErrNoSetting) {
		k := chain.GenerateKey()
		return k, store.SetSetting("wallet_seed", []byte(hex.EncodeToString(k.Seed())))
	}
	if err != nil {
		return nil, err
	}
	return chain.KeyFromSeedHex(string(b))
}

// Holds reports whether room's archive runs here, under its lease, with
// its node up.
func (a *archives) Holds(room string) bool {
	a.mu.Lock()
	var p *archivePeer
	if st := a.rooms[room]; st != nil {
		p = st.peer
	}
	a.mu.Unlock()
	if p == nil {
		return false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.held && p.node != nil
}

// Status describes room's archive peer.
func (a *archives) Status(room string) archiveStatus {
	a.mu.Lock()
	var p *archivePeer
	failure := ""
	if st := a.rooms[room]; st != nil {
		p, failure = st.peer, st.failure
	}
	a.mu.Unlock()
	if p == nil {
		return archiveStatus{Error: failure}
	}
	p.mu.Lock()
	n, id, standby := p.node, p.id, p.standby
	p.mu.Unlock()
	if standby {
		return archiveStatus{Standby: true}
	}
	if n == nil {
		return archiveStatus{Running: true}
	}
	tip := n.Chain().Tip()
	return archiveStatus{Running: true, ID: id, Height: tip.Height, Tip: tip.Hash}
}

// Reset gives room a fresh start: change updates its record (the caller
// bumps the epoch, and may put new parameters; the params get the epoch
// too, so the room has a new genesis), and that one write to the registry
// decides the reset. Then the archive peer stops, every peer of the room
// is kicked (tabs reload and rebuild their chain: see admin.js), the old
// store is deleted, the room's bans are lifted (a new session) and, if
// peers are back, a new archive peer starts on a fresh store. Old-epoch
// tabs are refused by the relay guard from the moment the record changes,
// and an old chain is another chain's from then on, so nobody can hand it
// back. If change fails nothing happens.
func (a *archives) Reset(ctx context.Context, room string, change func(*roomRecord) error) (roomRecord, error) {
	st, err := a.own(room)
	if err != nil {
		return roomRecord{}, err
	}
	defer a.release(room, st)
	rec, err := a.reg.update(room, func(rec *roomRecord) error {
		if err := change(rec); err != nil {
			return err
		}
		rec.Params.Epoch = rec.Epoch
		return nil
	})
	if err != nil {
		return rec, err
	}
	a.wipe(ctx, room, st, rec)
	if a.onReset != nil {
		a.onReset(room, rec.Epoch)
	}
	a.cfg.Log.Info("archive: room reset", "room", room, "epoch", rec.Epoch)
	return rec, nil
}

// Claim stores rec as the record of a room a teacher creates
// (registry.claim: ErrRoomExists if it has a teacher). A room that was
// opened by URL and has peers or a store is taken over like a reset: its
// epoch moves on with the one write to the registry, its peers are
// kicked (their tabs reload into the teacher's room) and its store is
// deleted. It returns the record stored.
func (a *archives) Claim(ctx context.Context, room string, rec roomRecord) (roomRecord, error) {
	st, err := a.own(room)
	if err != nil {
		return roomRecord{}, err
	}
	defer a.release(room, st)
	a.mu.Lock()
	traces := st.peer != nil || st.active
	a.mu.Unlock()
	traces = traces || len(a.relay.Peers(room)) > 0 || a.hasStores(room)
	rec, err = a.reg.claim(room, rec, traces)
	if err != nil {
		return rec, err
	}
	if traces || rec.Epoch > 0 {
		a.wipe(ctx, room, st, rec)
		if a.onReset != nil {
			a.onReset(room, rec.Epoch)
		}
		a.cfg.Log.Info("archive: room opened by URL taken over by its teacher", "room", room, "epoch", rec.Epoch)
	}
	return rec, nil
}

// own makes the caller the owner of room's state until release: no
// archive peer starts meanwhile, and a second owner gets errResetBusy.
func (a *archives) own(room string) (*roomState, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.closed {
		return nil, relay.ErrClosed
	}
	st := a.state(room)
	if st.resetting {
		return nil, errResetBusy
	}
	st.resetting = true
	return st, nil
}

// release ends own, and starts the room's archive peer if peers are there.
func (a *archives) release(room string, st *roomState) {
	a.mu.Lock()
	defer a.mu.Unlock()
	st.resetting = false
	if st.active {
		a.startLocked(room, st)
	}
}

// wipe stops room's peer, kicks every peer of the room, deletes every
// store but rec's and lifts the room's bans. The caller owns the room.
func (a *archives) wipe(ctx context.Context, room string, st *roomState, rec roomRecord) {
	a.mu.Lock()
	p := a.detachLocked(st)
	last := st.last
	a.mu.Unlock()
	if p != nil {
		p.stop()
	}
	if last != nil {
		<-last // a peer that failed by itself may still hold the file
	}
	if err := a.kickAll(ctx, room); err != nil {
		a.cfg.Log.Warn("archive: peers did not leave in time; their chain is another chain's now", "room", room, "err", err)
	}
	if err := a.removeOld(room, &rec.Epoch); err != nil {
		a.cfg.Log.Warn("archive: old stores", "room", room, "err", err) // removed at the peer's next start
	}
	a.bans.endSession(room)
	a.relay.ClearPolicy(room) // groups, latency and the controls' notice: a new session
	a.mu.Lock()
	a.timelines[room] = node.NewTimeline(a.cfg.Clock) // a new chain, a new lesson
	a.mu.Unlock()
}

var errResetBusy = errors.New("chainplay: a reset of this room is under way")

// errKickTimeout is kickAll's error when peers did not leave in time.
var errKickTimeout = errors.New("chainplay: peers did not leave the room in time")

// kickAll kicks every peer of room and waits until they have left: a
// peer that has not answered its close frame after kickGrace is dropped
// (relay.Drop), so a client that does not read holds a reset up for a
// second, not for the close handshake's timeout.
func (a *archives) kickAll(ctx context.Context, room string) error {
	kicked := make(map[string]bool)
	for _, p := range a.relay.Peers(room) {
		if a.relay.Kick(room, p.ID) {
			kicked[p.ID] = true
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	grace := time.NewTimer(kickGrace)
	defer grace.Stop()
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		var staying []string
		for _, p := range a.relay.Peers(room) {
			if kicked[p.ID] {
				staying = append(staying, p.ID)
			}
		}
		if len(staying) == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return errKickTimeout
		case <-grace.C:
			for _, id := range staying {
				a.relay.Drop(room, id)
			}
		case <-tick.C:
		}
	}
}

// kickGrace is how long a kicked peer has to answer its close frame
// during a reset before it is dropped.
const kickGrace = time.Second

// Close stops every archive peer and waits for their stores to close.
// Later hooks start nothing.
func (a *archives) Close() {
	a.mu.Lock()
	a.closed = true
	var peers []*archivePeer
	for _, st := range a.rooms {
		if st.idle != nil {
			st.idle.Stop()
			st.idle = nil
		}
		if p := a.detachLocked(st); p != nil {
			peers = append(peers, p)
		}
	}
	a.mu.Unlock()
	for _, p := range peers {
		p.cancel()
	}
	a.wg.Wait()
}

// ResetElsewhere is what a process does when another one reset room (a
// cluster, cluster.go): the new epoch is in the registry already, so it
// kicks every peer of the room it knows (their tabs reload into the new
// epoch; its archive peer, if it runs here, rejoins and finds the epoch
// moved on) and ends the room's session here (bans, timeline).
func (a *archives) ResetElsewhere(room string) {
	for _, p := range a.relay.Peers(room) {
		a.relay.Kick(room, p.ID)
	}
	a.bans.clear(room)
	a.mu.Lock()
	a.timelines[room] = node.NewTimeline(a.cfg.Clock)
	a.mu.Unlock()
}
