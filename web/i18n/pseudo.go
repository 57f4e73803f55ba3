package i18n

import (
	"sort"
	"strings"
	"unicode/utf8"
)

// The pseudo-locale, made from English the same way web/static/catalog.js
// makes it (pseudoText there): every letter accented, and every text
// lengthened by 40 % (rounded up) with words, so the padding wraps as
// words do; arguments and plural or select keys are left alone.

var accents = map[rune]rune{
	'a': 'á', 'b': 'ƀ', 'c': 'ç', 'd': 'đ', 'e': 'é', 'f': 'ƒ', 'g': 'ĝ', 'h': 'ĥ', 'i': 'í', 'j': 'ĵ', 'k': 'ķ', 'l': 'ľ', 'm': 'ɱ',
	'n': 'ñ', 'o': 'ö', 'p': 'þ', 'q': 'ǫ', 'r': 'ŕ', 's': 'š', 't': 'ţ', 'u': 'ü', 'v': 'ṽ', 'w': 'ŵ', 'x': 'ẋ', 'y': 'ý', 'z': 'ž',
	'A': 'Á', 'B': 'Ɓ', 'C': 'Ç', 'D': 'Đ', 'E': 'É', 'F': 'Ƒ', 'G': 'Ĝ', 'H': 'Ĥ', 'I': 'Í', 'J': 'Ĵ', 'K': 'Ķ', 'L': 'Ľ', 'M': 'Ṁ',
	'N': 'Ñ', 'O': 'Ö', 'P': 'Þ', 'Q': 'Ǫ', 'R': 'Ŕ', 'S': 'Š', 'T': 'Ţ', 'U': 'Ü', 'V': 'Ṽ', 'W': 'Ŵ', 'X': 'Ẋ', 'Y': 'Ý', 'Z': 'Ž',
}

const pseudoPad = "ļöñĝéŕ ŵöŕđš ƒöŕ ţĥé ļáýöüţ ţéšţ "

// PseudoText accents s and lengthens it by 40 %.
func PseudoText(s string) string {
	n := utf8.RuneCountInString(s)
	if n == 0 {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if a, ok := accents[r]; ok {
			r = a
		}
		b.WriteRune(r)
	}
	extra := (n*4 + 9) / 10 // ceil(n × 0.4)
	pad := []rune(strings.Repeat(pseudoPad, extra/utf8.RuneCountInString(pseudoPad)+1))[:extra]
	return b.String() + " " + strings.TrimRight(string(pad), " ")
}

func pseudoParts(parts []part) []part {
	out := make([]part, len(parts))
	for i, p := range parts {
		switch {
		case p.arg == "" && !p.pound:
			if strings.TrimSpace(p.text) != "" {
				p.text = PseudoText(p.text)
			}
		case p.branches != nil:
			br := map[string][]part{}
			for k, b := range p.branches {
				br[k] = pseudoParts(b)
			}
			p.branches = br
		}
		out[i] = p
	}
	return out
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
