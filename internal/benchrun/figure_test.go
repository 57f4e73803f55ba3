package benchrun

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestTargetIsCheckedOnTheMedian(t *testing.T) {
	// One sample beats the target; the median does not.
	f := NewFigure("p99", "ms", []float64{4, 6, 7, 9, 12}, Below(5))
	require.Equal(t, 7.0, f.Median)
	require.NotNil(t, f.Pass)
	require.False(t, *f.Pass)
	// The median meets it although the worst sample does not.
	f = NewFigure("p99", "ms", []float64{3, 4, 4.5, 9, 12}, Below(5))
	require.True(t, *f.Pass)
	// No samples: no verdict.
	require.Nil(t, NewFigure("p99", "ms", nil, Below(5)).Pass)
}

func TestTargetMet(t *testing.T) {
	for _, tc := range []struct {
		t    Target
		x    float64
		want bool
	}{
		{Target{"<", 5}, 4.99, true}, {Target{"<", 5}, 5, false},
		{Target{"<=", 5}, 5, true}, {Target{"<=", 5}, 5.01, false},
		{Target{">", 2}, 2, false}, {Target{">", 2}, 2.1, true},
		{Target{">=", 2.5}, 2.5, true}, {Target{">=", 2.5}, 2.49, false},
		{Target{"=", 1}, 1, false},
	} {
		require.Equal(t, tc.want, tc.t.Met(tc.x), "%v %v", tc.t, tc.x)
	}
}

func TestTargetJSON(t *testing.T) {
	for _, tc := range []struct {
		t    Target
		json string
		text string
	}{
		{Target{"<", 5}, `"<5"`, "< 5"},
		{Target{">=", 2.5}, `">=2.5"`, "≥ 2.5"},
		{Target{"<=", 24}, `"<=24"`, "≤ 24"},
	} {
		b, err := json.Marshal(tc.t)
		require.NoError(t, err)
		require.JSONEq(t, tc.json, string(b))
		require.Equal(t, tc.text, tc.t.String())
		var back Target
		require.NoError(t, json.Unmarshal(b, &back))
		require.Equal(t, tc.t, back)
	}
	var bad Target
	require.Error(t, json.Unmarshal([]byte(`"~5"`), &bad))
	require.Error(t, json.Unmarshal([]byte(`"<five"`), &bad))
}

func TestFigureJSONFields(t *testing.T) {
	f := Absolute("import 10,000 blocks", "s", []float64{1.2, 0.9, 1.0, 1.1, 0.95}, Below(1))
	b, err := json.Marshal(f)
	require.NoError(t, err)
	require.JSONEq(t, `{"figure":"import 10,000 blocks","unit":"s","median":1,"min":0.9,"max":1.2,"samples":5,
		"target":"<1","pass":false,"this_machine":true}`, string(b))
}

func TestFmtNum(t *testing.T) {
	for x, want := range map[float64]string{0: "0", 1234.6: "1235", 123.45: "123.5", 2.345: "2.35", 0.0123: "0.012", 0.00012: "0.00012", -3.5: "-3.50"} {
		require.Equal(t, want, fmtNum(x), "%v", x)
	}
}
