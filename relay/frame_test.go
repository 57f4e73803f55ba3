package relay

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestParseInbound(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    inbound
		wantErr string
		code    string
	}{
		{"type only", `{"type":"tx"}`, inbound{Type: "tx"}, "", ""},
		{"all fields", ` {"type":"tx","to":"p2","body":{"a": 1}}`, inbound{Type: "tx", To: "p2", Body: json.RawMessage(`{"a": 1}`)}, "", ""},
		{"null body kept", `{"type":"tx","body":null}`, inbound{Type: "tx", Body: json.RawMessage(`null`)}, "", ""},
		{"from ignored", `{"type":"tx","from":"p1"}`, inbound{Type: "tx"}, "", ""},
		{"empty", ``, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"truncated", `{"type":"tx"`, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"trailing garbage", `{"type":"tx"} x`, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"array", `[]`, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"null", `null`, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"number type", `{"type":1}`, inbound{}, "want a JSON object", CodeMalformedFrame},
		{"no type", `{}`, inbound{}, "empty type", CodeMalformedFrame},
		{"reserved", `{"type":"leave"}`, inbound{}, `frame type "leave" is reserved for the relay`, CodeReservedType},
		{"long type", `{"type":"` + string(make([]byte, 0)) + "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" + `"}`, inbound{}, "type longer than 64 bytes", CodeMalformedFrame},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseInbound([]byte(tc.in))
			if tc.wantErr != "" {
				require.NotNil(t, err)
				require.Contains(t, err.msg, tc.wantErr)
				require.Equal(t, tc.code, err.code)
				return
			}
			require.Nil(t, err)
			require.Equal(t, tc.want, got)
		})
	}
}

func TestFrameEncode(t *testing.T) {
	tests := []struct {
		name string
		f    Frame
		want string
	}{
		{"type only", Frame{Type: "peers"}, `{"type":"peers"}`},
		{"all fields", Frame{Type: "tx", From: "p1", To: "p2", Body: json.RawMessage(`{"b": [1, 2]}`)}, `{"type":"tx","from":"p1","to":"p2","body":{"b": [1, 2]}}`},
		{"strings escaped", Frame{Type: "a\"b\n", From: "p1"}, `{"type":"a\"b\n","from":"p1"}`},
		{"body not re-escaped", Frame{Type: "x", Body: json.RawMessage(`"<&>"`)}, `{"type":"x","body":"<&>"}`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := tc.f.encode()
			require.Equal(t, tc.want, string(got))
			var back Frame
			require.NoError(t, json.Unmarshal(got, &back))
			require.Equal(t, tc.f, back)
		})
	}
}

func TestRelayFrames(t *testing.T) {
	require.Equal(t, `{"type":"peers","body":{"you":"p3","room":"r","peers":[],"limits":{"rate":50,"burst":200,"send_queue":512,"read_limit":1048576}}}`,
		string(relayFrame(TypePeers, PeersBody{You: "p3", Room: "r", Peers: []PeerInfo{},
			Limits: Limits{RatePerSec: 50, RateBurst: 200, SendQueue: 512, ReadLimit: 1 << 20}})))
	require.Equal(t, `{"type":"join","body":{"id":"p4","name":"bob"}}`, string(relayFrame(TypeJoin, PeerInfo{ID: "p4", Name: "bob"})))
	require.Equal(t, `{"type":"leave","body":{"id":"p4"}}`, string(relayFrame(TypeLeave, LeaveBody{ID: "p4"})))
	require.Equal(t, `{"type":"error","body":{"code":"unknown-peer","message":"unknown peer p9"}}`, string(errorFrame(CodeUnknownPeer, "unknown peer p9")))
}

func TestValidRoomName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want bool
	}{
		{"simple", "lobby", true},
		{"all classes", "a-z_0-9", true},
		{"one char", "x", true},
		{"32 chars", "abcdefghijklmnopqrstuvwxyz012345", true},
		{"empty", "", false},
		{"33 chars", "abcdefghijklmnopqrstuvwxyz0123456", false},
		{"upper case", "Lobby", false},
		{"dot", "a.b", false},
		{"slash", "a/b", false},
		{"space", "a b", false},
		{"non-ASCII", "café", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			require.Equal(t, tc.want, ValidRoomName(tc.in))
		})
	}
}

func TestCleanName(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{"plain", "ann", "ann"},
		{"trimmed", "  ann \t", "ann"},
		{"empty", "", "anon"},
		{"only spaces", "   ", "anon"},
		{"control characters removed", "a\x00n\nn\x7f", "ann"},
		{"invalid UTF-8 removed", "a\xffnn", "ann"},
		{"unicode kept", "Zoë 🚀", "Zoë 🚀"},
		{"cut at 32 bytes", "abcdefghijklmnopqrstuvwxyz0123456789", "abcdefghijklmnopqrstuvwxyz012345"},
		{"cut on a rune boundary", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa€", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
		{"space before the cut trimmed", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa €", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := cleanName(tc.in)
			require.Equal(t, tc.want, got)
			require.LessOrEqual(t, len(got), MaxNameLen)
		})
	}
}

// A frame that is not valid UTF-8 is refused before it is parsed: a
// browser closes its socket on one, so forwarding it would take the room
// offline. Valid UTF-8 beyond ASCII passes.
func TestParseInboundRefusesInvalidUTF8(t *testing.T) {
	for _, in := range []string{
		`{"type":"x","body":"` + "\xff" + `"}`,
		`{"type":"x","body":"` + "\xed\xa0\x80" + `"}`, // an encoded surrogate
		`{"type":"x","body":"` + "\xc3" + `"}`,         // a truncated sequence
		`{"type":"` + "\xfe" + `"}`,
	} {
		_, err := parseInbound([]byte(in))
		require.NotNil(t, err, "%q", in)
		require.Equal(t, CodeMalformedFrame, err.code)
		require.Contains(t, err.msg, "not valid UTF-8")
	}
	got, err := parseInbound([]byte(`{"type":"x","body":"héllo 世界 🙂"}`))
	require.Nil(t, err)
	require.Equal(t, `"héllo 世界 🙂"`, string(got.Body))
}

func TestScanEnvelope(t *testing.T) {
	for _, tc := range []struct {
		in            string
		ok            bool
		typ, to, body string
	}{
		{`{"type":"block","body":{"h":"}"}}`, true, "block", "", `{"h":"}"}`},
		{` { "to" : "p2" , "type":"hello", "body": [1,"]"] } `, true, "hello", "p2", `[1,"]"]`},
		{`{"type":"x","body":"s\"t"}`, true, "x", "", `"s\"t"`},
		{`{"type":"x","body":-1.5}`, true, "x", "", `-1.5`},
		{`{}`, true, "", "", ""},
		{`{"type":"x","body":null}`, false, "", "", ""}, // encoding/json's null
		{`{"Type":"x"}`, false, "", "", ""},             // encoding/json matches keys without case
		{`{"type":"\u0078"}`, false, "", "", ""},        // an escape
		{`{"type":"x","type":"y"}`, false, "", "", ""},  // twice: encoding/json keeps the last
		{`{"type":"x","from":"p9"}`, false, "", "", ""}, // any other member
		{`{"type":1}`, false, "", "", ""},
		{`{"type":"x","body":{"a":1}`, false, "", "", ""},
	} {
		in, ok := scanEnvelope([]byte(tc.in))
		require.Equal(t, tc.ok, ok, tc.in)
		if ok {
			require.Equal(t, tc.typ, in.Type, tc.in)
			require.Equal(t, tc.to, in.To, tc.in)
			require.Equal(t, tc.body, string(in.Body), tc.in)
		}
	}
}
