package records_test

import (
	"context"
	"maps"
	"path/filepath"
	"testing"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// gateValidator blocks each validation until released, and says when one
// has begun.
type gateValidator struct {
	entered chan struct{}
	release chan struct{}
}

func (g gateValidator) Validate(models.Kind, any) ([]models.Violation, error) {
	g.entered <- struct{}{}
	<-g.release
	return nil, nil
}

// With one check at a time, a second body waits for the first, and a
// request that ends while waiting leaves at once, canceled, never reaching
// the validator or the store.
func TestConcurrentChecksAreBounded(t *testing.T) {
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "r.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close(context.Background()) })
	gate := gateValidator{entered: make(chan struct{}, 2), release: make(chan struct{})}
	svc := records.NewService(repo.NewRecordStore(db), gate, records.Config{ConcurrentChecks: 1})
	doc := func(id string) any {
		return map[string]any{"id": id, "descriptor_version": "x", "status": "offline"}
	}
	first := make(chan error, 1)
	go func() {
		_, err := svc.Create(context.Background(), testScope, models.KindNSR, doc("1b5bab2a-8286-2b40-4827-dc5d6e37bf8e"))
		first <- err
	}()
	<-gate.entered // the first holds the only turn

	ctx, cancel := context.WithCancel(context.Background())
	second := make(chan error, 1)
	go func() {
		_, err := svc.Create(ctx, testScope, models.KindNSR, doc("2b5bab2a-8286-2b40-4827-dc5d6e37bf8e"))
		second <- err
	}()
	cancel()
	if err := <-second; models.ErrorCodeOf(err) != models.CodeCanceled {
		t.Fatalf("waiting create: %v, want canceled", err)
	}
	select {
	case <-gate.entered:
		t.Fatal("the canceled create reached the validator")
	default:
	}
	close(gate.release)
	if err := <-first; err != nil {
		t.Fatalf("first create: %v", err)
	}
	if _, err := svc.Get(context.Background(), testScope, models.KindNSR, "2b5bab2a-8286-2b40-4827-dc5d6e37bf8e"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("the canceled create stored its record: %v", err)
	}
}

// The envelope attributes clients filter and sort on (records.Fields, for
// the parsers) are the ones the record store maps to its envelope
// (repo.RecordFields): two declarations in two layers, one meaning.
func TestFieldsAgreeWithTheStore(t *testing.T) {
	if got, want := records.Fields(), repo.RecordFields(); !maps.Equal(got, want) {
		t.Errorf("records.Fields() = %v, the store's envelope %v", got, want)
	}
}
