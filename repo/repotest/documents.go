package repotest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// t0 is where the suite's clocks start: a millisecond boundary, as stored.
var t0 = time.Date(2026, 3, 4, 5, 6, 7, 8_000_000, time.UTC)

// testSpec is a collection with every part of a spec used.
var testSpec = repo.CollectionSpec{
	Name:     "things",
	Envelope: repo.Envelope{ID: []string{"uuid", "id"}, Created: "created_at", Modified: "updated_at"},
	Indexed:  []string{"status"},
	IDFields: []string{"id"},
}

func body(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func testDocuments(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	c := db.Collection(testSpec)
	ctx := t.Context()

	if _, err := c.Get(ctx, "a"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("get from an empty collection: %v, want ErrNotFound", err)
	}
	in, err := c.Insert(ctx, repo.Doc{ID: "a", Body: body(t, map[string]any{"status": "new", "n": 1})})
	if err != nil {
		t.Fatal(err)
	}
	if in.Version != 1 || !in.Created.Equal(t0) || !in.Modified.Equal(t0) {
		t.Fatalf("inserted envelope %+v, want version 1 at %v", in, t0)
	}
	if _, err := c.Insert(ctx, repo.Doc{ID: "a", Body: body(t, map[string]any{})}); !errors.Is(err, repo.ErrExists) {
		t.Fatalf("second insert of a: %v, want ErrExists", err)
	}
	got, err := c.Get(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if string(got.Body) != `{"n":1,"status":"new"}` || got.Version != 1 || !got.Created.Equal(t0) || got.Admin != nil {
		t.Fatalf("get a: %+v body %s", got, got.Body)
	}

	// An update keeps the creation time, moves version and modified on,
	// and writes the Admin change gives it.
	clock.Advance(1500 * time.Millisecond)
	up, err := c.Update(ctx, "a", func(cur repo.Doc) (repo.Doc, error) {
		if cur.Version != 1 {
			t.Errorf("change got version %d", cur.Version)
		}
		cur.Body = body(t, map[string]any{"status": "used"})
		cur.Admin = json.RawMessage(`{"m":{"k":1}}`)
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if up.Version != 2 || !up.Created.Equal(t0) || !up.Modified.Equal(t0.Add(1500*time.Millisecond)) {
		t.Fatalf("updated envelope %+v", up)
	}
	got, _ = c.Get(ctx, "a")
	if string(got.Body) != `{"status":"used"}` || got.Version != 2 || !got.Modified.Equal(up.Modified) {
		t.Fatalf("after update: %+v body %s", got, got.Body)
	}
	var admin map[string]any
	if err := json.Unmarshal(got.Admin, &admin); err != nil || fmt.Sprint(admin) != "map[m:map[k:1]]" {
		t.Fatalf("admin after update: %s (%v)", got.Admin, err)
	}

	// The envelope is the store's, whatever change returns.
	clock.Advance(time.Second)
	up, err = c.Update(ctx, "a", func(cur repo.Doc) (repo.Doc, error) {
		cur.ID, cur.Version, cur.Created, cur.Modified = "b", 99, time.Unix(0, 0), time.Unix(0, 0)
		return cur, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	got, _ = c.Get(ctx, "a")
	for _, d := range []repo.Doc{up, got} {
		if d.ID != "a" || d.Version != 3 || !d.Created.Equal(t0) || !d.Modified.Equal(t0.Add(2500*time.Millisecond)) {
			t.Fatalf("an update whose change altered the envelope: %+v", d)
		}
	}
	if _, err := c.Get(ctx, "b"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("change's id was used: %v", err)
	}

	// change's error is returned as it is, with nothing written.
	refuse := errors.New("no")
	if _, err := c.Update(ctx, "a", func(repo.Doc) (repo.Doc, error) { return repo.Doc{}, refuse }); !errors.Is(err, refuse) {
		t.Fatalf("refused update: %v", err)
	}
	if again, _ := c.Get(ctx, "a"); again.Version != 3 || !bytes.Equal(again.Body, got.Body) {
		t.Fatalf("a refused update wrote: %+v", again)
	}
	if _, err := c.Update(ctx, "nope", func(cur repo.Doc) (repo.Doc, error) { return cur, nil }); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("update of a missing document: %v", err)
	}

	// Delete with a precondition.
	if err := c.Delete(ctx, "a", &models.Precondition{Versions: []int64{1}}); !errors.Is(err, repo.ErrVersion) {
		t.Fatalf("delete at a stale version: %v, want ErrVersion", err)
	}
	if err := c.Delete(ctx, "a", &models.Precondition{}); !errors.Is(err, repo.ErrVersion) {
		t.Fatalf("delete with a precondition no version meets: %v, want ErrVersion", err)
	}
	if _, err := c.Get(ctx, "a"); err != nil {
		t.Fatalf("a refused delete deleted: %v", err)
	}
	if err := c.Delete(ctx, "a", &models.Precondition{Versions: []int64{7, 3}}); err != nil {
		t.Fatalf("delete at the current version: %v", err)
	}
	if err := c.Delete(ctx, "a", nil); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("second delete: %v, want ErrNotFound", err)
	}
	if err := c.Delete(ctx, "b", &models.Precondition{Any: true}); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("delete * of a missing document: %v, want ErrNotFound", err)
	}

	// An insert may bring its own envelope (an import); the id is back.
	created := time.Date(2018, 2, 26, 17, 58, 51, 758_000_000, time.UTC)
	if _, err := c.Insert(ctx, repo.Doc{ID: "a", Version: 7, Created: created, Modified: created.Add(time.Hour), Body: body(t, map[string]any{}),
		Admin: json.RawMessage(`{"x":true}`)}); err != nil {
		t.Fatal(err)
	}
	got, _ = c.Get(ctx, "a")
	if got.Version != 7 || !got.Created.Equal(created) || !got.Modified.Equal(created.Add(time.Hour)) || string(got.Body) != `{}` || string(got.Admin) != `{"x":true}` {
		t.Fatalf("imported envelope: %+v body %s admin %s", got, got.Body, got.Admin)
	}

	// Ids are opaque: anything a client or a key function makes.
	for _, id := range []string{"with space", `q"uote'`, "é/ü|%", "a.b$c", "\u2028", "日本"} {
		if _, err := c.Insert(ctx, repo.Doc{ID: id, Body: body(t, map[string]any{"id": "x"})}); err != nil {
			t.Fatalf("insert %q: %v", id, err)
		}
		if got, err := c.Get(ctx, id); err != nil || got.ID != id {
			t.Fatalf("get %q: %+v %v", id, got, err)
		}
	}

	// Collections are separate.
	other := db.Collection(repo.CollectionSpec{Name: "others", Envelope: testSpec.Envelope})
	if _, err := other.Get(ctx, "a"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("another collection sees a: %v", err)
	}
	if err := db.Ping(ctx); err != nil {
		t.Fatalf("ping: %v", err)
	}
}

// testBodies: a body reads back as the very bytes written, when they are
// compact JSON (what the services write), whatever they hold.
func testBodies(t *testing.T, b Backend) {
	db := b.Open(t, NewClock(t0).Now)
	c := db.Collection(testSpec)
	ctx := t.Context()
	bodies := []string{
		`{}`,
		`{"a":1}`,
		`{"big":9223372036854775807,"neg":-9223372036854775808,"f":2.5,"tiny":1e-7,"huge":1e+300,"z":0,"m":-1}`,
		`{"s":"é日本🚀","q":"\"quoted\" \\ back","ctl":"\n\t\r\u0001\u001f","html":"<script>&</script>","ls":"a\u2028b\u2029c","empty":""}`,
		`{"t":true,"f":false,"n":null,"o":{},"a":[],"deep":{"a":{"b":{"c":{"d":{"e":[1,{"f":null}]}}}}}}`,
		`{"ÿ":1,"key with space":2,"":3}`,
	}
	if b.NestedArrays {
		bodies = append(bodies, `{"aa":[[1,2],[],[[3]]]}`)
	}
	for i, want := range bodies {
		id := fmt.Sprint("b", i)
		if _, err := c.Insert(ctx, repo.Doc{ID: id, Body: json.RawMessage(want)}); err != nil {
			t.Fatalf("insert %s: %v", want, err)
		}
		got, err := c.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !sameJSON(t, got.Body, []byte(want)) {
			t.Errorf("body %s read back as %s", want, got.Body)
		}
		if b.Name == "sqlite" && string(got.Body) != want {
			t.Errorf("body %s read back as the bytes %s", want, got.Body)
		}
	}
}

// sameJSON compares two JSON texts as values, numbers by their text.
func sameJSON(t testing.TB, a, b []byte) bool {
	t.Helper()
	var x, y any
	da, db := json.NewDecoder(bytes.NewReader(a)), json.NewDecoder(bytes.NewReader(b))
	da.UseNumber()
	db.UseNumber()
	if err := da.Decode(&x); err != nil {
		t.Fatalf("%s: %v", a, err)
	}
	if err := db.Decode(&y); err != nil {
		t.Fatalf("%s: %v", b, err)
	}
	ja, _ := json.Marshal(x)
	jb, _ := json.Marshal(y)
	return bytes.Equal(ja, jb)
}

// extract is the member key of a JSON object.
func extract(t testing.TB, obj []byte, key string) []byte {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal(obj, &m); err != nil {
		t.Fatalf("%s: %v", obj, err)
	}
	return m[key]
}
