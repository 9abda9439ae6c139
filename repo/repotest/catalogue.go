package repotest

import (
	"context"
	"encoding/json"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// testCatalogue checks the catalogue store on the backend: contents in
// and out, descriptor ids unique per project through create, update and
// delete, entries seen by their projects only.
func testCatalogue(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	s := repo.NewCatalogueStore(db)
	ctx := t.Context()
	pa, pb := models.ProjectScope("A"), models.ProjectScope("B")

	content, err := s.PutContent(ctx, []byte("the package"), []byte("the descriptor"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []struct {
		descriptor bool
		data       string
	}{{false, "the package"}, {true, "the descriptor"}} {
		rc, err := s.OpenContent(ctx, content, want.descriptor)
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(rc)
		rc.Close()
		if string(got) != want.data {
			t.Errorf("content: %q, want %q", got, want.data)
		}
	}
	s.DropContent(ctx, content)
	if _, err := s.OpenContent(ctx, content, false); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("a dropped content: %v", err)
	}

	entry := func(uuid, id string) models.Entry {
		body, _ := json.Marshal(map[string]string{"id": id, "name": id})
		return models.Entry{UUID: uuid, Body: body, Admin: json.RawMessage(`{"onboardingState":"ONBOARDED"}`)}
	}
	e, err := s.Create(ctx, pa, "vnfd", "v", entry("u1", "v"))
	if err != nil {
		t.Fatal(err)
	}
	var admin map[string]any
	_ = json.Unmarshal(e.Admin, &admin)
	if admin["onboardingState"] != "ONBOARDED" || admin["projects_read"] == nil {
		t.Errorf("created entry's admin %s", e.Admin)
	}
	if _, err := s.Create(ctx, pa, "vnfd", "v", entry("u2", "v")); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("a second v in A: %v, want Conflict", err)
	}
	if _, err := s.Get(ctx, pa, "vnfd", "u2"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("the refused entry was stored: %v", err)
	}
	if _, err := s.Create(ctx, pb, "vnfd", "v", entry("u3", "v")); err != nil {
		t.Errorf("v in B: %v", err)
	}
	if _, err := s.Create(ctx, pa, "nsd", "v", entry("u4", "v")); err != nil {
		t.Errorf("an NSD v beside the VNFD v: %v", err)
	}
	if _, err := s.Get(ctx, pb, "vnfd", "u1"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B reads A's entry: %v", err)
	}
	f, _ := filter.Where(filter.Options{}, filter.Condition{Path: []string{"id"}, Op: filter.OpEq, Value: "v"})
	if n, err := s.Count(ctx, pa, "vnfd", f); err != nil || n != 1 {
		t.Errorf("A counts %d %v, want 1", n, err)
	}

	// An update to another id reserves it and frees the old one; an
	// update to a taken id changes nothing.
	if _, err := s.Create(ctx, pa, "vnfd", "w", entry("u5", "w")); err != nil {
		t.Fatal(err)
	}
	rename := func(uuid, id string) error {
		_, err := s.Update(ctx, pa, "vnfd", uuid, func(cur models.Entry) (models.Entry, string, error) {
			cur.Body = entry(uuid, id).Body
			return cur, id, nil
		})
		return err
	}
	if err := rename("u1", "w"); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("rename onto a taken id: %v", err)
	}
	if err := rename("u1", "x"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Create(ctx, pa, "vnfd", "v", entry("u6", "v")); err != nil {
		t.Errorf("v is free after the rename: %v", err)
	}
	if _, err := s.Update(ctx, pb, "vnfd", "u1", func(cur models.Entry) (models.Entry, string, error) {
		t.Error("change ran for another project")
		return cur, "x", nil
	}); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B updates A's entry: %v", err)
	}

	// Delete frees the id.
	if _, err := s.Delete(ctx, pb, "vnfd", "u1"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("B deletes A's entry: %v", err)
	}
	gone, err := s.Delete(ctx, pa, "vnfd", "u1")
	if err != nil || gone.UUID != "u1" {
		t.Fatalf("delete: %+v %v", gone, err)
	}
	if _, err := s.Create(ctx, pa, "vnfd", "x", entry("u7", "x")); err != nil {
		t.Errorf("x is free after the delete: %v", err)
	}
	// OSM's _admin states filter as any field does.
	if _, err := s.Create(ctx, pa, "vnfd", "", models.Entry{UUID: "u8", Body: json.RawMessage(`{"id":""}`),
		Admin: json.RawMessage(`{"onboardingState":"CREATED"}`)}); err != nil {
		t.Fatal(err)
	}
	for state, want := range map[string]int64{"CREATED": 1, "ONBOARDED": 3} {
		f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{"_admin", "onboardingState"}, Op: filter.OpEq, Value: state})
		if err != nil {
			t.Fatal(err)
		}
		p, err := s.List(ctx, pa, "vnfd", filter.Query{Filter: f, Limit: 100})
		if err != nil || p.Total != want || int64(len(p.Items)) != want {
			t.Errorf("_admin.onboardingState=%s: %d %v, want %d", state, p.Total, err, want)
		}
		if n, err := s.Count(ctx, pa, "vnfd", f); err != nil || n != want {
			t.Errorf("count _admin.onboardingState=%s: %d %v, want %d", state, n, err, want)
		}
	}
	if _, err := s.Delete(ctx, pa, "vnfd", "u8"); err != nil {
		t.Fatal(err)
	}
	page, err := s.List(ctx, pa, "vnfd", filter.Query{Limit: 100})
	if err != nil || page.Total != 3 { // u5 w, u6 v, u7 x, and none of B's
		t.Errorf("A lists %d (%v)", page.Total, err)
	}

	// Uploads in parts: in order, by their owner; taken whole; pruned
	// when old.
	if err := s.StartUpload(ctx, "tx1", models.PendingUpload{Owner: "o", Kind: "vnfd", Total: 6}, []byte("ab")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.AddChunk(ctx, "tx1", "o", 4, []byte("ef")); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("a part out of order: %v", err)
	}
	if _, err := s.AddChunk(ctx, "tx1", "other", 2, []byte("cd")); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("another owner's part: %v", err)
	}
	for _, part := range []struct {
		first int64
		data  string
	}{{2, "cd"}, {4, "ef"}} {
		u, err := s.AddChunk(ctx, "tx1", "o", part.first, []byte(part.data))
		if err != nil || u.Received != part.first+2 {
			t.Fatalf("part at %d: %+v %v", part.first, u, err)
		}
	}
	whole, err := s.TakeUpload(ctx, "tx1")
	if err != nil || string(whole) != "abcdef" {
		t.Errorf("the upload put together: %q %v", whole, err)
	}
	if _, err := s.Upload(ctx, "tx1", "o"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("a taken upload: %v", err)
	}
	if err := s.StartUpload(ctx, "tx2", models.PendingUpload{Owner: "o", Kind: "vnfd", Total: 9}, []byte("abc")); err != nil {
		t.Fatal(err)
	}
	clock.Advance(2 * time.Hour)
	if n, err := s.PruneUploads(ctx, time.Hour); err != nil || n != 1 {
		t.Errorf("pruned %d (%v), want 1", n, err)
	}
	if _, err := s.Upload(ctx, "tx2", "o"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("a pruned upload: %v", err)
	}

	// A chunk sent twice at once (a client retrying): one is kept, the
	// other refused, and the upload is whole.
	t.Run("RetriedChunk", func(t *testing.T) {
		needAtomic(t, b)
		if err := s.StartUpload(ctx, "tx3", models.PendingUpload{Owner: "o", Kind: "vnfd", Total: 42}, []byte("ab")); err != nil {
			t.Fatal(err)
		}
		want := "ab"
		for round := range 20 {
			chunk := []byte{byte('c' + round%20), byte('C' + round%20)}
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i := range 2 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					_, errs[i] = s.AddChunk(ctx, "tx3", "o", int64(len(want)), chunk)
				}()
			}
			wg.Wait()
			if (errs[0] == nil) == (errs[1] == nil) {
				t.Fatalf("round %d: %v, %v: want one kept, one refused", round, errs[0], errs[1])
			}
			want += string(chunk)
		}
		whole, err := s.TakeUpload(ctx, "tx3")
		if err != nil || string(whole) != want {
			t.Fatalf("the upload after retried chunks: %q %v, want %q", whole, err, want)
		}
	})

	// A rename that failed halfway (its new id reserved, the entry never
	// written) leaves the id free once the key is stale: the entry it
	// names still carries its old id.
	t.Run("HalfRename", func(t *testing.T) {
		if _, err := s.Create(ctx, pa, "nsd", "n1", entry("h1", "n1")); err != nil {
			t.Fatal(err)
		}
		calls := 0
		gone, cancel := context.WithCancel(ctx) // the client goes away mid-rename
		defer cancel()
		_, err := s.Update(gone, pa, "nsd", "h1", func(cur models.Entry) (models.Entry, string, error) {
			calls++
			if calls > 1 {
				cancel()
				return cur, "", models.Errorf(models.CodeCanceled, "the client went away")
			}
			cur.Body = entry("h1", "n2").Body
			return cur, "n2", nil
		})
		if err == nil {
			t.Fatal("the failing rename succeeded")
		}
		clock.Advance(2 * time.Minute)
		if _, err := s.Create(ctx, pa, "nsd", "n2", entry("h2", "n2")); err != nil {
			t.Fatalf("n2 after a rename that never happened: %v", err)
		}
	})
}
