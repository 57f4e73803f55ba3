package web

import "context"

// assetURL is the URL of the static asset name (a file of web/static or
// of Config.Assets) on the pages.
func assetURL(_ context.Context, name string) string { return "/static/" + name }
