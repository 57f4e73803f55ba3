//go:build !js

package main

import (
	"net/http"

	"github.com/chainplay/chainplay/internal/httpjson"
	"github.com/chainplay/chainplay/web"
	"github.com/chainplay/chainplay/web/i18n"
)

// The board's language: a teacher who projects the board to a class can
// fix the language it is shown in, whatever the browser that shows it
// picked (the room's record keeps it; students' pages keep their own).
//
//	POST /api/rooms/{room}/language   teacher: {"lang": "zh-CN"} fixes the
//	                                  board's language, {"lang": ""} lets it
//	                                  follow each viewer → {"lang"}

// languageRequest is the body of POST /api/rooms/{room}/language.
type languageRequest struct {
	Lang *string `json:"lang"`
}

func (s *server) setBoardLanguage(w http.ResponseWriter, r *http.Request, room string) error {
	var req languageRequest
	if err := httpjson.Read(w, r, &req); err != nil {
		return err
	}
	if req.Lang == nil {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeMissingField, "lang", `lang: want a language tag such as "zh-CN", or "" to follow each viewer`)
	}
	if tag := *req.Lang; tag != "" && !boardLanguage(tag) {
		return httpjson.FieldError(http.StatusBadRequest, httpjson.CodeBadParams, "lang", "lang "+tag+": not a language of this server (see the picker)")
	}
	rec, err := s.reg.update(room, func(rec *roomRecord) error {
		rec.BoardLang = *req.Lang
		return nil
	})
	if err != nil {
		return err
	}
	s.cfg.Logger.Info("chainplay: board language", "room", room, "lang", rec.BoardLang)
	return httpjson.Write(w, http.StatusOK, map[string]string{"lang": rec.BoardLang})
}

// boardLanguage reports whether tag names a language the pages are in
// (the pseudo-locale is for testing layouts, not for a class).
func boardLanguage(tag string) bool {
	b, err := web.Languages()
	return err == nil && tag != i18n.Pseudo && b.Catalog(tag) != nil
}

// roomLanguage is web.Config.BoardLanguage: the language the teacher
// fixed for room's board, or "".
func (s *server) roomLanguage(room string) string {
	rec, _, err := s.reg.get(room)
	if err != nil {
		return ""
	}
	return rec.BoardLang
}
