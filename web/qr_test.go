package web

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"testing"

	"github.com/skip2/go-qrcode"
	"github.com/stretchr/testify/require"
)

// modules reads back the dark modules of qrSVG's drawing.
func modules(t *testing.T, svg string) (n int, dark map[[2]int]bool) {
	t.Helper()
	m := regexp.MustCompile(`viewBox="0 0 (\d+) (\d+)"`).FindStringSubmatch(svg)
	require.NotNil(t, m, svg)
	n, _ = strconv.Atoi(m[1])
	dark = map[[2]int]bool{}
	for _, r := range regexp.MustCompile(`M(\d+) (\d+)h(\d+)v1h-(\d+)z`).FindAllStringSubmatch(svg, -1) {
		x, _ := strconv.Atoi(r[1])
		y, _ := strconv.Atoi(r[2])
		w, _ := strconv.Atoi(r[3])
		for i := range w {
			dark[[2]int{x + i, y}] = true
		}
	}
	return n, dark
}

// TestQRCodeOfTheRoom: /r/ROOM/qr.svg draws exactly the QR code of the
// room's address as Config.RoomURL gives it.
func TestQRCodeOfTheRoom(t *testing.T) {
	h, err := NewHandler(Config{
		RoomConfig: func(context.Context, string) ([]byte, error) { return []byte(`{}`), nil },
		RoomURL:    func(r *http.Request, room string) string { return "http://10.1.2.3:8080/r/" + room },
	})
	require.NoError(t, err)
	code, body, hdr := get(t, h, "/r/class-7b/qr.svg")
	require.Equal(t, http.StatusOK, code)
	require.Equal(t, "image/svg+xml", hdr.Get("Content-Type"))
	n, dark := modules(t, body)
	q, err := qrcode.New("http://10.1.2.3:8080/r/class-7b", qrcode.Medium)
	require.NoError(t, err)
	want := q.Bitmap()
	require.Equal(t, len(want), n)
	for y, row := range want {
		for x, on := range row {
			require.Equal(t, on, dark[[2]int{x, y}], fmt.Sprintf("module %d,%d", x, y))
		}
	}
	code, _, _ = get(t, h, "/r/Bad%20Room/qr.svg")
	require.Equal(t, http.StatusBadRequest, code)
}
