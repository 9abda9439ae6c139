package mongo

import (
	"context"
	"math"
	"slices"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/repo"
)

// Lists. On MongoDB the filter is sent whole (MongoFilter). A list in the
// default order (newest first, ties by id descending) is then one index
// walk with a keyset seek for a marker, and its total one count, skipped
// when the page tells it. Any other order is paged in Go: every document
// the filter selects is read, placed in the page window (repo.Window) by
// its key in the order, and counted for the total.
//
// On FerretDB v1 the filter sent is WideMongoFilter, which FerretDB reads
// as MongoDB does but may select more than the query when the query reads
// ANYINDEX groups or array positions (NeedsMatcher): the exact matcher
// then decides in Go, on a view of each document, and the list is paged
// in Go whatever its order.

// serverFilter is the filter document to send and whether the server's
// answer is exact.
func (c *collection) serverFilter(ctx context.Context, f filter.Expr) (map[string]any, bool, error) {
	ferret, err := c.db.isFerretDB(ctx)
	if err != nil {
		return nil, false, err
	}
	if ferret {
		return c.within(f.WideMongoFilter(c.rename)), !f.NeedsMatcher(), nil
	}
	return c.within(f.MongoFilter(c.rename)), true, nil
}

// List is one page of the documents q selects (repo.Collection).
func (c *collection) List(ctx context.Context, q filter.Query) (filter.Page[repo.Doc], error) {
	q, err := repo.Normalize(q, c.spec.Envelope)
	if err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	srv, exact, err := c.serverFilter(ctx, q.Filter)
	if err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	if exact && repo.IsNewestFirst(q.Sort, c.spec.Envelope) {
		return c.listIndexed(ctx, q, srv)
	}
	return c.listInGo(ctx, q, srv, exact)
}

// newestFirst is the sort document of the created_desc index.
var newestFirst = bson.D{{Key: fieldCreated, Value: -1}, {Key: fieldID, Value: -1}}

// afterNewest selects the documents after (created, id) in the default
// order: the keyset the created_desc index seeks.
func afterNewest(created time.Time, id string) bson.D {
	return bson.D{{Key: "$or", Value: bson.A{
		bson.D{{Key: fieldCreated, Value: bson.D{{Key: "$lt", Value: created}}}},
		bson.D{{Key: fieldCreated, Value: created}, {Key: fieldID, Value: bson.D{{Key: "$lt", Value: id}}}},
	}}}
}

// listIndexed answers a list the server answers whole: the default
// order, a keyset seek for a marker.
func (c *collection) listIndexed(ctx context.Context, q filter.Query, srv map[string]any) (filter.Page[repo.Doc], error) {
	var find any = srv
	if q.After != nil {
		created, ok := q.After.Key[0].(time.Time) // one key: Normalize checked it
		if !ok {
			return filter.Page[repo.Doc]{}, repo.ErrForeignMarker
		}
		seek := afterNewest(created, q.After.UUID)
		if len(srv) == 0 {
			find = seek
		} else {
			find = bson.D{{Key: "$and", Value: bson.A{srv, seek}}}
		}
	}
	opts := options.Find().SetSort(newestFirst)
	if q.Limit < math.MaxInt64 {
		opts.SetLimit(q.Limit + 1)
	}
	if q.After == nil && q.Offset > 0 {
		opts.SetSkip(q.Offset)
	}
	cur, err := c.c.Find(ctx, find, opts)
	if err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "list "+c.spec.Name)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	docs := []repo.Doc{}
	for cur.Next(ctx) {
		d, _, err := c.decode(cur.Current)
		if err != nil {
			return filter.Page[repo.Doc]{}, repo.Internal("list "+c.spec.Name, err)
		}
		docs = append(docs, d)
	}
	if err := cur.Err(); err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "list "+c.spec.Name)
	}
	page, known := repo.CutPage(q, docs)
	if known {
		return page, nil
	}
	if page.Total, err = c.c.CountDocuments(ctx, srv); err != nil {
		return filter.Page[repo.Doc]{}, classify(err, "count "+c.spec.Name)
	}
	return page, nil
}

// listInGo reads every document the server filter selects, keeps those
// the matcher accepts (all of them when the filter is exact), and pages
// them in the window. A window entry keeps a copy of the raw BSON
// document (in its Doc's Body, never seen outside this function), so that
// only the page's documents are decoded, and all of them from one read.
func (c *collection) listInGo(ctx context.Context, q filter.Query, srv map[string]any, exact bool) (filter.Page[repo.Doc], error) {
	w := repo.NewWindow(q)
	err := c.scan(ctx, srv, func(raw bson.Raw, view map[string]any, id string) {
		if !exact && !q.Filter.Match(view) {
			return
		}
		key := q.Sort.KeyOf(view)
		if !w.Wants(key, id) {
			w.Count() // a match, but not on the page: not copied
			return
		}
		w.Offer(repo.Entry{Key: key, ID: id, Doc: &repo.Doc{ID: id, Body: []byte(slices.Clone(raw))}})
	})
	if err != nil {
		return filter.Page[repo.Doc]{}, err
	}
	entries, next := w.Page(q.Limit)
	page := filter.Page[repo.Doc]{Items: make([]repo.Doc, len(entries)), Total: w.Total(), Next: next}
	for i, e := range entries {
		if page.Items[i], _, err = c.decode(bson.Raw(e.Doc.Body)); err != nil {
			return filter.Page[repo.Doc]{}, repo.Internal("list "+c.spec.Name, err)
		}
	}
	return page, nil
}

// scan calls fn with every document srv selects, in no particular order,
// with its view and its id. raw is only valid during the call.
func (c *collection) scan(ctx context.Context, srv map[string]any, fn func(raw bson.Raw, view map[string]any, id string)) error {
	cur, err := c.c.Find(ctx, srv)
	if err != nil {
		return classify(err, "scan "+c.spec.Name)
	}
	defer cur.Close(context.WithoutCancel(ctx))
	for cur.Next(ctx) {
		view, id, err := c.view(cur.Current)
		if err != nil {
			return repo.Internal("scan "+c.spec.Name, err)
		}
		fn(cur.Current, view, id)
	}
	return classify(cur.Err(), "scan "+c.spec.Name)
}

// Count is how many documents f matches (repo.Collection).
func (c *collection) Count(ctx context.Context, f filter.Expr) (int64, error) {
	srv, exact, err := c.serverFilter(ctx, f)
	if err != nil {
		return 0, err
	}
	if exact {
		n, err := c.c.CountDocuments(ctx, srv)
		if err != nil {
			return 0, classify(err, "count "+c.spec.Name)
		}
		return n, nil
	}
	var n int64
	err = c.scan(ctx, srv, func(_ bson.Raw, view map[string]any, _ string) {
		if f.Match(view) {
			n++
		}
	})
	return n, err
}

// deleteBatch bounds the ids of one deleteMany of the documents the
// matcher chose.
const deleteBatch = 500

// DeleteWhere removes every document f matches (repo.Collection): one
// deleteMany when the server's filter is exact, else the ids the matcher
// chose, deleted by id.
func (c *collection) DeleteWhere(ctx context.Context, f filter.Expr) (int64, error) {
	srv, exact, err := c.serverFilter(ctx, f)
	if err != nil {
		return 0, err
	}
	if exact {
		res, err := c.c.DeleteMany(ctx, srv)
		if err != nil {
			return 0, classify(err, "delete from "+c.spec.Name)
		}
		return res.DeletedCount, nil
	}
	var ids []string
	err = c.scan(ctx, srv, func(_ bson.Raw, view map[string]any, id string) {
		if f.Match(view) {
			ids = append(ids, id)
		}
	})
	if err != nil {
		return 0, err
	}
	var n int64
	for batch := range slices.Chunk(ids, deleteBatch) {
		res, err := c.c.DeleteMany(ctx, bson.D{{Key: fieldID, Value: bson.D{{Key: "$in", Value: batch}}}})
		if err != nil {
			return n, classify(err, "delete from "+c.spec.Name)
		}
		n += res.DeletedCount
	}
	return n, nil
}
