package chain_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

func TestRuleSentinels(t *testing.T) {
	seen := map[string]bool{}
	for _, rule := range chain.Rules {
		msg := rule.Error()
		require.True(t, strings.HasPrefix(msg, "chain: "), msg)
		require.Equal(t, strings.ToLower(msg[:8]), msg[:8], "lowercase: %s", msg)
		require.False(t, seen[msg], "duplicate message %q", msg)
		seen[msg] = true
	}
}

func TestRuleError(t *testing.T) {
	var err error = &chain.RuleError{Rule: chain.ErrHighHash, Detail: "hash 00ab > target 000f"}
	require.Equal(t, "chain: block hash is above the target (not enough proof of work): hash 00ab > target 000f", err.Error())
	require.Equal(t, chain.ErrHighHash.Error(), (&chain.RuleError{Rule: chain.ErrHighHash}).Error())
	wrapped := fmt.Errorf("node: handle block: %w", err)
	require.ErrorIs(t, wrapped, chain.ErrHighHash)
	require.NotErrorIs(t, wrapped, chain.ErrBadMerkleRoot)
	var re *chain.RuleError
	require.True(t, errors.As(wrapped, &re))
	require.Equal(t, chain.ErrHighHash, re.Rule)
	require.True(t, chain.IsRuleError(wrapped))
	require.False(t, chain.IsRuleError(errors.New("disk full")))
}

// TestEveryRuleIsTested checks that the scenario tables reject by every
// consensus rule at least once (the mempool policies are covered by
// TestMempoolAdd and TestMempoolBounds).
func TestEveryRuleIsTested(t *testing.T) {
	covered := map[error]bool{
		// Covered outside rejectedCases:
		chain.ErrBadPrevHash:     true, // TestImportTampered, TestImportRefusesAndKeepsNothing
		chain.ErrTimeTooNew:      true, // TestImportTampered (ProcessBlock holds such blocks)
		chain.ErrUnknownParent:   true, // not returned by ProcessBlock: orphans are held (TestOrphans); kept for callers
		chain.ErrDuplicateBlock:  true, // TestForkChoice, TestOrphans
		chain.ErrInvalidAncestor: true, // TestReorgToInvalidBranchKeepsValidTip
		chain.ErrSeqGap:          true, chain.ErrMempoolConflict: true, chain.ErrMempoolFull: true,
		chain.ErrRateLimited: true, chain.ErrCoinbaseNotAlone: true,
		// PBFT certificates: TestPBFTCertificateRules (pbft_test.go).
		chain.ErrNoCert: true, chain.ErrShortCert: true, chain.ErrBadCert: true, chain.ErrBadCertSeq: true,
		// Stake engines: TestStakeRules, TestDoubleSignIsSlashed (stake_test.go),
		// TestDPoSRoundMissedSlotAndVoteOut (dpos_test.go).
		chain.ErrBadBlockSig: true, chain.ErrWrongSlot: true, chain.ErrWrongLeader: true, chain.ErrSlashed: true,
		chain.ErrBadProof: true, chain.ErrBadStake: true, chain.ErrBadVote: true, chain.ErrVoteNonCandidate: true,
	}
	for _, tc := range rejectedCases {
		covered[tc.rule] = true
	}
	for _, rule := range chain.Rules {
		require.True(t, covered[rule], "no test rejects by %q", rule)
	}
}
