package tabproto_test

import (
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/wasm/node/tabproto"
)

// TestJSIsGenerated: web/static/tabproto.js is what JS renders; after a
// change here, run go generate ./wasm/node/tabproto.
func TestJSIsGenerated(t *testing.T) {
	b, err := os.ReadFile("../../../web/static/tabproto.js")
	require.NoError(t, err)
	require.Equal(t, tabproto.JS(), string(b), "web/static/tabproto.js is stale: go generate ./wasm/node/tabproto")
}

func TestNamesAreUnique(t *testing.T) {
	for _, names := range [][]string{tabproto.Types, tabproto.Fields} {
		seen := map[string]bool{}
		for _, n := range names {
			require.False(t, seen[n], "%q twice", n)
			seen[n] = true
		}
	}
}
