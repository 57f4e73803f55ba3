// Package relay is the websocket relay of Chainplay: it joins the browser
// tabs and native nodes of a room so they can talk to each other.
//
// A room is a set of connections that see each other's frames. Rooms are
// named in the URL (GET /ws/{room}, 1 to 32 characters of a-z, 0-9, '-' and
// '_'), created on their first connection and removed when their last one
// leaves. Frames are opaque: the relay reads a frame's type and target and
// forwards the body byte for byte. It never imports package chain and never
// parses a block or a transaction.
//
// Entry points: New(DefaultConfig()) returns a Server, an http.Handler to
// mount with mux.Handle("GET /ws/{room}", srv); Server.Rooms lists the rooms,
// Server.Peers the peers of one, Server.Kick drops one peer, Server.Close
// shuts everything down. Server.JoinLocal joins a room from the same process
// (the archive peer of cmd/chainplay does): a LocalConn sends and receives
// the same frames as a websocket client, with the same ids, presence, checks
// and bounded queue, but without a socket. Local clients do not make a room
// active for the OnRoomActive/OnRoomEmpty hooks: a room whose only peers are
// local is empty.
//
// # Wire protocol
//
// Every frame is one JSON object in one websocket text message.
//
// Client to relay:
//
//	{"type": "<string>", "to": "<peer id, optional>", "body": <any JSON, optional>}
//
// Only type and to are decoded; body stays raw bytes. A frame is refused
// (dropped, and its sender gets an "error" frame) if it is not valid UTF-8
// (a browser closes its socket on a text frame it cannot decode, so one
// such frame forwarded would take a whole room offline), not a JSON
// object, its type is empty or longer than MaxTypeLen, or its type is one
// the relay reserves ("peers", "join", "leave", "error"). Binary messages
// are refused the same way. Each of these refusals adds a point to the
// sender's misbehaviour score, which decays by ScoreDecayPerSec; at
// MaxScore the connection is closed (StatusPolicyViolation, "misbehaving").
//
// Relay to clients:
//
//	{"type": T, "from": "<sender id>", "to": "<id if direct>", "body": <body as received>}
//	    a forwarded frame; "to" and "body" are omitted when the sender left
//	    them out. Without "to" it goes to every other peer of the room (never
//	    back to its sender); with "to" only to that peer of the same room, and
//	    if there is none the sender gets an "error" frame instead.
//	{"type": "peers", "body": {"you": "p3", "room": "r", "peers": [{"id": "p1", "name": "ann"}]}}
//	    the first frame of every connection: its own id and the peers already
//	    there, in the order they joined.
//	{"type": "join",  "body": {"id": "p4", "name": "bob"}}   to the others when a peer arrives
//	{"type": "leave", "body": {"id": "p4"}}                  to the others when a peer leaves
//	{"type": "error", "body": {"code": "unknown-peer", "message": "unknown peer p9"}}
//	    to one client whose frame was refused: a code (below) and a sentence
//
// Peer ids ("p1", "p2", ...) are unique for the lifetime of the Server. The
// nickname is the name query parameter, cleaned to at most MaxNameLen bytes
// of valid UTF-8; "anon" if empty. The types Frame, PeerInfo, PeersBody,
// LeaveBody and ErrorBody describe these frames.
//
// # Classroom policy
//
// The server in front of the relay may shape a room (policy.go), so that
// a lesson holds even against a modified tab: SetGroups splits the room
// into groups that no longer hear each other (a forwarded frame reaches
// only its sender's group; frames across are lost silently, as on a
// broken network) and heals it; SetLatency delays the forwarded frames of
// the room, or those from and to one peer; Announce sends every peer,
// whatever its group, a frame without "from" — which no client can send,
// since the relay fills in "from" on every client frame — and keeps it
// as the notice every newcomer gets right after its peers frame. A local
// peer joined with JoinObserver hears every group of a split room and
// reaches nobody while it is split. The relay still reads only a frame's
// type and target: groups and delays go by peer id, never by content.
//
// # Limits
//
// Config bounds the frame size (a larger frame closes the sender with
// StatusMessageTooBig), the frames queued per client, the frames per second
// per connection (over the limit a frame is dropped with an "error" frame;
// after MaxRateDrops in a row the connection is closed with
// StatusPolicyViolation), the peers per room and the rooms with websocket
// peers (HTTP 503 before the upgrade; a room kept only by local clients
// takes no slot), the write time per frame, and the ping interval. The
// queue and the burst are sized together: with a rate limit, SendQueue is
// at least MinSendQueue(RateBurst), two whole bursts, so a sender that
// empties its bucket at once never makes the others look slow.
// Cross-origin pages may connect only from Config.OriginPatterns.
//
// # Codes
//
// Every refusal and every close the relay decides carries a stable code
// (codes.go; Codes lists them, Code reads one from an error): the reason
// of a close frame is the code alone, an error frame has it in "code",
// and an HTTP refusal has it as its plain-text body.
//
//	close (reason = code)     error frame ("code")   HTTP refusal (body = code)
//	kicked            1008    rate-limited           invalid-room    400
//	rate-limited      1008    malformed-frame        room-full       503
//	send-queue-full   1008    reserved-type          too-many-rooms  503
//	misbehaving       1008    binary-frame           shutting-down   503
//	frame-too-big     1009    unknown-peer
//	shutting-down     1001
//	bye (LocalConn)   1000
//
// # Concurrency
//
// ServeHTTP upgrades a connection and returns; the connection then has one
// reader, a goroutine of its own counted by the Server (Close waits for
// it), and at most one writer goroutine, the only one to write data
// frames, which runs while frames wait in the connection's bounded queue
// (Config.SendQueue) and ends when it is empty; a ping (every
// Config.PingInterval, from a timer) has a goroutine while it waits for
// its pong. The reader waits for them before it ends, so no goroutine
// outlives its connection, and an idle connection has only its reader
// (and the websocket library's own goroutine). The queue's storage grows
// with the frames waiting and is let go when they are written.
// The reader rate-limits and checks a frame, encodes the outgoing frame once,
// and hands the same bytes to each recipient's queue under the room's lock;
// handing over never blocks and no socket I/O happens under a lock. A client
// whose queue is full is closed once, with StatusPolicyViolation and
// CodeSendQueueFull, and a write already under way to it is abandoned, so a
// client that does not read never delays the others. Relay-initiated closes
// (Kick, rate abuse, an oversized frame, Close) otherwise let the current
// write finish and send a close frame.
// All exported methods are safe for concurrent use. A handler in front of
// the relay may label a connection with WithTag on its request's context
// and read the label back by peer id with Server.Tag (cmd/chainplay bans a
// kicked peer by it); the relay itself never looks at it. The room hooks
// (Config.OnRoomActive, Config.OnRoomEmpty) run one at a time, in order, on a
// goroutine owned by the Server, with no lock held.
//
// # Errors
//
// New returns an error wrapping ErrInvalidConfig when Config.Validate fails.
// Problems with a connection are not returned to anyone: the client gets an
// HTTP status before the upgrade, an "error" frame for a refused frame, or a
// websocket close status (StatusPolicyViolation, StatusMessageTooBig,
// StatusGoingAway at Close) with a code as its reason, and the Server logs
// to Config.Logger.
// JoinLocal returns ErrInvalidRoom, ErrRoomFull, ErrTooManyRooms or
// ErrClosed; a LocalConn's Send and Recv return an error wrapping
// ErrConnClosed (a *CloseError with the close status) once it has ended.
//
// # Many processes
//
// With Config.Bus (bus.go; relay/natsbus over NATS), a room is shared by
// every relay process that has peers in it: each process publishes its
// peers' frames, arrivals and departures on the room and delivers what
// the others publish to its own peers, so peers on different processes
// see each other exactly as in one: the peers list and join/leave frames
// include them, direct frames reach them, SetGroups, SetLatency,
// Announce and ClearPolicy hold room-wide whichever process they are
// called on, and Kick and Drop reach a peer on another process. Peer ids
// carry Config.ProcessID ("k3x9-p7"), so they are unique across
// processes. Every process beats for each room it shares every BusBeat;
// a process not heard from for BusTimeout is taken for dead and its
// peers leave. Limits (rate, queue, frame size, peers per room, rooms)
// stay per process: a flooding client is closed by its own relay. A
// newcomer's peers frame lists the peers of other processes this process
// knows of; when it is the first in the room here, the others follow as
// join frames within a beat. Frames cross as the relay encoded them,
// behind an envelope of the relay's own; a block is still never parsed.
//
// # What it does not do
//
// The relay does not read bodies, validate blocks or transactions, keep
// history, replay frames to latecomers, authenticate peers, or guarantee
// delivery: a frame to a peer that is gone or too slow is lost. Peers must
// validate and rate-limit what they receive themselves. Keeping a room's
// chain is the job of the archive peer that cmd/chainplay runs beside it.
package relay
