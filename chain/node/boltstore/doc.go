//go:build !js

// Package boltstore keeps a node's blocks and settings in a bbolt file
// (go.etcd.io/bbolt). It implements node.BlockStore for native nodes
// (cmd/node -data) and the server's archive peers (cmd/chainplay); bbolt
// does not build for GOOS=js.
//
// Blocks are appended in the order the node accepted them, each batch in
// one transaction, so after a crash (even kill -9) the file opens and
// holds a prefix that replays onto a valid chain.
package boltstore
