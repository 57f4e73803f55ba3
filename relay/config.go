package relay

import (
	"errors"
	"fmt"
	"log/slog"
	"math"
	"path/filepath"
	"time"
)

// ErrInvalidConfig is wrapped by every error that Config.Validate and New
// return. The wrapping error names the field and the value it had.
var ErrInvalidConfig = errors.New("relay: invalid config")

// Config holds the limits and hooks of a Server. Start from DefaultConfig and
// change what you need; New rejects a Config that fails Validate.
type Config struct {
	// ReadLimit is the largest frame, in bytes, that a client may send.
	// A larger frame closes the sender's connection with
	// StatusMessageTooBig and CodeFrameTooBig. It should hold the largest encoded block plus
	// the envelope. Defaults to 1 MiB; must be at least 1.
	ReadLimit int64

	// SendQueue is how many frames may wait to be written to one client.
	// A client whose queue is full when a frame arrives is disconnected
	// with StatusPolicyViolation and CodeSendQueueFull; nobody else waits for
	// it. It is sized together with RateBurst: every frame a sender's burst
	// lets through lands in every other client's queue at once, so with a
	// rate limit the queue must hold at least two whole bursts
	// (MinSendQueue), or one student flooding the room would drop the
	// honest readers as too slow. Defaults to 512; must be at least 1 and,
	// when RatePerSec is finite, at least MinSendQueue(RateBurst).
	SendQueue int

	// WriteTimeout bounds the writing of one frame to one client. A client
	// that does not take a frame within it is disconnected. Defaults to 5s;
	// must be positive.
	WriteTimeout time.Duration

	// PingInterval is the time between keepalive pings to each client.
	// A client that does not answer a ping within PingInterval is
	// disconnected. Defaults to 20s; 0 disables pings; must not be negative.
	PingInterval time.Duration

	// RatePerSec is how many frames per second one connection may send on
	// average, and RateBurst how many it may send at once. A frame over the
	// limit is dropped and its sender gets an "error" frame; after
	// MaxRateDrops drops in a row the connection is closed with
	// StatusPolicyViolation. RatePerSec defaults to 50 and must be positive
	// (math.Inf(1) turns the limit off); RateBurst defaults to 200 and must
	// be at least 1.
	RatePerSec float64
	RateBurst  int

	// MaxPeersPerRoom caps the connections of one room. A connection to a
	// full room is refused with HTTP 503 before the upgrade. Defaults to
	// 200; must be at least 1.
	MaxPeersPerRoom int

	// MaxRooms caps the rooms that have websocket peers at once. A
	// connection that would make one more such room is refused with HTTP
	// 503. A room whose only peers are local (an archive peer waiting for
	// its room's idle timeout) takes no slot; local clients may open rooms
	// while fewer than 2×MaxRooms exist. Defaults to 1000; must be at
	// least 1.
	MaxRooms int

	// OriginPatterns lists the host patterns (filepath.Match syntax, matched
	// case-insensitively) of the other origins whose pages may connect. It
	// is passed to websocket.AcceptOptions.OriginPatterns. The request's own
	// host is always allowed; empty means same host only. Cross-origin
	// checks are never switched off. Optional.
	OriginPatterns []string

	// OnRoomActive, if not nil, is called with a room's name when the room
	// gets its first websocket peer, and OnRoomEmpty when it loses its last
	// one. Local clients (JoinLocal) are not counted: a room whose only peers
	// are local is empty, and it is removed when they leave too. Calls are
	// made one at a time, in the order the events happened, on a goroutine
	// the Server owns, with no relay lock held: a hook may call Rooms, Peers,
	// Kick or JoinLocal and may dial the relay, but it must not call Close
	// and should return quickly, as later events wait for it.
	// For every OnRoomActive there is exactly one later OnRoomEmpty, at the
	// latest during Close. Optional.
	OnRoomActive func(room string)
	OnRoomEmpty  func(room string)

	// Logger receives connection events (debug level) and disconnections
	// that the relay decided on (info level). Optional; nil discards them.
	Logger *slog.Logger

	// Bus, if not nil, shares every room with the other relay processes
	// on the same bus (bus.go): their peers are this process's peers'
	// peers, frames cross, and policies hold room-wide. Nil (the default)
	// keeps every room in this process, at no cost. Optional.
	Bus Bus
	// ProcessID names this process on the bus: 1 to MaxProcessIDLen
	// characters of a-z and 0-9, unique among the processes sharing the
	// bus and new at every start (cmd/chainplay draws one at random).
	// When set, every peer id is prefixed with it ("k3x9-p7"), so ids are
	// unique across processes. Required with Bus; optional without.
	ProcessID string
	// BusBeat is how often this process tells the others which of its
	// peers are in each room it shares, and BusTimeout how long after the
	// last word from a process its peers are taken for gone (a process
	// that dies without a goodbye). Zero means 1 s and 5 s; BusTimeout
	// must be longer than BusBeat.
	BusBeat, BusTimeout time.Duration
}

// MaxProcessIDLen is the longest Config.ProcessID.
const MaxProcessIDLen = 12

// MaxRateDrops is how many frames in a row a connection may have dropped by
// the rate limit before the relay closes it with StatusPolicyViolation.
const MaxRateDrops = 10

// MinSendQueue is the smallest SendQueue a rate burst allows: two whole
// bursts, so that one sender emptying its bucket at once (or two doing so
// together) fills at most the queue of a reader that has not yet been
// scheduled to write, and never closes it as too slow.
func MinSendQueue(burst int) int { return 2 * burst }

// DefaultConfig returns the default limits, documented on each Config field.
func DefaultConfig() Config {
	return Config{
		ReadLimit:       1 << 20,
		SendQueue:       512,
		WriteTimeout:    5 * time.Second,
		PingInterval:    20 * time.Second,
		RatePerSec:      50,
		RateBurst:       200,
		MaxPeersPerRoom: 200,
		MaxRooms:        1000,
	}
}

// Validate reports the first field of cfg that is out of range, as an error
// wrapping ErrInvalidConfig.
func (cfg Config) Validate() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	switch {
	case cfg.ReadLimit < 1:
		return bad("ReadLimit must be at least 1, have %d", cfg.ReadLimit)
	case cfg.SendQueue < 1:
		return bad("SendQueue must be at least 1, have %d", cfg.SendQueue)
	case cfg.WriteTimeout <= 0:
		return bad("WriteTimeout must be positive, have %v", cfg.WriteTimeout)
	case cfg.PingInterval < 0:
		return bad("PingInterval must not be negative, have %v", cfg.PingInterval)
	case math.IsNaN(cfg.RatePerSec) || cfg.RatePerSec <= 0:
		return bad("RatePerSec must be positive, have %v", cfg.RatePerSec)
	case cfg.RateBurst < 1:
		return bad("RateBurst must be at least 1, have %d", cfg.RateBurst)
	case !math.IsInf(cfg.RatePerSec, 1) && cfg.SendQueue < MinSendQueue(cfg.RateBurst):
		return bad("SendQueue %d is smaller than two rate bursts (RateBurst %d): want at least %d", cfg.SendQueue, cfg.RateBurst, MinSendQueue(cfg.RateBurst))
	case cfg.MaxPeersPerRoom < 1:
		return bad("MaxPeersPerRoom must be at least 1, have %d", cfg.MaxPeersPerRoom)
	case cfg.MaxRooms < 1:
		return bad("MaxRooms must be at least 1, have %d", cfg.MaxRooms)
	}
	if err := cfg.validateBus(); err != nil {
		return err
	}
	for _, p := range cfg.OriginPatterns {
		if _, err := filepath.Match(p, ""); err != nil {
			return bad("OriginPatterns: bad pattern %q: %v", p, err)
		}
	}
	return nil
}

// validateBus checks the bus fields (Bus, ProcessID, BusBeat, BusTimeout).
func (cfg Config) validateBus() error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...)
	}
	if cfg.ProcessID != "" && !validProcessID(cfg.ProcessID) {
		return bad("ProcessID %q: want 1 to %d characters of a-z and 0-9", cfg.ProcessID, MaxProcessIDLen)
	}
	beat, timeout := cfg.busTimes()
	switch {
	case cfg.Bus != nil && cfg.ProcessID == "":
		return bad("ProcessID is required with a Bus")
	case cfg.BusBeat < 0 || cfg.BusTimeout < 0:
		return bad("BusBeat and BusTimeout must not be negative, have %v and %v", cfg.BusBeat, cfg.BusTimeout)
	case timeout <= beat:
		return bad("BusTimeout %v must be longer than BusBeat %v", timeout, beat)
	}
	return nil
}

// busTimes returns BusBeat and BusTimeout with their defaults.
func (cfg Config) busTimes() (beat, timeout time.Duration) {
	beat, timeout = cfg.BusBeat, cfg.BusTimeout
	if beat == 0 {
		beat = time.Second
	}
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	return beat, timeout
}

func validProcessID(id string) bool {
	if len(id) == 0 || len(id) > MaxProcessIDLen {
		return false
	}
	for i := range len(id) {
		if c := id[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}
