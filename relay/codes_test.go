package relay_test

import (
	"errors"
	"fmt"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
	"nhooyr.io/websocket"

	"github.com/chainplay/chainplay/relay"
)

// goldenCodes is every relay code. Codes are an API (pages choose their
// words by them): renaming one must fail here.
var goldenCodes = []string{
	"kicked", "rate-limited", "send-queue-full", "frame-too-big", "shutting-down", "bye", "misbehaving",
	"malformed-frame", "reserved-type", "binary-frame", "unknown-peer",
	"invalid-room", "room-full", "too-many-rooms",
}

func TestCodes(t *testing.T) {
	syntax := regexp.MustCompile(`^[a-z][a-z0-9-]*$`)
	seen := map[string]bool{}
	for _, c := range relay.Codes() {
		require.Regexp(t, syntax, c)
		require.LessOrEqual(t, len(c), 123, "a close reason holds at most 123 bytes")
		require.False(t, seen[c], "duplicate code %q", c)
		seen[c] = true
	}
	require.Equal(t, goldenCodes, relay.Codes())
}

func TestCode(t *testing.T) {
	for err, want := range map[error]string{
		relay.ErrInvalidRoom:                           relay.CodeInvalidRoom,
		fmt.Errorf("%w %q", relay.ErrInvalidRoom, "X"): relay.CodeInvalidRoom,
		relay.ErrRoomFull:                              relay.CodeRoomFull,
		relay.ErrTooManyRooms:                          relay.CodeTooManyRooms,
		relay.ErrClosed:                                relay.CodeShuttingDown,
		&relay.CloseError{Code: websocket.StatusPolicyViolation, Reason: relay.CodeKicked}: relay.CodeKicked,
		fmt.Errorf("recv: %w", &relay.CloseError{Reason: relay.CodeSendQueueFull}):         relay.CodeSendQueueFull,
		relay.ErrConnClosed:     "",
		errors.New("disk full"): "",
	} {
		require.Equal(t, want, relay.Code(err), "%v", err)
	}
}
