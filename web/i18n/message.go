package i18n

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode"
)

// A message is one catalog entry in the subset of ICU MessageFormat that
// web/static/msgformat.js formats in the browser (its comment is the
// reference):
//
//	text {name} text     {name, number}  {name, hash}  {name, addr}
//	{name, time}  {name, clock}  {name, secs}
//	{name, plural, =0 {…} one {…} other {…}}   (# in a branch: the number)
//	{name, select, a {…} other {…}}
//
// There is no quoting: a message never holds a literal { or }.

// part is a piece of a parsed message: text, the plural's number (#), or
// an argument.
type part struct {
	text     string
	pound    bool
	arg      string // the argument's name; "" for text and #
	typ      string // "", number, hash, addr, time, clock, secs, plural, select
	branches map[string][]part
}

// argTypes are the types an argument may have.
var argTypes = map[string]bool{"number": true, "hash": true, "addr": true, "time": true, "clock": true, "secs": true, "plural": true, "select": true}

// SyntaxError is a message the parser refuses.
type SyntaxError struct {
	Message string // the message's source
	Offset  int    // where it went wrong, in bytes
	Why     string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("i18n: %s at byte %d of %q", e.Why, e.Offset, e.Message)
}

type parser struct {
	src string
	i   int
}

func (p *parser) fail(format string, args ...any) {
	panic(&SyntaxError{Message: p.src, Offset: p.i, Why: fmt.Sprintf(format, args...)})
}

func (p *parser) ws() {
	for p.i < len(p.src) && unicode.IsSpace(rune(p.src[p.i])) {
		p.i++
	}
}

func (p *parser) ident() string {
	start := p.i
	for p.i < len(p.src) {
		c := p.src[p.i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-' || c == '=' {
			p.i++
			continue
		}
		break
	}
	if p.i == start {
		p.fail("expected a name")
	}
	return p.src[start:p.i]
}

func (p *parser) message(inPlural, nested bool) []part {
	var parts []part
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			parts = append(parts, part{text: text.String()})
			text.Reset()
		}
	}
	for p.i < len(p.src) {
		c := p.src[p.i]
		switch {
		case c == '}':
			if !nested {
				p.fail("unexpected }")
			}
			flush()
			return parts
		case c == '{':
			flush()
			p.i++
			parts = append(parts, p.arg())
		case c == '#' && inPlural:
			flush()
			parts = append(parts, part{pound: true})
			p.i++
		default:
			text.WriteByte(c)
			p.i++
		}
	}
	flush()
	return parts
}

func (p *parser) expect(c byte, what string) {
	if p.i >= len(p.src) || p.src[p.i] != c {
		p.fail("expected %s", what)
	}
	p.i++
}

func (p *parser) arg() part {
	p.ws()
	name := p.ident()
	p.ws()
	if p.i < len(p.src) && p.src[p.i] == '}' {
		p.i++
		return part{arg: name}
	}
	p.expect(',', ", or }")
	p.ws()
	typ := p.ident()
	if !argTypes[typ] {
		p.fail("unknown type %q", typ)
	}
	p.ws()
	if typ != "plural" && typ != "select" {
		p.expect('}', "}")
		return part{arg: name, typ: typ}
	}
	p.expect(',', ",")
	branches := map[string][]part{}
	for {
		p.ws()
		if p.i < len(p.src) && p.src[p.i] == '}' {
			p.i++
			break
		}
		sel := p.ident()
		if _, dup := branches[sel]; dup {
			p.fail("the branch %q twice", sel)
		}
		p.ws()
		p.expect('{', "{")
		branches[sel] = p.message(typ == "plural", true)
		p.expect('}', "} closing the branch")
	}
	if _, ok := branches["other"]; !ok {
		p.fail("a %s needs an \"other\" branch", typ)
	}
	return part{arg: name, typ: typ, branches: branches}
}

// parse parses a message.
func parse(src string) (parts []part, err error) {
	defer func() {
		if r := recover(); r != nil {
			se, ok := r.(*SyntaxError)
			if !ok {
				panic(r)
			}
			err = se
		}
	}()
	p := &parser{src: src}
	parts = p.message(false, false)
	if p.i < len(src) {
		p.fail("unexpected }")
	}
	return parts, nil
}

// argNames adds the argument names parts use, nested ones included.
func argNames(parts []part, into map[string]bool) {
	for _, p := range parts {
		if p.arg == "" {
			continue
		}
		into[p.arg] = true
		for _, b := range p.branches {
			argNames(b, into)
		}
	}
}

// Placeholders returns the sorted argument names of a message.
func Placeholders(src string) ([]string, error) {
	parts, err := parse(src)
	if err != nil {
		return nil, err
	}
	set := map[string]bool{}
	argNames(parts, set)
	names := make([]string, 0, len(set))
	for n := range set {
		names = append(names, n)
	}
	sort.Strings(names)
	return names, nil
}

// Args are a message's values by name: numbers (any integer or float
// type), strings, booleans (for select).
type Args map[string]any

// format puts args into parts with the catalog's formatting.
func (c *Catalog) format(parts []part, args Args, pound any, b *strings.Builder) {
	for _, p := range parts {
		switch {
		case p.pound:
			b.WriteString(c.number(pound))
			continue
		case p.arg == "":
			b.WriteString(p.text)
			continue
		}
		v := args[p.arg]
		switch p.typ {
		case "":
			if _, ok := toFloat(v); ok {
				if _, isStr := v.(string); !isStr {
					b.WriteString(c.number(v))
					break
				}
			}
			b.WriteString(toString(v))
		case "number":
			b.WriteString(c.number(v))
		case "hash":
			b.WriteString(shorten(toString(v), hashChars))
		case "addr":
			b.WriteString(shorten(toString(v), addrChars))
		case "time", "clock", "secs":
			b.WriteString(c.timeValue(p.typ, v))
		case "plural":
			n, _ := toFloat(v)
			br, ok := p.branches["="+strconv.FormatFloat(n, 'f', -1, 64)]
			if !ok {
				br, ok = p.branches[c.pluralCategory(n)]
			}
			if !ok {
				br = p.branches["other"]
			}
			if v == nil {
				v = 0
			}
			c.format(br, args, v, b)
		case "select":
			br, ok := p.branches[toString(v)]
			if !ok {
				br = p.branches["other"]
			}
			c.format(br, args, pound, b)
		}
	}
}

// hashChars and addrChars are how many digits a shortened hash and
// address keep (chain.Hash.Short, chain.Address.Short; catalog.js too).
const (
	hashChars = 12
	addrChars = 8
)

func shorten(s string, n int) string {
	if len(s) > n {
		return s[:n] + "…"
	}
	return s
}

func toString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case bool:
		return strconv.FormatBool(v)
	case fmt.Stringer:
		return v.String()
	}
	return fmt.Sprint(v)
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int:
		return float64(v), true
	case int64:
		return float64(v), true
	case int32:
		return float64(v), true
	case uint:
		return float64(v), true
	case uint64:
		return float64(v), true
	case uint32:
		return float64(v), true
	case float64:
		return v, true
	case float32:
		return float64(v), true
	case string:
		f, err := strconv.ParseFloat(v, 64)
		return f, err == nil
	}
	return 0, false
}
