package repo

import (
	"container/heap"
	"math"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Window picks, from matching documents offered in any order, the page a
// list asks for, in the list's order. It is what a backend falls back to
// when the database cannot evaluate the whole query itself: it keeps only
// the documents that can still be on the page (a bounded heap), never the
// whole result, and counts every match for the total.
type Window struct {
	sort   filter.Sort
	after  *filter.Position
	offset int64
	keep   int64 // entries that can still be on the page: the rest fall off
	h      entryHeap
	total  int64
}

// Entry is one document a list may return: its sort key, its id, and the
// document when the source read it whole anyway (else the page is read by
// id once it is known).
type Entry struct {
	Key []any
	ID  string
	Doc *Doc
}

// NewWindow is the window of q (its Limit already defaulted).
func NewWindow(q filter.Query) *Window {
	w := &Window{sort: q.Sort, after: q.After, offset: q.Offset}
	if w.after != nil {
		w.offset = 0 // a marker replaces the offset
	}
	w.keep = math.MaxInt64
	if w.offset <= math.MaxInt64-q.Limit-1 {
		w.keep = w.offset + q.Limit + 1 // one more tells whether a next page exists
	}
	w.h.less = func(a, b Entry) bool {
		// A max-heap in list order: the entry that would come last is on
		// top, ready to fall off when a better one arrives.
		return w.sort.Compare(a.Key, a.ID, b.Key, b.ID) > 0
	}
	return w
}

// Offer considers one matching document.
func (w *Window) Offer(e Entry) {
	w.total++
	if w.after != nil && w.sort.Compare(e.Key, e.ID, w.after.Key, w.after.UUID) <= 0 {
		return // on a page already served
	}
	w.offerKept(e)
}

// Wants reports whether Offer would keep a document with this key and
// id now (it counts every one): a caller may skip building an entry it
// would not keep.
func (w *Window) Wants(key []any, id string) bool {
	if w.after != nil && w.sort.Compare(key, id, w.after.Key, w.after.UUID) <= 0 {
		return false
	}
	return int64(w.h.Len()) < w.keep || w.h.less(w.h.items[0], Entry{Key: key, ID: id})
}

// Count counts a match Wants said the window would not keep (so that the
// caller need not build its entry).
func (w *Window) Count() { w.total++ }

// offerKept places an entry after the marker in the heap.
func (w *Window) offerKept(e Entry) {
	if int64(w.h.Len()) < w.keep {
		heap.Push(&w.h, e)
		return
	}
	if w.h.less(w.h.items[0], e) {
		w.h.items[0] = e
		heap.Fix(&w.h, 0)
	}
}

// Merge adds what o kept and counted to w, as if every document offered
// to o had been offered to w: a scan split in parts gives each part a
// window of the same query and merges them.
func (w *Window) Merge(o *Window) {
	w.total += o.total
	for _, e := range o.h.items {
		w.offerKept(e)
	}
}

// Total is how many documents were offered.
func (w *Window) Total() int64 { return w.total }

// Page returns the entries of the page in list order, and the position of
// the last one when more follow it.
func (w *Window) Page(limit int64) ([]Entry, *filter.Position) {
	n := w.h.Len()
	sorted := make([]Entry, n)
	for i := n - 1; i >= 0; i-- {
		sorted[i] = heap.Pop(&w.h).(Entry)
	}
	if int64(n) <= w.offset {
		return nil, nil
	}
	sorted = sorted[w.offset:]
	if int64(len(sorted)) > limit {
		last := sorted[limit-1]
		return sorted[:limit], &filter.Position{Key: last.Key, UUID: last.ID}
	}
	return sorted, nil
}

type entryHeap struct {
	items []Entry
	less  func(a, b Entry) bool
}

func (h entryHeap) Len() int           { return len(h.items) }
func (h entryHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h entryHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *entryHeap) Push(x any)        { h.items = append(h.items, x.(Entry)) }
func (h *entryHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}

// Normalize fills q's defaults (the default order, the default page size)
// and refuses a marker of another order, as every backend must.
func Normalize(q filter.Query, env Envelope) (filter.Query, error) {
	if q.Limit <= 0 {
		q.Limit = defaultLimit
	}
	if len(q.Sort.Keys) == 0 {
		q.Sort = NewestFirst(env)
	}
	if q.After != nil && !q.Sort.Fits(*q.After) {
		return filter.Query{}, ErrForeignMarker
	}
	return q, nil
}

// NewestFirst is the default order of a collection: by its creation
// time descending, ties by id descending (the order a backend's creation
// index walks backwards), whatever the envelope calls the time
// (filter.DefaultSort's created_at for records); by id alone when it has
// none.
func NewestFirst(env Envelope) filter.Sort {
	if env.Created == "" {
		return filter.Sort{UUIDDesc: true}
	}
	return filter.Sort{Keys: []filter.SortKey{{Path: []string{env.Created}, Desc: true, Time: true}}, UUIDDesc: true}
}

// IsNewestFirst reports whether s is NewestFirst(env): the order a
// backend answers from its creation index.
func IsNewestFirst(s filter.Sort, env Envelope) bool {
	return env.Created != "" && len(s.Keys) == 1 && s.UUIDDesc && s.Keys[0].Desc &&
		len(s.Keys[0].Path) == 1 && s.Keys[0].Path[0] == env.Created
}

// NewDoc is d as Insert stores it: a zero Created is now, a zero
// Modified is Created, a Version below 1 is 1, times in UTC at millisecond
// precision.
func NewDoc(d Doc, now time.Time) Doc {
	if d.Created.IsZero() {
		d.Created = now
	}
	d.Created = d.Created.UTC().Truncate(time.Millisecond)
	if d.Modified.IsZero() {
		d.Modified = d.Created
	}
	d.Modified = d.Modified.UTC().Truncate(time.Millisecond)
	d.Version = max(d.Version, 1)
	return d
}

// CutPage is the page of q from docs read in the newest-first order, one
// more than the page holds when more follow (that one is left out, and
// the page's last is where the next starts). known says whether the page
// tells the total itself (the last page of an offset walk that reached a
// document, or the first): else the backend counts.
func CutPage(q filter.Query, docs []Doc) (page filter.Page[Doc], known bool) {
	page.Items = docs
	if int64(len(docs)) > q.Limit {
		page.Items = docs[:q.Limit]
		last := page.Items[q.Limit-1]
		page.Next = &filter.Position{Key: []any{last.Created}, UUID: last.ID}
	}
	if n := int64(len(page.Items)); q.After == nil && page.Next == nil && (n > 0 || q.Offset == 0) {
		page.Total = q.Offset + n
		return page, true
	}
	return page, false
}

// defaultLimit is a page's size when the query names none.
const defaultLimit = models.DefaultPageSize

// ErrForeignMarker answers a position that is not one of the list's order.
var ErrForeignMarker = models.Errorf(models.CodeInvalid, "nextpage_opaque_marker does not belong to this list; start again from the first page")
