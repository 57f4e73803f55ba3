//go:build !js

package node

import (
	"net/http"
	"time"
)

func defaultHTTPClient() HTTPClient { return &http.Client{Timeout: 30 * time.Second} }
