//go:build !js

package node

import "github.com/chainplay/chainplay/chain/node/boltstore"

// OpenStore opens (creating if needed) a bbolt block store at path; see
// package boltstore.
func OpenStore(path string) (*boltstore.Store, error) { return boltstore.Open(path) }

// ErrNoSetting is returned by a store's Setting for a key never set.
var ErrNoSetting = boltstore.ErrNoSetting

// Store is the bbolt block store of native nodes.
type Store = boltstore.Store
