package node

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/chainplay/chainplay/chain"
)

// Tutorial is a mode of the REST API (APIConfig.Tutorial) in which a node
// behaves as one of the tutorials' texts says a reader sees, on
// Chainplay's real, signed chain. Both modes are the tutorials' open
// world: POST /transactions/new signs for any named sender with the
// name's demo key (chain.NameKey), as dvf's unsigned transfers assume.
// A node in a room of students never runs in a tutorial mode: there,
// named accounts would be anyone's coins.
type Tutorial string

const (
	// TutorialNone is Chainplay's own API: the node signs only for its own
	// wallet; a named account may receive coins but not send them.
	TutorialNone Tutorial = ""
	// TutorialDvf is dvf's "Learn Blockchains by Building One" (and its
	// translations): named senders are signed for. GET /mine always mines
	// a block, with its reward, as dvf's does.
	TutorialDvf Tutorial = "dvf"
	// TutorialIBM is IBM's "develop a blockchain application from
	// scratch" and its web app (satwikkansal/python_blockchain_app):
	// named senders are signed for, GET /mine with nothing pending answers
	// "No transactions to mine" and mines nothing (IBM's blocks hold posts
	// and no reward), a mined block is "Block #N is mined.", and GET
	// /chain shows the posts view (each block's transactions are its
	// posts only; see PostsBlock), which is all the app shows.
	TutorialIBM Tutorial = "ibm"
)

// ParseTutorial reads a Tutorial by name: "", "dvf" or "ibm".
func ParseTutorial(s string) (Tutorial, error) {
	switch t := Tutorial(strings.ToLower(strings.TrimSpace(s))); t {
	case TutorialNone, TutorialDvf, TutorialIBM:
		return t, nil
	}
	return "", fmt.Errorf("node: tutorial %q: want dvf or ibm", s)
}

// Open reports whether t signs for named senders (every tutorial mode).
func (t Tutorial) Open() bool { return t != TutorialNone }

// MaxPostParts bounds the posts one POST /new_transaction may become:
// content longer than a memo holds (chain.MaxMemoBytes) is posted as a
// thread of parts, at most this many.
const MaxPostParts = 8

// MaxPostBytes is the longest content a post may have: MaxPostParts memos.
const MaxPostBytes = MaxPostParts * chain.MaxMemoBytes

// SplitPost cuts content into the parts of a thread, each at most
// chain.MaxMemoBytes bytes, at rune boundaries, preferring to end a part
// after a space in its last quarter. Content that fits one memo is one
// part; the parts joined give content back.
func SplitPost(content string) []string {
	var parts []string
	for len(content) > chain.MaxMemoBytes {
		cut := chain.MaxMemoBytes
		for cut > 0 && !utf8.RuneStart(content[cut]) {
			cut--
		}
		if sp := strings.LastIndexFunc(content[:cut], unicode.IsSpace); sp >= cut*3/4 {
			_, size := utf8.DecodeRuneInString(content[sp:])
			cut = sp + size
		}
		parts = append(parts, content[:cut])
		content = content[cut:]
	}
	return append(parts, content)
}

// CutName shortens an author's name to chain.MaxNameBytes bytes at a rune
// boundary, marking the cut with "…"; a name that fits is returned as it
// is. (Eleven Chinese characters are 33 bytes: they become nine and "…".)
func CutName(name string) string {
	if len(name) <= chain.MaxNameBytes {
		return name
	}
	const mark = "…"
	cut := chain.MaxNameBytes - len(mark)
	for cut > 0 && !utf8.RuneStart(name[cut]) {
		cut--
	}
	return name[:cut] + mark
}

// FeedPost is one post of the best chain, for a posts feed.
type FeedPost struct {
	Tx     *chain.Tx  // the post: Tx.IsPost
	Height uint64     // the height of the block that holds it
	Block  chain.Hash // that block's hash
}

// Posts returns up to max posts of the best chain (Tx.IsPost: neither the
// coinbases, nor the genesis block's parameters, nor transfers), the
// newest block first and, within a block, in the block's order (so a
// thread reads top down). It walks back from the tip until it has max
// posts or reaches genesis, so it costs one map lookup per block walked;
// max ≤ 0 means every post. It is what a page's posts feed shows.
func (n *Node) Posts(max int) []FeedPost {
	var out []FeedPost
	b := n.chain.Tip().Block
	for b != nil {
		h := b.Hash()
		for _, tx := range b.Txs {
			if tx.IsPost() {
				out = append(out, FeedPost{Tx: tx, Height: b.Height(), Block: h})
			}
		}
		if max > 0 && len(out) >= max {
			return out[:max]
		}
		if b.Height() == 0 {
			break
		}
		b, _ = n.chain.BlockByHash(b.Header.PrevHash)
	}
	return out
}
