package chain

import (
	"errors"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestInCopies: in places a detail in context without changing the error
// it was given, and keeps the rule and the numbers.
func TestInCopies(t *testing.T) {
	orig := ruleErrorHW(ErrBadSeq, 3, 1, "sender x: have 3, want 1")
	out := in("transaction 2 (abc)", orig)
	require.Equal(t, "sender x: have 3, want 1", orig.Detail, "the original is unchanged")
	var re *RuleError
	require.True(t, errors.As(out, &re))
	require.NotSame(t, orig, re)
	require.Equal(t, &RuleError{Rule: ErrBadSeq, Detail: "transaction 2 (abc): sender x: have 3, want 1", Have: "3", Want: "1"}, re)
	plain := errors.New("disk full")
	require.Same(t, plain, in("x", plain))
}

func TestBounds(t *testing.T) {
	require.Equal(t, "≤ 5", atMost(5))
	require.Equal(t, "< 5", below(5))
	require.Equal(t, "> 5", above(5))
	require.Equal(t, "≥ 5", atLeast(5))
	require.Equal(t, "≥ 0", within[int64](-1, 0, 9))
	require.Equal(t, "≤ 9", within[int64](10, 0, 9))
	require.Equal(t, "", text(nil))
	require.Equal(t, ZeroHash.String(), text(ZeroHash))
}
