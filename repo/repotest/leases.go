package repotest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sync"
	"testing"
	"testing/iotest"
	"time"

	"github.com/nfv-records/nfv-records/repo"
)

// testLeases: a lease is taken, renewed by its owner, refused to others,
// free again once expired (by the clock, never by waiting) or released,
// and racing takers get it once.
func testLeases(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	l := db.Leases("locks")
	ctx := t.Context()
	take := func(id, owner string, ttl time.Duration) string {
		t.Helper()
		h, err := l.Take(ctx, id, owner, ttl)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	holder := func(id string) string {
		t.Helper()
		h, err := l.Holder(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return h
	}
	if h := holder("x"); h != "" {
		t.Fatalf("holder of a lease nobody took: %q", h)
	}
	if h := take("x", "A", time.Minute); h != "A" {
		t.Fatalf("A takes a free lease: holder %q", h)
	}
	if h := take("x", "B", time.Minute); h != "A" {
		t.Fatalf("B takes A's lease: holder %q", h)
	}
	clock.Advance(50 * time.Second)
	if h := take("x", "A", time.Minute); h != "A" { // renewed: now until t0+110s
		t.Fatalf("A renews: holder %q", h)
	}
	clock.Advance(50 * time.Second)
	if h := take("x", "B", time.Minute); h != "A" || holder("x") != "A" {
		t.Fatalf("B before the renewed lease expires: holder %q", h)
	}
	clock.Advance(10 * time.Second) // exactly at expiry: free
	if h := holder("x"); h != "" {
		t.Fatalf("holder of an expired lease: %q", h)
	}
	if h := take("x", "B", time.Minute); h != "B" {
		t.Fatalf("B takes the expired lease: holder %q", h)
	}
	if err := l.Release(ctx, "x", "A"); err != nil {
		t.Fatal(err)
	}
	if h := holder("x"); h != "B" {
		t.Fatalf("A released B's lease: holder %q", h)
	}
	if err := l.Release(ctx, "x", "B"); err != nil {
		t.Fatal(err)
	}
	if h := holder("x"); h != "" {
		t.Fatalf("after B released it: holder %q", h)
	}
	if err := l.Release(ctx, "never", "A"); err != nil {
		t.Fatalf("release of a lease nobody holds: %v", err)
	}
	if other := db.Leases("other"); true {
		if h, _ := other.Take(ctx, "x", "C", time.Minute); h != "C" {
			t.Fatalf("lease tables are not separate: %q", h)
		}
	}

	t.Run("racing takers", func(t *testing.T) {
		needAtomic(t, b)
		dbs := []repo.DB{db, b.Second(t, db, clock.Now)}
		for round := range 3 {
			id := fmt.Sprint("race-", round)
			holders := make([]string, 12)
			var wg sync.WaitGroup
			for i := range holders {
				wg.Go(func() {
					h, err := dbs[i%2].Leases("locks").Take(ctx, id, fmt.Sprint("owner-", i), time.Minute)
					if err != nil {
						t.Errorf("take: %v", err)
					}
					holders[i] = h
				})
			}
			wg.Wait()
			won := 0
			for i, h := range holders {
				if h == fmt.Sprint("owner-", i) {
					won++
				}
				if h != holders[0] {
					t.Fatalf("round %d: takers saw holders %v", round, holders)
				}
			}
			if won != 1 {
				t.Fatalf("round %d: %d takers won", round, won)
			}
		}
	})
}

// testBlobs: blobs are stored, read back, replaced whole, deleted; a
// reader that fails leaves what was there.
func testBlobs(t *testing.T, b Backend) {
	db := b.Open(t, NewClock(t0).Now)
	bl := db.Blobs("packages")
	ctx := t.Context()
	read := func(id string) ([]byte, error) {
		t.Helper()
		r, err := bl.Open(ctx, id)
		if err != nil {
			return nil, err
		}
		defer r.Close()
		return io.ReadAll(r)
	}
	if _, err := bl.Open(ctx, "p"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("open a missing blob: %v", err)
	}
	big := bytes.Repeat([]byte("0123456789abcdef"), 70_000) // 1.1 MB: several chunks
	for _, content := range [][]byte{[]byte("small"), big, {}, []byte("after")} {
		n, err := bl.Put(ctx, "p", bytes.NewReader(content))
		if err != nil || n != int64(len(content)) {
			t.Fatalf("put %d bytes: %d, %v", len(content), n, err)
		}
		got, err := read("p")
		if err != nil || !bytes.Equal(got, content) {
			t.Fatalf("read back %d bytes of %d: %v", len(got), len(content), err)
		}
	}
	broken := io.MultiReader(bytes.NewReader(big[:300_000]), iotest.ErrReader(errors.New("connection reset")))
	if _, err := bl.Put(ctx, "p", broken); err == nil {
		t.Fatal("a put whose reader failed succeeded")
	}
	if got, _ := read("p"); string(got) != "after" {
		t.Fatalf("a failed put replaced the blob: %d bytes", len(got))
	}
	if err := bl.Delete(ctx, "p"); err != nil {
		t.Fatal(err)
	}
	if _, err := read("p"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("read a deleted blob: %v", err)
	}
	if err := bl.Delete(ctx, "p"); !errors.Is(err, repo.ErrNotFound) {
		t.Fatalf("delete a deleted blob: %v", err)
	}
}
