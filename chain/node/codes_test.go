package node

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/chain"
)

var codeSyntax = regexp.MustCompile(`^[a-z][a-z0-9-]*$`)

// TestCodeLists checks the lists a page's catalog is checked against:
// well-formed, no duplicates, and the node's error codes distinct from
// chain's rule codes (both share a rejected event's Code).
func TestCodeLists(t *testing.T) {
	rules := map[string]bool{}
	for _, r := range chain.Rules {
		rules[r.Code()] = true
	}
	seen := map[string]bool{}
	for _, c := range ErrorCodes() {
		require.Regexp(t, codeSyntax, c)
		require.False(t, seen[c], "duplicate %q", c)
		require.False(t, rules[c], "%q is also a chain rule code", c)
		seen[c] = true
	}
	for kind, codes := range EventCodes() {
		require.Contains(t, EventKinds(), kind)
		require.NotContains(t, []EventKind{EventRejected, EventRefused}, kind, "rejected and refused events carry rule codes")
		seen := map[string]bool{}
		for _, c := range codes {
			require.Regexp(t, codeSyntax, c)
			require.False(t, seen[c], "duplicate %q in %s", c, kind)
			seen[c] = true
		}
	}
	for _, r := range DisconnectReasons() {
		require.Regexp(t, codeSyntax, r)
	}
}

// TestEveryCodeIsListed reads the package's source: every Code*, Reason*
// and EventKind constant must be in ErrorCodes, EventCodes,
// DisconnectReasons or EventKinds, so that a code added without being
// listed (and so without words in the page's catalog) fails here; and
// every Event{Kind: K, Code: C} literal with constant K and C must pair
// them as EventCodes says.
func TestEveryCodeIsListed(t *testing.T) {
	consts := map[string]string{} // name → string value
	kinds := map[string]bool{}    // names of EventKind constants
	var files []*ast.File
	fset := token.NewFileSet()
	entries, err := os.ReadDir(".")
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), ".go") || strings.HasSuffix(e.Name(), "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, e.Name(), nil, 0)
		require.NoError(t, err)
		files = append(files, f)
		for _, d := range f.Decls {
			g, ok := d.(*ast.GenDecl)
			if !ok || g.Tok != token.CONST {
				continue
			}
			for _, spec := range g.Specs {
				vs := spec.(*ast.ValueSpec)
				for i, name := range vs.Names {
					if i >= len(vs.Values) {
						continue
					}
					lit, ok := vs.Values[i].(*ast.BasicLit)
					if !ok || lit.Kind != token.STRING {
						continue
					}
					v, err := strconv.Unquote(lit.Value)
					require.NoError(t, err)
					consts[name.Name] = v
					if id, ok := vs.Type.(*ast.Ident); ok && id.Name == "EventKind" {
						kinds[name.Name] = true
					}
				}
			}
		}
	}

	listed := slices.Clone(ErrorCodes())
	for _, codes := range EventCodes() {
		listed = append(listed, codes...)
	}
	var kindValues []string
	for _, k := range EventKinds() {
		kindValues = append(kindValues, string(k))
	}
	var n int
	for name, v := range consts {
		switch {
		case kinds[name]:
			require.Contains(t, kindValues, v, "kind %s is not in EventKinds", name)
		case strings.HasPrefix(name, "Code"):
			require.Contains(t, listed, v, "%s is in neither ErrorCodes nor EventCodes", name)
			n++
		case strings.HasPrefix(name, "Reason"):
			require.Contains(t, append(DisconnectReasons(), RetryReasons()...), v, "%s is in neither DisconnectReasons nor RetryReasons", name)
		}
	}
	require.Equal(t, len(listed), n, "a listed code has no constant")

	for _, f := range files {
		ast.Inspect(f, func(x ast.Node) bool {
			lit, ok := x.(*ast.CompositeLit)
			if !ok {
				return true
			}
			if id, ok := lit.Type.(*ast.Ident); !ok || id.Name != "Event" {
				return true
			}
			var kind, code string
			for _, e := range lit.Elts {
				kv, ok := e.(*ast.KeyValueExpr)
				if !ok {
					continue
				}
				key, val := kv.Key.(*ast.Ident), ident(kv.Value)
				switch {
				case key == nil || val == "":
				case key.Name == "Kind" && kinds[val]:
					kind = consts[val]
				case key.Name == "Code" && strings.HasPrefix(val, "Code"):
					code = consts[val]
				}
			}
			if kind != "" && code != "" {
				require.Contains(t, EventCodes()[EventKind(kind)], code, "%s: a %s event with code %q", fset.Position(lit.Pos()), kind, code)
			}
			return true
		})
	}
}

func ident(e ast.Expr) string {
	if id, ok := e.(*ast.Ident); ok {
		return id.Name
	}
	return ""
}
