//go:build !js

package natsbus

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedConfig configures a NATS server started inside the process.
type EmbeddedConfig struct {
	// Listen is the host:port clients connect to; "" or port 0 means a
	// free port (ClientURL tells which), on 127.0.0.1 without a host.
	Listen string
	// StoreDir is the directory of JetStream's files. This field is
	// required.
	StoreDir string
	// Name names the server in its cluster; required with ClusterListen.
	Name string
	// ClusterListen, when set, is the host:port this server accepts
	// routes from the other servers of its cluster on, and Routes their
	// route addresses (nats-route://host:port or host:port). ClusterName
	// names the cluster (default "chainplay"). JetStream in a cluster
	// needs a majority of its servers up: run three.
	ClusterListen string
	Routes        []string
	ClusterName   string
}

// Embedded is a NATS server running in the process.
type Embedded struct {
	srv *server.Server
}

// ErrNotReady is returned by StartEmbedded when the server did not
// accept connections in time.
var ErrNotReady = errors.New("natsbus: embedded server not ready")

// StartEmbedded starts a NATS server with JetStream and waits until it
// accepts connections. The caller must call Shutdown.
func StartEmbedded(cfg EmbeddedConfig) (*Embedded, error) {
	if cfg.StoreDir == "" {
		return nil, errors.New("natsbus: EmbeddedConfig.StoreDir is required")
	}
	host, port, err := splitHostPort(cfg.Listen, "127.0.0.1", -1)
	if err != nil {
		return nil, fmt.Errorf("natsbus: listen %q: %w", cfg.Listen, err)
	}
	if port == 0 {
		port = -1 // nats-server's "any free port"; its 0 is 4222
	}
	opts := &server.Options{
		ServerName: cfg.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   cfg.StoreDir,
		NoSigs:     true,
		NoLog:      true,
	}
	if cfg.ClusterListen != "" {
		if cfg.Name == "" {
			return nil, errors.New("natsbus: EmbeddedConfig.Name is required in a cluster")
		}
		ch, cp, err := splitHostPort(cfg.ClusterListen, "0.0.0.0", 0)
		if err != nil {
			return nil, fmt.Errorf("natsbus: cluster listen %q: %w", cfg.ClusterListen, err)
		}
		name := cfg.ClusterName
		if name == "" {
			name = "chainplay"
		}
		opts.Cluster = server.ClusterOpts{Name: name, Host: ch, Port: cp}
		var routes []string
		for _, r := range cfg.Routes {
			if r = strings.TrimSpace(r); r == "" {
				continue
			}
			if !strings.Contains(r, "://") {
				r = "nats-route://" + r
			}
			routes = append(routes, r)
		}
		opts.Routes = server.RoutesFromStr(strings.Join(routes, ","))
	}
	srv, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("natsbus: embedded server: %w", err)
	}
	go srv.Start()
	if !srv.ReadyForConnections(10 * time.Second) {
		srv.Shutdown()
		return nil, ErrNotReady
	}
	return &Embedded{srv: srv}, nil
}

func splitHostPort(addr, defHost string, defPort int) (string, int, error) {
	if addr == "" {
		return defHost, defPort, nil
	}
	h, p, err := net.SplitHostPort(addr)
	if err != nil {
		return "", 0, err
	}
	if h == "" {
		h = defHost
	}
	n, err := strconv.Atoi(p)
	if err != nil || n < 0 || n > 65535 {
		return "", 0, fmt.Errorf("bad port %q", p)
	}
	return h, n, nil
}

// WaitRoutes waits until the server has routes to at least n other
// servers of its cluster, and reports whether it did within d.
func (e *Embedded) WaitRoutes(n int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for {
		if e.routedServers() >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// routedServers counts the other servers this one has a route to (a
// server may have several routes to one other: a pool).
func (e *Embedded) routedServers() int {
	rz, err := e.srv.Routez(nil)
	if err != nil {
		return 0
	}
	seen := map[string]bool{}
	for _, r := range rz.Routes {
		seen[r.RemoteID] = true
	}
	return len(seen)
}

// ClientURL is the URL clients connect to (nats://host:port).
func (e *Embedded) ClientURL() string { return e.srv.ClientURL() }

// Connect returns a connection to the server inside the process, with no
// socket (nats.InProcessServer).
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	return nats.Connect("", nats.InProcessServer(e.srv), nats.Name(name), nats.MaxReconnects(-1))
}

// Shutdown stops the server and waits until it has stopped.
func (e *Embedded) Shutdown() {
	e.srv.Shutdown()
	e.srv.WaitForShutdown()
}
