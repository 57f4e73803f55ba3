package node

import "crypto/ed25519"

// Internals that the external tests (package node_test) use; this file is
// compiled only into the package's tests.

// Run's timers.
const (
	RetryEvery  = retryEvery
	ResyncEvery = resyncEvery
)

// SendMessage queues a message on n's connection as n's own code does,
// bypassing the checks of SubmitBlock and SubmitTx (a node that forges).
func SendMessage(n *Node, typ, to string, body any) { n.send(typ, to, body) }

// WalletKey returns n's wallet key.
func WalletKey(n *Node) ed25519.PrivateKey { return n.cfg.Key }

// MaxTxJSON bounds the JSON of one transaction in a posted block.
const MaxTxJSON = maxTxJSON
