package web

import (
	"bytes"
	"compress/gzip"
	"errors"
	"io"
	"io/fs"
	"path"
	"time"
)

// assets returns what /static/ serves: web/static, then extra (the
// miner's nonce kernels, which cmd/chainplay hands in from package
// chain/mine/wasmkernel, where they are committed, so a fresh clone serves
// them without a build step), and gzip twins of extra's .wasm files,
// compressed once at start.
func assets(extra fs.FS) fs.FS {
	if extra == nil {
		return StaticFS
	}
	var wasm []string
	if ents, err := fs.ReadDir(extra, "."); err == nil {
		for _, e := range ents {
			if path.Ext(e.Name()) == ".wasm" {
				wasm = append(wasm, e.Name())
			}
		}
	}
	return overlayFS{StaticFS, extra, gzipTwins(extra, wasm...)}
}

// overlayFS opens a name from the first file system that has it.
type overlayFS []fs.FS

func (o overlayFS) Open(name string) (fs.File, error) {
	err := error(&fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist})
	for _, fsys := range o {
		f, e := fsys.Open(name)
		if e == nil {
			return f, nil
		}
		if !errors.Is(e, fs.ErrNotExist) {
			err = e
		}
	}
	return nil, err
}

// gzipTwins returns a file system holding NAME.gz, gzip -9 of NAME in
// fsys, for each of names (a missing one is left out).
func gzipTwins(fsys fs.FS, names ...string) fs.FS {
	m := memFS{}
	for _, name := range names {
		raw, err := fs.ReadFile(fsys, name)
		if err != nil {
			continue
		}
		var b bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		zw.Write(raw)
		zw.Close()
		m[name+".gz"] = b.Bytes()
	}
	return m
}

// memFS is a flat, read-only file system in memory.
type memFS map[string][]byte

func (m memFS) Open(name string) (fs.File, error) {
	data, ok := m[name]
	if !ok {
		return nil, &fs.PathError{Op: "open", Path: name, Err: fs.ErrNotExist}
	}
	return &memFile{Reader: bytes.NewReader(data), info: memInfo{name: path.Base(name), size: int64(len(data))}}, nil
}

type memFile struct {
	*bytes.Reader
	info memInfo
}

func (f *memFile) Stat() (fs.FileInfo, error) { return f.info, nil }
func (f *memFile) Close() error               { return nil }

var _ io.ReadSeeker = (*memFile)(nil) // http.FileServerFS seeks

type memInfo struct {
	name string
	size int64
}

func (i memInfo) Name() string       { return i.name }
func (i memInfo) Size() int64        { return i.size }
func (i memInfo) Mode() fs.FileMode  { return 0o444 }
func (i memInfo) ModTime() time.Time { return time.Time{} }
func (i memInfo) IsDir() bool        { return false }
func (i memInfo) Sys() any           { return nil }
