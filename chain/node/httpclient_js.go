//go:build js

package node

import (
	"fmt"
	"net/http"
)

// noHTTPClient is a tab's default: the tab passes a client of its own
// (Config.HTTPClient, RoomJoinConfigWith), so that the program does not
// carry Go's HTTP transport.
type noHTTPClient struct{}

func (noHTTPClient) Do(req *http.Request) (*http.Response, error) {
	return nil, fmt.Errorf("%w: %s %s: no HTTP client in this build (set Config.HTTPClient)", ErrPeerUnreachable, req.Method, req.URL)
}

func defaultHTTPClient() HTTPClient { return noHTTPClient{} }
