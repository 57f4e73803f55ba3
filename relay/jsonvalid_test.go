package relay

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

var jsonSeeds = []string{
	`{}`, `[]`, `{"a":[1,2,{"b":null}],"c":"d\"e\\f\u00e9\n"}`, ` [ true , false , null ] `, `"x"`, `0`, `-0.5e+10`, `1E3`,
	`01`, `1.`, `.5`, `-`, `1e`, `+1`, `[1,]`, `{"a":1,}`, `{"a"}`, `{"a" 1}`, `{1:2}`, `[`, `]`, `{"a":1}}`, `"\x01"`,
	`"\u12G4"`, `"\q"`, "\"\xff\"", `tru`, `nulls`, `{"type":"x","body":{"seq":1,"pad":"xxxx"}}`, ``, ` `, `[] []`,
	`"0123456789abcdef\"tail"`, `"0123456789abcd\\efghijklmnop"`, "\"0123456789\x1fabcdefghij\"", `"ééééééééééé"`,
	`{"k":"0123456789abcdefghijklmnopqrstuv","l":["0123456789abcdefg\u00e9hijklmnop"]}`, "\"0123456\x7f89abcdefgh\"",
	strings.Repeat("[", maxJSONDepth) + strings.Repeat("]", maxJSONDepth),
	strings.Repeat("[", maxJSONDepth+1) + strings.Repeat("]", maxJSONDepth+1),
	strings.Repeat("[", maxJSONDepth-1) + "{}" + strings.Repeat("]", maxJSONDepth-1),
	strings.Repeat("[", maxJSONDepth) + "{}" + strings.Repeat("]", maxJSONDepth),
	strings.Repeat(`{"a":`, maxJSONDepth) + "1" + strings.Repeat("}", maxJSONDepth),
}

func TestValidJSONMatchesEncodingJSON(t *testing.T) {
	for _, s := range jsonSeeds {
		require.Equal(t, json.Valid([]byte(s)), validJSON([]byte(s)), "%.80q", s)
	}
	require.True(t, validJSON([]byte(jsonSeeds[2])))
	require.False(t, validJSON([]byte(`01`)))
}

// FuzzValidJSON: validJSON and encoding/json.Valid agree on every input.
func FuzzValidJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		if len(s) < 1000 {
			f.Add([]byte(s))
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if got, want := validJSON(data), json.Valid(data); got != want {
			t.Fatalf("%q: validJSON %v, encoding/json %v", data, got, want)
		}
	})
}

func BenchmarkValidJSON(b *testing.B) {
	frame := []byte(`{"type":"block","body":{"seq":7,"pad":"` + strings.Repeat("x", 48<<10-64) + `"}}`)
	b.Run("encoding/json", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		for range b.N {
			json.Valid(frame)
		}
	})
	b.Run("validJSON", func(b *testing.B) {
		b.SetBytes(int64(len(frame)))
		for range b.N {
			validJSON(frame)
		}
	})
}
