package view

import (
	"github.com/chainplay/chainplay/chain"
	"github.com/chainplay/chainplay/chain/node"
)

// TreeView is the block tree of the heights a page shows, laid out for
// drawing: one column per height (From on the left), one lane per branch
// (the best chain is lane 0; side branches take the next free lanes, so
// no two branches overlap), and where each peer's tip is.
type TreeView struct {
	From  uint64         `json:"from"`
	To    uint64         `json:"to"` // the best tip's height
	Lanes int            `json:"lanes"`
	Nodes []TreeNodeView `json:"nodes"` // by height, then arrival
	// Tips are the tips of this node and of every peer that said hello.
	Tips []TipMark `json:"tips"`
}

// TreeNodeView is one block of the tree.
type TreeNodeView struct {
	Hash   string `json:"hash"`
	Parent string `json:"parent"` // "" when the parent is left of From
	Height uint64 `json:"height"`
	Lane   int    `json:"lane"`
	Main   bool   `json:"main"`
	Best   bool   `json:"best,omitempty"` // the best tip
	// Invalid is the code of the rule it (or an ancestor) broke; "" for a
	// valid block.
	Invalid string `json:"invalid,omitempty"`
}

// TipMark says where a peer's tip is.
type TipMark struct {
	Peer   string `json:"peer"` // its id; our own when Self
	Name   string `json:"name"`
	Hash   string `json:"hash"`
	Height uint64 `json:"height"`
	Self   bool   `json:"self,omitempty"`
	// Known says whether the block is in the tree drawn; a peer ahead of
	// us, or on a branch we never got, points elsewhere.
	Known bool `json:"known"`
}

// tree lays out the blocks at heights from and above.
func tree(c *chain.Chain, from uint64, tip chain.TipInfo, self, selfName string, peers []node.PeerState) TreeView {
	t, index := layout(c.TreeFrom(from), from, tip.Height, tip.Hash)
	t.Tips = append(t.Tips, TipMark{Peer: self, Name: selfName, Hash: tip.Hash.String(), Height: tip.Height, Self: true, Known: true})
	for _, p := range peers {
		if p.Tip.IsZero() || p.Banned {
			continue // no hello yet
		}
		_, known := index[p.Tip]
		t.Tips = append(t.Tips, TipMark{Peer: p.ID, Name: p.Name, Hash: p.Tip.String(), Height: p.Height, Known: known})
	}
	return t
}

// layout lays out nodes (the blocks at heights from and above, by height,
// then arrival) up to height to, whose best tip is best, and returns
// where each block is in the view's Nodes. Tips is left empty.
func layout(nodes []chain.TreeNode, from, to uint64, best chain.Hash) (TreeView, map[chain.Hash]int) {
	t := TreeView{From: from, To: to, Nodes: []TreeNodeView{}, Tips: []TipMark{}, Lanes: 1}
	index := make(map[chain.Hash]int, len(nodes))
	var laneEnd []uint64        // laneEnd[l]: the highest height lane l uses; lane 0 is the best chain's
	continued := map[int]bool{} // nodes whose lane a child took over already
	for _, n := range nodes {
		v := TreeNodeView{Hash: n.Hash.String(), Height: n.Height, Main: n.MainChain, Best: n.Hash == best}
		if n.Invalid != nil {
			v.Invalid = node.Code(n.Invalid)
			if v.Invalid == "" {
				v.Invalid = "invalid"
			}
		}
		pi, hasParent := index[n.Parent]
		if hasParent {
			v.Parent = n.Parent.String()
		}
		switch {
		case n.MainChain:
			v.Lane = 0
		case hasParent && !t.Nodes[pi].Main && !continued[pi]:
			v.Lane = t.Nodes[pi].Lane // the branch goes on in its lane
			continued[pi] = true
		default: // a new branch: the first lane free since its parent's height
			start := n.Height
			if hasParent {
				start = t.Nodes[pi].Height
			}
			v.Lane = 0
			for l := 1; l < len(laneEnd); l++ {
				if laneEnd[l] < start {
					v.Lane = l
					break
				}
			}
			if v.Lane == 0 {
				v.Lane = max(1, len(laneEnd))
			}
		}
		for len(laneEnd) <= v.Lane {
			laneEnd = append(laneEnd, 0)
		}
		laneEnd[v.Lane] = max(laneEnd[v.Lane], n.Height)
		t.Lanes = max(t.Lanes, v.Lane+1)
		index[n.Hash] = len(t.Nodes)
		t.Nodes = append(t.Nodes, v)
	}
	return t, index
}
