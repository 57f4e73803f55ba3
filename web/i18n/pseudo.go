package i18n

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// The pseudo-locale, made from English the same way web/static/catalog.js
// makes it (pseudoParts there): every letter of a message's text accented,
// and the message lengthened by 40 % of its text (rounded up) with words
// at its end, so the padding wraps as words do; arguments and plural or
// select keys are left alone.

var accents = map[rune]rune{
	'a': 'á', 'b': 'ƀ', 'c': 'ç', 'd': 'đ', 'e': 'é', 'f': 'ƒ', 'g': 'ĝ', 'h': 'ĥ', 'i': 'í', 'j': 'ĵ', 'k': 'ķ', 'l': 'ľ', 'm': 'ɱ',
	'n': 'ñ', 'o': 'ö', 'p': 'þ', 'q': 'ǫ', 'r': 'ŕ', 's': 'š', 't': 'ţ', 'u': 'ü', 'v': 'ṽ', 'w': 'ŵ', 'x': 'ẋ', 'y': 'ý', 'z': 'ž',
	'A': 'Á', 'B': 'Ɓ', 'C': 'Ç', 'D': 'Đ', 'E': 'É', 'F': 'Ƒ', 'G': 'Ĝ', 'H': 'Ĥ', 'I': 'Í', 'J': 'Ĵ', 'K': 'Ķ', 'L': 'Ľ', 'M': 'Ṁ',
	'N': 'Ñ', 'O': 'Ö', 'P': 'Þ', 'Q': 'Ǫ', 'R': 'Ŕ', 'S': 'Š', 'T': 'Ţ', 'U': 'Ü', 'V': 'Ṽ', 'W': 'Ŵ', 'X': 'Ẋ', 'Y': 'Ý', 'Z': 'Ž',
}

const pseudoPad = "ļöñĝéŕ ŵöŕđš ƒöŕ ţĥé ļáýöüţ ţéšţ "

func accent(s string) string {
	var b strings.Builder
	for _, r := range s {
		if a, ok := accents[r]; ok {
			r = a
		}
		b.WriteRune(r)
	}
	return b.String()
}

// textLength counts the characters of a message's text, a plural's or
// select's "other" branch included.
func textLength(parts []part) int {
	n := 0
	for _, p := range parts {
		switch {
		case p.arg == "" && !p.pound:
			n += utf8.RuneCountInString(p.text)
		case p.branches != nil:
			n += textLength(p.branches["other"])
		}
	}
	return n
}

func accentParts(parts []part) []part {
	out := make([]part, len(parts))
	for i, p := range parts {
		switch {
		case p.arg == "" && !p.pound:
			p.text = accent(p.text)
		case p.branches != nil:
			br := map[string][]part{}
			for k, b := range p.branches {
				br[k] = accentParts(b)
			}
			p.branches = br
		}
		out[i] = p
	}
	return out
}

// pseudoParts is a parsed message in the pseudo-locale: its text
// accented, and 40 % more of it (rounded up) at its end.
func pseudoParts(parts []part) []part {
	extra := (textLength(parts)*4 + 9) / 10
	if extra == 0 {
		return parts
	}
	pad := []rune(strings.Repeat(pseudoPad, extra/utf8.RuneCountInString(pseudoPad)+1))[:extra]
	return append(accentParts(parts), part{text: " " + strings.TrimRight(string(pad), " ")})
}

// pseudoMessage is src in the pseudo-locale (src unchanged if it does
// not parse: Load reports that).
func pseudoMessage(src string) string {
	parts, err := parse(src)
	if err != nil {
		return src
	}
	var b strings.Builder
	serialize(pseudoParts(parts), &b)
	return b.String()
}

// serialize writes parts back as a message.
func serialize(parts []part, b *strings.Builder) {
	for _, p := range parts {
		switch {
		case p.pound:
			b.WriteByte('#')
		case p.arg == "":
			b.WriteString(p.text)
		case p.typ == "":
			b.WriteString("{" + p.arg + "}")
		case p.branches == nil:
			b.WriteString("{" + p.arg + ", " + p.typ + "}")
		default:
			b.WriteString("{" + p.arg + ", " + p.typ + ",")
			keys := make([]string, 0, len(p.branches))
			for k := range p.branches {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				b.WriteString(" " + k + " {")
				serialize(p.branches[k], b)
				b.WriteString("}")
			}
			b.WriteString("}")
		}
	}
}
