package httpjson

import (
	"encoding/json"
	"fmt"
	"net/http"
)

// Write sends v as JSON, indented by two spaces and ending in a newline,
// with status, Content-Type application/json and Cache-Control no-store.
// It encodes v before writing anything, so when v can't be encoded it
// returns the error and the response is still untouched (a HandlerFunc
// returns it and the client gets a 500). Errors writing to the client
// (gone away) are not reported: there is no one left to answer.
func Write(w http.ResponseWriter, status int, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("httpjson: encode %T: %w", v, err)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}
