package handlers_test

import (
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"sigs.k8s.io/yaml"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// Integration tests of the list endpoints (paging, Link, count, filters),
// output negotiation, routing errors, request ids and health probes,
// through the router on the real embedded store.

// lstBases are the list paths of each kind: the canonical one first, then its alias.
var lstBases = map[string][]string{
	"nsr":  {"/nsrs", "/records/nsr/ns-instances"},
	"vnfr": {"/vnfrs", "/records/vnfr/vnf-instances"},
}

// lstAllBases is every list path.
var lstAllBases = []string{"/nsrs", "/records/nsr/ns-instances", "/vnfrs", "/records/vnfr/vnf-instances"}

const (
	lstJSON = "application/json; charset=utf-8"
	lstYAML = "application/yaml; charset=utf-8"
	lstHTML = "text/html; charset=utf-8"
)

// lstTimeRE is tng-rep's time format: UTC with milliseconds.
var lstTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$`)

// lstRecordBody is a minimal valid record (NSR and VNFR alike).
func lstRecordBody(id, status, ref string) []byte {
	m := map[string]any{"id": id, "descriptor_version": "1", "status": status}
	if ref != "" {
		m["descriptor_reference"] = ref
	}
	b, err := json.Marshal(m)
	if err != nil {
		panic(err)
	}
	return b
}

// lstSeeded is a record created by lstSeed.
type lstSeeded struct{ uuid, status, ref string }

// lstSeed creates n minimal records on base, concurrently (so that several
// share a creation millisecond). Record i gets statuses[i%len] and
// refs[i%len] ("" leaves descriptor_reference out).
func lstSeed(t *testing.T, h http.Handler, base string, n int, statuses, refs []string) []lstSeeded {
	t.Helper()
	if len(statuses) == 0 {
		statuses = []string{"normal operation"}
	}
	if len(refs) == 0 {
		refs = []string{""}
	}
	out := make([]lstSeeded, n)
	for i := range out {
		out[i] = lstSeeded{uuid: uuid.NewString(), status: statuses[i%len(statuses)], ref: refs[i%len(refs)]}
	}
	var wg sync.WaitGroup
	work := make(chan lstSeeded)
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range work {
				rec := do(t, h, http.MethodPost, base, lstRecordBody(r.uuid, r.status, r.ref))
				if rec.Code != http.StatusOK {
					t.Errorf("POST %s %s: %d %s", base, r.uuid, rec.Code, rec.Body.String())
				}
			}
		}()
	}
	for _, r := range out {
		work <- r
	}
	close(work)
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// lstDecode decodes a list answer in JSON or YAML, by its Content-Type.
func lstDecode(t *testing.T, rec *httptest.ResponseRecorder) []map[string]any {
	t.Helper()
	switch ct := rec.Header().Get("Content-Type"); ct {
	case lstJSON:
		return decodeList(t, rec)
	case lstYAML:
		var l []map[string]any
		if err := yaml.Unmarshal(rec.Body.Bytes(), &l); err != nil {
			t.Fatalf("answer %d is not a YAML list: %v: %s", rec.Code, err, rec.Body.String())
		}
		return l
	default:
		t.Fatalf("list answer has Content-Type %q", ct)
		return nil
	}
}

// lstUUIDs are the uuids of a list answer, in order.
func lstUUIDs(t *testing.T, l []map[string]any) []string {
	t.Helper()
	out := make([]string, len(l))
	for i, r := range l {
		s, ok := r["uuid"].(string)
		if !ok {
			t.Fatalf("list item %d has no uuid: %v", i, r)
		}
		out[i] = s
	}
	return out
}

// lstTotal reads X-Total-Count.
func lstTotal(t *testing.T, rec *httptest.ResponseRecorder) int {
	t.Helper()
	raw := rec.Header().Get("X-Total-Count")
	n, err := strconv.Atoi(raw)
	if err != nil {
		t.Fatalf("X-Total-Count %q is not a number", raw)
	}
	return n
}

var lstLinkRE = regexp.MustCompile(`^<([^<>]*)>; rel="([a-z]+)"$`)

// lstLinks parses the Link header into rel -> target.
func lstLinks(t *testing.T, rec *httptest.ResponseRecorder) map[string]string {
	t.Helper()
	raw := rec.Header().Get("Link")
	if raw == "" {
		t.Fatalf("no Link header")
	}
	out := map[string]string{}
	for _, part := range strings.Split(raw, ", ") {
		m := lstLinkRE.FindStringSubmatch(part)
		if m == nil {
			t.Fatalf("Link part %q is not <target>; rel=\"...\" (header %q)", part, raw)
		}
		if _, dup := out[m[2]]; dup {
			t.Fatalf("Link has rel=%q twice: %q", m[2], raw)
		}
		out[m[2]] = m[1]
	}
	for _, rel := range []string{"first", "last"} {
		if _, ok := out[rel]; !ok {
			t.Fatalf("Link has no rel=%q: %q", rel, raw)
		}
	}
	return out
}

// lstCheckLink checks that a link target is relative, on base, in the
// caller's paging style, and keeps the caller's other parameters.
func lstCheckLink(t *testing.T, rel, target, base string, byOffset bool, keep url.Values) url.Values {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatalf("rel=%s %q: %v", rel, target, err)
	}
	if u.Scheme != "" || u.Host != "" || u.Path != base {
		t.Errorf("rel=%s %q: want a relative reference to %s", rel, target, base)
	}
	q := u.Query()
	want, other := []string{"page_number", "page_size"}, []string{"offset", "limit"}
	if byOffset {
		want, other = other, want
	}
	if rel == "next" {
		// next continues from a marker (SOL013), not from a position.
		if len(q["nextpage_opaque_marker"]) != 1 {
			t.Errorf("rel=next %q: want exactly one nextpage_opaque_marker", target)
		}
		other = append(other, want[0])
		want = want[1:]
	} else if q.Has("nextpage_opaque_marker") {
		t.Errorf("rel=%s %q: carries a marker", rel, target)
	}
	for _, k := range want {
		if len(q[k]) != 1 {
			t.Errorf("rel=%s %q: want exactly one %s", rel, target, k)
		}
	}
	for _, k := range other {
		if q.Has(k) {
			t.Errorf("rel=%s %q: has %s, not the caller's paging style", rel, target, k)
		}
	}
	for k, v := range keep {
		if !slices.Equal(q[k], v) {
			t.Errorf("rel=%s %q: %s=%v, want the caller's %v", rel, target, k, q[k], v)
		}
	}
	return q
}

// lstOrdered fetches every record of base (one page of 1000, JSON) and
// checks the order is total: created_at descending, ties by uuid descending.
func lstOrdered(t *testing.T, h http.Handler, base string) []string {
	t.Helper()
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	rec := do(t, h, http.MethodGet, base+sep+"page_size=1000", nil)
	wantStatus(t, rec, http.StatusOK)
	l := decodeList(t, rec)
	lstCheckOrder(t, l)
	return lstUUIDs(t, l)
}

func lstCheckOrder(t *testing.T, l []map[string]any) (ties int) {
	t.Helper()
	for i := 1; i < len(l); i++ {
		a, b := l[i-1], l[i]
		ac, bc := a["created_at"].(string), b["created_at"].(string)
		au, bu := a["uuid"].(string), b["uuid"].(string)
		if ac == bc {
			ties++
		}
		if ac < bc || (ac == bc && au <= bu) {
			t.Fatalf("items %d and %d out of order: (%s, %s) before (%s, %s)", i-1, i, ac, au, bc, bu)
		}
	}
	return ties
}

func TestListRenderedRecords(t *testing.T) {
	for kind, bases := range lstBases {
		t.Run(kind, func(t *testing.T) {
			h, _ := newRouter(t)
			other := "/vnfrs"
			if kind == "vnfr" {
				other = "/nsrs"
			}

			// An empty collection is [] (not null), with X-Total-Count 0, on every path.
			for _, base := range bases {
				rec := do(t, h, http.MethodGet, base, nil)
				wantStatus(t, rec, http.StatusOK)
				if ct := rec.Header().Get("Content-Type"); ct != lstJSON {
					t.Errorf("GET %s: Content-Type %q", base, ct)
				}
				if got := strings.TrimSpace(rec.Body.String()); got != "[]" {
					t.Errorf("GET %s on an empty collection: %q, want []", base, got)
				}
				if got := rec.Header().Get("X-Total-Count"); got != "0" {
					t.Errorf("GET %s: X-Total-Count %q, want 0", base, got)
				}
			}

			// The reference fixture on the canonical path, a minimal record on the alias.
			fix := fixture(t, kind+"/reference-"+kind+"-example.json")
			wantStatus(t, do(t, h, http.MethodPost, bases[0], fix), http.StatusOK)
			var sent map[string]any
			if err := json.Unmarshal(fix, &sent); err != nil {
				t.Fatal(err)
			}
			minimalID := uuid.NewString()
			wantStatus(t, do(t, h, http.MethodPost, bases[1], lstRecordBody(minimalID, "offline", "")), http.StatusOK)

			var first []map[string]any
			for _, base := range bases {
				rec := do(t, h, http.MethodGet, base, nil)
				wantStatus(t, rec, http.StatusOK)
				if got := rec.Header().Get("X-Total-Count"); got != "2" {
					t.Errorf("GET %s: X-Total-Count %q, want 2", base, got)
				}
				l := decodeList(t, rec)
				if len(l) != 2 {
					t.Fatalf("GET %s: %d records, want 2", base, len(l))
				}
				lstCheckOrder(t, l)
				if first == nil {
					first = l
				} else if !reflect.DeepEqual(first, l) {
					t.Errorf("GET %s differs from GET %s:\n%v\n%v", base, bases[0], l, first)
				}
				// Newest first: the minimal record was created last.
				if l[0]["uuid"] != strings.ToLower(minimalID) {
					t.Errorf("GET %s: first item %v, want the newest record %s", base, l[0]["uuid"], strings.ToLower(minimalID))
				}
				for _, r := range l {
					if _, ok := r["id"]; ok {
						t.Errorf("GET %s: item carries id: %v", base, r)
					}
					for _, f := range []string{"created_at", "updated_at"} {
						if s, _ := r[f].(string); !lstTimeRE.MatchString(s) {
							t.Errorf("GET %s: %s %q is not in the tng-rep time format", base, f, r[f])
						}
					}
				}
				// The fixture reads back as sent, plus the server fields, less id.
				fromList := l[1]
				if fromList["uuid"] != sent["id"] {
					t.Fatalf("GET %s: second item %v, want the fixture %v", base, fromList["uuid"], sent["id"])
				}
				want := map[string]any{}
				for k, v := range sent {
					want[k] = v
				}
				delete(want, "id")
				want["uuid"], want["created_at"], want["updated_at"] = sent["id"], fromList["created_at"], fromList["updated_at"]
				if !reflect.DeepEqual(fromList, want) {
					t.Errorf("GET %s: fixture reads back as\n%v\nwant\n%v", base, fromList, want)
				}
				// The list item equals GET one.
				one := do(t, h, http.MethodGet, base+"/"+sent["id"].(string), nil)
				wantStatus(t, one, http.StatusOK)
				if got := decodeObject(t, one); !reflect.DeepEqual(got, fromList) {
					t.Errorf("GET %s/{uuid} %v differs from its list item %v", base, got, fromList)
				}
			}

			// The other kind does not see them.
			rec := do(t, h, http.MethodGet, other, nil)
			wantStatus(t, rec, http.StatusOK)
			if got := strings.TrimSpace(rec.Body.String()); got != "[]" || rec.Header().Get("X-Total-Count") != "0" {
				t.Errorf("GET %s: %s (X-Total-Count %s), want [] and 0", other, got, rec.Header().Get("X-Total-Count"))
			}
		})
	}
}

func TestListOrderNewestFirst(t *testing.T) {
	t.Run("created quickly", func(t *testing.T) {
		h, _ := newRouter(t)
		lstSeed(t, h, "/vnfrs", 20, nil, nil)
		rec := do(t, h, http.MethodGet, "/vnfrs?page_size=1000", nil)
		wantStatus(t, rec, http.StatusOK)
		l := decodeList(t, rec)
		if len(l) != 20 {
			t.Fatalf("%d records, want 20", len(l))
		}
		t.Logf("%d of 19 neighbours share a creation millisecond", lstCheckOrder(t, l))
		all := lstUUIDs(t, l)

		// Stable across pages, in both paging styles and on the alias.
		for _, q := range []string{"page_size=7&page_number=%d", "limit=7&offset=%d"} {
			for _, base := range lstBases["vnfr"] {
				var got []string
				for i := 0; len(got) < len(all); i++ {
					arg := i
					if strings.HasPrefix(q, "limit") {
						arg = i * 7
					}
					rec := do(t, h, http.MethodGet, base+"?"+fmt.Sprintf(q, arg), nil)
					wantStatus(t, rec, http.StatusOK)
					page := lstUUIDs(t, decodeList(t, rec))
					if len(page) == 0 {
						t.Fatalf("%s %s: empty page %d before the end", base, q, i)
					}
					got = append(got, page...)
				}
				if !slices.Equal(got, all) {
					t.Errorf("%s paged by %q: order %v, want %v", base, q, got, all)
				}
			}
		}

		// A replace changes updated_at, not the place in the list.
		oldest := all[len(all)-1]
		wantStatus(t, do(t, h, http.MethodPut, "/vnfrs/"+oldest, lstRecordBody(oldest, "offline", "")), http.StatusOK)
		if got := lstOrdered(t, h, "/vnfrs"); !slices.Equal(got, all) {
			t.Errorf("after a PUT of the oldest record the order is %v, want %v", got, all)
		}
	})

	t.Run("same creation time", func(t *testing.T) {
		// Records stored with one creation instant: only the uuid orders them.
		h, store := newRouter(t)
		at := time.Now().UTC().Truncate(time.Millisecond)
		var ids []string
		nsrs := store.db.Collection(repo.RecordSpec(models.KindNSR))
		for range 12 {
			id := uuid.NewString()
			ids = append(ids, id)
			body := []byte(`{"descriptor_version":"1","status":"offline"}`)
			if _, err := nsrs.Insert(t.Context(), repo.Doc{ID: id, Created: at, Body: body, Admin: defaultOwned}); err != nil {
				t.Fatal(err)
			}
		}
		sort.Sort(sort.Reverse(sort.StringSlice(ids)))
		for _, base := range lstBases["nsr"] {
			if got := lstOrdered(t, h, base); !slices.Equal(got, ids) {
				t.Errorf("GET %s: %v, want uuid descending %v", base, got, ids)
			}
			var got []string
			for p := 0; p < 4; p++ {
				rec := do(t, h, http.MethodGet, fmt.Sprintf("%s?page_size=5&page_number=%d", base, p), nil)
				wantStatus(t, rec, http.StatusOK)
				got = append(got, lstUUIDs(t, decodeList(t, rec))...)
			}
			if !slices.Equal(got, ids) {
				t.Errorf("GET %s by pages of 5: %v, want %v", base, got, ids)
			}
		}
	})
}

func TestListPagingWalk(t *testing.T) {
	h, _ := newRouter(t)
	// 13 NSRs: 7 offline, 6 failed; 9 VNFRs, all offline.
	lstSeed(t, h, "/nsrs", 13, []string{"offline", "failed"}, nil)
	lstSeed(t, h, "/vnfrs", 9, []string{"offline"}, nil)
	allNSR := lstOrdered(t, h, "/nsrs")
	allVNFR := lstOrdered(t, h, "/vnfrs")
	offlineNSR := lstOrdered(t, h, "/nsrs?status=offline")

	tests := []struct {
		name     string
		base     string
		query    string // the first request's query
		byOffset bool
		size     int
		want     []string
		keep     url.Values // caller's parameters every link must keep
	}{
		{name: "page_size 7", base: "/nsrs", query: "page_size=7", size: 7, want: allNSR},
		{name: "page_number 0 explicit", base: "/records/nsr/ns-instances", query: "page_number=0&page_size=5", size: 5, want: allNSR},
		{name: "page_size 1", base: "/vnfrs", query: "page_size=1", size: 1, want: allVNFR},
		{name: "one full page", base: "/vnfrs", query: "page_size=9", size: 9, want: allVNFR},
		{name: "default size", base: "/records/vnfr/vnf-instances", query: "", size: 100, want: allVNFR},
		{name: "page_size 1000", base: "/nsrs", query: "page_size=1000", size: 1000, want: allNSR},
		{name: "limit 4", base: "/nsrs", query: "limit=4", byOffset: true, size: 4, want: allNSR},
		{name: "offset 0 limit 6", base: "/records/vnfr/vnf-instances", query: "offset=0&limit=6", byOffset: true, size: 6, want: allVNFR},
		{name: "offset only", base: "/vnfrs", query: "offset=0", byOffset: true, size: 100, want: allVNFR},
		{
			name: "filter and yaml kept, pages", base: "/nsrs", query: "status=offline&output=yaml&page_size=5",
			size: 5, want: offlineNSR, keep: url.Values{"status": {"offline"}, "output": {"yaml"}},
		},
		{
			name: "filter and yaml kept, offsets", base: "/records/nsr/ns-instances", query: "output=yaml&limit=3&status=offline",
			byOffset: true, size: 3, want: offlineNSR, keep: url.Values{"status": {"offline"}, "output": {"yaml"}},
		},
		{
			name: "repeated filter kept", base: "/nsrs", query: "status=offline&status=failed&page_size=10",
			size: 10, want: allNSR, keep: url.Values{"status": {"offline", "failed"}},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			target := tc.base
			if tc.query != "" {
				target += "?" + tc.query
			}
			var got []string
			seen := map[string]bool{}
			wantPages := (len(tc.want) + tc.size - 1) / tc.size
			var firstLinks string
			var pageTargets []string
			for page := 0; ; page++ {
				if page > wantPages {
					t.Fatalf("still following next after %d pages (want %d)", page, wantPages)
				}
				rec := do(t, h, http.MethodGet, target, nil)
				wantStatus(t, rec, http.StatusOK)
				if tc.keep.Has("output") {
					if ct := rec.Header().Get("Content-Type"); ct != lstYAML {
						t.Fatalf("page %d (%s): Content-Type %q, want YAML", page, target, ct)
					}
				}
				if n := lstTotal(t, rec); n != len(tc.want) {
					t.Errorf("page %d: X-Total-Count %d, want %d", page, n, len(tc.want))
				}
				items := lstUUIDs(t, lstDecode(t, rec))
				if wantLen := min(tc.size, len(tc.want)-page*tc.size); len(items) != wantLen {
					t.Errorf("page %d (%s): %d records, want %d", page, target, len(items), wantLen)
				}
				for _, id := range items {
					if seen[id] {
						t.Errorf("page %d: record %s seen again", page, id)
					}
					seen[id] = true
				}
				got = append(got, items...)
				pageTargets = append(pageTargets, target)

				links := lstLinks(t, rec)
				for rel, l := range links {
					q := lstCheckLink(t, rel, l, tc.base, tc.byOffset, tc.keep)
					if n := q.Get("page_size") + q.Get("limit"); n != strconv.Itoa(tc.size) {
						t.Errorf("rel=%s %q: page size %s, want %d", rel, l, n, tc.size)
					}
				}
				if page == 0 {
					firstLinks = links["first"]
				} else if links["first"] != firstLinks {
					t.Errorf("page %d: rel=first %q, want %q as on page 0", page, links["first"], firstLinks)
				}
				// Pages after the first are reached by a marker, whose
				// position the server does not know: no prev there.
				if prev, hasPrev := links["prev"]; hasPrev {
					t.Errorf("page %d has rel=prev %q", page, prev)
				}
				next, hasNext := links["next"]
				if !hasNext {
					// rel=last, a position, lands on the page the markers reached.
					last := do(t, h, http.MethodGet, links["last"], nil)
					if lastItems := lstUUIDs(t, lstDecode(t, last)); len(items) > 0 && !slices.Equal(lastItems, items) {
						t.Errorf("last page %q: rel=last %q has %v, want %v", target, links["last"], lastItems, items)
					}
					if page != wantPages-1 && !(wantPages == 0 && page == 0) {
						t.Errorf("no rel=next on page %d of %d", page, wantPages)
					}
					break
				}
				target = next
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("walk gave %v, want %v", got, tc.want)
			}

			// rel=last of the first page leads to the page the walk ended on.
			rec := do(t, h, http.MethodGet, pageTargets[0], nil)
			wantStatus(t, rec, http.StatusOK)
			last := do(t, h, http.MethodGet, lstLinks(t, rec)["last"], nil)
			wantStatus(t, last, http.StatusOK)
			end := do(t, h, http.MethodGet, pageTargets[len(pageTargets)-1], nil)
			if a, b := lstUUIDs(t, lstDecode(t, last)), lstUUIDs(t, lstDecode(t, end)); !slices.Equal(a, b) {
				t.Errorf("rel=last gives %v, the walk ended on %v", a, b)
			}
		})
	}
}

func TestListPagingEdges(t *testing.T) {
	t.Run("empty collection", func(t *testing.T) {
		h, _ := newRouter(t)
		for _, tc := range []struct{ query, first, last, prev string }{
			{"", "page_number=0&page_size=100", "page_number=0&page_size=100", ""},
			{"page_size=10", "page_number=0&page_size=10", "page_number=0&page_size=10", ""},
			{"page_number=2&page_size=10", "page_number=0&page_size=10", "page_number=0&page_size=10", "page_number=0&page_size=10"},
			{"offset=0&limit=5", "limit=5&offset=0", "limit=5&offset=0", ""},
			{"offset=15&limit=5", "limit=5&offset=0", "limit=5&offset=0", "limit=5&offset=0"},
		} {
			for _, base := range lstAllBases {
				target := base + "?" + tc.query
				rec := do(t, h, http.MethodGet, target, nil)
				wantStatus(t, rec, http.StatusOK)
				if got := strings.TrimSpace(rec.Body.String()); got != "[]" {
					t.Errorf("GET %s: %q, want []", target, got)
				}
				if got := rec.Header().Get("X-Total-Count"); got != "0" {
					t.Errorf("GET %s: X-Total-Count %q, want 0", target, got)
				}
				links := lstLinks(t, rec)
				want := map[string]string{"first": base + "?" + tc.first, "last": base + "?" + tc.last}
				if tc.prev != "" {
					want["prev"] = base + "?" + tc.prev
				}
				if !reflect.DeepEqual(links, want) {
					t.Errorf("GET %s: Link %v, want %v", target, links, want)
				}
			}
		}
	})

	h, _ := newRouter(t)
	lstSeed(t, h, "/nsrs", 10, nil, nil)
	all := lstOrdered(t, h, "/nsrs")

	tests := []struct {
		query  string
		offset int               // where the answered window starts in all
		length int               // records answered
		links  map[string]string // rel -> query; a rel not listed must be absent
	}{
		{"", 0, 10, map[string]string{"first": "page_number=0&page_size=100", "last": "page_number=0&page_size=100"}},
		{"page_size=10", 0, 10, map[string]string{"first": "page_number=0&page_size=10", "last": "page_number=0&page_size=10"}},
		{"page_size=5", 0, 5, map[string]string{
			"first": "page_number=0&page_size=5", "next": "page_number=1&page_size=5", "last": "page_number=1&page_size=5"}},
		{"page_size=5&page_number=1", 5, 5, map[string]string{ // a full last page
			"first": "page_number=0&page_size=5", "prev": "page_number=0&page_size=5", "last": "page_number=1&page_size=5"}},
		{"page_size=3&page_number=1", 3, 3, map[string]string{
			"first": "page_number=0&page_size=3", "prev": "page_number=0&page_size=3",
			"next": "page_number=2&page_size=3", "last": "page_number=3&page_size=3"}},
		{"page_size=3&page_number=3", 9, 1, map[string]string{ // the last, partial page
			"first": "page_number=0&page_size=3", "prev": "page_number=2&page_size=3", "last": "page_number=3&page_size=3"}},
		{"page_size=3&page_number=4", 10, 0, map[string]string{ // just beyond the end
			"first": "page_number=0&page_size=3", "prev": "page_number=3&page_size=3", "last": "page_number=3&page_size=3"}},
		{"page_number=7", 10, 0, map[string]string{ // far beyond the end
			"first": "page_number=0&page_size=100", "prev": "page_number=0&page_size=100", "last": "page_number=0&page_size=100"}},
		{"page_size=1000", 0, 10, map[string]string{"first": "page_number=0&page_size=1000", "last": "page_number=0&page_size=1000"}},
		{"page_size=1", 0, 1, map[string]string{
			"first": "page_number=0&page_size=1", "next": "page_number=1&page_size=1", "last": "page_number=9&page_size=1"}},
		{"page_number=9&page_size=1", 9, 1, map[string]string{
			"first": "page_number=0&page_size=1", "prev": "page_number=8&page_size=1", "last": "page_number=9&page_size=1"}},
		{"limit=1000", 0, 10, map[string]string{"first": "limit=1000&offset=0", "last": "limit=1000&offset=0"}},
		{"offset=0&limit=4", 0, 4, map[string]string{
			"first": "limit=4&offset=0", "next": "limit=4&offset=4", "last": "limit=4&offset=8"}},
		{"offset=8&limit=4", 8, 2, map[string]string{
			"first": "limit=4&offset=0", "prev": "limit=4&offset=4", "last": "limit=4&offset=8"}},
		{"offset=3&limit=4", 3, 4, map[string]string{ // off the page grid
			"first": "limit=4&offset=0", "prev": "limit=4&offset=0", "next": "limit=4&offset=7", "last": "limit=4&offset=8"}},
		{"offset=10", 10, 0, map[string]string{
			"first": "limit=100&offset=0", "prev": "limit=100&offset=0", "last": "limit=100&offset=0"}},
		{"offset=12&limit=5", 10, 0, map[string]string{
			"first": "limit=5&offset=0", "prev": "limit=5&offset=5", "last": "limit=5&offset=5"}},
		// Huge windows far past the end: no overflow into a negative next link.
		{"offset=9223372036854775807&limit=1", 10, 0, map[string]string{
			"first": "limit=1&offset=0", "prev": "limit=1&offset=9", "last": "limit=1&offset=9"}},
		{"offset=9223372036854775807", 10, 0, map[string]string{
			"first": "limit=100&offset=0", "prev": "limit=100&offset=0", "last": "limit=100&offset=0"}},
		{"page_number=92233720368547758", 10, 0, map[string]string{ // offset 9223372036854775800
			"first": "page_number=0&page_size=100", "prev": "page_number=0&page_size=100", "last": "page_number=0&page_size=100"}},
		{"page_number=9223372036854775807&page_size=1", 10, 0, map[string]string{
			"first": "page_number=0&page_size=1", "prev": "page_number=9&page_size=1", "last": "page_number=9&page_size=1"}},
	}
	for i, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			for _, base := range lstBases["nsr"][i%2 : i%2+1] { // canonical and alias in turn
				target := base + "?" + tc.query
				rec := do(t, h, http.MethodGet, target, nil)
				wantStatus(t, rec, http.StatusOK)
				if n := lstTotal(t, rec); n != 10 {
					t.Errorf("GET %s: X-Total-Count %d, want 10", target, n)
				}
				got := lstUUIDs(t, decodeList(t, rec))
				if want := all[tc.offset : tc.offset+tc.length]; !slices.Equal(got, want) {
					t.Errorf("GET %s: %v, want %v", target, got, want)
				}
				if tc.length == 0 && strings.TrimSpace(rec.Body.String()) != "[]" {
					t.Errorf("GET %s: %q, want []", target, rec.Body.String())
				}
				links := lstLinks(t, rec)
				want := map[string]string{}
				for rel, q := range tc.links {
					want[rel] = base + "?" + q
				}
				// next is a marker: it must lead where the offset link would.
				gotNext, wantNext := links["next"], want["next"]
				delete(links, "next")
				delete(want, "next")
				if !reflect.DeepEqual(links, want) {
					t.Errorf("GET %s: Link\n%v\nwant\n%v", target, links, want)
				}
				if (gotNext == "") != (wantNext == "") {
					t.Errorf("GET %s: rel=next %q, want one like %q", target, gotNext, wantNext)
				} else if gotNext != "" {
					lstCheckLink(t, "next", gotNext, base, strings.Contains(tc.query, "offset") || strings.Contains(tc.query, "limit"), nil)
					byMarker := lstUUIDs(t, decodeList(t, do(t, h, http.MethodGet, gotNext, nil)))
					byOffset := lstUUIDs(t, decodeList(t, do(t, h, http.MethodGet, wantNext, nil)))
					if !slices.Equal(byMarker, byOffset) || len(byMarker) == 0 {
						t.Errorf("GET %s: rel=next %q gives %v, the position %q gives %v", target, gotNext, byMarker, wantNext, byOffset)
					}
					links["next"] = gotNext
				}
				// Every link the server hands out can be followed.
				followed := map[string]bool{}
				for rel, l := range links {
					if followed[l] {
						continue
					}
					followed[l] = true
					if rec := do(t, h, http.MethodGet, l, nil); rec.Code != http.StatusOK {
						t.Errorf("GET %s: rel=%s %q answers %d: %s", target, rel, l, rec.Code, rec.Body.String())
					}
				}
			}
		})
	}
}

func TestListPagingInvalid(t *testing.T) {
	h, _ := newRouter(t)
	lstSeed(t, h, "/nsrs", 2, nil, nil)
	tests := []struct {
		query string
		names string // what the detail must mention
	}{
		{"page_number=-1", "page_number"},
		{"page_number=1.5", "page_number"},
		{"page_number=", "page_number"},
		{"page_number=abc", "page_number"},
		{"page_number=9223372036854775807", "page_number"},
		{"page_number=9223372036854775808", "page_number"},
		{"page_number=99999999999999999999", "page_number"},
		{"page_number=92233720368547759", "page_number"}, // * 100 overflows
		{"page_number=1&page_number=2", "page_number"},
		{"page_size=0", "page_size"},
		{"page_size=-3", "page_size"},
		{"page_size=abc", "page_size"},
		{"page_size=1001", "page_size"},
		{"page_size=1e2", "page_size"},
		{"page_size=5&page_size=6", "page_size"},
		{"page_size=5&page_size=5", "page_size"},
		{"page_number=9223372036854775807&page_size=1000", "page_number"},
		{"limit=0", "limit"},
		{"limit=1001", "limit"},
		{"limit=x", "limit"},
		{"limit=5&limit=6", "limit"},
		{"offset=-5", "offset"},
		{"offset=1.0", "offset"},
		{"offset=9223372036854775808", "offset"},
		{"offset=1&offset=2", "offset"},
		{"page_number=1&offset=2", "offset"},
		{"page_size=10&limit=10", "limit"},
		{"page_number=0&limit=10", "limit"},
		{"count=maybe", "count"},
		{"count=1&count=1", "count"},
		{"foo..bar=1", "foo..bar"},
		{"status=offline&%24where=1", "$where"},
		{"status.gt=", "status.gt"},
		{"sort=", "sort"},
		{"nextpage_opaque_marker=garbage", "nextpage_opaque_marker"},
		{"page_number=1&nextpage_opaque_marker=x", "nextpage_opaque_marker"},
		{"output=xml", "output"},
		{"output=", "output"},
		{"output=json&output=yaml", "output"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			for _, base := range lstAllBases {
				rec := do(t, h, http.MethodGet, base+"?"+tc.query, nil)
				e := wantError(t, rec, http.StatusBadRequest, "BAD_REQUEST")
				if d, _ := e["detail"].(string); !strings.Contains(d, tc.names) {
					t.Errorf("GET %s?%s: detail %q does not name %s", base, tc.query, d, tc.names)
				}
				if rec.Header().Get("Link") != "" || rec.Header().Get("X-Total-Count") != "" {
					t.Errorf("GET %s?%s: an error carries paging headers", base, tc.query)
				}
			}
		})
	}
}

func TestListCount(t *testing.T) {
	h, _ := newRouter(t)
	refA, refB := uuid.NewString(), uuid.NewString()
	// 12 VNFRs: statuses cycle offline, failed, normal operation;
	// references cycle A, B, none, A.
	seeded := lstSeed(t, h, "/vnfrs", 12, []string{"offline", "failed", "normal operation"}, []string{refA, refB, "", refA})
	lstSeed(t, h, "/nsrs", 3, nil, nil)
	countWhere := func(keep func(lstSeeded) bool) int {
		n := 0
		for _, r := range seeded {
			if keep(r) {
				n++
			}
		}
		return n
	}
	offline := countWhere(func(r lstSeeded) bool { return r.status == "offline" })
	offlineA := countWhere(func(r lstSeeded) bool { return r.status == "offline" && r.ref == refA })
	failedOrNormal := countWhere(func(r lstSeeded) bool { return r.status != "offline" })
	withA := countWhere(func(r lstSeeded) bool { return r.ref == refA })

	tests := []struct {
		query string
		want  int
	}{
		{"count", 12},
		{"count=", 12},
		{"count=true", 12},
		{"count=TRUE", 12},
		{"count=1", 12},
		{"count&status=offline", offline},
		{"status=failed&status=normal+operation&count", failedOrNormal},
		{"count=true&descriptor_reference=" + refA, withA},
		{"count&descriptor_reference=" + refA + "&status=offline", offlineA},
		{"count&status=terminated", 0},
		{"count&descriptor_reference=" + uuid.NewString(), 0},
		{"count&page_size=2&page_number=3", 12}, // paging does not window a count
		{"count&offset=5&limit=1", 12},
	}
	for i, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			for _, base := range lstBases["vnfr"][i%2 : i%2+1] { // canonical and alias in turn
				rec := do(t, h, http.MethodGet, base+"?"+tc.query, nil)
				wantStatus(t, rec, http.StatusOK)
				if ct := rec.Header().Get("Content-Type"); ct != lstJSON {
					t.Errorf("Content-Type %q", ct)
				}
				var body map[string]json.RawMessage
				if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
					t.Fatalf("GET %s?%s: %v: %s", base, tc.query, err, rec.Body.String())
				}
				if len(body) != 1 || string(body["count"]) != strconv.Itoa(tc.want) {
					t.Errorf("GET %s?%s: %s, want {\"count\": %d} with a JSON number", base, tc.query, rec.Body.String(), tc.want)
				}
				// The count agrees with the list's X-Total-Count under the same filters.
				listQuery := url.Values{}
				parsed, _ := url.ParseQuery(tc.query)
				for k, v := range parsed {
					if k == "status" || k == "descriptor_reference" {
						listQuery[k] = v
					}
				}
				list := do(t, h, http.MethodGet, base+"?"+listQuery.Encode(), nil)
				wantStatus(t, list, http.StatusOK)
				if n := lstTotal(t, list); n != tc.want {
					t.Errorf("GET %s?%s: X-Total-Count %d, count %d", base, listQuery.Encode(), n, tc.want)
				}
			}
		})
	}

	t.Run("count=false lists", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, "/vnfrs?count=false", nil)
		wantStatus(t, rec, http.StatusOK)
		if l := decodeList(t, rec); len(l) != 12 {
			t.Errorf("%d records, want 12", len(l))
		}
	})
	t.Run("yaml", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, "/nsrs?count&output=yaml", nil)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != lstYAML {
			t.Errorf("Content-Type %q, want YAML", ct)
		}
		if got := rec.Body.String(); got != "count: 3\n" {
			t.Errorf("body %q, want \"count: 3\\n\"", got)
		}
	})
	t.Run("empty collection", func(t *testing.T) {
		h, _ := newRouter(t)
		for _, base := range lstAllBases {
			rec := do(t, h, http.MethodGet, base+"?count", nil)
			wantStatus(t, rec, http.StatusOK)
			if got := strings.TrimSpace(rec.Body.String()); got != `{"count":0}` {
				t.Errorf("GET %s?count: %s, want {\"count\":0}", base, got)
			}
		}
	})
	t.Run("count=maybe", func(t *testing.T) {
		e := wantError(t, do(t, h, http.MethodGet, "/vnfrs?count=maybe", nil), http.StatusBadRequest, "BAD_REQUEST")
		if d, _ := e["detail"].(string); !strings.Contains(d, "count") {
			t.Errorf("detail %q does not name count", d)
		}
	})
}

func TestListFilters(t *testing.T) {
	h, _ := newRouter(t)
	refA, refB, refC := uuid.NewString(), uuid.NewString(), uuid.NewString()
	nsrs := lstSeed(t, h, "/nsrs", 15, []string{"offline", "failed", "normal operation", "updating", "offline"}, []string{refA, refB, refC})
	vnfrs := lstSeed(t, h, "/vnfrs", 6, []string{"offline", "terminated"}, []string{refA, ""})

	where := func(recs []lstSeeded, keep func(lstSeeded) bool) []string {
		var out []string
		for _, r := range recs {
			if keep(r) {
				out = append(out, r.uuid)
			}
		}
		sort.Strings(out)
		return out
	}
	is := func(vals ...string) func(string) bool {
		return func(s string) bool { return slices.Contains(vals, s) }
	}
	all := func(string) bool { return true }
	none := func(string) bool { return false }

	tests := []struct {
		name   string
		base   string
		query  string
		status func(string) bool
		ref    func(string) bool
	}{
		{"status", "/nsrs", "status=offline", is("offline"), all},
		{"status with a space", "/records/nsr/ns-instances", "status=normal+operation", is("normal operation"), all},
		{"status escaped space", "/nsrs", "status=normal%20operation", is("normal operation"), all},
		{"status any of two", "/nsrs", "status=failed&status=updating", is("failed", "updating"), all},
		{"status is exact", "/nsrs", "status=Offline", none, all},
		{"status prefix is no match", "/nsrs", "status=off", none, all},
		{"status empty value", "/nsrs", "status=", none, all},
		{"status no match", "/nsrs", "status=terminated", none, all},
		{"reference", "/nsrs", "descriptor_reference=" + refA, all, is(refA)},
		{"reference any of two", "/records/nsr/ns-instances", "descriptor_reference=" + refA + "&descriptor_reference=" + refC, all, is(refA, refC)},
		{"status and reference", "/nsrs", "status=offline&descriptor_reference=" + refB, is("offline"), is(refB)},
		{"both repeated", "/nsrs", "status=offline&status=failed&descriptor_reference=" + refA + "&descriptor_reference=" + refB,
			is("offline", "failed"), is(refA, refB)},
		{"reference no match", "/nsrs", "descriptor_reference=" + uuid.NewString(), all, none},
		{"and no match", "/nsrs", "status=updating&descriptor_reference=" + refA + "&descriptor_reference=" + refB, is("updating"), is(refA, refB)},
		{"vnfr status", "/vnfrs", "status=terminated", is("terminated"), all},
		{"vnfr reference", "/records/vnfr/vnf-instances", "descriptor_reference=" + refA, all, is(refA)},
		{"vnfr both", "/vnfrs", "status=offline&descriptor_reference=" + refA, is("offline"), is(refA)},
		{"vnfr sees no nsr", "/vnfrs", "status=updating", none, all},
		{"with paging", "/nsrs", "status=offline&page_size=2&page_number=0", is("offline"), all},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs := nsrs
			if strings.Contains(tc.base, "vnf") {
				recs = vnfrs
			}
			want := where(recs, func(r lstSeeded) bool { return tc.status(r.status) && tc.ref(r.ref) })
			rec := do(t, h, http.MethodGet, tc.base+"?"+tc.query, nil)
			wantStatus(t, rec, http.StatusOK)
			if n := lstTotal(t, rec); n != len(want) {
				t.Errorf("X-Total-Count %d, want %d", n, len(want))
			}
			l := decodeList(t, rec)
			lstCheckOrder(t, l)
			got := lstUUIDs(t, l)
			for _, r := range l {
				if !tc.status(r["status"].(string)) {
					t.Errorf("record %v has status %v", r["uuid"], r["status"])
				}
				ref, _ := r["descriptor_reference"].(string)
				if !tc.ref(ref) {
					t.Errorf("record %v has descriptor_reference %q", r["uuid"], ref)
				}
			}
			if strings.Contains(tc.query, "page_size=2") {
				if len(got) != min(2, len(want)) {
					t.Errorf("%d records on a page of 2 (of %d matching)", len(got), len(want))
				}
				return
			}
			sort.Strings(got)
			if !slices.Equal(got, want) {
				t.Errorf("got %v, want %v", got, want)
			}
			if len(want) == 0 && strings.TrimSpace(rec.Body.String()) != "[]" {
				t.Errorf("no match answers %q, want []", rec.Body.String())
			}
		})
	}

	t.Run("any attribute filters", func(t *testing.T) {
		everyNSR := lstUUIDs(t, decodeList(t, do(t, h, http.MethodGet, "/nsrs?page_size=1000", nil)))
		// Not an error: SOL005 filters on any attribute path, so a key that
		// names no attribute of any record matches nothing.
		for _, tc := range []struct {
			query string
			want  []string
		}{
			{"foo=bar", nil},
			{"status=offline&foo=bar", nil},
			{"foo", everyNSR}, // an empty value matches a missing attribute
			{"foo.neq=bar", everyNSR},
			{"uuid=" + nsrs[0].uuid, []string{nsrs[0].uuid}},
			{"uuid=" + strings.ToUpper(nsrs[0].uuid), nil}, // uuids are stored in lower case
		} {
			rec := do(t, h, http.MethodGet, "/nsrs?"+tc.query, nil)
			wantStatus(t, rec, http.StatusOK)
			got := lstUUIDs(t, decodeList(t, rec))
			sort.Strings(got)
			want := slices.Clone(tc.want)
			sort.Strings(want)
			if !slices.Equal(got, want) || lstTotal(t, rec) != len(want) {
				t.Errorf("GET /nsrs?%s: %v (total %d), want %v", tc.query, got, lstTotal(t, rec), want)
			}
		}
	})
}

// lstFormatData reports the format of an answer by its Content-Type, failing on
// anything but the three this service writes, and decodes its data.
func lstFormatData(t *testing.T, rec *httptest.ResponseRecorder) (string, any) {
	t.Helper()
	var v any
	switch ct := rec.Header().Get("Content-Type"); ct {
	case lstJSON:
		if err := json.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("Content-Type %s but not JSON: %v: %s", ct, err, rec.Body.String())
		}
		return "json", v
	case lstYAML:
		if json.Valid(rec.Body.Bytes()) && strings.HasPrefix(strings.TrimSpace(rec.Body.String()), "{") {
			t.Errorf("YAML answer is JSON: %s", rec.Body.String())
		}
		if err := yaml.Unmarshal(rec.Body.Bytes(), &v); err != nil {
			t.Fatalf("Content-Type %s but not YAML: %v: %s", ct, err, rec.Body.String())
		}
		return "yaml", v
	case lstHTML:
		body := rec.Body.String()
		start, end := strings.Index(body, "<pre>"), strings.LastIndex(body, "</pre>")
		if !strings.HasPrefix(body, "<!DOCTYPE html>") || start < 0 || end < start {
			t.Fatalf("Content-Type %s but not the HTML page: %s", ct, body)
		}
		if err := json.Unmarshal([]byte(html.UnescapeString(body[start+len("<pre>"):end])), &v); err != nil {
			t.Fatalf("HTML page does not hold the JSON: %v: %s", err, body)
		}
		return "html", v
	default:
		t.Fatalf("Content-Type %q", ct)
		return "", nil
	}
}

func TestListOutputNegotiation(t *testing.T) {
	h, _ := newRouter(t)
	fix := fixture(t, "nsr/gatekeeper-seed-service-1.json")
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", fix), http.StatusOK)
	wantStatus(t, do(t, h, http.MethodPost, "/nsrs", fixture(t, "nsr/reference-nsr-example.json")), http.StatusOK)
	var id struct{ ID string }
	if err := json.Unmarshal(fix, &id); err != nil {
		t.Fatal(err)
	}

	targets := []string{"/nsrs/" + id.ID, "/records/nsr/ns-instances?page_size=1000"}
	// The JSON answer of each target is the reference data.
	reference := map[string]any{}
	for _, target := range targets {
		rec := do(t, h, http.MethodGet, target, nil)
		wantStatus(t, rec, http.StatusOK)
		_, reference[target] = lstFormatData(t, rec)
	}

	tests := []struct {
		output string // ?output value, "" for none
		accept string
		want   string
	}{
		{"", "", "json"},
		{"yaml", "", "yaml"},
		{"YAML", "", "yaml"},
		{"Yaml", "application/json", "yaml"},
		{"json", "", "json"},
		{"Json", "application/yaml", "json"},
		{"JSON", "text/html", "json"},
		{"yaml", "text/html", "yaml"},
		{"", "application/json", "json"},
		{"", "application/json; charset=utf-8", "json"},
		{"", "application/yaml", "yaml"},
		{"", "application/x-yaml", "yaml"},
		{"", "text/yaml", "yaml"},
		{"", "Application/YAML", "yaml"},
		{"", "text/html", "html"},
		{"", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "html"},
		{"", "application/json;q=0.5, application/yaml;q=0.9", "yaml"},
		{"", "application/yaml;q=0.2, text/html;q=0.1, application/json", "json"},
		{"", "text/html;q=0.3, application/x-yaml;q=0.8, application/json;q=0.5", "yaml"},
		{"", "text/yaml;q=0.4, text/html;q=0.7", "html"},
		{"", "application/yaml;q=0", "json"},
		{"", "application/xml", "json"},
		{"", "image/png, text/plain", "json"},
		{"", "*/*", "json"},
		{"", "application/*", "json"},
		{"", "this is ;; not a media type", "json"},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("output=%s accept=%s", tc.output, tc.accept), func(t *testing.T) {
			for _, target := range targets {
				full := target
				if tc.output != "" {
					sep := "?"
					if strings.Contains(target, "?") {
						sep = "&"
					}
					full += sep + "output=" + tc.output
				}
				var headers []string
				if tc.accept != "" {
					headers = []string{"Accept", tc.accept}
				}
				rec := do(t, h, http.MethodGet, full, nil, headers...)
				wantStatus(t, rec, http.StatusOK)
				got, data := lstFormatData(t, rec)
				if got != tc.want {
					t.Errorf("GET %s (Accept %q): %s (%s), want %s", full, tc.accept, got, rec.Header().Get("Content-Type"), tc.want)
				}
				if !reflect.DeepEqual(data, reference[target]) {
					t.Errorf("GET %s (Accept %q): %s data\n%v\ndiffers from the JSON\n%v", full, tc.accept, got, data, reference[target])
				}
			}
		})
	}

	t.Run("output=xml", func(t *testing.T) {
		for _, target := range targets {
			for _, accept := range []string{"", "application/yaml", "text/html"} {
				sep := "?"
				if strings.Contains(target, "?") {
					sep = "&"
				}
				rec := do(t, h, http.MethodGet, target+sep+"output=xml", nil, "Accept", accept)
				e := wantError(t, rec, http.StatusBadRequest, "BAD_REQUEST")
				if d, _ := e["detail"].(string); !strings.Contains(d, "output") {
					t.Errorf("detail %q does not name output", d)
				}
			}
		}
	})

	t.Run("errors in yaml", func(t *testing.T) {
		missing := uuid.NewString()
		for _, tc := range []struct {
			method, target, accept string
			status                 int
			code                   string
		}{
			{http.MethodGet, "/nsrs/" + missing + "?output=yaml", "", 404, "NOT_FOUND"},
			{http.MethodGet, "/vnfrs/" + missing, "application/yaml", 404, "NOT_FOUND"},
			{http.MethodGet, "/nsrs?page_size=0&output=YAML", "", 400, "BAD_REQUEST"},
			{http.MethodGet, "/records/vnfr/vnf-instances?foo..bar=1", "text/yaml", 400, "BAD_REQUEST"},
			{http.MethodGet, "/vnfrs?count=maybe", "application/x-yaml", 400, "BAD_REQUEST"},
			{http.MethodGet, "/nsrs/not-a-uuid?output=yaml", "", 400, "BAD_REQUEST"},
			{http.MethodGet, "/no/such/path", "application/yaml", 404, "NOT_FOUND"},
			{http.MethodPatch, "/nsrs?output=yaml", "", 405, "METHOD_NOT_ALLOWED"},
		} {
			rec := do(t, h, tc.method, tc.target, nil, "Accept", tc.accept)
			wantStatus(t, rec, tc.status)
			format, data := lstFormatData(t, rec)
			if format != "yaml" {
				t.Errorf("%s %s (Accept %q): %s error, want YAML", tc.method, tc.target, tc.accept, format)
				continue
			}
			m, _ := data.(map[string]any)
			if m["code"] != tc.code || m["status"] != float64(tc.status) || m["detail"] == "" || m["detail"] == nil {
				t.Errorf("%s %s: YAML error %v, want code %s status %d and a detail", tc.method, tc.target, m, tc.code, tc.status)
			}
		}
	})

	t.Run("html error", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, "/nsrs/"+uuid.NewString(), nil, "Accept", "text/html")
		wantStatus(t, rec, http.StatusNotFound)
		if format, data := lstFormatData(t, rec); format != "html" || data.(map[string]any)["code"] != "NOT_FOUND" {
			t.Errorf("HTML error: %s %v", format, data)
		}
	})

	t.Run("html escapes", func(t *testing.T) {
		rec := do(t, h, http.MethodGet, "/nsrs?page_size=1000", nil, "Accept", "text/html")
		wantStatus(t, rec, http.StatusOK)
		body := rec.Body.String()
		pre := body[strings.Index(body, "<pre>")+5 : strings.LastIndex(body, "</pre>")]
		if strings.ContainsAny(pre, `<>"`) {
			t.Errorf("HTML page holds unescaped markup: %s", pre)
		}
	})
}

func TestListRoutingErrors(t *testing.T) {
	h, _ := newRouter(t)
	id := uuid.NewString()
	wantStatus(t, do(t, h, http.MethodPost, "/vnfrs", lstRecordBody(id, "offline", "")), http.StatusOK)

	t.Run("unknown path", func(t *testing.T) {
		for _, path := range []string{
			"/nope", "/nsr", "/vnfr", "/records", "/records/nsr", "/records/nsr/ns-instances/" + id + "/x",
			"/nsrs/" + id + "/extra", "/vnfrs/" + id + "/status", "/api/v1/nsrs", "/healthz/x",
		} {
			rec := do(t, h, http.MethodGet, path, nil)
			e := wantError(t, rec, http.StatusNotFound, "NOT_FOUND")
			if d, _ := e["detail"].(string); !strings.Contains(d, path) {
				t.Errorf("GET %s: detail %q does not name the path", path, d)
			}
		}
	})

	t.Run("wrong method", func(t *testing.T) {
		for _, tc := range []struct {
			method, path string
			allow        []string
		}{
			{http.MethodPatch, "/nsrs", []string{"GET", "POST"}},
			{http.MethodPut, "/vnfrs", []string{"GET", "POST"}},
			{http.MethodDelete, "/records/nsr/ns-instances", []string{"GET", "POST"}},
			{http.MethodPatch, "/vnfrs/" + id, []string{"GET", "PUT", "DELETE"}},
			{http.MethodPost, "/records/vnfr/vnf-instances/" + id, []string{"GET", "PUT", "DELETE"}},
			{http.MethodPost, "/ping", []string{"GET"}},
			{http.MethodDelete, "/healthz", []string{"GET"}},
			{http.MethodPut, "/readyz", []string{"GET"}},
		} {
			rec := do(t, h, tc.method, tc.path, nil)
			e := wantError(t, rec, http.StatusMethodNotAllowed, "METHOD_NOT_ALLOWED")
			if d, _ := e["detail"].(string); !strings.Contains(d, tc.method) {
				t.Errorf("%s %s: detail %q does not name the method", tc.method, tc.path, d)
			}
			allow := rec.Header().Get("Allow")
			for _, m := range tc.allow {
				if !strings.Contains(allow, m) {
					t.Errorf("%s %s: Allow %q lacks %s", tc.method, tc.path, allow, m)
				}
			}
		}
		// The record is still there after a refused method.
		wantStatus(t, do(t, h, http.MethodGet, "/vnfrs/"+id, nil), http.StatusOK)
	})
}

func TestListRequestID(t *testing.T) {
	h, _ := newRouter(t)
	requests := []struct{ method, target string }{
		{http.MethodGet, "/nsrs"},
		{http.MethodGet, "/nsrs?count"},
		{http.MethodGet, "/nsrs?page_size=0"},
		{http.MethodGet, "/nsrs?output=xml"},
		{http.MethodGet, "/nsrs/" + uuid.NewString()},
		{http.MethodGet, "/nope"},
		{http.MethodPatch, "/vnfrs"},
		{http.MethodGet, "/ping"},
		{http.MethodGet, "/healthz"},
		{http.MethodGet, "/readyz"},
		{http.MethodPost, "/vnfrs"}, // no body: 400
	}
	t.Run("generated", func(t *testing.T) {
		seen := map[string]bool{}
		for _, r := range requests {
			rec := do(t, h, r.method, r.target, nil)
			id := rec.Header().Get("X-Request-Id")
			if id == "" {
				t.Errorf("%s %s (%d): no X-Request-Id", r.method, r.target, rec.Code)
			}
			if seen[id] {
				t.Errorf("%s %s: X-Request-Id %q reused", r.method, r.target, id)
			}
			seen[id] = true
		}
	})
	t.Run("echoed", func(t *testing.T) {
		for _, id := range []string{"abc-123", "trace:42/span=7", uuid.NewString(), strings.Repeat("x", 128)} {
			for _, r := range requests {
				rec := do(t, h, r.method, r.target, nil, "X-Request-Id", id)
				if got := rec.Header().Get("X-Request-Id"); got != id {
					t.Errorf("%s %s: X-Request-Id %q, want the caller's %q", r.method, r.target, got, id)
				}
			}
		}
	})
	t.Run("insane replaced", func(t *testing.T) {
		for _, id := range []string{"has space", strings.Repeat("x", 129), "caf\u00e9", "tab\there", " "} {
			rec := do(t, h, http.MethodGet, "/nsrs", nil, "X-Request-Id", id)
			got := rec.Header().Get("X-Request-Id")
			if got == "" || got == id {
				t.Errorf("caller's X-Request-Id %q answered as %q, want a fresh id", id, got)
			}
			if _, err := uuid.Parse(got); err != nil {
				t.Errorf("replacement X-Request-Id %q is not a uuid", got)
			}
		}
	})
}

func TestListHealthProbes(t *testing.T) {
	h, _ := newRouter(t)
	pings := []string{
		"/ping", "/pings", "/nsrs/ping", "/nsrs/pings", "/vnfrs/ping", "/vnfrs/pings",
		"/records/nsr/ns-instances/ping", "/records/vnfr/vnf-instances/pings",
	}
	for _, path := range pings {
		for _, accept := range []string{"", "application/json", "application/yaml", "text/html"} {
			rec := do(t, h, http.MethodGet, path, nil, "Accept", accept)
			wantStatus(t, rec, http.StatusOK)
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
				t.Errorf("GET %s (Accept %q): Content-Type %q, want text/plain", path, accept, ct)
			}
			if got := rec.Body.String(); got != "pong" {
				t.Errorf("GET %s: %q, want pong", path, got)
			}
		}
	}
	for _, tc := range []struct{ path, status string }{{"/healthz", "ok"}, {"/readyz", "ready"}} {
		rec := do(t, h, http.MethodGet, tc.path, nil)
		wantStatus(t, rec, http.StatusOK)
		if ct := rec.Header().Get("Content-Type"); ct != lstJSON {
			t.Errorf("GET %s: Content-Type %q", tc.path, ct)
		}
		if m := decodeObject(t, rec); m["status"] != tc.status {
			t.Errorf("GET %s: %v, want status %s", tc.path, m, tc.status)
		}
		rec = do(t, h, http.MethodGet, tc.path+"?output=yaml", nil)
		wantStatus(t, rec, http.StatusOK)
		if got := rec.Body.String(); got != "status: "+tc.status+"\n" {
			t.Errorf("GET %s?output=yaml: %q", tc.path, got)
		}
	}
}

// TestListStoresOpenedTogether opens several stores side by side, as
// parallel tests or several service instances in one process do, and uses
// them. Under -race it shows that the stores' background index creation
// shares mutable state: repo's package-level recordIndexes hold
// *options.IndexOptionsBuilder values that the driver's CreateOne writes to
// (SetName appends to their Opts on every call).
func TestListStoresOpenedTogether(t *testing.T) {
	routers := make([]http.Handler, 8)
	for i := range routers {
		routers[i], _ = newRouter(t)
	}
	var wg sync.WaitGroup
	for _, h := range routers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 3 {
				if rec := do(t, h, http.MethodGet, "/nsrs", nil); rec.Code != http.StatusOK {
					t.Errorf("GET /nsrs: %d %s", rec.Code, rec.Body.String())
				}
			}
		}()
	}
	wg.Wait()
}
