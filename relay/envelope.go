package relay

// scanEnvelope reads a client frame's type, target and body in one pass
// that only finds where they start and end, for frames of the form
// clients write: an object whose members are "type" and "to" (plain
// strings, without escapes) and "body" (any value but null), each at most
// once, in any order, compact or not. It reports ok = false for anything
// else, and parseInbound then decodes with encoding/json. It does not
// check that the frame is valid JSON (parseInbound's validJSON does);
// for a valid frame that it reads, the result is what encoding/json
// decodes. The body aliases data.
//
// encoding/json.Unmarshal scans a frame twice (validation, then decoding,
// which walks the body again to copy it out): for a block-sized frame
// that is most of what the relay spends on it before it forwards it.
func scanEnvelope(data []byte) (in inbound, ok bool) {
	s := dumpless{b: data}
	if !s.skip('{') {
		return in, false
	}
	if s.skip('}') {
		return in, true
	}
	var seenType, seenTo, seenBody bool
	for {
		key, ok := s.key()
		if !ok {
			return in, false
		}
		switch {
		case key == "type" && !seenType:
			seenType = true
			if in.Type, ok = s.plainString(); !ok {
				return in, false
			}
		case key == "to" && !seenTo:
			seenTo = true
			if in.To, ok = s.plainString(); !ok {
				return in, false
			}
		case key == "body" && !seenBody:
			seenBody = true
			s.ws()
			start := s.i
			if !s.value() {
				return in, false
			}
			in.Body = data[start:s.i:s.i]
		default:
			return in, false
		}
		if s.skip('}') {
			return in, true
		}
		if !s.skip(',') {
			return in, false
		}
	}
}

// dumpless walks a frame; i is the next byte.
type dumpless struct {
	b []byte
	i int
}

func (s *dumpless) ws() {
	for s.i < len(s.b) && (s.b[s.i] == ' ' || s.b[s.i] == '\t' || s.b[s.i] == '\n' || s.b[s.i] == '\r') {
		s.i++
	}
}

// skip skips white space and then c, reporting whether c was there.
func (s *dumpless) skip(c byte) bool {
	s.ws()
	if s.i < len(s.b) && s.b[s.i] == c {
		s.i++
		return true
	}
	return false
}

// key reads `"name":` with a name of lowercase letters.
func (s *dumpless) key() (string, bool) {
	if !s.skip('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) && 'a' <= s.b[s.i] && s.b[s.i] <= 'z' {
		s.i++
	}
	if s.i == start || s.i >= len(s.b) || s.b[s.i] != '"' {
		return "", false
	}
	key := string(s.b[start:s.i])
	s.i++
	return key, s.skip(':')
}

// plainString reads a string without escapes or control characters.
func (s *dumpless) plainString() (string, bool) {
	if !s.skip('"') {
		return "", false
	}
	start := s.i
	for s.i < len(s.b) && s.b[s.i] != '"' {
		if c := s.b[s.i]; c == '\\' || c < 0x20 {
			return "", false
		}
		s.i++
	}
	if s.i >= len(s.b) {
		return "", false
	}
	v := string(s.b[start:s.i])
	s.i++
	return v, true
}

// value skips one value that is not null: an object or array to its
// closing bracket, a string to its closing quote, anything else to the
// next delimiter. Whether it is valid is json.Valid's to say.
func (s *dumpless) value() bool {
	if s.i >= len(s.b) {
		return false
	}
	switch s.b[s.i] {
	case 'n': // null: encoding/json's handling of a null RawMessage is its own
		return false
	case '"':
		return s.str()
	case '{', '[':
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
				if !s.str() {
					return false
				}
				s.i-- // the loop steps past the closing quote
			}
		}
		return false
	}
	start := s.i
	for s.i < len(s.b) {
		switch s.b[s.i] {
		case ' ', '\t', '\n', '\r', ',', '}', ']':
			return s.i > start
		}
		s.i++
	}
	return false
}

// str skips a string, escapes included; s.i is at its opening quote and
// ends after the closing one.
func (s *dumpless) str() bool {
	for s.i++; s.i < len(s.b); s.i++ {
		switch s.b[s.i] {
		case '\\':
			s.i++
		case '"':
			s.i++
			return true
		}
	}
	return false
}
