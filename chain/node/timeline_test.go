package node_test

import (
	"bytes"
	"encoding/csv"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/chaintest"
	"github.com/chainplay/chainplay/chain/node"
	"github.com/chainplay/chainplay/chain/node/nodetest"
)

// treeOf is a node's block tree as comparable lines.
func treeOf(nodes []chain.TreeNode) []string {
	out := make([]string, 0, len(nodes))
	for _, n := range nodes {
		out = append(out, n.Hash.Short()+"<"+n.Parent.Short()+map[bool]string{true: " main", false: " side"}[n.MainChain])
	}
	slices.Sort(out)
	return out
}

// A split lesson, recorded by one node: the replayed tree at a past
// moment is the tree the node had then; the reorg at the heal is an
// entry naming the orphaned blocks and the transaction they reverted;
// the export and its CSV list both.
func TestTimelineReplaysAndExportsAReorg(t *testing.T) {
	tn := nodetest.NewNet(t, 3)
	rec, a, b := tn.Nodes[0], tn.Nodes[1], tn.Nodes[2]
	tl := node.NewTimeline(tn.Clock)
	defer tl.Attach(rec)()

	tn.Clock.Advance(time.Second)
	base := tn.Mine(b)
	nodetest.Converged(t, rec, a, b)
	tn.Partition(tn.IDs[2]) // b alone on one side; rec and a on the other

	post := chaintest.Post(rec.Chain().ID(), chaintest.Key(1), "ana", "will be reverted", 0, 0)
	require.NoError(t, a.Mempool().Add(post, tn.Clock.Now()))
	tn.Clock.Advance(time.Second)
	a1 := tn.Mine(a)
	require.Len(t, a1.Txs, 2, "a's block holds the post")
	nodetest.WaitTip(t, rec, a1.Hash())
	tn.Clock.Advance(time.Second)
	a2 := tn.Mine(a)
	nodetest.WaitTip(t, rec, a2.Hash())

	tn.Clock.Advance(time.Second)
	then := tn.Clock.Now().UnixMilli()
	had := treeOf(rec.Chain().Tree())
	hadTip := rec.Chain().Tip().Hash

	for range 3 {
		tn.Clock.Advance(time.Second)
		tn.Mine(b)
	}
	tn.Clock.Advance(time.Second)
	tn.Heal()
	nodetest.Converged(t, rec, a, b)
	tn.Settle()
	require.Equal(t, b.Chain().Tip().Hash, rec.Chain().Tip().Hash, "the heal converges on the most work")

	nodes, tip := tl.Replay(then)
	require.Equal(t, had, treeOf(nodes), "the replayed tree is the tree the node had then")
	require.Equal(t, hadTip, tip)
	nodes, tip = tl.Replay(tn.Clock.Now().UnixMilli())
	require.Equal(t, treeOf(rec.Chain().Tree()), treeOf(nodes), "and now")
	require.Equal(t, rec.Chain().Tip().Hash, tip)

	var reorg *node.TimelineEntry
	for _, e := range tl.Entries(0) {
		if e.Kind == node.KindReorg {
			reorg = &e
		}
	}
	require.NotNil(t, reorg, "the heal's reorg is recorded")
	require.ElementsMatch(t, []string{a1.Hash().String(), a2.Hash().String()}, reorg.Orphaned)
	require.Equal(t, []string{post.ID().String()}, reorg.Reverted)
	require.Len(t, reorg.Connected, 3)

	x := tl.Export("mem")
	var orphaned []string
	for _, o := range x.Orphaned {
		orphaned = append(orphaned, o.Hash)
	}
	require.ElementsMatch(t, []string{a1.Hash().String(), a2.Hash().String()}, orphaned)
	require.Len(t, x.Reverted, 1)
	require.Equal(t, post.ID().String(), x.Reverted[0].ID)
	require.Equal(t, a1.Hash().String(), x.Reverted[0].Block)
	require.Equal(t, node.TimelineCounts{Blocks: 6, Stale: 2, Reorgs: 1, Confirmed: 0, Reverted: 1}, x.Counts)
	require.Equal(t, uint64(4), x.Miners[b.Name()], "b mined the best chain: %v", x.Miners)
	_ = base

	var buf bytes.Buffer
	require.NoError(t, x.WriteCSV(&buf))
	rows, err := csv.NewReader(&buf).ReadAll()
	require.NoError(t, err)
	require.Equal(t, node.CSVHeader, rows[0])
	var orphanRows, revertRows int
	for _, r := range rows[1:] {
		switch r[1] {
		case "orphaned-block":
			orphanRows++
			require.Contains(t, orphaned, r[4])
		case "reverted-tx":
			revertRows++
			require.Equal(t, post.ID().String(), r[11])
		}
	}
	require.Equal(t, 2, orphanRows)
	require.Equal(t, 1, revertRows)
}
