package repo

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// uniqueKeys make a name unique among documents, however many replicas
// race: a key document per name (its id the key), body {"id": the
// document holding it}. Inserting the key is what claims the name. Used
// for user, project and role names, and for descriptor ids and VIM
// account names in a project.
type uniqueKeys struct {
	db   DB
	spec CollectionSpec
}

func (k uniqueKeys) coll() Collection { return k.db.Collection(k.spec) }

// staleKey is how old a key must be before a holder that is gone lets
// another take it over (the creation that claimed it failed halfway); a
// young one is another replica's creation in flight.
const staleKey = time.Minute

// take makes key point at holder: ErrExists when another holder has it
// and alive says that one still does (its document exists and carries
// the name), or the key is too young to tell.
func (k uniqueKeys) take(ctx context.Context, key, holder string, alive func(holder string) (bool, error)) error {
	body, _ := json.Marshal(map[string]string{"id": holder})
	for range 4 {
		_, err := k.coll().Insert(ctx, Doc{ID: key, Body: body})
		if !errors.Is(err, ErrExists) {
			return err
		}
		d, err := k.coll().Get(ctx, key)
		if errors.Is(err, ErrNotFound) {
			continue // released meanwhile
		}
		if err != nil {
			return err
		}
		cur, err := holderOf(d)
		if err != nil {
			return err
		}
		if cur == holder {
			return nil
		}
		if k.db.Now().Sub(d.Modified) < staleKey {
			return ErrExists
		}
		if live, err := alive(cur); err != nil || live {
			if err != nil {
				return err
			}
			return ErrExists
		}
		_, err = k.coll().Update(ctx, key, func(d Doc) (Doc, error) {
			if h, _ := holderOf(d); h != cur {
				return Doc{}, ErrVersion // changed meanwhile: decide again
			}
			d.Body = body
			return d, nil
		})
		if !errors.Is(err, ErrVersion) && !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return ErrExists
}

// holder is what key points at: ErrNotFound when nothing.
func (k uniqueKeys) holder(ctx context.Context, key string) (string, error) {
	d, err := k.coll().Get(ctx, key)
	if err != nil {
		return "", err
	}
	return holderOf(d)
}

func holderOf(d Doc) (string, error) {
	var ref struct{ ID string }
	if err := json.Unmarshal(d.Body, &ref); err != nil {
		return "", Internal("read key "+d.ID, err)
	}
	return ref.ID, nil
}

// release frees key when it points at holder (and nothing took it over
// since it was read).
func (k uniqueKeys) release(ctx context.Context, key, holder string) {
	ctx = context.WithoutCancel(ctx) // a key left held is a name lost: release whoever went away
	if d, err := k.coll().Get(ctx, key); err == nil {
		if h, _ := holderOf(d); h == holder {
			_ = k.coll().Delete(ctx, key, &models.Precondition{Versions: []int64{d.Version}})
		}
	}
}
