//go:build !js

package main

import (
	"errors"
	"fmt"
	"strconv"
	"sync"

	"github.com/nats-io/nats.go/jetstream"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// jsStores keeps the archives' blocks in JetStream (docs/cluster.md,
// "Storage"): the stream chainplay_blocks, one subject per room and
// epoch, chainplay.blocks.ROOM.EPOCH, each message one encoded block in
// the order the node put them; the archive's settings (its wallet) in the
// bucket chainplay_archive under ROOM.EPOCH.KEY. A block is accepted (the
// node's persister returns) once JetStream has acknowledged it, that is
// stored it on a majority of its replicas, so the process that takes a
// room over after a crash replays every block accepted before.
type jsStores struct {
	c *cluster
}

var _ archiveStores = jsStores{}

func blockSubject(room string, epoch uint64) string {
	return blockSubjects + room + "." + strconv.FormatUint(epoch, 10)
}

func (s jsStores) open(room string, epoch uint64) (closableStore, error) {
	st := &jsStore{s: s, room: room, epoch: epoch, subject: blockSubject(room, epoch)}
	ctx, cancel := opCtx()
	defer cancel()
	m, err := s.c.blocks.GetLastMsgForSubject(ctx, st.subject)
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
	case err != nil:
		return nil, fmt.Errorf("archive: blocks of %s: %w", room, err)
	default:
		st.last = m.Sequence
	}
	return st, nil
}

func (s jsStores) drop(room string, epoch uint64) error {
	ctx, cancel := opCtx()
	defer cancel()
	return s.c.blocks.Purge(ctx, jetstream.WithPurgeSubject(blockSubject(room, epoch)))
}

// subjects returns room's block subjects that hold messages.
func (s jsStores) subjects(room string) ([]string, error) {
	ctx, cancel := opCtx()
	defer cancel()
	info, err := s.c.blocks.Info(ctx, jetstream.WithSubjectFilter(blockSubjects+room+".*"))
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(info.State.Subjects))
	for subj := range info.State.Subjects {
		out = append(out, subj)
	}
	return out, nil
}

func (s jsStores) removeOld(room string, keep *uint64) error {
	subjs, err := s.subjects(room)
	if err != nil {
		return err
	}
	var errs []error
	for _, subj := range subjs {
		if keep != nil && subj == blockSubject(room, *keep) {
			continue
		}
		ctx, cancel := opCtx()
		errs = append(errs, s.c.blocks.Purge(ctx, jetstream.WithPurgeSubject(subj)))
		cancel()
	}
	return errors.Join(errs...)
}

func (s jsStores) has(room string) bool {
	subjs, err := s.subjects(room)
	return err == nil && len(subjs) > 0
}

// jsStore is one room's store of one epoch.
type jsStore struct {
	s       jsStores
	room    string
	epoch   uint64
	subject string

	mu sync.Mutex
	// last is the sequence of the subject's last message: every write
	// expects it, so a writer that is not the lease holder any more (its
	// successor wrote since) fails instead of interleaving.
	last uint64
}

var _ closableStore = (*jsStore)(nil)

// PutBlocks appends bs, each acknowledged before the next.
func (st *jsStore) PutBlocks(bs []*chain.Block) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, b := range bs {
		ctx, cancel := opCtx()
		ack, err := st.s.c.js.Publish(ctx, st.subject, b.Encode(), jetstream.WithExpectLastSequencePerSubject(st.last))
		cancel()
		if err != nil {
			return fmt.Errorf("archive: store block %s of %s: %w", b.Hash().Short(), st.room, err)
		}
		st.last = ack.Sequence
	}
	return nil
}

// ForEachBlock replays the subject's blocks in order.
func (st *jsStore) ForEachBlock(fn func(*chain.Block) error) error {
	seq := uint64(1)
	for {
		ctx, cancel := opCtx()
		m, err := st.s.c.blocks.GetMsg(ctx, seq, jetstream.WithGetMsgSubject(st.subject))
		cancel()
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("archive: replay %s: %w", st.room, err)
		}
		b, err := chain.DecodeBlock(m.Data)
		if err != nil {
			return fmt.Errorf("archive: replay %s: block %d: %w", st.room, m.Sequence, err)
		}
		if err := fn(b); err != nil {
			return err
		}
		st.mu.Lock()
		st.last = max(st.last, m.Sequence)
		st.mu.Unlock()
		seq = m.Sequence + 1
	}
}

func (st *jsStore) settingKey(key string) string {
	return st.room + "." + strconv.FormatUint(st.epoch, 10) + "." + key
}

// Setting returns a setting, node.ErrNoSetting if there is none.
func (st *jsStore) Setting(key string) ([]byte, error) {
	ctx, cancel := opCtx()
	defer cancel()
	e, err := st.s.c.settings.Get(ctx, st.settingKey(key))
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return nil, node.ErrNoSetting
	}
	if err != nil {
		return nil, err
	}
	return e.Value(), nil
}

// SetSetting stores a setting.
func (st *jsStore) SetSetting(key string, value []byte) error {
	ctx, cancel := opCtx()
	defer cancel()
	_, err := st.s.c.settings.Put(ctx, st.settingKey(key), value)
	return err
}

// Close does nothing: every write is acknowledged already.
func (st *jsStore) Close() error { return nil }
