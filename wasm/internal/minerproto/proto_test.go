package minerproto_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/wasm/internal/minerproto"
)

// TestWorkerJSCrashMessage: worker.js spells the one message it adds with
// this package's names.
func TestWorkerJSCrashMessage(t *testing.T) {
	src, err := os.ReadFile("../../../web/static/worker.js")
	require.NoError(t, err)
	want := fmt.Sprintf("postMessage({ %s: %q, %s: ", minerproto.FieldType, minerproto.TypeCrash, minerproto.FieldMessage)
	require.Contains(t, string(src), want)
	require.Contains(t, string(src), "wasm/internal/minerproto", "worker.js should say where the names are defined")
}

// TestNamesAreDistinct: no two message types or field names collide.
func TestNamesAreDistinct(t *testing.T) {
	for _, names := range [][]string{
		{minerproto.TypeJob, minerproto.TypeStop, minerproto.TypeThrottle, minerproto.TypeReady, minerproto.TypeProgress,
			minerproto.TypeFound, minerproto.TypeExhausted, minerproto.TypeStopped, minerproto.TypeCrash},
		{minerproto.FieldType, minerproto.FieldID, minerproto.FieldHeader, minerproto.FieldTarget, minerproto.FieldStart,
			minerproto.FieldCount, minerproto.FieldDuty, minerproto.FieldKernel, minerproto.FieldKernelError, minerproto.FieldHashes,
			minerproto.FieldElapsed, minerproto.FieldBest, minerproto.FieldBestNonce, minerproto.FieldNonce, minerproto.FieldHash,
			minerproto.FieldMessage},
	} {
		seen := map[string]bool{}
		for _, n := range names {
			require.False(t, seen[n], "%q twice", n)
			require.NotEmpty(t, strings.TrimSpace(n))
			seen[n] = true
		}
	}
}
