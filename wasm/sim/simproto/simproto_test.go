package simproto

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain/sim"
)

// The Worker's answers: a curve for a good request, the same for the same
// seed, an error in words for a bad one.
func TestAnswer(t *testing.T) {
	var c sim.SelfishCurve
	body := `{"kind":"selfish","seed":3,"gamma":0,"alphas":[0.2,0.4],"blocks":20000}`
	require.NoError(t, json.Unmarshal([]byte(Answer([]byte(body))), &c))
	require.Len(t, c.Points, 2)
	require.InDelta(t, sim.SelfishRevenue(0.4, 0), c.Points[1].Simulated, 0.03)
	require.Equal(t, Answer([]byte(body)), Answer([]byte(body)))

	var d sim.DoubleSpendCurve
	require.NoError(t, json.Unmarshal([]byte(Answer([]byte(`{"kind":"doublespend","seed":3,"q":0.3,"zs":[1,2],"trials":20000}`))), &d))
	require.Len(t, d.Points, 2)
	require.InDelta(t, sim.Rosenfeld(0.3, 2), d.Points[1].Simulated, 0.02)

	for _, bad := range []string{`not json`, `{"kind":"pow"}`, `{"kind":"selfish","alphas":[],"blocks":10}`, `{"kind":"selfish","alphas":[0.3],"blocks":999999999}`} {
		var e struct{ Error string }
		require.NoError(t, json.Unmarshal([]byte(Answer([]byte(bad))), &e), bad)
		require.NotEmpty(t, e.Error, bad)
	}
}
