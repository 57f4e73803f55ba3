package node

import "net/http"

// HTTPClient sends the HTTP requests of a node: to the tutorials' peers
// (httppeers.go) and to the room API (FetchRoomWith). *http.Client is
// one. A browser tab passes one that goes through the browser's fetch, so
// its program does not carry Go's own HTTP transport (TLS, HTTP/2: most of
// its size).
type HTTPClient interface {
	Do(*http.Request) (*http.Response, error)
}

// DefaultHTTPClient returns the client a node uses when Config.HTTPClient
// is not set: an *http.Client with a 30-second timeout; under GOOS=js,
// none (every request fails with ErrPeerUnreachable), since a tab passes
// its own.
func DefaultHTTPClient() HTTPClient { return defaultHTTPClient() }
