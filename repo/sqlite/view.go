package sqlite

import (
	"fmt"
	"strconv"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Partial views of stored documents, for lists the indexes cannot answer.
//
// Why: such a list reads every selected row, and a filter such as
// virtual_deployment_units.ANYINDEX.resource_requirements.cpu.vcpus.gt=4
// reads a few numbers of a large array (VNFC instances, connection
// points, ...). A view pruned to the paths the filter and the order read,
// decoded straight from the row's JSONB (which hops over the rest), costs
// a few maps per row instead of the whole record.
//
// The view must answer Match and KeyOf exactly as the whole record does.
// Both resolve a path the MongoDB way (see filter.Expr.Paths): through
// objects by name, through arrays at any level (each object element with
// the same rest of the path, the element at a number segment's position
// with what follows), ANYINDEX reads each element of an array as a
// document, and an "empty" condition tests missing or null. So the view
// keeps, along the paths, every object met with the members the paths name
// (a member the document lacks stays missing), every array met with all
// its elements in place (pruned, but of the same kind: object, array or
// scalar, so that positions, lengths and kinds stay what they were), and
// the whole value where a path ends. Anything else the view keeps beyond
// that is harmless: only dropping or changing what the paths reach would
// change an answer.

// pathTrie is the set of paths read below one value of a document.
//
// A trie is built for one scan and used by one goroutine: element fills
// its memo as the rows need it.
type pathTrie struct {
	name  string               // the segment that leads here (the map key its parent stores it under)
	whole bool                 // a path ends here: the whole value is read
	names map[string]*pathTrie // next segments: members of an object, positions of an array
	pos   map[int]*pathTrie    // names that are array positions, by position
	each  *pathTrie            // ANYINDEX: each element of an array here, read as a document
	memo  map[elemKey]*pathTrie
}

// elemKey names what element returns: the trie of an array element at a
// position some name stands for (else pos is -1), an object or not.
type elemKey struct {
	pos    int
	object bool
}

// newPathTrie builds the trie of paths (from the document's root).
func newPathTrie(paths [][]string) *pathTrie {
	root := &pathTrie{}
	for _, p := range paths {
		if len(p) == 0 {
			continue
		}
		t := root
		for _, seg := range p {
			t = t.child(seg)
		}
		t.whole = true
	}
	return root
}

// child returns the trie below seg, adding it on first use.
func (t *pathTrie) child(seg string) *pathTrie {
	if seg == filter.AnyIndex {
		if t.each == nil {
			t.each = &pathTrie{name: seg}
		}
		return t.each
	}
	if c, ok := t.names[seg]; ok {
		return c
	}
	c := &pathTrie{name: seg}
	t.addName(c)
	return c
}

func (t *pathTrie) addName(c *pathTrie) {
	if t.names == nil {
		t.names = map[string]*pathTrie{}
	}
	t.names[c.name] = c
	if i, ok := arrayPosition(c.name); ok {
		if t.pos == nil {
			t.pos = map[int]*pathTrie{}
		}
		t.pos[i] = c
	}
}

// arrayPosition reads a segment as an array position the way the matcher
// and the order do: digits, no leading zero, at most 9 of them. A segment
// that is not one is only ever a member name.
func arrayPosition(seg string) (int, bool) {
	if seg == "" || len(seg) > 9 || (len(seg) > 1 && seg[0] == '0') {
		return 0, false
	}
	for i := 0; i < len(seg); i++ {
		if seg[i] < '0' || seg[i] > '9' {
			return 0, false
		}
	}
	n, err := strconv.Atoi(seg)
	return n, err == nil
}

// element returns the trie the element at index i of an array found at t
// is read by, or nil when no path reads into it. An object element is
// walked with t's own names (traversal), and an object or array element
// is read as a document by an ANYINDEX below t; the element at a position
// t names is read by that name's trie too, whatever its kind. Scalars
// need no trie: they are kept whole.
func (t *pathTrie) element(i int, object bool) *pathTrie {
	k := elemKey{pos: -1, object: object}
	at := t.pos[i]
	if at != nil {
		k.pos = i
	}
	if e, ok := t.memo[k]; ok {
		return e
	}
	var e *pathTrie
	if object {
		e = t
	}
	e = union(e, t.each)
	e = union(e, at)
	if t.memo == nil {
		t.memo = map[elemKey]*pathTrie{}
	}
	t.memo[k] = e
	return e
}

// union is the trie of the paths of a and of b (either may be nil). It
// may share their subtries: a trie's memo depends on its paths alone.
func union(a, b *pathTrie) *pathTrie {
	switch {
	case a == nil:
		return b
	case b == nil, a == b:
		return a
	}
	u := &pathTrie{name: a.name, whole: a.whole || b.whole, each: union(a.each, b.each)}
	for _, c := range a.names {
		u.addName(union(c, b.names[c.name]))
	}
	for _, c := range b.names {
		if _, ok := a.names[c.name]; !ok {
			u.addName(c)
		}
	}
	return u
}

// viewPlan reads the partial views of one scan of a collection.
type viewPlan struct {
	root *pathTrie
	env  repo.Envelope
	// envelope are the envelope names the paths read; body members of
	// those names are not read (the envelope is what readers see there).
	envelope []string
	// body is set when some path reads the body: else a row's envelope
	// columns are the whole view.
	body bool
	// id is set when some path reads the id: else a row's id is not
	// decoded (row.id is empty). created and modified likewise: a column
	// read is a value the driver boxes, per row.
	id, created, modified bool
	// admin is set when some path reads _admin, the server-side state
	// (OSM's _admin.onboardingState, ...): the admin column, read whole.
	admin bool
}

// adminName is the name under which views show the server-side state.
const adminName = "_admin"

func newViewPlan(paths [][]string, env repo.Envelope) *viewPlan {
	p := &viewPlan{root: newPathTrie(paths), env: env}
	for name := range p.root.names {
		switch {
		case name == adminName:
			p.admin = true
		case !p.isEnvelope(name):
			p.body = true
		default:
			p.envelope = append(p.envelope, name)
			switch name {
			case env.Created:
				p.created = true
			case env.Modified:
				p.modified = true
			default:
				p.id = true
			}
		}
	}
	return p
}

func (p *viewPlan) isEnvelope(name string) bool {
	if name == p.env.Created || name == p.env.Modified {
		return name != ""
	}
	for _, n := range p.env.ID {
		if n == name {
			return true
		}
	}
	return false
}

// row is the envelope of one stored document and its body (JSONB).
type row struct {
	id                string
	created, modified int64 // Unix milliseconds
	body              []byte
	admin             []byte // JSON text, nil when none
}

// view decodes the partial view of one row. body is only read during
// the call (it may be the driver's buffer for the row, reused for the
// next): every string the view holds is a copy, since the order's keys
// outlive the row.
func (p *viewPlan) view(r row) (map[string]any, error) {
	view := make(map[string]any, len(p.root.names))
	if p.body {
		typ, payload, _, err := element(r.body)
		if err != nil {
			return nil, err
		}
		if typ != jbObject {
			return nil, fmt.Errorf("%w: a body that is not an object", errJSONB)
		}
		for it := (members{payload}); ; {
			lt, label, v, ok, err := it.next()
			if err != nil {
				return nil, err
			}
			if !ok {
				break
			}
			name, err := memberName(lt, label)
			if err != nil {
				return nil, err
			}
			t, ok := p.root.names[name]
			if !ok || p.isEnvelope(name) || name == adminName {
				continue
			}
			x, err := t.value(v)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", t.name, err)
			}
			view[t.name] = x // the trie's copy of the name: the row's bytes are not kept
		}
	}
	if p.admin && len(r.admin) > 0 {
		// Numbers as the body's are (int64 or float64), so that ordered
		// filters on _admin compare them as numbers.
		admin, err := models.DecodeFields(r.admin)
		if err != nil {
			return nil, fmt.Errorf("_admin: %w", err)
		}
		view[adminName] = admin
	}
	for _, name := range p.envelope {
		switch name {
		case p.env.Created:
			view[name] = time.UnixMilli(r.created).UTC()
		case p.env.Modified:
			view[name] = time.UnixMilli(r.modified).UTC()
		default:
			view[name] = r.id
		}
	}
	return view, nil
}

// value decodes the parts of element b the paths of t read.
func (t *pathTrie) value(b []byte) (any, error) {
	if t.whole {
		return value(b)
	}
	typ, payload, _, err := element(b)
	if err != nil {
		return nil, err
	}
	switch typ {
	case jbObject:
		m := make(map[string]any, len(t.names))
		for it := (members{payload}); ; {
			lt, label, v, ok, err := it.next()
			if err != nil || !ok {
				return m, err
			}
			name, err := memberName(lt, label)
			if err != nil {
				return nil, err
			}
			c, ok := t.names[name]
			if !ok {
				continue
			}
			x, err := c.value(v)
			if err != nil {
				return nil, err
			}
			m[c.name] = x
		}
	case jbArray:
		a := make([]any, 0, 4)
		for it := (elements{payload}); ; {
			v, ok, err := it.next()
			if err != nil || !ok {
				return a, err
			}
			et, ep, _, err := element(v)
			if err != nil {
				return nil, err
			}
			var x any
			switch et {
			case jbObject:
				x, err = t.element(len(a), true).value(v) // never nil: t itself
			case jbArray:
				if e := t.element(len(a), false); e != nil {
					x, err = e.value(v)
				} else {
					// No path reads into it (no position here names it, no
					// ANYINDEX): the matcher skips an inner array met on
					// the way and the order reads it as null. Its place
					// and its kind are kept all the same.
					x = []any{}
				}
			default:
				x, err = scalar(et, ep)
			}
			if err != nil {
				return nil, err
			}
			a = append(a, x)
		}
	}
	return scalar(typ, payload)
}
