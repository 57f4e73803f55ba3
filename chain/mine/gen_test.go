//go:build !js

package mine

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestGeneratedUpToDate runs gen.go into a temporary folder and checks that
// the committed kernels are byte for byte what it writes.
func TestGeneratedUpToDate(t *testing.T) {
	goBin, err := exec.LookPath("go") // go test puts $GOROOT/bin first in PATH
	if err != nil {
		t.Skip("no go command to run the generator")
	}
	dir := t.TempDir()
	cmd := exec.Command(goBin, "run", "gen.go", "-dir", dir)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, name := range []string{"kernel_gen.go", "kernel_wasm_gen.go"} {
		t.Run(name, func(t *testing.T) {
			want, err := os.ReadFile(filepath.Join(dir, name))
			require.NoError(t, err)
			got, err := os.ReadFile(name)
			require.NoError(t, err)
			require.True(t, string(want) == string(got), "%s is stale: run go generate ./chain/mine/", name)
		})
	}
}
