package chain

import "encoding/json"

// splitChainDump reads the outer object of a `GET /chain` dump — its
// length and the raw JSON of each block — in one pass that only finds
// where each block starts and ends, instead of encoding/json's full scan
// of every byte (serial, about a quarter of a second for a 10,000-block
// dump). It accepts only the shape Export writes, compact or indented:
// one "length" (a plain non-negative integer) and one "chain" (an array
// of objects), in either order, and nothing else. On anything else it
// reports ok = false and the caller decodes with encoding/json, which
// then gives its usual answer. The blocks' contents are not checked here:
// each is decoded (and so validated) on its own afterwards, so a dump
// that this accepts and encoding/json would refuse still fails, as
// ErrMalformed, naming its block.
func splitChainDump(data []byte) (length int, blocks []json.RawMessage, ok bool) {
	s := dumpScanner{b: data}
	if !s.byte('{') {
		return 0, nil, false
	}
	var seenLength, seenChain bool
	for {
		key, ok := s.key()
		if !ok {
			return 0, nil, false
		}
		switch {
		case key == "length" && !seenLength:
			seenLength = true
			if length, ok = s.uint(); !ok {
				return 0, nil, false
			}
		case key == "chain" && !seenChain:
			seenChain = true
			if blocks, ok = s.objects(); !ok {
				return 0, nil, false
			}
		default:
			return 0, nil, false
		}
		if s.byte('}') {
			break
		}
		if !s.byte(',') {
			return 0, nil, false
		}
	}
	s.ws()
	if s.i != len(s.b) || !seenLength || !seenChain {
		return 0, nil, false
	}
	return length, blocks, true
}

// dumpScanner walks a dump; i is the next byte.
type dumpScanner struct {
	b []byte
	i int
}

func (s *dumpScanner) ws() {
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

// byte skips white space and then c, reporting whether c was there.
func (s *dumpScanner) byte(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// key reads `"name":` with a name of plain letters.
func (s *dumpScanner) key() (string, bool) {
	if !s.byte('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) && ('a' <= s.b[s.i] && s.b[s.i] <= 'z') {
		s.i++
	}
	if s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	key := string(s.b[start:s.i])
	s.i++
	return key, s.byte(':')
}

// uint reads a non-negative integer without leading zeros, of at most 9
// digits (MaxImportBlocks has 7).
func (s *dumpScanner) uint() (int, bool) {
	s.ws()
	start, n := s.i, 0
	for s.i < len(s.b) && '0' <= s.b[s.i] && s.b[s.i] <= '9' && s.i-start < 9 {
		n = 10*n + int(s.b[s.i]-'0')
		s.i++
	}
	digits := s.i - start
	if digits == 0 || (digits > 1 && s.b[start] == '0') {
		return 0, false
	}
	if s.i < len(s.b) {
		switch s.b[s.i] { // the number must end here
		case ' ', '\t', '\n', '\r', ',', '}':
		default:
			return 0, false
		}
	}
	return n, true
}

// objects reads an array of objects and returns each object's bytes.
func (s *dumpScanner) objects() ([]json.RawMessage, bool) {
	if !s.byte('[') {
		return nil, false
	}
	if s.byte(']') {
		return []json.RawMessage{}, true
	}
	var out []json.RawMessage
	for {
		s.ws()
		start := s.i
		if !s.object() {
			return nil, false
		}
		out = append(out, s.b[start:s.i:s.i])
		if s.byte(']') {
			return out, true
		}
		if !s.byte(',') {
			return nil, false
		}
	}
}

// object skips one object: to the brace that closes the one at s.i,
// stepping over strings (and their escapes).
func (s *dumpScanner) object() bool {
	if s.i >= len(s.b) || s.b[s.i] != '{' {
		return false
	}
	depth := 0
	for ; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '{', '[':
			depth++
		case '}', ']':
			if depth--; depth == 0 {
				s.i++
				return true
			}
		case '"':
			for s.i++; s.i < len(s.b) && s.b[s.i] != '"'; s.i++ {
				if s.b[s.i] == '\\' {
					s.i++
				}
			}
		}
	}
	return false
}
