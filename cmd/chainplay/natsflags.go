//go:build !js

package main

import (
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/nats-io/nats.go"

	"github.com/chainplay/chainplay/relay/natsbus"
)

// natsOptions are the command line of many processes (cluster.go,
// docs/cluster.md): -nats to join a NATS deployment, or -nats-embedded
// to run one inside this process, alone or routed to its peers.
type natsOptions struct {
	url      string
	embedded bool
	listen   string
	cluster  string
	routes   string
	name     string
	store    string
	replicas int
	public   string
}

func (n *natsOptions) flags(fs *flag.FlagSet) {
	fs.StringVar(&n.url, "nats", "", "share rooms with other chainplay processes through this NATS server (with JetStream), e.g. nats://10.0.0.5:4222")
	fs.BoolVar(&n.embedded, "nats-embedded", false, "share rooms through a NATS server started in this process (see -nats-listen, -nats-cluster, -nats-routes)")
	fs.StringVar(&n.listen, "nats-listen", "127.0.0.1:4222", "with -nats-embedded: address the NATS server takes clients on")
	fs.StringVar(&n.cluster, "nats-cluster", "", "with -nats-embedded: address the NATS server takes routes from the other servers on, e.g. 0.0.0.0:6222 (needs -nats-name)")
	fs.StringVar(&n.routes, "nats-routes", "", "with -nats-embedded: comma-separated route addresses of the other NATS servers, e.g. 10.0.0.6:6222,10.0.0.7:6222")
	fs.StringVar(&n.name, "nats-name", "", "with -nats-embedded: this NATS server's name in its cluster")
	fs.StringVar(&n.store, "nats-store", "", "with -nats-embedded: JetStream's directory (default DATA/nats)")
	fs.IntVar(&n.replicas, "nats-replicas", 1, "JetStream replicas of the registry, leases and blocks (3 on a cluster of three NATS servers)")
	fs.StringVar(&n.public, "public-url", "", "with -nats or -nats-embedded: the address browsers reach this process at directly, e.g. https://chainplay2.example.org; the other processes give it to their tabs to reconnect to when theirs goes away (default: none, tabs reconnect through the address they loaded the page from)")
}

func (n *natsOptions) check() error {
	switch {
	case n.url != "" && n.embedded:
		return errors.New("-nats and -nats-embedded: choose one")
	case n.replicas < 1 || n.replicas > 5:
		return fmt.Errorf("-nats-replicas %d: want 1 to 5", n.replicas)
	case n.cluster != "" && n.name == "":
		return errors.New("-nats-cluster needs -nats-name")
	case !n.embedded && (n.cluster != "" || n.routes != ""):
		return errors.New("-nats-cluster and -nats-routes go with -nats-embedded")
	case n.public != "" && n.url == "" && !n.embedded:
		return errors.New("-public-url goes with -nats or -nats-embedded")
	}
	if n.public != "" {
		u, err := checkPublicURL(n.public)
		if err != nil {
			return err
		}
		n.public = u
	}
	return nil
}

// connect connects to NATS as the options say: nil without -nats or
// -nats-embedded. stop closes the connection and the embedded server.
func (n *natsOptions) connect(data string, log *slog.Logger) (cfg *clusterConfig, stop func(), err error) {
	stop = func() {}
	if n.url == "" && !n.embedded {
		return nil, stop, nil
	}
	proc, err := newProcessID()
	if err != nil {
		return nil, stop, err
	}
	var nc *nats.Conn
	var emb *natsbus.Embedded
	if n.embedded {
		store := n.store
		if store == "" {
			store = filepath.Join(data, "nats")
		}
		var routes []string
		if n.routes != "" {
			routes = strings.Split(n.routes, ",")
		}
		emb, err = natsbus.StartEmbedded(natsbus.EmbeddedConfig{Listen: n.listen, StoreDir: store, Name: n.name,
			ClusterListen: n.cluster, Routes: routes})
		if err != nil {
			return nil, stop, err
		}
		nc, err = emb.Connect("chainplay-" + proc)
		fmt.Printf("NATS is running: %s (JetStream in %s)\n", emb.ClientURL(), store)
	} else {
		nc, err = nats.Connect(n.url, nats.Name("chainplay-"+proc), nats.MaxReconnects(-1))
	}
	if err != nil {
		if emb != nil {
			emb.Shutdown()
		}
		return nil, stop, fmt.Errorf("chainplay: nats: %w", err)
	}
	log.Info("cluster: connected", "process", proc, "nats", nc.ConnectedUrlRedacted())
	stop = func() {
		nc.Close()
		if emb != nil {
			emb.Shutdown()
		}
	}
	return &clusterConfig{Conn: nc, ProcessID: proc, Replicas: n.replicas, PublicURL: n.public}, stop, nil
}

// newProcessID draws a process id: 6 characters of a-z and 0-9.
func newProcessID() (string, error) {
	const alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return string(b), nil
}
