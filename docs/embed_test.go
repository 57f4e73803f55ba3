package docs

import (
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"
)

// Every language's guide has the same lessons with the same numbered
// steps as the English one: a translation that lost a step fails.
func TestGuidesHaveTheSameLessons(t *testing.T) {
	step := regexp.MustCompile(`(?m)^\d+\. `)
	shape := func(b []byte) []int {
		var out []int
		for _, lesson := range regexp.MustCompile(`(?m)^## `).Split(string(b), -1)[1:] {
			out = append(out, len(step.FindAllString(lesson, -1)))
		}
		return out
	}
	en := shape(Lessons)
	require.Len(t, en, 6, "six lessons")
	for tag, guide := range LessonsGuides() {
		require.Equal(t, en, shape(guide), "the %s guide's lessons and steps", tag)
	}
}
