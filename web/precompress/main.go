// Command precompress writes the compressed twins the web package serves
// (web/asset.go): for each file given, FILE.br (brotli, quality 10, a 16
// MiB window) and FILE.gz (gzip -9), side by side. `make wasm` runs it on
// node.wasm and miner.wasm. A twin that already decompresses to the file
// is kept, so a rebuild that changed nothing costs no compression.
//
//	go run ./web/precompress web/static/node.wasm web/static/miner.wasm
package main

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"
	"sync"

	"github.com/andybalholm/brotli"
)

// brotliQuality trades build time for size: node.wasm at 10 is ~3 % larger
// than at 11 and takes half the time (20 s). node.wasm is every first
// visitor's download, under the 2 MB a first visit may cost (issue 13,
// TestDelivery): it gets 11; the others 10.
const brotliQuality = 10

// qualityFor returns the brotli quality of file.
func qualityFor(file string) int {
	if filepath.Base(file) == "node.wasm" {
		return 11
	}
	return brotliQuality
}

type twin struct {
	ext      string
	compress func(w io.Writer, b []byte, file string) error
	open     func(io.Reader) (io.Reader, error)
}

var twins = []twin{
	{".br",
		func(w io.Writer, b []byte, file string) error {
			zw := brotli.NewWriterOptions(w, brotli.WriterOptions{Quality: qualityFor(file), LGWin: 24})
			if _, err := zw.Write(b); err != nil {
				return err
			}
			return zw.Close()
		},
		func(r io.Reader) (io.Reader, error) { return brotli.NewReader(r), nil }},
	{".gz",
		func(w io.Writer, b []byte, _ string) error {
			zw, _ := gzip.NewWriterLevel(w, gzip.BestCompression)
			if _, err := zw.Write(b); err != nil {
				return err
			}
			return zw.Close()
		},
		func(r io.Reader) (io.Reader, error) { return gzip.NewReader(r) }},
}

// upToDate reports whether name decompresses (with t) to raw.
func upToDate(name string, raw []byte, t twin) bool {
	data, err := os.ReadFile(name)
	if err != nil {
		return false
	}
	r, err := t.open(bytes.NewReader(data))
	if err != nil {
		return false
	}
	plain, err := io.ReadAll(r)
	return err == nil && bytes.Equal(plain, raw)
}

func main() {
	log.SetFlags(0)
	var wg sync.WaitGroup
	errs := make(chan error, 2*len(os.Args))
	for _, file := range os.Args[1:] {
		raw, err := os.ReadFile(file)
		if err != nil {
			log.Fatal(err)
		}
		for _, t := range twins {
			wg.Add(1)
			go func() {
				defer wg.Done()
				out := file + t.ext
				if upToDate(out, raw, t) {
					fmt.Printf("  %s: up to date\n", out)
					return
				}
				var b bytes.Buffer
				if err := t.compress(&b, raw, file); err != nil {
					errs <- fmt.Errorf("%s: %w", out, err)
					return
				}
				if err := os.WriteFile(out, b.Bytes(), 0o644); err != nil {
					errs <- err
					return
				}
				fmt.Printf("  %s: %d → %d bytes\n", out, len(raw), b.Len())
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		log.Fatal(err)
	}
}
