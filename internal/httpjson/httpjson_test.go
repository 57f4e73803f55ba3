package httpjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// request is the body of the test endpoints.
type request struct {
	Name  string   `json:"name"`
	Count uint64   `json:"count"`
	Tags  []string `json:"tags"`
	Inner *inner   `json:"inner"`
	List  []inner  `json:"list"`
	embedded
}

type inner struct {
	A int `json:"a"`
}

// embedded's fields are request's, as JSON sees them.
type embedded struct {
	Level *uint8 `json:"level"`
}

// errCustom is what custom's UnmarshalJSON refuses with.
var errCustom = errors.New("custom: refused")

// custom has its own UnmarshalJSON, as chain.Block does.
type custom struct{ V string }

func (c *custom) UnmarshalJSON(b []byte) error {
	var m map[string]any // accepts any field, like a block's derived ones
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	if m["bad"] != nil {
		return errCustom
	}
	c.V, _ = m["v"].(string)
	return nil
}

// logBuffer is a logger that writes text lines to a buffer.
func logBuffer() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&b, nil)), &b
}

// do serves one request through h and returns the answer.
func do(t *testing.T, h http.Handler, method, path, body string) *httptest.ResponseRecorder {
	t.Helper()
	var rd io.Reader = http.NoBody
	if body != "" {
		rd = strings.NewReader(body)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(method, path, rd))
	return rec
}

// errorOf decodes an error answer and checks the convention: JSON, an
// error sentence and a code.
func errorOf(t *testing.T, rec *httptest.ResponseRecorder) ErrorBody {
	t.Helper()
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"), "%s", rec.Body)
	var e ErrorBody
	dec := json.NewDecoder(rec.Body)
	dec.DisallowUnknownFields()
	require.NoError(t, dec.Decode(&e))
	require.NotEmpty(t, e.Error)
	require.NotEmpty(t, e.Code)
	return e
}

func TestRead(t *testing.T) {
	const limit = 64
	for _, tc := range []struct {
		name, body string
		optional   bool   // ReadOptional instead of Read
		status     int    // 0: accepted
		code       string // the error's code
		field      string // the error's field
		want       request
		present    bool // ReadOptional's answer
	}{
		{name: "object", body: `{"name":"a","count":3,"tags":["x"],"inner":{"a":-1}}`, want: request{Name: "a", Count: 3, Tags: []string{"x"}, Inner: &inner{A: -1}}, present: true},
		{name: "white space around", body: " \n{\"name\":\"a\"}\n\t ", want: request{Name: "a"}, present: true},
		{name: "empty object", body: `{}`, present: true},
		{name: "no body", body: ``, status: 400, code: CodeEmptyBody},
		{name: "only white space", body: " \n ", status: 400, code: CodeEmptyBody},
		{name: "no body, optional", body: ``, optional: true},
		{name: "only white space, optional", body: "  ", optional: true},
		{name: "object, optional", body: `{"name":"b"}`, optional: true, want: request{Name: "b"}, present: true},
		{name: "unknown field, optional", body: `{"colour":1}`, optional: true, status: 400, code: CodeUnknownField, field: "colour"},
		{name: "too large", body: `{"name":"` + strings.Repeat("a", limit) + `"}`, status: 413, code: CodeBodyTooLarge},
		{name: "exactly the limit", body: `{"name":"` + strings.Repeat("a", limit-11) + `"}`, want: request{Name: strings.Repeat("a", limit-11)}, present: true},
		{name: "unknown field", body: `{"name":"a","colour":"red"}`, status: 400, code: CodeUnknownField, field: "colour"},
		{name: "unknown nested field", body: `{"inner":{"a":1,"b":2}}`, status: 400, code: CodeUnknownField, field: "b"},
		{name: "two objects", body: `{"name":"a"}{"name":"b"}`, status: 400, code: CodeBadJSON},
		{name: "trailing word", body: `{"name":"a"} x`, status: 400, code: CodeBadJSON},
		{name: "trailing brace", body: `{"name":"a"}}`, status: 400, code: CodeBadJSON},
		{name: "trailing bracket", body: `{"name":"a"}]`, status: 400, code: CodeBadJSON},
		{name: "array", body: `[{"name":"a"}]`, status: 400, code: CodeBadJSON},
		{name: "null", body: `null`, status: 400, code: CodeBadJSON},
		{name: "string", body: `"a"`, status: 400, code: CodeBadJSON},
		{name: "form", body: `name=a`, status: 400, code: CodeBadJSON},
		{name: "cut short", body: `{"name":`, status: 400, code: CodeBadJSON},
		{name: "syntax", body: `{"name" "a"}`, status: 400, code: CodeBadJSON},
		{name: "wrong type", body: `{"count":"three"}`, status: 400, code: CodeWrongType, field: "count"},
		{name: "negative", body: `{"count":-1}`, status: 400, code: CodeWrongType, field: "count"},
		{name: "nested wrong type", body: `{"inner":{"a":"x"}}`, status: 400, code: CodeWrongType, field: "inner.a"},
		{name: "wrong type in a list", body: `{"list":[{"a":1},{"a":true}]}`, status: 400, code: CodeWrongType, field: "list.a"},
		{name: "wrong type, embedded", body: `{"level":"high"}`, status: 400, code: CodeWrongType, field: "level"},
		{name: "out of range, embedded", body: `{"level":300}`, status: 400, code: CodeWrongType, field: "level"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/", strings.NewReader(tc.body))
			r = WithBodyLimit(r, limit)
			var got request
			var err error
			present := false
			if tc.optional {
				present, err = ReadOptional(httptest.NewRecorder(), r, &got)
			} else {
				err = Read(httptest.NewRecorder(), r, &got)
				present = err == nil
			}
			if tc.status == 0 {
				require.NoError(t, err)
				require.Equal(t, tc.present, present)
				require.Equal(t, tc.want, got)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			require.Equal(t, tc.status, e.Status, e.Message)
			require.Equal(t, tc.code, e.Code, e.Message)
			require.Equal(t, tc.field, e.Field)
			if tc.field != "" {
				require.Contains(t, e.Message, tc.field, "the sentence names the field")
			}
			require.False(t, present)
		})
	}
}

// A type's own UnmarshalJSON keeps its rules; its error is the cause.
func TestReadCustomUnmarshaler(t *testing.T) {
	var c custom
	r := httptest.NewRequest("POST", "/", strings.NewReader(`{"v":"x","derived":"ignored"}`))
	require.NoError(t, Read(httptest.NewRecorder(), r, &c), "fields the type accepts itself are not refused")
	require.Equal(t, "x", c.V)

	r = httptest.NewRequest("POST", "/", strings.NewReader(`{"bad":1}`))
	err := Read(httptest.NewRecorder(), r, &c)
	require.ErrorIs(t, err, errCustom)
	var e *Error
	require.ErrorAs(t, err, &e)
	require.Equal(t, http.StatusBadRequest, e.Status)
}

// Without WithBodyLimit, Read allows DefaultMaxBody.
func TestReadDefaultLimit(t *testing.T) {
	fits := `{"name":"` + strings.Repeat("a", DefaultMaxBody-11) + `"}`
	var v request
	require.NoError(t, Read(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(fits)), &v))
	err := Read(httptest.NewRecorder(), httptest.NewRequest("POST", "/", strings.NewReader(fits+" ")), &v)
	var e *Error
	require.ErrorAs(t, err, &e, "white space counts toward the limit")
	require.Equal(t, http.StatusRequestEntityTooLarge, e.Status)
}

func TestWrite(t *testing.T) {
	rec := httptest.NewRecorder()
	require.NoError(t, Write(rec, http.StatusCreated, struct {
		Message string `json:"message"`
		Tag     string `json:"tag"`
	}{"made", "<b>"}))
	require.Equal(t, http.StatusCreated, rec.Code)
	require.Equal(t, "application/json", rec.Header().Get("Content-Type"))
	require.Equal(t, "no-store", rec.Header().Get("Cache-Control"))
	require.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	require.Equal(t, "{\n  \"message\": \"made\",\n  \"tag\": \"\\u003cb\\u003e\"\n}\n", rec.Body.String())

	rec = httptest.NewRecorder()
	require.Error(t, Write(rec, http.StatusOK, map[string]any{"c": make(chan int)}))
	require.False(t, rec.Flushed)
	require.Empty(t, rec.Body.String(), "nothing written when the value does not encode")
	require.Empty(t, rec.Header().Get("Content-Type"))
}

// testMux has one route of each kind the APIs use.
func testMux(log *slog.Logger) *Mux {
	m := NewMux(Options{Logger: log, MaxBody: 32})
	m.Handle("GET /items", func(w http.ResponseWriter, r *http.Request) error {
		return Write(w, http.StatusOK, []string{"a"})
	})
	m.Handle("POST /items", func(w http.ResponseWriter, r *http.Request) error {
		var req request
		if err := Read(w, r, &req); err != nil {
			return err
		}
		return Write(w, http.StatusCreated, req)
	})
	m.Handle("POST /big", func(w http.ResponseWriter, r *http.Request) error {
		var req request
		if err := Read(w, r, &req); err != nil {
			return err
		}
		return Write(w, http.StatusCreated, req)
	}, BodyLimit(1<<10))
	m.Handle("GET /items/{id}", func(w http.ResponseWriter, r *http.Request) error {
		if r.PathValue("id") != "1" {
			return Errorf(http.StatusNotFound, "unknown-item", "no item %s", r.PathValue("id"))
		}
		return Write(w, http.StatusOK, "one")
	})
	m.Handle("DELETE /items/{id}", func(w http.ResponseWriter, r *http.Request) error { return nil })
	m.Handle("GET /secret", func(w http.ResponseWriter, r *http.Request) error {
		return errors.New("database on fire at /var/db/secret.db")
	})
	m.Handle("GET /rule", func(w http.ResponseWriter, r *http.Request) error {
		e := RuleError(http.StatusBadRequest, "high-hash", errors.New("chain: block hash is above the target"))
		e.Have, e.Want = "ff", "≤ 0f"
		return e
	})
	m.Handle("GET /panic", func(w http.ResponseWriter, r *http.Request) error { panic("boom at /var/db") })
	m.Handle("GET /late", func(w http.ResponseWriter, r *http.Request) error {
		_ = Write(w, http.StatusOK, "half")
		return errors.New("failed after answering")
	})
	m.Handle("GET /unencodable", func(w http.ResponseWriter, r *http.Request) error {
		return Write(w, http.StatusOK, map[string]any{"c": make(chan int)})
	})
	m.Handle("/any", func(w http.ResponseWriter, r *http.Request) error { return Write(w, http.StatusOK, r.Method) })
	m.Handle("GET /status-out-of-range", func(w http.ResponseWriter, r *http.Request) error {
		return New(http.StatusOK, "weird", "an *Error with a 2xx status is a bug")
	})
	return m
}

func TestMux(t *testing.T) {
	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		code                     string // error answers
		allow                    string // 405
		logged                   string // a line the log must have
	}{
		{name: "GET", method: "GET", path: "/items", status: 200},
		{name: "HEAD of a GET route", method: "HEAD", path: "/items", status: 200},
		{name: "POST", method: "POST", path: "/items", body: `{"name":"a"}`, status: 201},
		{name: "wildcard", method: "GET", path: "/items/1", status: 200},
		{name: "handler's 404", method: "GET", path: "/items/2", status: 404, code: "unknown-item"},
		{name: "any method", method: "PATCH", path: "/any", status: 200},
		{name: "wrong method", method: "PUT", path: "/items", status: 405, code: CodeMethodNotAllowed, allow: "GET, HEAD, POST"},
		{name: "wrong method, wildcard", method: "POST", path: "/items/1", status: 405, code: CodeMethodNotAllowed, allow: "DELETE, GET, HEAD"},
		{name: "unknown path", method: "GET", path: "/nothing", status: 404, code: CodeNotFound},
		{name: "unknown path under a route", method: "GET", path: "/items/1/more", status: 404, code: CodeNotFound},
		{name: "trailing slash", method: "GET", path: "/items/", status: 404, code: CodeNotFound},
		{name: "root", method: "GET", path: "/", status: 404, code: CodeNotFound},
		{name: "body over the Mux's limit", method: "POST", path: "/items", body: `{"name":"` + strings.Repeat("a", 32) + `"}`, status: 413, code: CodeBodyTooLarge},
		{name: "route's own limit", method: "POST", path: "/big", body: `{"name":"` + strings.Repeat("a", 32) + `"}`, status: 201},
		{name: "unknown field", method: "POST", path: "/items", body: `{"colour":1}`, status: 400, code: CodeUnknownField},
		{name: "empty body", method: "POST", path: "/items", status: 400, code: CodeEmptyBody},
		{name: "internal error", method: "GET", path: "/secret", status: 500, code: CodeInternal, logged: "database on fire"},
		{name: "panic", method: "GET", path: "/panic", status: 500, code: CodeInternal, logged: "boom at /var/db"},
		{name: "unencodable answer", method: "GET", path: "/unencodable", status: 500, code: CodeInternal, logged: "chan int"},
		{name: "error after answering", method: "GET", path: "/late", status: 200, logged: "failed after answering"},
		{name: "error with a 2xx status", method: "GET", path: "/status-out-of-range", status: 500, code: CodeInternal, logged: "an *Error with a 2xx status"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log, buf := logBuffer()
			rec := do(t, testMux(log), tc.method, tc.path, tc.body)
			require.Equal(t, tc.status, rec.Code, "%s", rec.Body)
			require.Equal(t, "application/json", rec.Header().Get("Content-Type"), "every answer is JSON")
			require.Equal(t, tc.allow, rec.Header().Get("Allow"))
			if tc.code != "" {
				e := errorOf(t, rec)
				require.Equal(t, tc.code, e.Code)
				require.Empty(t, e.Rule, "not a rule")
				if tc.status == 500 {
					require.Equal(t, internalBody, e, "a 500 tells the client nothing")
				}
			}
			if tc.logged != "" {
				require.Contains(t, buf.String(), tc.logged, "the real error is in the log")
				require.Contains(t, buf.String(), tc.path)
			}
		})
	}
}

// A rule error carries its code twice, as code and rule, with its numbers.
func TestRuleErrorBody(t *testing.T) {
	rec := do(t, testMux(nil), "GET", "/rule", "")
	require.Equal(t, http.StatusBadRequest, rec.Code)
	e := errorOf(t, rec)
	require.Equal(t, ErrorBody{Error: "chain: block hash is above the target", Code: "high-hash", Rule: "high-hash", Have: "ff", Want: "≤ 0f"}, e)
}

// http.ServeMux alone answers 404 and 405 in text/plain: the Mux must not.
func TestServeMuxAloneIsNotJSON(t *testing.T) {
	m := http.NewServeMux()
	m.HandleFunc("GET /items", func(http.ResponseWriter, *http.Request) {})
	rec := do(t, m, "POST", "/items", "")
	require.Equal(t, http.StatusMethodNotAllowed, rec.Code)
	require.NotEqual(t, "application/json", rec.Header().Get("Content-Type"), "if this fails, the Mux's own 405 may no longer be needed")
}

func TestWriteErrorLogsOnlyInternal(t *testing.T) {
	log, buf := logBuffer()
	r := httptest.NewRequest("GET", "/x", nil)
	rec := httptest.NewRecorder()
	WriteError(rec, r, log, Errorf(http.StatusBadRequest, CodeBadJSON, "bad: %w", io.ErrUnexpectedEOF))
	require.Equal(t, http.StatusBadRequest, rec.Code)
	require.Empty(t, buf.String(), "a client's mistake is not logged")

	rec = httptest.NewRecorder()
	WriteError(rec, r, log, Errorf(http.StatusBadGateway, CodePeerUnreachable, "peer http://p unreachable"))
	require.Equal(t, http.StatusBadGateway, rec.Code)
	require.Equal(t, CodePeerUnreachable, errorOf(t, rec).Code)
	require.Contains(t, buf.String(), "level=WARN")

	// An *Error wrapped by another layer is still found.
	rec = httptest.NewRecorder()
	WriteError(rec, r, nil, errors.Join(errors.New("context"), New(http.StatusConflict, CodeRoomExists, "exists")))
	require.Equal(t, http.StatusConflict, rec.Code)
}

func TestErrorUnwraps(t *testing.T) {
	e := Errorf(http.StatusBadRequest, CodeBadJSON, "read: %w", io.ErrUnexpectedEOF)
	require.ErrorIs(t, e, io.ErrUnexpectedEOF)
	require.Equal(t, "read: unexpected EOF", e.Error())
	r := RuleError(http.StatusBadRequest, "overspend", io.EOF)
	require.ErrorIs(t, r, io.EOF)
	require.Equal(t, "overspend", r.Body().Rule)
}

func TestCodes(t *testing.T) {
	seen := map[string]bool{}
	re := regexp.MustCompile(`^[a-z]+(-[a-z]+)*$`)
	for _, c := range Codes {
		require.Regexp(t, re, c)
		require.False(t, seen[c], "code %s twice", c)
		seen[c] = true
	}
}

func TestHandlePanicsOnBadPatterns(t *testing.T) {
	m := NewMux(Options{})
	ok := func(http.ResponseWriter, *http.Request) error { return nil }
	m.Handle("GET /a", ok)
	require.Panics(t, func() { m.Handle("GET /a", ok) }, "duplicate")
	require.Panics(t, func() { m.Handle("/", ok) }, "the Mux's own 404")
	require.Panics(t, func() { m.Handle("GET a", ok) }, "no slash")
	require.Panics(t, func() { m.Handle("GET /a b", ok) }, "three words")
	require.NotPanics(t, func() { m.Handle("POST /a", ok) })
}

// Codes lists every Code* constant of codes.go.
func TestCodesListsEveryConstant(t *testing.T) {
	f, err := parser.ParseFile(token.NewFileSet(), "codes.go", nil, 0)
	require.NoError(t, err)
	var consts []string
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, s := range g.Specs {
			for _, v := range s.(*ast.ValueSpec).Values {
				lit := v.(*ast.BasicLit)
				c, err := strconv.Unquote(lit.Value)
				require.NoError(t, err)
				consts = append(consts, c)
			}
		}
	}
	require.ElementsMatch(t, consts, Codes)
}
