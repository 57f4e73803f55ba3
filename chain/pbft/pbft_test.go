package pbft_test

import (
	"bytes"
	"flag"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/pbft"
)

var runs = flag.Int("pbft.runs", 0, "seeded runs of TestSafetySeeded (default 200; 40 with -short; a tenth under -race)")

func calm() netConfig { return netConfig{minDelay: time.Millisecond, maxDelay: 5 * time.Millisecond} }

func rough() netConfig {
	return netConfig{minDelay: time.Millisecond, maxDelay: 80 * time.Millisecond, drop: 0.05, dup: 0.05, slowDelay: 400 * time.Millisecond}
}

func behaviours(n int, faulty map[int]behaviour) []behaviour {
	b := make([]behaviour, n)
	for i, f := range faulty {
		b[i] = f
	}
	return b
}

// TestNormalCase: four honest replicas on a calm network commit blocks in
// view 0, every honest chain the same, with checkpoints stable and the
// log collected, and about 2n(n−1) messages per block (O(n²)).
func TestNormalCase(t *testing.T) {
	s := newSim(t, 1, 4, calm(), behaviours(4, nil), 12)
	s.allCerts = true
	s.run(time.Minute, s.honestDone)
	s.check()
	for i, r := range s.reps {
		st := r.Status()
		require.Len(t, s.apps[i].blocks, 12, "replica %d", i)
		require.Equal(t, uint64(0), st.View)
		require.Equal(t, uint64(12), st.Executed)
		require.GreaterOrEqual(t, st.Low, uint64(9), "a stable checkpoint at 9 or 12")
		require.Equal(t, pbft.CodeIdle, st.Code)
		require.Zero(t, st.Stats.ViewChanges)
	}
	perBlock := float64(s.sent) / 12
	// 1 pre-prepare ×3 + 3 prepares ×3 + 4 commits ×3 = 24, plus
	// checkpoints (4×3 every 3 blocks = 4 per block) and a few resends.
	require.InDelta(t, 28, perBlock, 6, "messages per block")
	require.Zero(t, s.stepErrs)
}

// TestSafetySeeded runs many seeded rooms of 4, 7 or 10 replicas with up to f
// faulty ones of every kind (crashed, slow, equivocating primary, backup
// voting for a wrong digest) over a network that delays, drops,
// duplicates and reorders: no two honest replicas ever commit different
// blocks at one sequence number, and all of them get every block.
func TestSafetySeeded(t *testing.T) {
	n := *runs
	if n == 0 {
		n = 200
		if testing.Short() {
			n = 40
		}
		if raceBuild {
			n /= 10
		}
	}
	kinds := []behaviour{crashed, slow, equivocating, wrongVoting}
	for seed := range uint64(n) {
		size := []int{4, 7, 4, 7, 10}[seed%5]
		f := (size - 1) / 3
		faulty := map[int]behaviour{}
		for j := range int(seed/2) % (f + 1) {
			seat := j * 2 // seat 0, the first primary, is often faulty
			faulty[seat] = kinds[(int(seed/4)+j)%len(kinds)]
		}
		net := rough()
		if seed%3 == 0 {
			net = calm()
		}
		name := fmt.Sprintf("seed %d n=%d %v", seed, size, faulty)
		s := newSim(t, seed, size, net, behaviours(size, faulty), 7)
		s.run(5*time.Minute, s.honestDone)
		s.check()
		if !s.honestDone() {
			for i, r := range s.reps {
				t.Logf("%s: replica %d (%v): %d blocks, %+v", name, i, s.behave[i], len(s.apps[i].blocks), r.Status())
			}
			t.Fatalf("%s: no liveness", name)
		}
	}
}

// TestPrimaryCrashViewChange: the primary of view 0 stops after three
// blocks; the backups time out, change to view 1 (primary seat 1) and go
// on committing.
func TestPrimaryCrashViewChange(t *testing.T) {
	s := newSim(t, 7, 4, calm(), behaviours(4, nil), 8)
	s.run(time.Minute, func() bool { return len(s.apps[1].blocks) >= 3 })
	require.Equal(t, uint64(0), s.reps[1].Status().View)
	s.down[0] = true
	crashedAt := s.now
	s.run(time.Minute, s.honestDone)
	s.check()
	for i := 1; i < 4; i++ {
		st := s.reps[i].Status()
		require.Len(t, s.apps[i].blocks, 8, "replica %d", i)
		require.Equal(t, uint64(1), st.View, "replica %d", i)
		require.Equal(t, 1, st.Primary)
		require.False(t, st.ViewChanging)
	}
	require.Less(t, s.now.Sub(crashedAt), 5*time.Second, "a view change within a few seconds")
	b := s.apps[1].blocks[7]
	require.Equal(t, uint64(1), b.Cert.View, "blocks after the crash are certified in view 1")
}

// TestFPlusOneCrashed: with two of four replicas silent no block commits
// (no quorum of 2f+1 = 3), nothing conflicts, and the replicas say why.
func TestFPlusOneCrashed(t *testing.T) {
	s := newSim(t, 3, 4, calm(), behaviours(4, map[int]behaviour{0: crashed, 3: crashed}), 3)
	s.run(30*time.Second, nil)
	s.check()
	for _, i := range []int{1, 2} {
		require.Empty(t, s.apps[i].blocks)
		st := s.reps[i].Status()
		require.Equal(t, pbft.CodeNoQuorum, st.Code, "replica %d: %+v", i, st)
		require.Equal(t, 2, st.Have)
		require.Equal(t, 3, st.Want)
		require.True(t, st.ViewChanging)
	}

	// The same after some blocks: the two left keep them, commit nothing more.
	s = newSim(t, 4, 7, calm(), behaviours(7, nil), 20)
	s.run(time.Minute, func() bool { return len(s.apps[6].blocks) >= 4 })
	for _, i := range []int{0, 1, 2} {
		s.down[i] = true
	}
	s.run(30*time.Second, nil)
	s.check()
	for i := 3; i < 7; i++ {
		require.Less(t, len(s.apps[i].blocks), 20)
		require.Contains(t, []string{pbft.CodeNoQuorum, pbft.CodeViewChange}, s.reps[i].Status().Code)
	}
}

// TestCheckpointAndCatchUp: a replica offline while the others commit
// three checkpoints' worth of blocks (their logs collected below the
// stable checkpoint) catches up from the committed blocks and their
// certificates, then takes part: with another replica down, progress
// needs it.
func TestCheckpointAndCatchUp(t *testing.T) {
	s := newSim(t, 11, 4, calm(), behaviours(4, nil), 30)
	s.down[3] = true
	s.run(time.Minute, func() bool { return len(s.apps[0].blocks) >= 10 })
	st := s.reps[0].Status()
	require.GreaterOrEqual(t, st.Low, uint64(9), "stable checkpoint with 3 of 4")
	require.Empty(t, s.apps[3].blocks)
	s.down[3] = false
	s.run(time.Minute, func() bool { return len(s.apps[3].blocks) >= 10 })
	require.GreaterOrEqual(t, len(s.apps[3].blocks), 10, "caught up")
	require.Positive(t, s.reps[3].Status().Stats.Learned)
	s.down[2] = true
	before := len(s.apps[3].blocks)
	s.run(time.Minute, func() bool { return len(s.apps[3].blocks) >= before+6 && len(s.apps[0].blocks) >= before+6 })
	s.check()
	require.GreaterOrEqual(t, len(s.apps[0].blocks), before+6, "progress with the replica that caught up")
	require.Positive(t, s.reps[3].Status().Stats.Committed, "it voted, not only learned")
}

// TestLearnRefusesForgedCertificates: Learn checks a fetched block's
// certificate by chain's rules.
func TestLearnRefusesForgedCertificates(t *testing.T) {
	s := newSim(t, 5, 4, calm(), behaviours(4, nil), 1)
	s.run(time.Minute, s.honestDone)
	good := s.apps[0].blocks[0]
	fresh := newSim(t, 6, 4, calm(), behaviours(4, nil), 0).reps[1]

	short := *good
	short.Cert = &chain.CommitCert{View: good.Cert.View, Seq: good.Cert.Seq, Sigs: good.Cert.Sigs[:2]}
	_, err := fresh.Learn(&short, s.now)
	require.ErrorIs(t, err, chain.ErrShortCert)

	forged := *good
	sigs := append([]chain.SeatSig(nil), good.Cert.Sigs...)
	sigs[1].Sig = bytes.Clone(sigs[1].Sig)
	sigs[1].Sig[0] ^= 1
	forged.Cert = &chain.CommitCert{View: good.Cert.View, Seq: good.Cert.Seq, Sigs: sigs}
	_, err = fresh.Learn(&forged, s.now)
	require.ErrorIs(t, err, chain.ErrBadCert)
	require.Equal(t, "bad-certificate", chain.Code(err))

	other := *good
	other.Cert = &chain.CommitCert{View: good.Cert.View, Seq: good.Cert.Seq + 1, Sigs: good.Cert.Sigs}
	_, err = fresh.Learn(&other, s.now)
	require.ErrorIs(t, err, chain.ErrBadCert, "signatures of another sequence number")

	none := *good
	none.Cert = nil
	_, err = fresh.Learn(&none, s.now)
	require.ErrorIs(t, err, chain.ErrNoCert)
	require.Equal(t, uint64(0), fresh.Status().Executed, "nothing learned")

	out, err := fresh.Learn(good, s.now)
	require.NoError(t, err)
	require.Len(t, out.Decisions, 1)
	require.True(t, out.Decisions[0].Learned)
	require.Equal(t, uint64(1), fresh.Status().Executed)
}

// TestStepRefusesInvalidMessages: a message with a bad signature or out
// of place is refused with ErrInvalid and changes nothing.
func TestStepRefusesInvalidMessages(t *testing.T) {
	s := newSim(t, 8, 4, calm(), behaviours(4, nil), 0)
	r := s.reps[3]
	keys := chaintest.SeatKeys(4)
	b := s.block(0)
	pp := &pbft.Message{Kind: pbft.KindPrePrepare, View: 0, Seq: 1, Digest: b.Hash(), Block: b}
	signed := func(m *pbft.Message, seat int) *pbft.Message {
		cp := *m
		cp.From = seat
		cp.Sign(keys[seat], s.chainID)
		return &cp
	}
	cases := map[string]*pbft.Message{
		"pre-prepare from a backup": signed(pp, 2),
		"signed by another seat": func() *pbft.Message {
			m := signed(pp, 2)
			m.From = 0
			return m
		}(),
		"signed for another room": func() *pbft.Message {
			m := *pp
			m.Sign(keys[0], chain.Hash{1})
			return &m
		}(),
		"block that is not the digest": func() *pbft.Message {
			m := signed(pp, 0)
			m.Block = s.block(0)
			return m
		}(),
		"prepare from the primary":    signed(&pbft.Message{Kind: pbft.KindPrepare, Seq: 1, Digest: b.Hash()}, 0),
		"seat out of range":           {Kind: pbft.KindCommit, From: 9, Seq: 1},
		"checkpoint off the interval": signed(&pbft.Message{Kind: pbft.KindCheckpoint, Seq: k + 1, Digest: b.Hash()}, 2),
		"view change with a prepared certificate of one prepare": signed(&pbft.Message{Kind: pbft.KindViewChange, View: 1, Digest: s.chainID,
			Prepared: []pbft.Prepared{{PrePrepare: signed(pp, 0), Prepares: []*pbft.Message{signed(&pbft.Message{Kind: pbft.KindPrepare, Seq: 1, Digest: b.Hash()}, 2)}}}}, 2),
		"view change with a checkpoint nobody proved": signed(&pbft.Message{Kind: pbft.KindViewChange, View: 1, Seq: k, Digest: b.Hash()}, 2),
		"new view with too few view changes": signed(&pbft.Message{Kind: pbft.KindNewView, View: 1,
			ViewChanges: []*pbft.Message{signed(&pbft.Message{Kind: pbft.KindViewChange, View: 1, Digest: s.chainID}, 2)}}, 1),
	}
	for name, m := range cases {
		out, err := r.Step(m, s.now)
		require.ErrorIs(t, err, pbft.ErrInvalid, name)
		require.Empty(t, out.Messages, name)
	}
	require.Equal(t, uint64(0), r.Status().Executed)
	require.Equal(t, pbft.CodeIdle, r.Status().Code)

	// A NEW-VIEW whose pre-prepares are not those its view changes call
	// for: three view changes with nothing prepared call for none.
	var vcs []*pbft.Message
	for _, seat := range []int{0, 2, 3} {
		vcs = append(vcs, signed(&pbft.Message{Kind: pbft.KindViewChange, View: 1, Digest: s.chainID}, seat))
	}
	nv := signed(&pbft.Message{Kind: pbft.KindNewView, View: 1, ViewChanges: vcs,
		PrePrepares: []*pbft.Message{signed(&pbft.Message{Kind: pbft.KindPrePrepare, View: 1, Seq: 1, Digest: b.Hash()}, 1)}}, 1)
	_, err := s.reps[2].Step(nv, s.now)
	require.ErrorIs(t, err, pbft.ErrInvalid)
	nv = signed(&pbft.Message{Kind: pbft.KindNewView, View: 1, ViewChanges: vcs}, 1)
	out, err := s.reps[2].Step(nv, s.now)
	require.NoError(t, err, "the right one")
	require.Equal(t, uint64(1), s.reps[2].Status().View)
	require.Equal(t, pbft.NewViewEntered, out.Decisions[0].Kind)
}

// TestMessageEncoding: every kind round-trips; truncations and trailing
// bytes are refused.
func TestMessageEncoding(t *testing.T) {
	s := newSim(t, 9, 4, rough(), behaviours(4, map[int]behaviour{0: crashed}), 4)
	var seen [7]bool
	s.run(time.Minute, func() bool {
		return s.honestDone()
	})
	// Round trips happened in the run (the sim decodes every message);
	// check one of each kind explicitly.
	for _, r := range s.reps[1:] {
		st := r.Status()
		for kind, n := range st.Stats.Received {
			if n > 0 {
				seen[kind] = true
			}
		}
	}
	for kind := pbft.KindPrePrepare; kind <= pbft.KindNewView; kind++ {
		require.True(t, seen[kind], "the run sent a %s", kind)
	}
	b := s.apps[1].blocks[0]
	m := &pbft.Message{Kind: pbft.KindViewChange, From: 2, View: 3, Seq: 3, Digest: b.Hash(),
		Checkpoints: []*pbft.Message{{Kind: pbft.KindCheckpoint, From: 1, Seq: 3, Digest: b.Hash(), Sig: make([]byte, 64)}},
		Prepared: []pbft.Prepared{{PrePrepare: &pbft.Message{Kind: pbft.KindPrePrepare, View: 2, Seq: 4, Digest: b.Hash(), Block: b, Sig: make([]byte, 64)},
			Prepares: []*pbft.Message{{Kind: pbft.KindPrepare, From: 3, View: 2, Seq: 4, Sig: make([]byte, 64)}}}},
		Sig: bytes.Repeat([]byte{7}, 64)}
	enc := m.Encode()
	back, err := pbft.DecodeMessage(enc)
	require.NoError(t, err)
	require.Equal(t, enc, back.Encode())
	require.Equal(t, b.Hash(), back.Prepared[0].PrePrepare.Block.Hash())
	for cut := range len(enc) {
		_, err := pbft.DecodeMessage(enc[:cut])
		require.ErrorIs(t, err, pbft.ErrMalformed, "cut at %d", cut)
	}
	_, err = pbft.DecodeMessage(append(bytes.Clone(enc), 0))
	require.ErrorIs(t, err, pbft.ErrMalformed)
}

// TestNewViewReproposesTheHighestView: when view changes carry prepared
// certificates of one sequence number from two views, the NEW-VIEW must
// re-propose the digest of the higher view (the lower one may have lost
// to a commit in the higher); a NEW-VIEW with the other is refused.
func TestNewViewReproposesTheHighestView(t *testing.T) {
	s := newSim(t, 12, 4, calm(), behaviours(4, nil), 0)
	keys := chaintest.SeatKeys(4)
	signed := func(m pbft.Message, seat int) *pbft.Message {
		m.From = seat
		m.Sign(keys[seat], s.chainID)
		return &m
	}
	a, b := s.block(0), s.block(1)
	cert := func(view uint64, blk *chain.Block, primary int, backups ...int) pbft.Prepared {
		p := pbft.Prepared{PrePrepare: signed(pbft.Message{Kind: pbft.KindPrePrepare, View: view, Seq: 1, Digest: blk.Hash()}, primary)}
		for _, seat := range backups {
			p.Prepares = append(p.Prepares, signed(pbft.Message{Kind: pbft.KindPrepare, View: view, Seq: 1, Digest: blk.Hash()}, seat))
		}
		return p
	}
	vcs := []*pbft.Message{
		signed(pbft.Message{Kind: pbft.KindViewChange, View: 2, Digest: s.chainID}, 0),
		signed(pbft.Message{Kind: pbft.KindViewChange, View: 2, Digest: s.chainID, Prepared: []pbft.Prepared{cert(0, a, 0, 1, 2)}}, 1),
		signed(pbft.Message{Kind: pbft.KindViewChange, View: 2, Digest: s.chainID, Prepared: []pbft.Prepared{cert(1, b, 1, 2, 3)}}, 2),
	}
	nv := func(d *chain.Block) *pbft.Message {
		return signed(pbft.Message{Kind: pbft.KindNewView, View: 2, ViewChanges: vcs,
			PrePrepares: []*pbft.Message{signed(pbft.Message{Kind: pbft.KindPrePrepare, View: 2, Seq: 1, Digest: d.Hash()}, 2)}}, 2)
	}
	_, err := s.reps[3].Step(nv(a), s.now)
	require.ErrorIs(t, err, pbft.ErrInvalid, "the digest of view 0 where view 1 prepared another")
	out, err := s.reps[3].Step(nv(b), s.now)
	require.NoError(t, err)
	require.Equal(t, uint64(2), s.reps[3].Status().View)
	var prepares int
	for _, snd := range out.Messages {
		if snd.Msg.Kind == pbft.KindPrepare {
			require.Equal(t, b.Hash(), snd.Msg.Digest)
			prepares++
		}
	}
	require.Equal(t, 1, prepares, "it prepares the re-proposed block in view 2")
}
