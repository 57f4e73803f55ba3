package relay_test

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/relay"
)

// A client's first frame that reaches the server with its upgrade request
// (in one TCP segment, or before the server has taken the connection over)
// is read, not lost: net/http buffers such bytes, and the relay hands
// them on to the websocket library. Lost, they left the stream in the
// middle of a frame, and the peer was dropped on the garbage header that
// followed (seen in CI as a native peer gone right after it joined).
func TestFirstFrameWithTheUpgradeRequest(t *testing.T) {
	ts := startServer(t, testConfig())
	addr := strings.TrimPrefix(ts.ws, "ws://")
	for _, size := range []int{12, 3000} { // within and beyond the connection's read buffer
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		req := "GET /ws/early?name=early HTTP/1.1\r\nHost: " + addr + "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n" +
			"Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
		// Not JSON: the relay answers it with an error frame.
		payload := strings.Repeat("x", size)
		_, err = conn.Write(append([]byte(req), maskedText(payload)...))
		require.NoError(t, err)
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		br := bufio.NewReader(conn)
		resp, err := http.ReadResponse(br, nil)
		require.NoError(t, err)
		require.Equal(t, http.StatusSwitchingProtocols, resp.StatusCode)
		var types []string
		for len(types) < 2 {
			op, body := readFrame(t, br)
			if op != 1 {
				require.Failf(t, "not a text frame", "opcode %d (a close: the stream was garbled) %q", op, body)
			}
			var f relay.Frame
			require.NoError(t, json.Unmarshal(body, &f))
			types = append(types, f.Type)
		}
		require.Equal(t, []string{relay.TypePeers, relay.TypeError}, types, "the welcome, then the answer to the early frame (%d bytes)", size)
	}
}

// maskedText is a client's text frame of payload (clients mask).
func maskedText(payload string) []byte {
	key := [4]byte{1, 2, 3, 4}
	f := []byte{0x81}
	switch n := len(payload); {
	case n < 126:
		f = append(f, 0x80|byte(n))
	default:
		f = append(f, 0x80|126, byte(n>>8), byte(n))
	}
	f = append(f, key[:]...)
	for i := range len(payload) {
		f = append(f, payload[i]^key[i%4])
	}
	return f
}

// readFrame reads one unmasked server frame and returns its opcode and payload.
func readFrame(t *testing.T, r io.Reader) (byte, []byte) {
	t.Helper()
	var h [2]byte
	_, err := io.ReadFull(r, h[:])
	require.NoError(t, err)
	n := uint64(h[1] & 0x7f)
	switch n {
	case 126:
		var b [2]byte
		_, err = io.ReadFull(r, b[:])
		n = uint64(binary.BigEndian.Uint16(b[:]))
	case 127:
		var b [8]byte
		_, err = io.ReadFull(r, b[:])
		n = binary.BigEndian.Uint64(b[:])
	}
	require.NoError(t, err)
	body := make([]byte, n)
	_, err = io.ReadFull(r, body)
	require.NoError(t, err)
	return h[0] & 0x0f, body
}
