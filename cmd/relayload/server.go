//go:build !js

package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"sync"
	"time"

	"github.com/chainplay/chainplay/relay"
)

// serveEnv makes the binary the server child: a relay with the default
// limits (peers per room and rooms raised to fit the load), on loopback.
// Its value is the child's serveConfig as JSON.
const serveEnv = "RELAYLOAD_SERVE"

// serveConfig is what a server child is told.
type serveConfig struct {
	PeersPerRoom int `json:"peers_per_room"`
	Rooms        int `json:"rooms"`
	Peers        int `json:"peers"` // this child's share of the peers, for its file limit
	// CPUProfile names the file the child writes its CPU profile to,
	// between GET /profile/start and GET /profile/stop; empty: none.
	CPUProfile string `json:"cpu_profile,omitempty"`
	// NATS, when set, makes the child one process of a cluster
	// (joinCluster).
	NATS *natsConfig `json:"nats,omitempty"`
}

// natsConfig is a cluster child's NATS server.
type natsConfig struct {
	Name    string   `json:"name"`    // its server name, also the relay's process id
	Cluster string   `json:"cluster"` // host:port it takes routes on
	Routes  []string `json:"routes"`  // the others' route addresses
}

// heapEnv names the file the server child writes a heap profile to at
// each GET /mem (for looking into the memory of idle peers).
const heapEnv = "RELAYLOAD_HEAPPROFILE"

// memStats is what the child reports at GET /mem, after a full GC.
type memStats struct {
	HeapInuse  uint64 `json:"heap_inuse"`  // bytes in in-use heap spans
	StackInuse uint64 `json:"stack_inuse"` // bytes of goroutine stacks
	Other      uint64 `json:"other"`       // span, cache and GC metadata in use
	Goroutines int    `json:"goroutines"`
	RSS        uint64 `json:"rss"` // resident set size, bytes (Linux)
}

// total is the memory the Go runtime holds for live objects and stacks.
func (m memStats) total() uint64 { return m.HeapInuse + m.StackInuse + m.Other }

// serve runs the relay until stdin closes (the parent ended), printing
// "listening ADDR" once it accepts connections (and, in a cluster, once
// its NATS server has a route to every other).
func serve(sc serveConfig) error {
	raiseFileLimit(sc.Peers + 64)
	cfg := relay.DefaultConfig()
	cfg.MaxPeersPerRoom = max(cfg.MaxPeersPerRoom, sc.PeersPerRoom)
	cfg.MaxRooms = max(cfg.MaxRooms, sc.Rooms)
	if sc.NATS != nil {
		stop, err := joinCluster(&cfg, *sc.NATS)
		if err != nil {
			return err
		}
		defer stop()
	}
	rs, err := relay.New(cfg)
	if err != nil {
		return err
	}
	defer rs.Close()
	mux := http.NewServeMux()
	mux.Handle("GET /ws/{room}", rs)
	mux.HandleFunc("GET /mem", func(w http.ResponseWriter, r *http.Request) {
		runtime.GC()
		debug.FreeOSMemory()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if path := os.Getenv(heapEnv); path != "" {
			if f, err := os.Create(path); err == nil {
				pprof.Lookup("heap").WriteTo(f, 0)
				f.Close()
			}
		}
		json.NewEncoder(w).Encode(memStats{
			HeapInuse:  ms.HeapInuse,
			StackInuse: ms.StackInuse,
			Other:      ms.MSpanInuse + ms.MCacheInuse + ms.GCSys,
			Goroutines: runtime.NumGoroutine(),
			RSS:        rss(),
		})
	})
	var (
		profMu sync.Mutex
		prof   *os.File
	)
	mux.HandleFunc("GET /profile/start", func(w http.ResponseWriter, r *http.Request) {
		profMu.Lock()
		defer profMu.Unlock()
		if sc.CPUProfile == "" {
			http.Error(w, "no CPU profile file given", http.StatusConflict)
			return
		}
		f, err := os.Create(sc.CPUProfile)
		if err == nil {
			if err = pprof.StartCPUProfile(f); err != nil {
				f.Close()
			}
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		prof = f
	})
	mux.HandleFunc("GET /profile/stop", func(w http.ResponseWriter, r *http.Request) {
		profMu.Lock()
		defer profMu.Unlock()
		if prof == nil {
			http.Error(w, "no profile running", http.StatusConflict)
			return
		}
		pprof.StopCPUProfile()
		prof.Close()
		prof = nil
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go hs.Serve(ln)
	fmt.Printf("listening %s\n", ln.Addr())
	io.Copy(io.Discard, os.Stdin) // until the parent closes it or dies
	hs.Close()
	return nil
}

// rss reads VmRSS from /proc/self/status; 0 where there is none.
func rss() uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		var kb uint64
		if n, _ := fmt.Sscanf(s.Text(), "VmRSS: %d kB", &kb); n == 1 {
			return kb << 10
		}
	}
	return 0
}
