package repotest

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/nfv-records/nfv-records/repo"
)

// testRaces: inserts of one id race and exactly one wins; conditional
// writes race on one document and none is lost, within one DB and across
// two on one database (two replicas).
func testRaces(t *testing.T, b Backend) {
	needAtomic(t, b)
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	dbs := []repo.DB{db, b.Second(t, db, clock.Now)}
	ctx := t.Context()

	t.Run("unique inserts", func(t *testing.T) {
		for round := range 3 {
			id := fmt.Sprint("race-", round)
			var won, lost atomic.Int32
			var wg sync.WaitGroup
			for i := range 16 {
				wg.Go(func() {
					_, err := dbs[i%2].Collection(testSpec).Insert(ctx, repo.Doc{ID: id, Body: body(t, map[string]any{"by": i})})
					switch {
					case err == nil:
						won.Add(1)
					case errors.Is(err, repo.ErrExists):
						lost.Add(1)
					default:
						t.Errorf("insert: %v", err)
					}
				})
			}
			wg.Wait()
			if won.Load() != 1 || lost.Load() != 15 {
				t.Fatalf("round %d: %d inserts won, %d lost; want 1 and 15", round, won.Load(), lost.Load())
			}
		}
	})

	t.Run("conditional writes lose nothing", func(t *testing.T) {
		const writers, each = 16, 10
		c := db.Collection(testSpec)
		if _, err := c.Insert(ctx, repo.Doc{ID: "counter", Body: body(t, map[string]any{"n": 0, "by": []any{}})}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for w := range writers {
			wg.Go(func() {
				coll := dbs[w%2].Collection(testSpec)
				for range each {
					_, err := coll.Update(ctx, "counter", func(cur repo.Doc) (repo.Doc, error) {
						var v struct {
							N  int   `json:"n"`
							By []int `json:"by"`
						}
						if err := json.Unmarshal(cur.Body, &v); err != nil {
							return repo.Doc{}, err
						}
						v.N++
						v.By = append(v.By, w)
						cur.Body = body(t, v)
						return cur, nil
					})
					if err != nil {
						t.Errorf("writer %d: %v", w, err)
						return
					}
				}
			})
		}
		wg.Wait()
		got, err := c.Get(ctx, "counter")
		if err != nil {
			t.Fatal(err)
		}
		var v struct {
			N  int   `json:"n"`
			By []int `json:"by"`
		}
		if err := json.Unmarshal(got.Body, &v); err != nil {
			t.Fatal(err)
		}
		if v.N != writers*each || len(v.By) != writers*each || got.Version != writers*each+1 {
			t.Fatalf("after %d writes: n=%d, %d entries, version %d", writers*each, v.N, len(v.By), got.Version)
		}
	})
}
