//go:build !js

package boltstore

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/chainplay/chainplay/chain"
)

// Store keeps a node's blocks and settings on disk, so a node (or a room's
// archive peer) survives a restart. Blocks are kept in the order they were
// accepted; replaying them through a fresh chain rebuilds the same tree.
type Store struct {
	db *bolt.DB
}

var (
	bucketBlocks = []byte("blocks") // arrival seq (u64 big-endian) → canonical block
	bucketIndex  = []byte("index")  // block hash → arrival seq
	bucketMeta   = []byte("meta")   // settings: params, wallet seed, …
)

// Open opens (creating if needed) a store in the file path. Only one
// process may hold it open.
func Open(path string) (*Store, error) {
	db, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: 2 * time.Second})
	if err != nil {
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range [][]byte{bucketBlocks, bucketIndex, bucketMeta} {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("boltstore: open %s: %w", path, err)
	}
	return &Store{db: db}, nil
}

// Close closes the store's file.
func (s *Store) Close() error { return s.db.Close() }

// PutBlock appends b unless a block with its hash is stored already.
func (s *Store) PutBlock(b *chain.Block) error { return s.PutBlocks([]*chain.Block{b}) }

// PutBlocks appends the blocks not stored yet, in order, in one
// transaction (one disk sync), so a batch from a peer costs one write.
// After a crash the store holds a prefix of the blocks put.
func (s *Store) PutBlocks(bs []*chain.Block) error {
	if len(bs) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex)
		blocks := tx.Bucket(bucketBlocks)
		for _, b := range bs {
			h := b.Hash()
			if idx.Get(h[:]) != nil {
				continue
			}
			seq, err := blocks.NextSequence()
			if err != nil {
				return err
			}
			var k [8]byte
			binary.BigEndian.PutUint64(k[:], seq)
			if err := blocks.Put(k[:], b.Encode()); err != nil {
				return err
			}
			if err := idx.Put(h[:], k[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// DeleteBlocks forgets the blocks with these hashes, in one transaction;
// unknown hashes are skipped. It implements node.BlockPruner.
func (s *Store) DeleteBlocks(hashes []chain.Hash) error {
	if len(hashes) == 0 {
		return nil
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		idx := tx.Bucket(bucketIndex)
		blocks := tx.Bucket(bucketBlocks)
		for _, h := range hashes {
			k := idx.Get(h[:])
			if k == nil {
				continue
			}
			if err := blocks.Delete(k); err != nil {
				return err
			}
			if err := idx.Delete(h[:]); err != nil {
				return err
			}
		}
		return nil
	})
}

// ForEachBlock calls fn for every stored block in the order they were
// put, stopping at fn's first error.
func (s *Store) ForEachBlock(fn func(*chain.Block) error) error {
	return s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketBlocks).ForEach(func(k, v []byte) error {
			b, err := chain.DecodeBlock(v)
			if err != nil {
				return fmt.Errorf("boltstore: block %x: %w", k, err)
			}
			return fn(b)
		})
	})
}

// BlockCount returns how many blocks are stored.
func (s *Store) BlockCount() int {
	n := 0
	_ = s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketBlocks).Stats().KeyN
		return nil
	})
	return n
}

// ErrNoSetting is returned by Setting for a key never set.
var ErrNoSetting = errors.New("boltstore: no such setting")

// SetSetting stores a small value under key.
func (s *Store) SetSetting(key string, value []byte) error {
	return s.db.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put([]byte(key), value)
	})
}

// Setting returns the value stored under key, or ErrNoSetting.
func (s *Store) Setting(key string) ([]byte, error) {
	var out []byte
	err := s.db.View(func(tx *bolt.Tx) error {
		v := tx.Bucket(bucketMeta).Get([]byte(key))
		if v == nil {
			return ErrNoSetting
		}
		out = append([]byte(nil), v...)
		return nil
	})
	return out, err
}
