//go:build !js

package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// kvRegistry is the room registry of a cluster: one key per room in a
// JetStream key-value bucket, holding the JSON roomRecord, so every
// process answers for every room the same. Each change is a
// compare-and-set on the key's revision (Create for a new key, Update
// with the revision read): two processes claiming or resetting one room
// at once cannot both win, the loser retries on the new record (and then
// fails as it would have in one process, say with ErrRoomExists).
type kvRegistry struct {
	kv jetstream.KeyValue
}

var _ roomRegistry = kvRegistry{}

// maxCASRetries bounds the retries of one change that keeps losing races.
const maxCASRetries = 20

var errRegistryBusy = errors.New("chainplay: registry: the room's record keeps changing")

// read returns room's record and its revision (0 without one).
func (r kvRegistry) read(room string) (roomRecord, uint64, error) {
	var rec roomRecord
	ctx, cancel := opCtx()
	defer cancel()
	e, err := r.kv.Get(ctx, room)
	if errors.Is(err, jetstream.ErrKeyNotFound) {
		return rec, 0, nil
	}
	if err != nil {
		return rec, 0, fmt.Errorf("chainplay: registry: room %q: %w", room, err)
	}
	if err := json.Unmarshal(e.Value(), &rec); err != nil {
		return rec, 0, fmt.Errorf("chainplay: registry: room %q: %w", room, err)
	}
	return rec, e.Revision(), nil
}

// write stores rec with a compare-and-set on rev (0: the key must not
// exist). It reports false when another process changed it first.
func (r kvRegistry) write(room string, rec roomRecord, rev uint64) (bool, error) {
	v, err := json.Marshal(rec)
	if err != nil {
		return false, err
	}
	ctx, cancel := opCtx()
	defer cancel()
	if rev == 0 {
		_, err = r.kv.Create(ctx, room, v)
	} else {
		_, err = r.kv.Update(ctx, room, v, rev)
	}
	if errors.Is(err, jetstream.ErrKeyExists) || errors.Is(err, jetstream.ErrKeyRevisionMismatch) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("chainplay: registry: room %q: %w", room, err)
	}
	return true, nil
}

func (r kvRegistry) get(room string) (roomRecord, bool, error) {
	rec, rev, err := r.read(room)
	return rec, rev != 0, err
}

// claim is registry.claim as a compare-and-set.
func (r kvRegistry) claim(room string, rec roomRecord, bump bool) (roomRecord, error) {
	for range maxCASRetries {
		old, rev, err := r.read(room)
		if err != nil {
			return rec, err
		}
		rec.Epoch = 0
		if bump {
			rec.Epoch = 1
		}
		if rev != 0 {
			if old.created() {
				return rec, fmt.Errorf("%w: %q", ErrRoomExists, room)
			}
			rec.Epoch = old.Epoch + 1
		}
		rec.Params.Epoch = rec.Epoch
		ok, err := r.write(room, rec, rev)
		if err != nil || ok {
			return rec, err
		}
	}
	return rec, errRegistryBusy
}

func (r kvRegistry) deleteUncreated(room string) error {
	for range maxCASRetries {
		rec, rev, err := r.read(room)
		if err != nil || rev == 0 || rec.created() {
			return err
		}
		ctx, cancel := opCtx()
		err = r.kv.Delete(ctx, room, jetstream.LastRevision(rev))
		cancel()
		if errors.Is(err, jetstream.ErrKeyRevisionMismatch) || errors.Is(err, jetstream.ErrKeyExists) {
			continue
		}
		return err
	}
	return errRegistryBusy
}

func (r kvRegistry) update(room string, fn func(*roomRecord) error) (roomRecord, error) {
	for range maxCASRetries {
		rec, rev, err := r.read(room)
		if err != nil {
			return rec, err
		}
		if rev == 0 {
			return rec, errNoRecord
		}
		if err := fn(&rec); err != nil {
			return rec, err
		}
		ok, err := r.write(room, rec, rev)
		if err != nil || ok {
			return rec, err
		}
	}
	return roomRecord{}, errRegistryBusy
}

func (r kvRegistry) close() error { return nil }
