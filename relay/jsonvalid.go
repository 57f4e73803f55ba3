package relay

import "encoding/binary"

// maxJSONDepth is encoding/json's nesting limit: a value nested deeper is
// not valid to it.
const maxJSONDepth = 10000

// validJSON reports whether data is one JSON value (RFC 8259) with
// optional white space around it, exactly as encoding/json.Valid does —
// bytes at or above 0x20 are taken as they are inside strings, and at most
// maxJSONDepth objects and arrays nest — in a tight loop instead of
// encoding/json's call per byte: a block-sized frame is checked in a tenth
// of the time (FuzzValidJSON holds it to encoding/json).
func validJSON(data []byte) bool {
	var stack []byte // the open containers: '{' or '['
	i := 0
	for {
		// A value starts at i.
		i = skipWS(data, i)
		if i >= len(data) {
			return false
		}
		switch c := data[i]; {
		case c == '{' || c == '[':
			if len(stack) >= maxJSONDepth {
				return false
			}
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			i = skipWS(data, i+1)
			if i < len(data) && data[i] == end { // empty
				i++
				break
			}
			stack = append(stack, c)
			if c == '{' {
				if i = objectKey(data, i); i < 0 {
					return false
				}
			}
			continue // to the first member's value
		case c == '"':
			if i = jsonString(data, i); i < 0 {
				return false
			}
		case c == '-' || '0' <= c && c <= '9':
			if i = jsonNumber(data, i); i < 0 {
				return false
			}
		case c == 't':
			if i = literal(data, i, "true"); i < 0 {
				return false
			}
		case c == 'f':
			if i = literal(data, i, "false"); i < 0 {
				return false
			}
		case c == 'n':
			if i = literal(data, i, "null"); i < 0 {
				return false
			}
		default:
			return false
		}
		// A value ended at i: close containers, or go on to the next one.
		for {
			i = skipWS(data, i)
			if len(stack) == 0 {
				return i == len(data)
			}
			if i >= len(data) {
				return false
			}
			top := stack[len(stack)-1]
			if c := data[i]; c == ',' {
				i++
				if top == '{' {
					if i = objectKey(data, skipWS(data, i)); i < 0 {
						return false
					}
				}
				break
			} else if top == '{' && c == '}' || top == '[' && c == ']' {
				i++
				stack = stack[:len(stack)-1]
				continue
			}
			return false
		}
	}
}

func skipWS(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// objectKey reads `"key" :` at i and returns the index after the colon,
// or −1.
func objectKey(data []byte, i int) int {
	if i >= len(data) || data[i] != '"' {
		return -1
	}
	if i = jsonString(data, i); i < 0 {
		return -1
	}
	i = skipWS(data, i)
	if i >= len(data) || data[i] != ':' {
		return -1
	}
	return i + 1
}

// jsonString reads the string whose quote is at i and returns the index
// after its closing quote, or −1.
func jsonString(data []byte, i int) int {
	i++
	for {
		// Eight bytes at a time while none is a control character, a quote
		// or a backslash (the classic haszero bit tricks; exact as a test of
		// "any", which is all that is asked), then byte by byte.
		const ones, highs = 0x0101010101010101, 0x8080808080808080
		for i+8 <= len(data) {
			x := binary.LittleEndian.Uint64(data[i:])
			q, bs := x^(ones*'"'), x^(ones*'\\')
			if ((x-ones*0x20)&^x|(q-ones)&^q|(bs-ones)&^bs)&highs != 0 {
				break
			}
			i += 8
		}
		for i < len(data) && data[i] >= 0x20 && data[i] != '"' && data[i] != '\\' {
			i++
		}
		if i >= len(data) || data[i] < 0x20 {
			return -1
		}
		if data[i] == '"' {
			return i + 1
		}
		// An escape.
		if i+1 >= len(data) {
			return -1
		}
		switch data[i+1] {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			i += 2
		case 'u':
			if i+6 > len(data) {
				return -1
			}
			for _, h := range data[i+2 : i+6] {
				if !('0' <= h && h <= '9' || 'a' <= h && h <= 'f' || 'A' <= h && h <= 'F') {
					return -1
				}
			}
			i += 6
		default:
			return -1
		}
	}
}

// jsonNumber reads the number at i and returns the index after it, or −1.
func jsonNumber(data []byte, i int) int {
	if data[i] == '-' {
		i++
	}
	switch {
	case i < len(data) && data[i] == '0':
		i++
	case i < len(data) && '1' <= data[i] && data[i] <= '9':
		i = digits(data, i)
	default:
		return -1
	}
	if i < len(data) && data[i] == '.' {
		if j := digits(data, i+1); j > i+1 {
			i = j
		} else {
			return -1
		}
	}
	if i < len(data) && (data[i] == 'e' || data[i] == 'E') {
		i++
		if i < len(data) && (data[i] == '+' || data[i] == '-') {
			i++
		}
		if j := digits(data, i); j > i {
			i = j
		} else {
			return -1
		}
	}
	return i
}

func digits(data []byte, i int) int {
	for i < len(data) && '0' <= data[i] && data[i] <= '9' {
		i++
	}
	return i
}

// literal reads word at i and returns the index after it, or −1.
func literal(data []byte, i int, word string) int {
	if len(data)-i < len(word) || string(data[i:i+len(word)]) != word {
		return -1
	}
	return i + len(word)
}
