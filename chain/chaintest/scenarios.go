package chaintest

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

// Step is one step of a consensus scenario, after btcd's fullblocktests:
// Accepted, Rejected or ExpectedTip.
type Step interface {
	run(t *testing.T, c *chain.Chain, now time.Time)
}

// Accepted processes Block and requires no error and the given Status.
type Accepted struct {
	Name   string
	Block  *chain.Block
	Status chain.Status
}

func (s Accepted) run(t *testing.T, c *chain.Chain, now time.Time) {
	t.Helper()
	st, err := c.ProcessBlock(s.Block, now)
	require.NoError(t, err, "step %q", s.Name)
	require.Equal(t, s.Status, st, "step %q", s.Name)
}

// Rejected processes Block and requires an error matching Rule (with
// errors.Is) that is a *chain.RuleError.
type Rejected struct {
	Name  string
	Block *chain.Block
	Rule  error
}

func (s Rejected) run(t *testing.T, c *chain.Chain, now time.Time) {
	t.Helper()
	st, err := c.ProcessBlock(s.Block, now)
	require.ErrorIs(t, err, s.Rule, "step %q", s.Name)
	var re *chain.RuleError
	require.True(t, errors.As(err, &re), "step %q: %v is not a RuleError", s.Name, err)
	if !errors.Is(s.Rule, chain.ErrDuplicateBlock) {
		require.Equal(t, chain.StatusRejected, st, "step %q", s.Name)
	}
}

// ExpectedTip requires the best tip to be Block.
type ExpectedTip struct {
	Name  string
	Block *chain.Block
}

func (s ExpectedTip) run(t *testing.T, c *chain.Chain, now time.Time) {
	t.Helper()
	tip := c.Tip()
	require.Equal(t, s.Block.Hash(), tip.Hash, "step %q: tip", s.Name)
	require.Equal(t, s.Block.Header.Height, tip.Height, "step %q: height", s.Name)
}

// Run runs the steps in order against c with the local clock now.
func Run(t *testing.T, c *chain.Chain, now time.Time, steps []Step) {
	t.Helper()
	for _, s := range steps {
		s.run(t, c, now)
	}
}
