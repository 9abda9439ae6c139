package repo

import (
	"context"
	"fmt"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// ListQuery is what a list asks for: the records that match Filter, in
// Sort order, from After (a marker) or else from Offset, at most Limit.
type ListQuery struct {
	Filter filter.Expr
	Sort   filter.Sort
	After  *filter.Position
	Offset int64
	Limit  int64
}

// Page is one window of a list and how many records match in all. Next is
// where the page ended when more records follow (nil on the last page):
// a marker made from it continues the list there.
type Page struct {
	Records []models.Record
	Total   int64
	Next    *filter.Position
}

// positionOf is the position of a record in an order.
func positionOf(o filter.Sort, r models.Record) *filter.Position {
	return &filter.Position{Key: o.KeyOf(matchView(r)), UUID: r.UUID}
}

// Fields maps the attributes clients see on the envelope to where they are
// stored, for filter and sort parsing.
func Fields() filter.Fields {
	return filter.Fields{
		models.FieldUUID:      {Path: "_id"},
		models.FieldCreatedAt: {Path: fieldCreated, Time: true},
		models.FieldUpdatedAt: {Path: fieldModified, Time: true},
	}
}

// matchView is the record as filters and sort keys read it: as rendered,
// plus id, which is stored (always equal to uuid) but not rendered, so
// that the matcher agrees with a database evaluating the stored document.
func matchView(r models.Record) map[string]any {
	v := r.Rendered()
	if id, ok := r.Fields[models.FieldID]; ok {
		v[models.FieldID] = id
	}
	return v
}

// List returns one page of the records that match q and how many match.
func (s *Store) List(ctx context.Context, kind models.Kind, q ListQuery) (Page, error) {
	if q.Limit <= 0 {
		q.Limit = models.DefaultPageSize
	}
	if len(q.Sort.Keys) == 0 {
		q.Sort = filter.DefaultSort(filter.Options{Fields: Fields()})
	}
	if q.After != nil && !q.Sort.Fits(*q.After) {
		return Page{}, errForeignMarker
	}
	if s.lists != nil {
		return s.lists.list(ctx, kind, q)
	}
	doc, exact := s.serverFilter(ctx, q.Filter)
	if !exact || !q.Sort.IsDefault() {
		// Only the default order has a keyset the server can seek to, and
		// only it is sure to agree with the markers' ordering (the server
		// orders mixed types its own way); other orders go through the
		// window.
		return s.listInGo(ctx, kind, q, doc, exact)
	}
	find := doc
	if q.After != nil {
		created, err := createdOf(*q.After)
		if err != nil {
			return Page{}, err
		}
		find = bson.M{"$and": bson.A{doc, afterNewest(created, q.After.UUID)}}
	}
	opts := options.Find().SetSort(mongoSort(q.Sort)).SetLimit(q.Limit + 1)
	if q.After == nil {
		opts.SetSkip(q.Offset)
	}
	cur, err := s.records(kind).Find(ctx, find, opts)
	if err != nil {
		return Page{}, classify(err, fmt.Sprintf("list %s", kind))
	}
	var docs []storedRecord
	if err := cur.All(ctx, &docs); err != nil {
		return Page{}, classify(err, fmt.Sprintf("list %s", kind))
	}
	records := make([]models.Record, len(docs))
	for i, d := range docs {
		records[i] = d.record()
	}
	page := cutPage(q, records)
	if total, ok := knownTotal(q, page); ok {
		page.Total = total
		return page, nil
	}
	if page.Total, err = s.records(kind).CountDocuments(ctx, doc); err != nil {
		return Page{}, classify(err, fmt.Sprintf("count %s", kind))
	}
	return page, nil
}

// cutPage is the page of records read in list order, one more than the
// page holds when more follow: that one is left out and the page's last
// record is where the next page starts.
func cutPage(q ListQuery, records []models.Record) Page {
	page := Page{Records: records}
	if int64(len(records)) > q.Limit {
		page.Records = records[:q.Limit]
		page.Next = positionOf(q.Sort, page.Records[q.Limit-1])
	}
	return page
}

// knownTotal is the total when the page itself tells it: the last page of
// an offset walk that reached at least one record (or the first page), so
// the count (a full scan on FerretDB) can be skipped.
func knownTotal(q ListQuery, p Page) (int64, bool) {
	n := int64(len(p.Records))
	if q.After == nil && p.Next == nil && (n > 0 || q.Offset == 0) {
		return q.Offset + n, true
	}
	return 0, false
}

// serverFilter is the filter document to send and whether the server's
// answer is exact. FerretDB v1 cannot be trusted with $elemMatch or array
// positions: it gets a wider filter and the matcher finishes the work.
func (s *Store) serverFilter(ctx context.Context, f filter.Expr) (map[string]any, bool) {
	if s.isFerretDB(ctx) {
		return f.WideMongoFilter(), !f.NeedsMatcher()
	}
	return f.MongoFilter(), true
}

// mongoSort is the sort document of an order, the uuid last.
func mongoSort(o filter.Sort) bson.D {
	d := make(bson.D, 0, len(o.Keys)+1)
	for _, k := range o.Keys {
		d = append(d, bson.E{Key: k.Stored, Value: direction(k.Desc)})
	}
	return append(d, bson.E{Key: "_id", Value: direction(o.UUIDDesc)})
}

func direction(desc bool) int {
	if desc {
		return -1
	}
	return 1
}

// errForeignMarker answers a position that is not one of the list's order.
var errForeignMarker = models.Errorf(models.CodeInvalid, "nextpage_opaque_marker does not belong to this list; start again from the first page")

// createdOf is the creation time of a position in the default order.
func createdOf(p filter.Position) (time.Time, error) {
	created, ok := p.Key[0].(time.Time)
	if !ok {
		return time.Time{}, errForeignMarker
	}
	return created, nil
}

// afterNewest selects the records after (created, uuid) in the default
// order (newest first, ties by uuid descending): the keyset the
// created_desc index seeks.
func afterNewest(created time.Time, uuid string) bson.M {
	return bson.M{"$or": bson.A{
		bson.M{fieldCreated: bson.M{"$lt": created}},
		bson.M{fieldCreated: created, "_id": bson.M{"$lt": uuid}},
	}}
}

// listInGo reads every record the server filter selects, keeps those the
// matcher accepts, and pages them in the window.
func (s *Store) listInGo(ctx context.Context, kind models.Kind, q ListQuery, doc map[string]any, exact bool) (Page, error) {
	w := newWindow(q)
	err := s.scan(ctx, kind, doc, func(r models.Record) {
		view := matchView(r)
		if exact || q.Filter.Match(view) {
			w.offer(entry{key: q.Sort.KeyOf(view), uuid: r.UUID, rec: &r})
		}
	})
	if err != nil {
		return Page{}, err
	}
	entries, next := w.page(q.Limit)
	page := Page{Records: make([]models.Record, len(entries)), Total: w.total, Next: next}
	for i, e := range entries {
		page.Records[i] = *e.rec
	}
	return page, nil
}

// scan calls fn with every record doc selects, in no particular order.
func (s *Store) scan(ctx context.Context, kind models.Kind, doc map[string]any, fn func(models.Record)) error {
	cur, err := s.records(kind).Find(ctx, doc)
	if err != nil {
		return classify(err, fmt.Sprintf("list %s", kind))
	}
	defer cur.Close(ctx)
	for cur.Next(ctx) {
		var d storedRecord
		if err := cur.Decode(&d); err != nil {
			return classify(err, fmt.Sprintf("list %s", kind))
		}
		fn(d.record())
	}
	return classify(cur.Err(), fmt.Sprintf("list %s", kind))
}

// Count returns how many records match f.
func (s *Store) Count(ctx context.Context, kind models.Kind, f filter.Expr) (int64, error) {
	if s.lists != nil {
		return s.lists.count(ctx, kind, f)
	}
	doc, exact := s.serverFilter(ctx, f)
	if exact {
		n, err := s.records(kind).CountDocuments(ctx, doc)
		if err != nil {
			return 0, classify(err, fmt.Sprintf("count %s", kind))
		}
		return n, nil
	}
	var n int64
	err := s.scan(ctx, kind, doc, func(r models.Record) {
		if f.Match(matchView(r)) {
			n++
		}
	})
	return n, err
}
