package mongo

import (
	"bytes"
	"encoding/json"
	"math"
	"math/rand/v2"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
)

// TestBodyRoundTrip: a body written as compact encoding/json output reads
// back as the very same bytes, through BSON as the driver encodes it.
func TestBodyRoundTrip(t *testing.T) {
	bodies := []string{
		`{}`,
		`{"a":1}`,
		`{"big":9223372036854775807,"neg":-9223372036854775808,"f":2.5,"tiny":1e-7,"huge":1e+300,"z":0,"m":-1,"g":1e+21,"h":123456789012345680000,"p":0.000001,"q":-0.0000012}`,
		`{"s":"é日本🚀","q":"\"quoted\" \\ back","ctl":"\n\t\r\u0001\u001f\b\f","html":"<script>&</script>","ls":"a\u2028b\u2029c","empty":""}`,
		`{"t":true,"f":false,"n":null,"o":{},"a":[],"deep":{"a":{"b":{"c":{"d":{"e":[1,{"f":null}]}}}}}}`,
		`{"ÿ":1,"key with space":2,"":3,"z":1,"a":2}`,
		`{"aa":[[1,2],[],[[3]]]}`,
	}
	for _, want := range bodies {
		if got := roundTrip(t, want); got != want {
			t.Errorf("%s read back as %s", want, got)
		}
	}
}

func roundTrip(t *testing.T, body string) string {
	t.Helper()
	members, err := jsonMembers([]byte(body))
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	raw, err := bson.Marshal(members)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	got, err := appendObject(nil, raw, nil)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return string(got)
}

// TestEncodingJSONAgrees: strings and numbers are written as
// encoding/json writes them (HTML escaping off), for random values.
func TestEncodingJSONAgrees(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	runes := []rune{'a', 'é', '日', '🚀', '"', '\\', '<', '&', '\n', 0, 0x1f, 0x7f, '\u2028', '\u2029', '\ufffd'}
	for range 2000 {
		var s []byte
		for range r.IntN(12) {
			if r.IntN(10) == 0 {
				s = append(s, byte(0x80+r.IntN(0x80))) // invalid UTF-8
				continue
			}
			s = append(s, string(runes[r.IntN(len(runes))])...)
		}
		f := math.Float64frombits(r.Uint64())
		if math.IsNaN(f) || math.IsInf(f, 0) {
			f = r.NormFloat64() * math.Pow(10, float64(r.IntN(60)-30))
		}
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode([]any{string(s), f}); err != nil {
			t.Fatal(err)
		}
		got := append(appendString([]byte("["), string(s)), ',')
		got, err := appendFloat(got, f)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, "]\n"...)
		if !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("%q %v: got %s, want %s", s, f, got, want.Bytes())
		}
	}
}

// TestDatesReadAsTimes: a BSON date (the old layout's APPC state) reads
// as a JSON string json.Unmarshal reads into the same time.Time.
func TestDatesReadAsTimes(t *testing.T) {
	at := time.Date(2019, 1, 2, 3, 4, 5, 6_000_000, time.UTC)
	raw, err := bson.Marshal(bson.D{{Key: "t", Value: at}, {Key: "i", Value: int32(7)}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendObject(nil, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != `{"t":"2019-01-02T03:04:05.006Z","i":7}` {
		t.Fatalf("read as %s", got)
	}
	var v struct{ T time.Time }
	if err := json.Unmarshal(got, &v); err != nil || !v.T.Equal(at) {
		t.Fatalf("%v %v", v.T, err)
	}
}
