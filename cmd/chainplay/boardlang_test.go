//go:build !js

package main

import (
	"io"
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/chainplay/chainplay/internal/httpjson"
)

// TestBoardLanguage: the teacher fixes the board's language; the board is
// then in it for every viewer (its picker disabled), students' room pages
// keep their own, and "" lets the board follow each viewer again. A
// language the server lacks, the pseudo-locale or a missing field is
// refused and changes nothing.
func TestBoardLanguage(t *testing.T) {
	ts := startServer(t, t.TempDir(), nil)
	class := ts.createRoom(t, "class", nil)
	auth := bearerOf(class.TeacherToken)
	page := func(path, accept string) string {
		req, err := http.NewRequest("GET", ts.http.URL+path, nil)
		require.NoError(t, err)
		req.Header.Set("Accept-Language", accept)
		resp, err := ts.http.Client().Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, resp.StatusCode)
		return string(b)
	}
	require.Contains(t, page("/r/class/board", "en"), `<html lang="en"`)

	for _, bad := range []struct {
		body any
		code string
	}{
		{map[string]any{"lang": "fr"}, httpjson.CodeBadParams},
		{map[string]any{"lang": "en-XA"}, httpjson.CodeBadParams},
		{map[string]any{}, httpjson.CodeMissingField},
	} {
		status, e := ts.callError(t, "POST", "/api/rooms/class/language", auth, bad.body, nil)
		require.Equal(t, http.StatusBadRequest, status, "%v", bad.body)
		require.Equal(t, bad.code, e.Code, "%v", bad.body)
	}
	require.Empty(t, ts.room(t, "class").BoardLang, "a refused language changed the room")

	var out map[string]string
	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/class/language", auth, map[string]any{"lang": "zh-CN"}, &out))
	require.Equal(t, "zh-CN", out["lang"])
	require.Equal(t, "zh-CN", ts.room(t, "class").BoardLang)
	board := page("/r/class/board", "en")
	require.Contains(t, board, `<html lang="zh-CN"`, "the board is in the teacher's language")
	require.Contains(t, board, `data-lang-fixed`)
	require.Contains(t, page("/r/class", "en"), `<html lang="en"`, "a student's page keeps the student's language")

	require.Equal(t, http.StatusOK, ts.call(t, "POST", "/api/rooms/class/language", auth, map[string]any{"lang": ""}, &out))
	require.Contains(t, page("/r/class/board", "en"), `<html lang="en"`, "the board follows each viewer again")
}
