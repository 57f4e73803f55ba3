//go:build !js

package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/chainplay/chainplay/chain/node"
)

// closableStore is an archive's open store.
type closableStore interface {
	archiveStore
	Close() error
}

// archiveStores keeps the rooms' stores somewhere other than files under
// archiveConfig.Dir: JetStream in a cluster (jsstore.go). A room has one
// store per epoch, as with files.
type archiveStores interface {
	// open opens (creating) room's store of epoch.
	open(room string, epoch uint64) (closableStore, error)
	// drop deletes room's store of epoch, which nobody holds open.
	drop(room string, epoch uint64) error
	// removeOld deletes room's stores of every epoch but keep (all of
	// them when keep is nil).
	removeOld(room string, keep *uint64) error
	// has reports whether room has a store of any epoch.
	has(room string) bool
}

// openStore opens room's store of epoch: a file under Config.Dir, or in
// a.stores.
func (a *archives) openStore(room string, epoch uint64) (closableStore, error) {
	if a.stores != nil {
		return a.stores.open(room, epoch)
	}
	if err := os.MkdirAll(a.cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("archive: %w", err)
	}
	return openFileStore(a.storePath(room, epoch))
}

// openFileStore opens a bbolt store, as a closableStore.
func openFileStore(path string) (closableStore, error) {
	s, err := node.OpenStore(path)
	if err != nil {
		return nil, err
	}
	return s, nil
}

// dropStore deletes room's store of epoch.
func (a *archives) dropStore(room string, epoch uint64) error {
	if a.stores != nil {
		return a.stores.drop(room, epoch)
	}
	if err := os.Remove(a.storePath(room, epoch)); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}

// removeOld deletes room's stores but keep's epoch (all with keep nil).
func (a *archives) removeOld(room string, keep *uint64) error {
	if a.stores != nil {
		return a.stores.removeOld(room, keep)
	}
	path := ""
	if keep != nil {
		path = a.storePath(room, *keep)
	}
	return a.removeStores(room, path)
}

// hasStores reports whether room has a store of any epoch.
func (a *archives) hasStores(room string) bool {
	if a.stores != nil {
		return a.stores.has(room)
	}
	return len(a.storeFiles(room)) > 0
}
