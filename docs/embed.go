// Package docs holds the guides the server shows: the lessons guide in
// each language (lessons.md, lessons.zh-CN.md), which the teacher's
// board links to.
package docs

import _ "embed"

// Lessons is docs/lessons.md, the English guide.
//
//go:embed lessons.md
var Lessons []byte

// LessonsZH is docs/lessons.zh-CN.md, the guide in Simplified Chinese.
//
//go:embed lessons.zh-CN.md
var LessonsZH []byte

// LessonsGuides are the lessons guides by language tag.
func LessonsGuides() map[string][]byte {
	return map[string][]byte{"en": Lessons, "zh-CN": LessonsZH}
}
