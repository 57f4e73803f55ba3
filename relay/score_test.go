package relay

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/time/rate"
	"nhooyr.io/websocket"
)

func TestScoreDecays(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var s score
	require.Equal(t, 1.0, s.add(t0, 1))
	require.Equal(t, 2.0, s.add(t0, 1))
	require.Equal(t, 1.5, s.add(t0.Add(1500*time.Millisecond), 1), "2 points, 1.5 s of decay, 1 more")
	require.Equal(t, 1.0, s.add(t0.Add(time.Hour), 1), "it never goes below zero")
	require.Equal(t, 1.0, s.add(t0.Add(time.Hour-time.Second), 0), "a clock going back leaves it as it is")
}

// A client that sends frames the relay must refuse is closed once its
// score reaches MaxScore, and not before; one that errs once a second is
// never closed for it.
func TestMisbehaviourScoreClosesAbusers(t *testing.T) {
	newConn := func() (*room, *client, *inflow) {
		rm := newRoom("r", &policy{})
		cl := newClient(context.Background(), 1, "x", 4*MaxScore, true)
		rm.clients[cl.id] = cl
		return rm, cl, &inflow{lim: rate.NewLimiter(rate.Inf, 1)}
	}
	t0 := time.Unix(1000, 0)

	rm, cl, in := newConn()
	for i := range MaxScore - 1 {
		cl.receive(rm, in, true, []byte("\xff garbage"), t0)
		require.NoError(t, cl.closing.Err(), "closed after %d bad frames", i+1)
	}
	cl.receive(rm, in, false, []byte("binary"), t0)
	code, reason := cl.status()
	require.Equal(t, websocket.StatusPolicyViolation, code)
	require.Equal(t, CodeMisbehaving, reason)
	require.Equal(t, MaxScore-1, cl.queue.len(), "an error frame for each refusal before the close")

	rm, cl, in = newConn()
	for i := range 10 * MaxScore {
		cl.receive(rm, in, true, []byte(`{"type":"leave"}`), t0.Add(time.Duration(i)*time.Second))
		_, ok := cl.queue.pop() // the error frame
		require.True(t, ok)
	}
	require.NoError(t, cl.closing.Err(), "one bad frame a second is forgiven")
}
