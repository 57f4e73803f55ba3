package web

import (
	"encoding/json"
	"io"
	"net/http"
	"regexp"
)

// fragmentRE is what a link's fragment may be: "seat=" and a 64-hex-digit
// seat key (a PBFT room's seat link, read by boot.js).
var fragmentRE = regexp.MustCompile(`^seat=[0-9a-f]{64}$`)

// linkRequest and linkResponse are the body and answer of POST
// /r/{room}/link.
type linkRequest struct {
	Fragment string `json:"fragment"`
}

type linkResponse struct {
	URL string `json:"url"`
	SVG string `json:"svg"` // a QR code of URL
}

// serveLink answers POST /r/{room}/link: the room's address (roomURL)
// with the request's fragment, and a QR code of it. The server keeps
// nothing; the fragment never reaches a server in a URL, since browsers
// do not send fragments.
func serveLink(w http.ResponseWriter, r *http.Request, roomURL func(*http.Request, string) string) {
	room := r.PathValue("room")
	if !ValidRoom(room) {
		http.Error(w, badRoomName, http.StatusBadRequest)
		return
	}
	var req linkRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1024)).Decode(&req); err != nil || !fragmentRE.MatchString(req.Fragment) {
		http.Error(w, `want {"fragment": "seat=" and 64 hex digits}`, http.StatusBadRequest)
		return
	}
	url := roomURL(r, room) + "#" + req.Fragment
	svg, err := qrSVG(url)
	if err != nil {
		http.Error(w, "could not draw the QR code", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_ = json.NewEncoder(w).Encode(linkResponse{URL: url, SVG: string(svg)})
}
