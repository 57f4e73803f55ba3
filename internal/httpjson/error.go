package httpjson

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
)

// Error is an answer a handler chose: an HTTP status (4xx or 5xx), a
// stable code and a sentence. Return one from a HandlerFunc, or pass it to
// WriteError. Anything else that reaches WriteError is an internal error.
type Error struct {
	Status  int    // the HTTP status, 400 to 599
	Code    string // one of the Code* constants, or a rule's code
	Message string // the English sentence of "error"
	// Rule says Code is a consensus or policy rule's code: the body then
	// carries it as "rule" too.
	Rule bool
	// Field is the request field concerned (unknown-field, wrong-type,
	// missing-field), if any.
	Field string
	// Have and Want are a broken rule's numbers as text, if it has them.
	Have, Want string
	// Err is the cause, kept for errors.Is and errors.As; Message already
	// says it in words.
	Err error
}

// Error returns the message.
func (e *Error) Error() string { return e.Message }

// Unwrap returns the cause.
func (e *Error) Unwrap() error { return e.Err }

// Body returns the JSON answer of e.
func (e *Error) Body() ErrorBody {
	b := ErrorBody{Error: e.Message, Code: e.Code, Field: e.Field, Have: e.Have, Want: e.Want}
	if e.Rule {
		b.Rule = e.Code
	}
	return b
}

// ErrorBody is the JSON of every error answer.
type ErrorBody struct {
	// Error says what went wrong, in English, for people and logs; never
	// parse it.
	Error string `json:"error"`
	// Code is the stable name of the problem: a Code* constant or a rule's
	// code. Every error answer has one.
	Code string `json:"code"`
	// Rule is the code again when the problem is a consensus or policy
	// rule ("high-hash", "overspend", …), so DESIGN.md's {"error", "rule"}
	// clients keep working; empty otherwise.
	Rule string `json:"rule,omitempty"`
	// Field names the request field concerned, if any.
	Field string `json:"field,omitempty"`
	// Have and Want are a broken rule's numbers, when it has them.
	Have string `json:"have,omitempty"`
	Want string `json:"want,omitempty"`
}

// New returns an *Error with a fixed message.
func New(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// Errorf returns an *Error whose message is fmt.Sprintf(format, args...);
// a %w verb makes its operand the cause, as with fmt.Errorf.
func Errorf(status int, code, format string, args ...any) *Error {
	err := fmt.Errorf(format, args...)
	return &Error{Status: status, Code: code, Message: err.Error(), Err: err}
}

// FieldError returns an *Error about one request field.
func FieldError(status int, code, field, message string) *Error {
	return &Error{Status: status, Code: code, Field: field, Message: message}
}

// Wrap returns an *Error for err: its message is err's text, its cause
// err.
func Wrap(status int, code string, err error) *Error {
	return &Error{Status: status, Code: code, Message: err.Error(), Err: err}
}

// RuleError is Wrap for an err that broke the consensus or policy rule
// named code: the body carries code as both code and rule.
func RuleError(status int, code string, err error) *Error {
	e := Wrap(status, code, err)
	e.Rule = true
	return e
}

// internalBody is the only thing a client learns of an internal error.
var internalBody = ErrorBody{Error: "internal error", Code: CodeInternal}

// WriteError answers err. An *Error (anywhere in err's chain) is sent
// with its status and body; a 5xx one is also logged at level Warn. Any
// other error is logged at level Error with the request's method and
// path, and the client gets 500 {"error": "internal error", "code":
// "internal"}. log may be nil (nothing is logged).
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	log = orDiscard(log)
	var e *Error
	if !errors.As(err, &e) || e.Status < 400 || e.Status > 599 {
		log.Error("httpjson: internal error", "method", r.Method, "path", r.URL.Path, "err", err)
		writeBody(w, http.StatusInternalServerError, internalBody)
		return
	}
	if e.Status >= 500 {
		log.Warn("httpjson: "+http.StatusText(e.Status), "method", r.Method, "path", r.URL.Path, "code", e.Code, "err", e.Message)
	}
	writeBody(w, e.Status, e.Body())
}

// writeBody writes an ErrorBody, which always encodes.
func writeBody(w http.ResponseWriter, status int, b ErrorBody) {
	_ = Write(w, status, b)
}

// orDiscard returns log, or a logger that discards everything.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
