// Package httpjson is the one JSON convention of Chainplay's REST APIs:
// chain/node's tutorial API and cmd/chainplay's room API both use it.
// It knows nothing of chains; callers map their own errors onto it.
//
// # Requests
//
// Read decodes a request body that must be exactly one JSON object:
// bounded in size (413 body-too-large beyond the limit), no field the
// target type does not declare (400 unknown-field, naming it), no second
// value after it (400 bad-json), and present (400 empty-body); ReadOptional
// is the same for endpoints that also accept no body at all. The
// Content-Type header is not checked, so `curl -d` works as the tutorials'
// readers type it. A type with its own UnmarshalJSON (a chain.Block) keeps
// its own rules for what is inside it; its error is returned wrapped in
// the *Error, so callers can still match it with errors.Is or errors.As.
//
// # Answers
//
// Write sends a value as indented JSON with Content-Type application/json
// and Cache-Control no-store (every answer is live state). An error
// answer is an ErrorBody:
//
//	{"error": "an English sentence", "code": "unknown-field", "field": "colour"}
//	{"error": "chain: block hash is above the target …", "code": "high-hash", "rule": "high-hash"}
//
// error is for people and logs and is never parsed; code is stable and is
// what clients branch on and translate (the Code* constants, or a
// consensus rule's code); rule repeats the code when the error is a
// consensus or policy rule, as DESIGN.md's {"error", "rule"} promises.
// An error that is not an *Error is a bug or an outage: its text goes to
// the log and the client gets 500 {"error": "internal error", "code":
// "internal"}, never the details.
//
// # Routing
//
// Mux routes "METHOD /path" patterns (http.ServeMux's syntax and
// precedence) to handlers that return an error. Unlike http.ServeMux,
// whose 404 and 405 are text/plain, it answers an unknown path with a JSON
// 404 not-found and a known path asked with another method with a JSON
// 405 method-not-allowed and the right Allow header. It also bounds every
// body (Options.MaxBody, or BodyLimit per route) and turns a panic into a
// logged 500, so one bad request can't stop a node in a browser tab.
package httpjson
