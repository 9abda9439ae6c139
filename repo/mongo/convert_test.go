package mongo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/x/mongo/driver"

	"github.com/nfv-records/nfv-records/models"
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
	return roundTripAt(t, body, 0)
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

// nested is a JSON object levels deep: {"a":{"a":...{"a":1}...}}.
func nested(levels int) string {
	return strings.Repeat(`{"a":`, levels-1) + `{"a":1}` + strings.Repeat("}", levels-1)
}

// TestUnstorableJSON: what MongoDB would refuse (or the driver fail to
// encode) is errUnstorable before anything is sent: not an object, a
// number beyond float64, the member names MongoDB refuses, nesting deeper
// than its 100 levels (counted from the stored document's top).
func TestUnstorableJSON(t *testing.T) {
	for _, tc := range []struct {
		body  string
		depth int
	}{
		{`[1]`, 0}, {`"x"`, 0}, {`null`, 0}, {``, 0}, {`{"a":1} {}`, 0}, {`{"a":1`, 0}, {`{"a":1,}`, 0},
		{`{"n":1e400}`, 0}, {`{"l":[-1e400]}`, 0},
		{`{"$x":1}`, 0}, {`{"o":{"$x":1}}`, 0}, {`{"l":[{"$x":1}]}`, 0},
		{`{"a.b":1}`, 0}, {`{"o":{".":1}}`, 0}, {`{"a\u0000b":1}`, 0}, {`{"o":{"\u0000":1}}`, 0},
		{nested(101), 0}, {nested(100), 1},
		{`{"l":` + strings.Repeat("[", 100) + strings.Repeat("]", 100) + `}`, 0},
		{strings.Repeat("[", 1_000_000), 0}, // no recursion that deep
	} {
		if _, err := jsonMembers([]byte(tc.body), tc.depth); !errors.Is(err, errUnstorable) {
			t.Errorf("%.60s at depth %d: %v, want errUnstorable", tc.body, tc.depth, err)
		}
	}
	for _, tc := range []struct {
		body  string
		depth int
	}{
		{nested(100), 0}, {nested(99), 1}, {`{"a$":1,"":2,"é":{"x$y":[]}}`, 0},
		{`{"l":` + strings.Repeat("[", 99) + strings.Repeat("]", 99) + `}`, 0},
	} {
		if got := roundTripAt(t, tc.body, tc.depth); got != tc.body {
			t.Errorf("%.60s read back as %.60s", tc.body, got)
		}
	}
}

func roundTripAt(t *testing.T, body string, depth int) string {
	t.Helper()
	members, err := jsonMembers([]byte(body), depth)
	if err != nil {
		t.Fatalf("%.60s at depth %d: %v", body, depth, err)
	}
	raw, err := bson.Marshal(members)
	if err != nil {
		t.Fatalf("%.60s: %v", body, err)
	}
	got, err := appendObject(nil, raw, nil)
	if err != nil {
		t.Fatalf("%.60s: %v", body, err)
	}
	return string(got)
}

// TestForeignValues: values this service never writes but another writer
// may have read alike as JSON and as the matcher's values, and those
// with no JSON form are an error, not a panic nor a wrong text.
func TestForeignValues(t *testing.T) {
	dec := func(s string) bson.Decimal128 {
		d, err := bson.ParseDecimal128(s)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	oid := bson.NewObjectID()
	raw, err := bson.Marshal(bson.D{
		{Key: "d", Value: dec("1.5")}, {Key: "exact", Value: dec("0.12345678901234567890123")}, {Key: "inf", Value: dec("Infinity")}, {Key: "nan", Value: dec("NaN")},
		{Key: "huge", Value: dec("1E+400")}, {Key: "o", Value: oid}, {Key: "i", Value: int32(-7)},
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := appendObject(nil, raw, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"d":1.5,"exact":0.12345678901234567890123,"inf":"Infinity","nan":"NaN","huge":"1E+400","o":"` + oid.Hex() + `","i":-7}`
	if string(got) != want {
		t.Errorf("read as %s, want %s", got, want)
	}
	var fromJSON map[string]any
	if err := json.Unmarshal(got, &fromJSON); err != nil {
		t.Fatalf("%s: %v", got, err)
	}
	view, err := goValue(bson.RawValue{Type: bson.TypeEmbeddedDocument, Value: raw})
	if err != nil {
		t.Fatal(err)
	}
	wantView := map[string]any{"d": 1.5, "exact": 0.12345678901234567890123, "inf": "Infinity", "nan": "NaN", "huge": "1E+400", "o": oid.Hex(), "i": int64(-7)}
	if !reflect.DeepEqual(view, wantView) {
		t.Errorf("view %v, want %v", view, wantView)
	}

	for _, v := range []any{bson.Binary{Data: []byte("x")}, bson.Regex{Pattern: "x"}, math.Inf(1), math.NaN()} {
		raw, err := bson.Marshal(bson.D{{Key: "v", Value: v}})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := appendObject(nil, raw, nil); err == nil {
			t.Errorf("%T %v read as %s", v, v, got)
		}
	}
	// A document cut short reads as an error.
	if _, err := appendObject(nil, raw[:len(raw)-3], nil); err == nil {
		t.Error("a truncated document read as JSON")
	}
}

// TestClassifyWrite: a write the database refuses for the document itself
// is Unprocessable, whatever says so.
func TestClassifyWrite(t *testing.T) {
	for _, err := range []error{
		fmt.Errorf("insert: %w", driver.ErrDocumentTooLarge),
		mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: objectTooLarge, Message: "too large"}}},
		mongo.CommandError{Code: badValue, Message: "bad"},
		fmt.Errorf("x: %w", errUnstorable),
	} {
		if got := models.ErrorCodeOf(classifyWrite(err, "write")); got != models.CodeUnprocessable {
			t.Errorf("%v: %s, want unprocessable", err, got)
		}
	}
	if got := models.ErrorCodeOf(classifyWrite(errors.New("boom"), "write")); got != models.CodeInternal {
		t.Errorf("an unknown failure: %s, want internal", got)
	}
}

// TestClassifyDiskFull: a server out of disk is a full store (507), on a
// write of a document as on any other command; a canceled call is the
// client's, a deadline the request's.
func TestClassifyDiskFull(t *testing.T) {
	full := []error{
		mongo.CommandError{Code: outOfDiskSpace, Message: "no space"},
		mongo.WriteException{WriteErrors: []mongo.WriteError{{Code: outOfDiskSpace, Message: "no space"}}},
	}
	for _, err := range full {
		if got := models.ErrorCodeOf(classify(err, "x")); got != models.CodeStorageFull {
			t.Errorf("classify(%v) = %s, want storage full", err, got)
		}
		if got := models.ErrorCodeOf(classifyWrite(err, "x")); got != models.CodeStorageFull {
			t.Errorf("classifyWrite(%v) = %s, want storage full", err, got)
		}
	}
	if got := models.ErrorCodeOf(classify(fmt.Errorf("x: %w", context.Canceled), "x")); got != models.CodeCanceled {
		t.Errorf("canceled: %s", got)
	}
	if got := models.ErrorCodeOf(classify(fmt.Errorf("x: %w", context.DeadlineExceeded), "x")); got != models.CodeTimeout {
		t.Errorf("deadline: %s", got)
	}
}
