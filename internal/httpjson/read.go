package httpjson

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strconv"
	"strings"
)

// DefaultMaxBody bounds a request body when neither the Mux nor the route
// sets a limit.
const DefaultMaxBody = 1 << 20

// limitKey is the context key of a request's body limit (set by Mux).
type limitKey struct{}

// WithBodyLimit returns r with its body limit for Read set to n bytes.
// Mux does this for every request; call it when using Read without a Mux.
func WithBodyLimit(r *http.Request, n int64) *http.Request {
	return r.WithContext(context.WithValue(r.Context(), limitKey{}, n))
}

// bodyLimit is r's body limit: WithBodyLimit's, or DefaultMaxBody.
func bodyLimit(r *http.Request) int64 {
	if n, ok := r.Context().Value(limitKey{}).(int64); ok && n > 0 {
		return n
	}
	return DefaultMaxBody
}

// Read decodes the request body, which must be one JSON object, into v
// (a pointer). It refuses, with an *Error and v possibly half filled:
//   - no body, or only white space: 400 empty-body;
//   - more bytes than the request's limit: 413 body-too-large;
//   - not JSON, or JSON that is not an object, or anything but white
//     space after the object: 400 bad-json;
//   - a field v's type does not have: 400 unknown-field, naming it;
//   - a value of the wrong type: 400 wrong-type, naming the field.
//
// An error from v's own UnmarshalJSON is returned as 400 bad-json with
// that error as its cause, for the caller to map (a consensus rule, say).
func Read(w http.ResponseWriter, r *http.Request, v any) error {
	ok, err := ReadOptional(w, r, v)
	if err == nil && !ok {
		return New(http.StatusBadRequest, CodeEmptyBody, "the request needs a JSON object as its body")
	}
	return err
}

// ReadOptional is Read for an endpoint that also accepts no body: then it
// reports false, leaves v alone and returns nil.
func ReadOptional(w http.ResponseWriter, r *http.Request, v any) (bool, error) {
	if r.Body == nil {
		return false, nil
	}
	limit := bodyLimit(r)
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return false, Errorf(http.StatusRequestEntityTooLarge, CodeBodyTooLarge, "the body is larger than %d bytes, this endpoint's limit", limit)
		}
		return false, Errorf(http.StatusBadRequest, CodeBadJSON, "could not read the body: %w", err)
	}
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return false, nil
	}
	if data[0] != '{' {
		return false, New(http.StatusBadRequest, CodeBadJSON, "the body must be a JSON object {…}")
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return false, decodeError(err, reflect.TypeOf(v))
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return false, New(http.StatusBadRequest, CodeBadJSON, "the body has data after its JSON object: send one object")
	}
	return true, nil
}

// decodeError turns a json.Decoder error, decoding into a value of type
// t, into an *Error.
func decodeError(err error, t reflect.Type) *Error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return Errorf(http.StatusBadRequest, CodeBadJSON, "the body is not valid JSON: %w (at byte %d)", err, syntax.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return Errorf(http.StatusBadRequest, CodeBadJSON, "the body is not valid JSON: %w", err)
	case errors.As(err, &typ):
		field := jsonPath(t, typ.Field)
		name := field
		if name == "" {
			name = "(the body)"
		}
		e := Errorf(http.StatusBadRequest, CodeWrongType, "field %q: want %s, have %s", name, kindOf(typ.Type), typ.Value)
		e.Field, e.Err = field, err
		return e
	}
	// encoding/json has no type for this one: `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), `json: unknown field `); ok {
		if u, uerr := strconv.Unquote(name); uerr == nil {
			name = u
		}
		e := Errorf(http.StatusBadRequest, CodeUnknownField, "unknown field %q: this endpoint does not take it", name)
		e.Field, e.Err = name, err
		return e
	}
	return Errorf(http.StatusBadRequest, CodeBadJSON, "bad JSON body: %w", err)
}

// jsonPath turns encoding/json's path of a field ("a.b"), which names an
// embedded struct by its Go type ("paramsRequest.difficulty"), into the
// path a client wrote ("difficulty"), walking t.
func jsonPath(t reflect.Type, path string) string {
	if path == "" {
		return ""
	}
	var out []string
	for _, seg := range strings.Split(path, ".") {
		t = elem(t)
		if t == nil || t.Kind() != reflect.Struct {
			out, t = append(out, seg), nil
			continue
		}
		f, ok := t.FieldByName(seg)
		if ok && f.Anonymous && f.Tag.Get("json") == "" {
			t = f.Type // an embedded struct: its fields are the parent's
			continue
		}
		out, t = append(out, seg), fieldByJSONName(t, seg)
	}
	return strings.Join(out, ".")
}

// fieldByJSONName is the type of t's field that JSON calls name, or nil.
func fieldByJSONName(t reflect.Type, name string) reflect.Type {
	for _, f := range reflect.VisibleFields(t) {
		tag, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if tag == name || (tag == "" && strings.EqualFold(f.Name, name)) {
			return f.Type
		}
	}
	return nil
}

// elem strips pointers, slices, arrays and maps down to the element type.
func elem(t reflect.Type) reflect.Type {
	for t != nil {
		switch t.Kind() {
		case reflect.Pointer, reflect.Slice, reflect.Array, reflect.Map:
			t = t.Elem()
		default:
			return t
		}
	}
	return nil
}

// kindOf says what JSON a Go type wants, in words.
func kindOf(t reflect.Type) string {
	if t == nil {
		return "another type"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number ≥ 0 that fits " + t.Kind().String()
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return "a whole number that fits " + t.Kind().String()
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return fmt.Sprintf("a %s", t)
}
