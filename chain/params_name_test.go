package chain

import (
	"regexp"
	"strings"
	"testing"
)

// TestValidNameIsTheRegexp: validName accepts exactly what the rule's
// regular expression describes, ^[\p{L}\p{N} _.\-]{1,32}$.
func TestValidNameIsTheRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[\p{L}\p{N} _.\-]{1,32}$`)
	names := []string{"", "a", "class-7b", "Class 7B", "一二三", "数学课", "café", "x.y_z-1", "tab\t", "new\nline", "🙂",
		"a/b", "a;b", "\xff", "٣٤", "Ⅻ", strings.Repeat("a", 32), strings.Repeat("a", 33), strings.Repeat("é", 32),
		strings.Repeat("é", 33), " ", "-", "a\u200bb", "a\u0301"}
	for _, n := range names {
		if got, want := validName(n), re.MatchString(n); got != want {
			t.Errorf("validName(%q) = %v, the regexp says %v", n, got, want)
		}
	}
	for r := rune(0); r < 0x3000; r++ {
		n := "a" + string(r)
		if got, want := validName(n), re.MatchString(n); got != want {
			t.Errorf("validName(%q) = %v, the regexp says %v", n, got, want)
		}
	}
}
