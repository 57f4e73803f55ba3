//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/chainplay/chainplay/relay/natsbus"
)

// Many processes (docs/cluster.md): with -nats or -nats-embedded, the
// processes of one deployment share everything a room is through NATS:
//
//   - the relay's rooms: relay.Config.Bus is a natsbus.Bus, subject
//     chainplay.room.ROOM;
//   - the room registry: kvRegistry, the JetStream key-value bucket
//     chainplay_rooms (one key per room, compare-and-set on its revision);
//   - which process runs a room's archive: kvLeases, bucket
//     chainplay_leases with a TTL, renewed by the holder;
//   - the archive's blocks: jsStores, the stream chainplay_blocks, one
//     subject per room and epoch (chainplay.blocks.ROOM.EPOCH), written
//     with the subject's expected last sequence, so a holder that lost
//     its lease cannot write behind its successor;
//   - resets: chainplay.ctl.reset tells every process that a room's
//     epoch moved on, so each kicks its own peers of the room;
//   - the processes browsers can reach: serverDirectory, bucket
//     chainplay_servers (kvservers.go);
//   - the kicks' bans, bucket chainplay_bans, and the key that signs the
//     browsers' cookies (kvbans.go).

// clusterConfig is what a process needs to share its rooms.
type clusterConfig struct {
	// Conn is the connection to NATS (with JetStream). It belongs to the
	// caller, who closes it after the server. This field is required.
	Conn *nats.Conn
	// ProcessID names this process (relay.Config.ProcessID): new at every
	// start. This field is required.
	ProcessID string
	// Replicas is the JetStream replication of the buckets and the
	// stream: 1 (the default) on one NATS server, 3 on a cluster of three.
	Replicas int
	// LeaseTTL is how long a room's archive lease outlives its holder's
	// last renewal: the failover time after a crash. Default 3 s.
	LeaseTTL time.Duration
	// BusBeat and BusTimeout are the relay's (relay.Config); zero: its
	// defaults.
	BusBeat, BusTimeout time.Duration
	// PublicURL is the address browsers reach this process at directly
	// (http(s)://HOST[:PORT], checkPublicURL), announced to the others
	// (kvservers.go) so that tabs whose process dies redial this one.
	// Empty: this process announces none (tabs reconnect through the
	// address they loaded the page from, say a load balancer).
	PublicURL string
}

// The names a deployment uses in NATS.
const (
	kvRooms       = "chainplay_rooms"
	kvLeaseBucket = "chainplay_leases"
	kvSettings    = "chainplay_archive"
	kvServers     = "chainplay_servers"
	kvBanBucket   = "chainplay_bans"
	blockStream   = "chainplay_blocks"
	blockSubjects = "chainplay.blocks."
	resetSubject  = "chainplay.ctl.reset"
)

// natsOpTimeout bounds one JetStream request; readyAttempt one attempt
// to set the buckets up while a new JetStream cluster elects its leader.
const (
	natsOpTimeout = 5 * time.Second
	readyAttempt  = time.Second
)

// cluster is a process's share of a deployment.
type cluster struct {
	cfg      clusterConfig
	js       jetstream.JetStream
	bus      *natsbus.Bus
	rooms    jetstream.KeyValue
	leaseKV  jetstream.KeyValue
	settings jetstream.KeyValue
	servers  jetstream.KeyValue
	bans     jetstream.KeyValue
	blocks   jetstream.Stream
	resets   *nats.Subscription // nil until onReset
}

// openCluster creates (or finds) the buckets and the stream.
func openCluster(ctx context.Context, cfg clusterConfig) (*cluster, error) {
	if cfg.Conn == nil || cfg.ProcessID == "" {
		return nil, errors.New("chainplay: clusterConfig.Conn and ProcessID are required")
	}
	if cfg.Replicas <= 0 {
		cfg.Replicas = 1
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 3 * time.Second
	}
	js, err := jetstream.New(cfg.Conn)
	if err != nil {
		return nil, fmt.Errorf("chainplay: jetstream: %w", err)
	}
	bus, err := natsbus.New(cfg.Conn, "")
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 6*natsOpTimeout)
	defer cancel()
	c := &cluster{cfg: cfg, js: js, bus: bus}
	// The buckets and the stream are made at once: a new replicated one
	// waits for its group's leader election, which they can share.
	var wg sync.WaitGroup
	errs := make([]error, 6)
	kv := func(i int, into *jetstream.KeyValue, kc jetstream.KeyValueConfig) {
		kc.Storage, kc.Replicas = jetstream.FileStorage, cfg.Replicas
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := untilReady(ctx, func(ctx context.Context) (err error) {
				*into, err = js.CreateOrUpdateKeyValue(ctx, kc)
				return err
			})
			if err != nil {
				errs[i] = fmt.Errorf("chainplay: key-value bucket %s: %w", kc.Bucket, err)
			}
		}()
	}
	kv(0, &c.rooms, jetstream.KeyValueConfig{Bucket: kvRooms, History: 1})
	kv(1, &c.leaseKV, jetstream.KeyValueConfig{Bucket: kvLeaseBucket, History: 1, TTL: cfg.LeaseTTL})
	kv(2, &c.settings, jetstream.KeyValueConfig{Bucket: kvSettings, History: 1})
	kv(3, &c.servers, jetstream.KeyValueConfig{Bucket: kvServers, History: 1, TTL: serverTTL})
	kv(4, &c.bans, jetstream.KeyValueConfig{Bucket: kvBanBucket, History: 1})
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := untilReady(ctx, func(ctx context.Context) (err error) {
			c.blocks, err = js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
				Name:     blockStream,
				Subjects: []string{blockSubjects + ">"},
				Storage:  jetstream.FileStorage,
				Replicas: cfg.Replicas,
			})
			return err
		})
		if err != nil {
			errs[5] = fmt.Errorf("chainplay: stream %s: %w", blockStream, err)
		}
	}()
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return c, nil
}

// untilReady calls op until it succeeds or ctx ends, each call bounded
// by readyAttempt: the processes of a new deployment start together, and
// JetStream leaves a request unanswered (or answers "temporarily
// unavailable") until its cluster has elected a leader, and leaves some
// unanswered while another process creates the same bucket: asked again,
// it answers at once.
func untilReady(ctx context.Context, op func(ctx context.Context) error) error {
	for {
		actx, cancel := context.WithTimeout(ctx, readyAttempt)
		err := op(actx)
		cancel()
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(250 * time.Millisecond):
		}
	}
}

// resetNote is the body of a message on resetSubject.
type resetNote struct {
	Room  string `json:"room"`
	Epoch uint64 `json:"epoch"`
	Proc  string `json:"proc"`
}

// publishReset tells the other processes that room is at epoch now.
func (c *cluster) publishReset(room string, epoch uint64) {
	b, _ := json.Marshal(resetNote{Room: room, Epoch: epoch, Proc: c.cfg.ProcessID})
	_ = c.cfg.Conn.Publish(resetSubject, b)
}

// onReset calls fn for every reset another process publishes.
func (c *cluster) onReset(fn func(room string, epoch uint64), log *slog.Logger) error {
	sub, err := c.cfg.Conn.Subscribe(resetSubject, func(m *nats.Msg) {
		var n resetNote
		if err := json.Unmarshal(m.Data, &n); err != nil || n.Proc == c.cfg.ProcessID {
			return
		}
		log.Info("cluster: room reset by another process", "room", n.Room, "epoch", n.Epoch, "by", n.Proc)
		fn(n.Room, n.Epoch)
	})
	if err != nil {
		return fmt.Errorf("chainplay: subscribe %s: %w", resetSubject, err)
	}
	c.resets = sub
	return nil
}

// close unsubscribes; the connection is the caller's.
func (c *cluster) close() {
	if c.resets != nil {
		_ = c.resets.Unsubscribe()
	}
}

func opCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), natsOpTimeout)
}
