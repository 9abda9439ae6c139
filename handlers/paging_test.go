package handlers

import (
	"net/url"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/filter"
)

func TestParsePaging(t *testing.T) {
	tests := []struct {
		query   string
		want    pageRequest
		wantErr string // substring of the error; "" for success
	}{
		{"", pageRequest{offset: 0, limit: 100}, ""},
		{"page_number=2&page_size=10", pageRequest{offset: 20, limit: 10, positioned: true}, ""},
		{"page_number=0", pageRequest{offset: 0, limit: 100, positioned: true}, ""},
		{"limit=7", pageRequest{offset: 0, limit: 7, byOffset: true}, ""},
		{"page_size=1000", pageRequest{offset: 0, limit: 1000}, ""},
		{"offset=5&limit=7", pageRequest{offset: 5, limit: 7, byOffset: true, positioned: true}, ""},
		{"offset=5", pageRequest{offset: 5, limit: 100, byOffset: true, positioned: true}, ""},
		{"page_size=1001", pageRequest{}, "page_size"},
		{"page_size=0", pageRequest{}, "page_size"},
		{"page_size=abc", pageRequest{}, "page_size"},
		{"page_number=-1", pageRequest{}, "page_number"},
		{"page_number=1.5", pageRequest{}, "page_number"},
		{"page_number=", pageRequest{}, "page_number"},
		{"limit=0", pageRequest{}, "limit"},
		{"offset=-5", pageRequest{}, "offset"},
		{"page_size=1&page_size=2", pageRequest{}, "more than once"},
		{"page_number=1&offset=2", pageRequest{}, "not both"},
		{"page_number=9223372036854775807", pageRequest{}, "too large"},
		{"page_number=99999999999999999999", pageRequest{}, "page_number"},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := parsePaging(q)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}

func TestLinkHeader(t *testing.T) {
	tooLong := strings.Repeat("m", filter.MaxMarkerBytes+1)
	tests := []struct {
		name   string
		query  string
		page   pageRequest
		total  int64
		marker string // where the page ended, when more follow
		want   []string
	}{
		{"empty", "", pageRequest{limit: 10}, 0, "", []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=0&page_size=10>; rel="last"`,
		}},
		{"first of three keeps filters, next is a marker", "status=offline", pageRequest{limit: 10}, 25, "M1", []string{
			`</l?page_number=0&page_size=10&status=offline>; rel="first"`,
			`</l?nextpage_opaque_marker=M1&page_size=10&status=offline>; rel="next"`,
			`</l?page_number=2&page_size=10&status=offline>; rel="last"`,
		}},
		{"middle", "page_number=1&page_size=10", pageRequest{offset: 10, limit: 10, positioned: true}, 25, "M2", []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=0&page_size=10>; rel="prev"`,
			`</l?nextpage_opaque_marker=M2&page_size=10>; rel="next"`,
			`</l?page_number=2&page_size=10>; rel="last"`,
		}},
		{"exactly full last page", "", pageRequest{offset: 10, limit: 10}, 20, "", []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=0&page_size=10>; rel="prev"`,
			`</l?page_number=1&page_size=10>; rel="last"`,
		}},
		{"beyond the end points back to the last page", "", pageRequest{offset: 90, limit: 10}, 25, "", []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=2&page_size=10>; rel="prev"`,
			`</l?page_number=2&page_size=10>; rel="last"`,
		}},
		{"offset style keeps its style", "offset=3&limit=5&output=yaml", pageRequest{offset: 3, limit: 5, byOffset: true}, 12, "M3", []string{
			`</l?limit=5&offset=0&output=yaml>; rel="first"`,
			`</l?limit=5&offset=0&output=yaml>; rel="prev"`,
			`</l?limit=5&nextpage_opaque_marker=M3&output=yaml>; rel="next"`,
			`</l?limit=5&offset=10&output=yaml>; rel="last"`,
		}},
		{"after a marker: the old marker is replaced, no prev", "nextpage_opaque_marker=M3&limit=5", pageRequest{limit: 5, byOffset: true, marker: true}, 12, "M4", []string{
			`</l?limit=5&offset=0>; rel="first"`,
			`</l?limit=5&nextpage_opaque_marker=M4>; rel="next"`,
			`</l?limit=5&offset=10>; rel="last"`,
		}},
		{"marker needing escapes", "", pageRequest{limit: 10}, 25, "a+b/c=", []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?nextpage_opaque_marker=a%2Bb%2Fc%3D&page_size=10>; rel="next"`,
			`</l?page_number=2&page_size=10>; rel="last"`,
		}},
		{"a marker too long to accept back: positional next", "", pageRequest{offset: 10, limit: 10, positioned: true}, 25, tooLong, []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=0&page_size=10>; rel="prev"`,
			`</l?page_number=2&page_size=10>; rel="next"`,
			`</l?page_number=2&page_size=10>; rel="last"`,
		}},
		{"a marker too long after a marker: no next rather than a wrong one", "", pageRequest{limit: 10, marker: true}, 25, tooLong, []string{
			`</l?page_number=0&page_size=10>; rel="first"`,
			`</l?page_number=2&page_size=10>; rel="last"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got := linkHeader("/l", q, tt.page, tt.total, tt.marker != "", tt.marker)
			if want := strings.Join(tt.want, ", "); got != want {
				t.Fatalf("got  %s\nwant %s", got, want)
			}
		})
	}
}

func TestWantsCount(t *testing.T) {
	tests := []struct {
		query   string
		want    bool
		wantErr bool
	}{
		{"", false, false},
		{"count", true, false},
		{"count=", true, false},
		{"count=true", true, false},
		{"count=TRUE", true, false},
		{"count=1", true, false},
		{"count=false", false, false},
		{"count=maybe", false, true},
		{"count&count", false, true},
	}
	for _, tt := range tests {
		q, _ := url.ParseQuery(tt.query)
		got, err := wantsCount(q)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%q: got %v, %v; want %v, error %v", tt.query, got, err, tt.want, tt.wantErr)
		}
	}
}
