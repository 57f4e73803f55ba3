//go:build !js

package main

import (
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chainplay/chainplay/chain"
)

// ErrRoomExists is returned by registry.claim for a room a teacher
// created already.
var ErrRoomExists = errors.New("chainplay: room exists")

// roomRecord is what the server keeps about a room besides its blocks: the
// parameters its genesis is built from, the teacher's token and the epoch.
type roomRecord struct {
	// Params are the room's consensus parameters; Params.Name is the room.
	Params chain.Params `json:"params"`
	// TokenHash is the SHA-256 of the teacher token, empty for a room that
	// was opened by its URL and never created: nobody can administer it.
	TokenHash []byte `json:"token_hash,omitempty"`
	// Epoch counts the resets and new geneses of the room. A tab loaded
	// before the last one joins with an old epoch and is refused, so it
	// can't hand the wiped chain back to the archive. Params.Epoch is the
	// same number, so every epoch has a genesis of its own: no peer can
	// hand an old chain back, with or without ?epoch=.
	Epoch uint64 `json:"epoch"`
	// Created is when the record was written, unix milliseconds.
	Created int64 `json:"created"`
	// ControlSeed is the seed of the room's control key (classroom.go):
	// the server signs the teacher's controls with it, and every peer
	// checks them against its public key, which the room's config
	// carries. Empty for a room without a teacher.
	ControlSeed []byte `json:"control_seed,omitempty"`
	// ControlSeq is the sequence number of the room's last control.
	ControlSeq uint64 `json:"control_seq,omitempty"`
	// BoardLang is the language the teacher fixed for the room's board
	// (boardlang.go); empty: the board follows each viewer's choice.
	BoardLang string `json:"board_lang,omitempty"`
}

// controlKey returns the room's control key, nil without one.
func (rec roomRecord) controlKey() ed25519.PrivateKey {
	if len(rec.ControlSeed) != ed25519.SeedSize {
		return nil
	}
	return ed25519.NewKeyFromSeed(rec.ControlSeed)
}

// controlPublic returns the public half of the room's control key, nil
// without one.
func (rec roomRecord) controlPublic() ed25519.PublicKey {
	if k := rec.controlKey(); k != nil {
		return k.Public().(ed25519.PublicKey)
	}
	return nil
}

// created reports whether a teacher created the room (it has a token).
func (rec roomRecord) created() bool { return len(rec.TokenHash) > 0 }

// roomRegistry keeps the rooms' records: registry (one bbolt file, the
// default) or kvRegistry (JetStream key-value, shared by the processes
// of a cluster: cluster.go). Every change is one atomic step: a
// transaction, or a compare-and-set on the record's revision.
type roomRegistry interface {
	// get returns the record of room and whether there is one.
	get(room string) (roomRecord, bool, error)
	// claim stores the record of a room a teacher creates (see
	// registry.claim); ErrRoomExists if it has a teacher already.
	claim(room string, rec roomRecord, bump bool) (roomRecord, error)
	// deleteUncreated removes room's record if it has no teacher.
	deleteUncreated(room string) error
	// update applies fn to room's record and stores the result in one
	// step; if fn fails nothing changes; errNoRecord without a record.
	// fn may be called more than once (kvRegistry retries on a
	// concurrent change): it must only change the record.
	update(room string, fn func(*roomRecord) error) (roomRecord, error)
	// close releases the registry.
	close() error
}

var _ roomRegistry = (*registry)(nil)

// registry keeps the record of every room a teacher created in one bbolt
// file under the data directory, so parameters and tokens survive a
// restart (kill -9 included: each change is one transaction, and a
// reset's new state is decided by its one write here). Rooms opened by
// URL are not stored: they have the defaults until a teacher creates
// them. Its methods are safe for concurrent use.
type registry struct {
	db *bolt.DB
}

var bucketRooms = []byte("rooms") // room name → JSON roomRecord

// openRegistry opens (creating if needed) the registry file at path.
func openRegistry(path string) (*registry, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("chainplay: open registry %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketRooms)
		return err
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("chainplay: open registry %s: %w", path, err)
	}
	return &registry{db: db}, nil
}

// close closes the file.
func (r *registry) close() error { return r.db.Close() }

// get returns the record of room and whether there is one.
func (r *registry) get(room string) (roomRecord, bool, error) {
	var rec roomRecord
	found := false
	err := r.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketRooms).Get([]byte(room))
		if v == nil {
			return nil
		}
		found = true
		return json.Unmarshal(v, &rec)
	})
	if err != nil {
		return rec, false, fmt.Errorf("chainplay: registry: room %q: %w", room, err)
	}
	return rec, found, nil
}

// claim stores rec, the record of a room a teacher creates, in one
// transaction: it fails with ErrRoomExists when the room has a teacher
// already. A room without one (opened by URL, whose record an older
// version stored, or none) is taken over. The stored epoch is 0 for a
// room never seen, and one past the room's last when bump is set (the
// room has peers or a store: their chain is void, and tabs of the old
// epoch must reload) or a record without a teacher was there; the params
// carry the epoch (chain.Params.Epoch). It returns the record stored.
func (r *registry) claim(room string, rec roomRecord, bump bool) (roomRecord, error) {
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRooms)
		rec.Epoch = 0
		if bump {
			rec.Epoch = 1
		}
		if v := b.Get([]byte(room)); v != nil {
			var old roomRecord
			if err := json.Unmarshal(v, &old); err != nil {
				return err
			}
			if old.created() {
				return fmt.Errorf("%w: %q", ErrRoomExists, room)
			}
			rec.Epoch = old.Epoch + 1
		}
		rec.Params.Epoch = rec.Epoch
		return put(b, room, rec)
	})
	return rec, err
}

// deleteUncreated removes room's record if it has no teacher (an older
// version stored the records of rooms opened by URL).
func (r *registry) deleteUncreated(room string) error {
	return r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRooms)
		v := b.Get([]byte(room))
		if v == nil {
			return nil
		}
		var rec roomRecord
		if err := json.Unmarshal(v, &rec); err == nil && rec.created() {
			return nil
		}
		return b.Delete([]byte(room))
	})
}

// update applies fn to the stored record of room and stores the result,
// all in one transaction. If fn fails nothing changes. A room without a
// record gets errNoRecord.
func (r *registry) update(room string, fn func(*roomRecord) error) (roomRecord, error) {
	var rec roomRecord
	err := r.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketRooms)
		v := b.Get([]byte(room))
		if v == nil {
			return errNoRecord
		}
		if err := json.Unmarshal(v, &rec); err != nil {
			return err
		}
		if err := fn(&rec); err != nil {
			return err
		}
		return put(b, room, rec)
	})
	return rec, err
}

var errNoRecord = errors.New("chainplay: registry: no such room")

func put(b *bolt.Bucket, room string, rec roomRecord) error {
	v, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return b.Put([]byte(room), v)
}
