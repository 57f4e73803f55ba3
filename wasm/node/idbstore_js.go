//go:build js && wasm

package main

import (
	"errors"
	"fmt"
	"syscall/js"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// idbStore is a node.BlockStore in the browser's IndexedDB, so a reload
// resumes with the chain this tab had. Blocks live in one object store
// under the key [chain key, seq], one record per PutBlocks
// (node.EncodeRecord), so a batch costs a few calls into JavaScript, not a
// few per block. The chain key names the room, its genesis and its epoch,
// so a teacher's reset or new genesis starts an empty store, and the
// blocks of older keys of the room are deleted.
//
// Its methods block until IndexedDB answers: call them from goroutines,
// never from inside a js.Func callback.
type idbStore struct {
	db   js.Value
	key  string
	next int // the seq of the next block put
}

const (
	idbName    = "chainplay"
	idbObjects = "blocks"
)

// await waits for an IDBRequest (or IDBTransaction, with done) to finish.
func await(req js.Value, okEvent string) (js.Value, error) {
	type result struct {
		v   js.Value
		err error
	}
	ch := make(chan result, 1)
	var onOK, onErr js.Func
	onOK = js.FuncOf(func(js.Value, []js.Value) any {
		ch <- result{v: req.Get("result")}
		return nil
	})
	onErr = js.FuncOf(func(js.Value, []js.Value) any {
		msg := "IndexedDB request failed"
		if e := req.Get("error"); e.Truthy() {
			msg = e.Get("message").String()
		}
		ch <- result{err: errors.New(msg)}
		return nil
	})
	req.Set("on"+okEvent, onOK)
	req.Set("onerror", onErr)
	r := <-ch
	onOK.Release()
	onErr.Release()
	return r.v, r.err
}

// openIDBStore opens the tab's block store for chainKey.
func openIDBStore(room, chainKey string) (s *idbStore, err error) {
	defer func() {
		if r := recover(); r != nil { // a JS exception: IndexedDB unavailable
			s, err = nil, fmt.Errorf("IndexedDB: %v", r)
		}
	}()
	idb := js.Global().Get("indexedDB")
	if !idb.Truthy() {
		return nil, errors.New("IndexedDB is not available in this browser")
	}
	req := idb.Call("open", idbName, 1)
	upgrade := js.FuncOf(func(js.Value, []js.Value) any {
		db := req.Get("result")
		if !db.Get("objectStoreNames").Call("contains", idbObjects).Bool() {
			db.Call("createObjectStore", idbObjects)
		}
		return nil
	})
	req.Set("onupgradeneeded", upgrade)
	db, err := await(req, "success")
	upgrade.Release()
	if err != nil {
		return nil, fmt.Errorf("IndexedDB: %w", err)
	}
	s = &idbStore{db: db, key: chainKey}
	// Forget this room's chains of earlier epochs or geneses.
	kr := js.Global().Get("IDBKeyRange")
	tx := db.Call("transaction", idbObjects, "readwrite")
	os := tx.Call("objectStore", idbObjects)
	keys, err := await(os.Call("getAllKeys", kr.Call("bound", js.ValueOf([]any{room + "|"}), js.ValueOf([]any{room + "|\uffff"}))), "success")
	if err == nil {
		for i := 0; i < keys.Length(); i++ {
			k := keys.Index(i)
			if k.Index(0).String() != chainKey {
				os.Call("delete", k)
			}
		}
	}
	return s, nil
}

func (s *idbStore) objectStore(mode string) js.Value {
	return s.db.Call("transaction", idbObjects, mode).Call("objectStore", idbObjects)
}

// PutBlocks implements node.BlockStore: one transaction per batch.
func (s *idbStore) PutBlocks(bs []*chain.Block) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("IndexedDB: %v", r)
		}
	}()
	if len(bs) == 0 {
		return nil
	}
	rec := node.EncodeRecord(bs)
	tx := s.db.Call("transaction", idbObjects, "readwrite")
	v := js.Global().Get("Uint8Array").New(len(rec))
	js.CopyBytesToJS(v, rec)
	tx.Call("objectStore", idbObjects).Call("put", v, js.ValueOf([]any{s.key, s.next}))
	if _, err := await(tx, "complete"); err != nil {
		return fmt.Errorf("IndexedDB: %w", err)
	}
	s.next++
	return nil
}

// ForEachBlock implements node.BlockStore, in the order put.
func (s *idbStore) ForEachBlock(fn func(*chain.Block) error) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("IndexedDB: %v", r)
		}
	}()
	kr := js.Global().Get("IDBKeyRange")
	rng := kr.Call("bound", js.ValueOf([]any{s.key, 0}), js.ValueOf([]any{s.key, js.Global().Get("Infinity")}))
	vals, err := await(s.objectStore("readonly").Call("getAll", rng), "success")
	if err != nil {
		return fmt.Errorf("IndexedDB: %w", err)
	}
	for i := 0; i < vals.Length(); i++ {
		v := vals.Index(i)
		buf := make([]byte, v.Get("length").Int())
		js.CopyBytesToGo(buf, v)
		blocks, err := node.DecodeRecord(buf)
		if err != nil {
			return fmt.Errorf("IndexedDB: record %d: %w", i, err)
		}
		s.next = i + 1
		for _, b := range blocks {
			if err := fn(b); err != nil {
				return err
			}
		}
	}
	return nil
}
