//go:build !js && !relayload_nonats

package main

import (
	"fmt"
	"os"
	"time"

	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/relay/natsbus"
)

// joinCluster makes cfg's relay one process of a cluster: it starts a NATS
// server routed to the others' (natsbus.StartEmbedded, as chainplay
// -nats-embedded does), waits until it has a route to every other (30 s at
// most), and sets cfg.Bus to a natsbus.Bus on it and cfg.ProcessID to
// nc.Name. stop closes the bus's connection and shuts the server down.
//
// A build with the tag relayload_nonats leaves this out (cluster_off.go),
// so that make loadtest-ab can build this load generator against a relay
// from before relay/natsbus.
func joinCluster(cfg *relay.Config, nc natsConfig) (stop func(), err error) {
	var stops []func()
	stop = func() {
		for i := len(stops) - 1; i >= 0; i-- {
			stops[i]()
		}
	}
	defer func() {
		if err != nil {
			stop()
		}
	}()
	dir, err := os.MkdirTemp("", "relayload-nats-")
	if err != nil {
		return nil, err
	}
	stops = append(stops, func() { os.RemoveAll(dir) })
	e, err := natsbus.StartEmbedded(natsbus.EmbeddedConfig{Listen: "127.0.0.1:0", StoreDir: dir, Name: nc.Name,
		ClusterListen: nc.Cluster, Routes: nc.Routes})
	if err != nil {
		return nil, err
	}
	stops = append(stops, e.Shutdown)
	if !e.WaitRoutes(len(nc.Routes), 30*time.Second) {
		return nil, fmt.Errorf("NATS server %s: no route to every other server in 30s", nc.Name)
	}
	conn, err := e.Connect("relayload-" + nc.Name)
	if err != nil {
		return nil, err
	}
	stops = append(stops, conn.Close)
	bus, err := natsbus.New(conn, "")
	if err != nil {
		return nil, err
	}
	cfg.Bus, cfg.ProcessID = bus, nc.Name
	return stop, nil
}
