package repo

import (
	"container/heap"
	"math"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// window picks, from matching records offered in any order, the page a
// list asks for, in the list's order. It is what a list falls back to when
// the database cannot evaluate the whole query itself: it keeps only the
// records that can still be on the page (a bounded heap), never the whole
// result, and counts every match for the total.
type window struct {
	sort   filter.Sort
	after  *filter.Position
	offset int64
	keep   int64 // records that can still be on the page: the rest fall off
	h      entryHeap
	total  int64
}

// entry is one record a list may return. rec is set when the source
// decoded the whole record anyway (the driver); else the page is fetched
// by uuid once it is known.
type entry struct {
	key  []any
	uuid string
	rec  *models.Record
}

func newWindow(q ListQuery) *window {
	w := &window{sort: q.Sort, after: q.After, offset: q.Offset}
	if w.after != nil {
		w.offset = 0 // a marker replaces the offset
	}
	w.keep = math.MaxInt64
	if w.offset <= math.MaxInt64-q.Limit-1 {
		w.keep = w.offset + q.Limit + 1 // one more tells whether a next page exists
	}
	w.h.less = func(a, b entry) bool {
		// A max-heap in list order: the record that would come last is on
		// top, ready to fall off when a better one arrives.
		return w.sort.Compare(a.key, a.uuid, b.key, b.uuid) > 0
	}
	return w
}

// offer considers one matching record.
func (w *window) offer(e entry) {
	w.total++
	if w.after != nil && w.sort.Compare(e.key, e.uuid, w.after.Key, w.after.UUID) <= 0 {
		return // on a page already served
	}
	if int64(w.h.Len()) < w.keep {
		heap.Push(&w.h, e)
		return
	}
	if w.h.less(w.h.items[0], e) {
		w.h.items[0] = e
		heap.Fix(&w.h, 0)
	}
}

// page returns the entries of the page in list order, and the position of
// the last one when more records follow it.
func (w *window) page(limit int64) ([]entry, *filter.Position) {
	n := w.h.Len()
	sorted := make([]entry, n)
	for i := n - 1; i >= 0; i-- {
		sorted[i] = heap.Pop(&w.h).(entry)
	}
	if int64(n) <= w.offset {
		return nil, nil
	}
	sorted = sorted[w.offset:]
	if int64(len(sorted)) > limit {
		last := sorted[limit-1]
		return sorted[:limit], &filter.Position{Key: last.key, UUID: last.uuid}
	}
	return sorted, nil
}

type entryHeap struct {
	items []entry
	less  func(a, b entry) bool
}

func (h entryHeap) Len() int           { return len(h.items) }
func (h entryHeap) Less(i, j int) bool { return h.less(h.items[i], h.items[j]) }
func (h entryHeap) Swap(i, j int)      { h.items[i], h.items[j] = h.items[j], h.items[i] }
func (h *entryHeap) Push(x any)        { h.items = append(h.items, x.(entry)) }
func (h *entryHeap) Pop() any {
	last := h.items[len(h.items)-1]
	h.items = h.items[:len(h.items)-1]
	return last
}
