//go:build !js

package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/mine/wasmkernel"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/docs"
	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/relay"
	"github.com/chainplay/chainplay/web"
)

// serverConfig is what the HTTP side of the binary needs.
type serverConfig struct {
	// Params are the consensus parameters of a room opened by its URL
	// without being created, and the defaults of POST /api/rooms; the
	// room's name replaces Params.Name. This field is required.
	Params chain.Params
	// Relay configures the websocket relay. Its OnRoomActive and
	// OnRoomEmpty hooks are replaced by the archive peers'.
	Relay relay.Config
	// Data is the data directory: DATA/registry.db holds every room's
	// parameters and teacher token, DATA/rooms/NAME.db its blocks. It is
	// created if missing. This field is required.
	Data string
	// ArchiveIdle is how long a room stays without peers before its
	// archive peer stops (its data stays). Defaults to 2 minutes.
	ArchiveIdle time.Duration
	// ArchiveStoreDelay is archiveConfig.StoreDelay. Zero: none.
	ArchiveStoreDelay time.Duration
	// Clock is the server's time source: room creation times, bans, rate
	// limits and the archive nodes' clock. Defaults to node.SystemClock.
	Clock node.Clock
	// Logger receives the server's events. Defaults to discarding them.
	Logger *slog.Logger
	// LANHost, when set, is the host:port students reach this server at
	// (main sets it when it listens on every interface): a room's address
	// and QR code use it when the teacher's own request came to a loopback
	// address, which no student can open.
	LANHost string

	// CreateEvery and CreateBurst bound the rooms one address may create
	// with POST /api/rooms (each is a file kept until deleted by hand):
	// CreateBurst at once, then one per CreateEvery; over it, 429
	// rate-limited. Default 1 minute and 10.
	CreateEvery time.Duration
	CreateBurst int
	// OpenEvery and OpenBurst bound the rooms one address may open by URL
	// (a websocket to a room that nobody created and nobody is in: each
	// starts an archive peer and a store, reclaimed once the room is
	// idle). Default 5 seconds and 30.
	OpenEvery time.Duration
	OpenBurst int
	// TrustProxy takes a client's address from the last hop of
	// X-Forwarded-For rather than from its connection, for a server
	// behind a reverse proxy: bans and rate limits go by that address.
	TrustProxy bool
	// Cluster, when set, shares the rooms with the other processes of a
	// deployment through NATS (cluster.go): the relay's rooms, the
	// registry (Data then holds no registry), the archive leases and the
	// archives' blocks. Nil: one process, bbolt files under Data.
	Cluster *clusterConfig
}

// roomConfig is the JSON a room page hands to its in-tab node.
type roomConfig struct {
	Room   string       `json:"room"`
	Params chain.Params `json:"params"`
	// Epoch is the room's reset counter: the tab joins the relay with it,
	// and reloads when the room's epoch moves on (admin.js).
	Epoch uint64 `json:"epoch"`
	// ControlKey is the room's control key (hex ed25519 public key): the
	// tab's node obeys only the teacher's controls it signed
	// (classroom.go). Empty for a room without a teacher.
	ControlKey string `json:"control_key,omitempty"`
	// Relays are the room's websocket URLs on the cluster's other
	// processes that announced a public address (ws(s)://HOST/ws/ROOM,
	// kvservers.go), in the order the tab tries them when its own
	// server's socket goes away: shuffled per page, so the tabs of a
	// process that died spread over the others. Empty in a single
	// process.
	Relays []string `json:"relays,omitempty"`
}

// server is the binary's HTTP surface: pages, assets, the relay, the room
// API, and the archive peers behind them.
type server struct {
	http.Handler
	cfg      serverConfig
	relay    *relay.Server
	reg      roomRegistry
	archives *archives
	ids      *identities      // the browsers' cookies
	bans     *bans            // who was kicked, per room session
	creates  *keyedLimiter    // POST /api/rooms per address
	opens    *keyedLimiter    // rooms opened by URL per address
	class    *classroom       // the teacher's controls (classroom.go)
	scen     *scenarios       // the attack scenarios running (scenario.go)
	cluster  *cluster         // nil in a single process
	dir      *serverDirectory // the cluster's reachable processes; nil in a single process
	stopBans func()           // ends the mirror of the cluster's bans; nil in a single process
	api      *httpjson.Mux    // the room API: answers the requests other processes forward (archiveproxy.go)
	stop     chan struct{}    // closed by Close: ends runReshare
	close    sync.Once
}

// newServer opens the data directory and wires everything into one
// handler: /ws/{room} is the relay, /api/… the room API (api.go, JSON
// answers even for unknown paths and wrong methods), everything else the
// web package. The caller must call Close.
func newServer(cfg serverConfig) (*server, error) {
	if cfg.Data == "" {
		return nil, errors.New("chainplay: serverConfig.Data is required")
	}
	if err := cfg.Params.Validate(); err != nil {
		return nil, fmt.Errorf("chainplay: default params: %w", err)
	}
	if cfg.ArchiveIdle <= 0 {
		cfg.ArchiveIdle = 2 * time.Minute
	}
	if cfg.Clock == nil {
		cfg.Clock = node.SystemClock
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.CreateEvery <= 0 {
		cfg.CreateEvery = time.Minute
	}
	if cfg.CreateBurst <= 0 {
		cfg.CreateBurst = 10
	}
	if cfg.OpenEvery <= 0 {
		cfg.OpenEvery = 5 * time.Second
	}
	if cfg.OpenBurst <= 0 {
		cfg.OpenBurst = 30
	}
	roomsDir := filepath.Join(cfg.Data, "rooms")
	if err := os.MkdirAll(roomsDir, 0o700); err != nil {
		return nil, fmt.Errorf("chainplay: data directory: %w", err)
	}
	var reg roomRegistry
	var cl *cluster
	if cfg.Cluster != nil {
		var err error
		if cl, err = openCluster(context.Background(), *cfg.Cluster); err != nil {
			return nil, err
		}
		reg = kvRegistry{kv: cl.rooms}
	} else {
		bolt, err := openRegistry(filepath.Join(cfg.Data, "registry.db"))
		if err != nil {
			return nil, err
		}
		reg = bolt
	}
	s := &server{cfg: cfg, reg: reg, ids: newIdentities(cfg.TrustProxy), bans: newBans(),
		creates: newKeyedLimiter(cfg.CreateEvery, cfg.CreateBurst), opens: newKeyedLimiter(cfg.OpenEvery, cfg.OpenBurst),
		class: newClassroom(), scen: newScenarios(), stop: make(chan struct{})}
	s.archives = newArchives(archiveConfig{Dir: roomsDir, Idle: cfg.ArchiveIdle, Clock: cfg.Clock, Log: cfg.Logger,
		StoreDelay: cfg.ArchiveStoreDelay}, nil, reg, s.bans, s.record)
	rcfg := cfg.Relay
	if cl != nil {
		s.cluster = cl
		s.archives.stores, s.archives.leases, s.archives.onReset = jsStores{c: cl}, cl.leases(), cl.publishReset
		s.archives.onHeld = s.serveArchive
		rcfg.Bus, rcfg.ProcessID = cl.bus, cfg.Cluster.ProcessID
		rcfg.BusBeat, rcfg.BusTimeout = cfg.Cluster.BusBeat, cfg.Cluster.BusTimeout
		s.dir = cl.startDirectory(cfg.Cluster.PublicURL, cfg.Logger)
		if err := s.shareIdentities(cl); err != nil {
			s.dir.close()
			return nil, err
		}
	} else {
		s.archives.Sweep(cfg.Clock.Now())
	}
	rcfg.OnRoomActive = s.archives.Active
	rcfg.OnRoomEmpty = s.archives.Empty
	if rcfg.Logger == nil {
		rcfg.Logger = cfg.Logger
	}
	rs, err := relay.New(rcfg)
	if err != nil {
		if s.dir != nil {
			s.dir.close()
		}
		reg.close()
		return nil, err
	}
	s.relay, s.archives.relay = rs, rs
	if cl != nil {
		if err := cl.onReset(func(room string, _ uint64) {
			s.class.clear(room)
			s.archives.ResetElsewhere(room)
		}, cfg.Logger); err != nil {
			rs.Close()
			return nil, err
		}
	}

	pages, err := web.NewHandler(web.Config{RoomConfig: s.roomConfig, Assets: wasmkernel.Files, Presets: webPresets(cfg.Params),
		RoomURL: s.roomURL, LessonsGuides: docs.LessonsGuides(), BoardLanguage: s.roomLanguage})
	if err != nil {
		rs.Close()
		reg.close()
		return nil, err
	}
	api := httpjson.NewMux(httpjson.Options{Logger: cfg.Logger, MaxBody: maxBody})
	s.api = api
	s.routeAPI(api)
	s.routeClassroom(api)
	s.routeScenarios(api)
	go s.runReshare(s.stop)
	mux := http.NewServeMux()
	mux.Handle("/ws/{room}", s.wsGuard(rs)) // every method: the relay answers 405 to all but GET
	mux.Handle("/api/", api)
	mux.Handle("/", s.ids.withCookie(cfg.Clock.Now, pages))
	boot, err := web.BootScriptSource()
	if err != nil {
		return nil, err
	}
	s.Handler = securityHeaders(mux, []string{boot}, s.dir.Others)
	return s, nil
}

// shareIdentities makes the cookies and the bans the cluster's: every
// process signs and reads cookies with one key, and a kick bans on all
// of them (kvbans.go). The bans' mirror runs until Close.
func (s *server) shareIdentities(cl *cluster) error {
	key, err := cl.cookieKey()
	if err != nil {
		return err
	}
	s.ids.key = key
	shared := kvBans{kv: cl.bans, log: s.cfg.Logger}
	s.bans.shared = shared
	ctx, cancel := context.WithCancel(context.Background())
	if err := shared.mirror(ctx, s.bans); err != nil {
		cancel()
		return err
	}
	s.stopBans = cancel
	return nil
}

// defaultRecord is the record of a room opened by its URL: the default
// parameters named after it, and no teacher.
func (s *server) defaultRecord(room string) roomRecord {
	p := s.cfg.Params
	p.Name = room
	return roomRecord{Params: p, Created: s.cfg.Clock.Now().UnixMilli()}
}

// record returns room's stored record, or the default one (not stored)
// for a room that has none, and whether a teacher created the room.
func (s *server) record(room string) (roomRecord, bool, error) {
	rec, ok, err := s.reg.get(room)
	if err != nil || ok {
		return rec, ok && rec.created(), err
	}
	return s.defaultRecord(room), false, nil
}

// roomURL is the address students open for room: the request's scheme and
// host, or LANHost for a request to a loopback address.
func (s *server) roomURL(r *http.Request, room string) string {
	scheme, host := "http", r.Host
	if r.TLS != nil {
		scheme = "https"
	}
	if s.cfg.LANHost != "" && isLoopback(host) {
		host = s.cfg.LANHost
	}
	return scheme + "://" + host + "/r/" + room
}

// isLoopback reports whether host (host or host:port) names this machine
// only: localhost or a loopback address.
func isLoopback(host string) bool {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(strings.Trim(host, "[]"))
	return ip != nil && ip.IsLoopback()
}

// lanHost returns this machine's first non-loopback IPv4 address with
// port, the address a classroom's devices reach it at, or "".
func lanHost(port string) string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil && !ipn.IP.IsLinkLocalUnicast() {
			return net.JoinHostPort(ipn.IP.String(), port)
		}
	}
	return ""
}

// roomConfig is the page's web.Config.RoomConfig.
func (s *server) roomConfig(ctx context.Context, room string) ([]byte, error) {
	rec, _, err := s.record(room)
	if err != nil {
		return nil, err
	}
	if err := rec.Params.Validate(); err != nil {
		return nil, fmt.Errorf("room %q: %w", room, err)
	}
	cfg := roomConfig{Room: room, Params: rec.Params, Epoch: rec.Epoch, ControlKey: controlPublicHex(rec)}
	for _, e := range othersOf(ctx, s.dir.Others) { // the ones the page's policy allows
		cfg.Relays = append(cfg.Relays, e.wsURL(room))
	}
	rand.Shuffle(len(cfg.Relays), func(i, j int) { cfg.Relays[i], cfg.Relays[j] = cfg.Relays[j], cfg.Relays[i] })
	return json.Marshal(cfg)
}

// wsGuard admits a websocket to the relay, or answers with a JSON error:
//   - 409 stale-epoch to a ?epoch= that is not the room's: a tab loaded
//     before a reset would otherwise hand the wiped chain back to the new
//     archive (clients that send none, native nodes, pass: an old chain is
//     another chain's anyway, since every epoch has its own genesis);
//   - 403 banned to a client kicked from the room in its session (bans.go);
//   - 429 rate-limited to an address that opens rooms by URL faster than
//     serverConfig.OpenEvery allows (a websocket to a room nobody created
//     and nobody is in).
//
// It tags the connection with who it comes from (relay.WithTag), which a
// kick bans, and admits a page of another process of the cluster
// (serverDirectory.allows) past the relay's cross-origin check. Anything
// else (a bad room name, a wrong method) is the relay's to answer.
func (s *server) wsGuard(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if r.Method != http.MethodGet || !relay.ValidRoomName(room) {
			next.ServeHTTP(w, r)
			return
		}
		rec, created, err := s.record(room)
		if err != nil {
			httpjson.WriteError(w, r, s.cfg.Logger, fmt.Errorf("chainplay: registry: %w", err))
			return
		}
		if e := r.URL.Query().Get("epoch"); e != "" && e != strconv.FormatUint(rec.Epoch, 10) {
			httpjson.WriteError(w, r, s.cfg.Logger, httpjson.New(http.StatusConflict, httpjson.CodeStaleEpoch,
				"the room was reset since this page was loaded: reload it"))
			return
		}
		who := s.ids.identify(r)
		if s.bans.banned(room, who) {
			httpjson.WriteError(w, r, s.cfg.Logger, httpjson.New(http.StatusForbidden, httpjson.CodeBanned,
				"the teacher removed you from this room; you can come back when the room starts again"))
			return
		}
		if !created && len(s.relay.Peers(room)) == 0 {
			if ok, wait := s.opens.Allow(who.ip, s.cfg.Clock.Now()); !ok {
				writeRateLimited(w, r, s.cfg.Logger, wait, "too many rooms opened from this address: try again later")
				return
			}
		}
		ctx := relay.WithTag(r.Context(), who.tag())
		if s.dir.allows(r.Header.Get("Origin")) {
			ctx = relay.WithOriginChecked(ctx) // a page of another process of the cluster
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// writeRateLimited answers 429 rate-limited with a Retry-After of wait.
func writeRateLimited(w http.ResponseWriter, r *http.Request, log *slog.Logger, wait time.Duration, msg string) {
	w.Header().Set("Retry-After", strconv.Itoa(int(wait.Round(time.Second)/time.Second)+1))
	httpjson.WriteError(w, r, log, httpjson.New(http.StatusTooManyRequests, httpjson.CodeRateLimited, msg))
}

// Close stops the archive peers, then closes every relay connection and
// the registry. Call it after http.Server.Shutdown, which does not wait
// for websockets. It is idempotent.
func (s *server) Close() {
	s.close.Do(func() {
		close(s.stop)
		s.closeScenarios()
		s.archives.Close()
		s.relay.Close()
		s.reg.close()
		if s.dir != nil {
			s.dir.close()
		}
		if s.stopBans != nil {
			s.stopBans()
		}
		if s.cluster != nil {
			s.cluster.close()
		}
	})
}
