// Package docs holds the guides the server shows: the lessons guide
// (lessons.md), which the teacher's board links to.
package docs

import _ "embed"

// Lessons is docs/lessons.md.
//
//go:embed lessons.md
var Lessons []byte
