package filter

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/nfv-records/nfv-records/models"
)

// The opaque cursor (nextpage_opaque_marker).
//
// A marker carries the position itself, not an offset: the next page is
// the records strictly after it in the order, so records created or deleted
// meanwhile never shift a page, and no state is kept on the server. The
// token is base64url (no padding) of compact JSON:
//
//	{"v":1,"s":"<Sort.String>","k":[<value>...],"u":"<uuid>"}
//
// "s" ties the marker to its order: a position means nothing in another
// one. Values keep their BSON type, since the type decides the order
// (5 < "5" < true): a JSON null, boolean or string is itself, a bare JSON
// integer is an int64, an array is []any, and the other types are one-field
// objects:
//
//	{"f":"2.5"}                  float64, strconv 'g' text (so -0, NaN, ±Inf, 1e-320 survive)
//	{"t":1519667931758}          time.Time, Unix milliseconds (BSON dates are milliseconds)
//	{"o":["name",<value>,...]}   map[string]any, fields sorted by name
//	{"b":"<base64url>"}          a string that is not valid UTF-8 (JSON would mangle it)
//
// So every value KeyOf returns comes back equal, with these changes: int32
// and the other integer kinds come back as int64, other float kinds as
// float64, times in UTC at millisecond precision, documents of other Go
// types (bson.D) as map[string]any, arrays of other Go types as []any. A
// value of no BSON type a record holds (binary, named types) is encoded as
// null: it does not round-trip.

// MaxMarkerBytes bounds a token ParseMarker accepts. Marker does not cut a
// token to it: a position whose values are very large (a sort on a string
// or a document of some KiB) gives a longer token, which ParseMarker
// refuses; a caller that must never hand out such a token checks its length.
const MaxMarkerBytes = 4096

const (
	markerParam   = "nextpage_opaque_marker"
	markerVersion = 1
)

// Position is where a page ended: the sort key and uuid of the last record
// returned. A record comes after it when
// s.Compare(s.KeyOf(rec), uuid, p.Key, p.UUID) > 0.
type Position struct {
	Key  []any
	UUID string
}

type markerJSON struct {
	V int    `json:"v"`
	S string `json:"s"`
	K []any  `json:"k"`
	U string `json:"u"`
}

// Marker encodes a position as an opaque URL-safe token for this order.
// p.Key should come from s.KeyOf (one value per key, Time keys as
// time.Time or nil) and p.UUID be a canonical lowercase uuid: anything
// else makes a token that ParseMarker refuses.
func (s Sort) Marker(p Position) string {
	m := markerJSON{V: markerVersion, S: s.String(), K: make([]any, len(p.Key)), U: p.UUID}
	for i, v := range p.Key {
		m.K[i] = encodeValue(v)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // shorter; the token is base64 anyway
	if err := enc.Encode(m); err != nil {
		// encodeValue only builds strings, numbers, booleans, nil, []any
		// and map[string]any.
		panic("filter: marker encoding: " + err.Error())
	}
	return base64.RawURLEncoding.EncodeToString(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
}

func encodeValue(v any) any {
	switch bsonRank(v) {
	case 0:
		return nil
	case 1:
		n, _ := toNumber(v)
		if n.isInt {
			return json.Number(strconv.FormatInt(n.i, 10))
		}
		return map[string]any{"f": strconv.FormatFloat(n.f, 'g', -1, 64)}
	case 2:
		return encodeString(v.(string))
	case 3:
		fields := objectFields(v)
		out := make([]any, 0, 2*len(fields))
		for _, f := range fields {
			out = append(out, encodeString(f.name), encodeValue(f.value))
		}
		return map[string]any{"o": out}
	case 4:
		arr, _ := asArray(v)
		out := make([]any, len(arr))
		for i, el := range arr {
			out[i] = encodeValue(el)
		}
		return out
	case 5:
		return v.(bool)
	case 6:
		return map[string]any{"t": json.Number(strconv.FormatInt(v.(time.Time).UnixMilli(), 10))}
	}
	return nil
}

func encodeString(s string) any {
	if utf8.ValidString(s) {
		return s
	}
	return map[string]any{"b": base64.RawURLEncoding.EncodeToString([]byte(s))}
}

// errMalformed is the cause logged for a token that is not one of ours.
var errMalformed = errors.New("malformed marker")

func markerInvalid(cause error) error {
	return &models.Error{
		Code: models.CodeInvalid,
		Detail: "query parameter \"" + markerParam + "\": not a marker this server issued, or altered;" +
			" start again from the first page (the same request without " + markerParam + ")",
		Err: cause,
	}
}

// ParseMarker decodes a token made by Marker for the same order. A
// malformed token, or one made for another order, is a *models.Error
// CodeInvalid naming nextpage_opaque_marker (400) that tells the client to
// start again from the first page.
func (s Sort) ParseMarker(raw string) (Position, error) {
	if raw == "" || len(raw) > MaxMarkerBytes {
		return Position{}, markerInvalid(errors.New("marker empty or longer than " + strconv.Itoa(MaxMarkerBytes) + " bytes"))
	}
	// The decoder skips CR and LF; refusing them keeps one token per position.
	for i := 0; i < len(raw); i++ {
		if c := raw[i]; !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return Position{}, markerInvalid(errors.New("marker is not base64url"))
		}
	}
	data, err := base64.RawURLEncoding.Strict().DecodeString(raw)
	if err != nil {
		return Position{}, markerInvalid(err)
	}
	// Marker never writes invalid UTF-8 (such strings are tagged "b"), and
	// the decoder would turn it into U+FFFD: refuse rather than guess.
	if !utf8.Valid(data) {
		return Position{}, markerInvalid(errors.New("marker JSON is not UTF-8"))
	}
	var w struct {
		V *int    `json:"v"`
		S *string `json:"s"`
		K *[]any  `json:"k"`
		U *string `json:"u"`
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	dec.DisallowUnknownFields()
	if err := dec.Decode(&w); err != nil {
		return Position{}, markerInvalid(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return Position{}, markerInvalid(errors.New("data after the marker object"))
	}
	if w.V == nil || *w.V != markerVersion || w.S == nil || w.K == nil || w.U == nil {
		return Position{}, markerInvalid(errors.New("marker fields missing or of another version"))
	}
	if *w.S != s.String() {
		return Position{}, &models.Error{
			Code: models.CodeInvalid,
			Detail: "query parameter \"" + markerParam + "\": the marker belongs to another sort order;" +
				" keep the sort the marker was issued with, or start again from the first page (the same request without " + markerParam + ")",
			Err: errors.New("marker for sort " + strconv.Quote(*w.S) + ", request sort " + strconv.Quote(s.String())),
		}
	}
	p := Position{Key: make([]any, len(*w.K))}
	for i, x := range *w.K {
		v, ok := decodeValue(x)
		if !ok {
			return Position{}, markerInvalid(errMalformed)
		}
		p.Key[i] = v
	}
	if !s.Fits(p) {
		return Position{}, markerInvalid(errors.New("marker keys do not fit the order (count, or a time key without a time)"))
	}
	if u, ok := models.NormalizeUUID(*w.U); !ok || u != *w.U {
		return Position{}, markerInvalid(errors.New("marker uuid not canonical"))
	}
	p.UUID = *w.U
	return p, nil
}

// Fits reports whether p can be a position in this order: one key per
// sort key, a time (or nothing) for time keys. ParseMarker only returns
// positions that fit; a store checks positions that reach it otherwise.
func (s Sort) Fits(p Position) bool {
	if len(p.Key) != len(s.Keys) {
		return false
	}
	for i, k := range s.Keys {
		if _, isTime := p.Key[i].(time.Time); k.Time && !isTime && p.Key[i] != nil {
			return false
		}
	}
	return true
}

// decodeValue reads what encodeValue wrote (JSON decoded with UseNumber).
func decodeValue(x any) (any, bool) {
	switch x := x.(type) {
	case nil, bool, string:
		return x, true
	case json.Number:
		i, err := strconv.ParseInt(string(x), 10, 64)
		return i, err == nil
	case []any:
		out := make([]any, len(x))
		for i, el := range x {
			v, ok := decodeValue(el)
			if !ok {
				return nil, false
			}
			out[i] = v
		}
		return out, true
	case map[string]any:
		if len(x) != 1 {
			return nil, false
		}
		for tag, arg := range x {
			return decodeTagged(tag, arg)
		}
	}
	return nil, false
}

func decodeTagged(tag string, arg any) (any, bool) {
	switch tag {
	case "f":
		text, ok := arg.(string)
		if !ok {
			return nil, false
		}
		f, err := strconv.ParseFloat(text, 64)
		if err != nil { // out of range too: Marker writes ±Inf as "+Inf"/"-Inf"
			return nil, false
		}
		return f, true
	case "t":
		n, ok := arg.(json.Number)
		if !ok {
			return nil, false
		}
		ms, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil {
			return nil, false
		}
		return time.UnixMilli(ms).UTC(), true
	case "b":
		return decodeBytes(arg)
	case "o":
		list, ok := arg.([]any)
		if !ok || len(list)%2 != 0 {
			return nil, false
		}
		out := make(map[string]any, len(list)/2)
		for i := 0; i < len(list); i += 2 {
			name, ok := decodeName(list[i])
			if !ok {
				return nil, false
			}
			if _, dup := out[name]; dup {
				return nil, false
			}
			v, ok := decodeValue(list[i+1])
			if !ok {
				return nil, false
			}
			out[name] = v
		}
		return out, true
	}
	return nil, false
}

func decodeName(x any) (string, bool) {
	switch x := x.(type) {
	case string:
		return x, true
	case map[string]any:
		if arg, ok := x["b"]; ok && len(x) == 1 {
			v, ok := decodeBytes(arg)
			if !ok {
				return "", false
			}
			return v.(string), true
		}
	}
	return "", false
}

func decodeBytes(arg any) (any, bool) {
	text, ok := arg.(string)
	if !ok {
		return nil, false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(text)
	if err != nil {
		return nil, false
	}
	return string(b), true
}
