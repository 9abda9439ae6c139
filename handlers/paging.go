package handlers

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// pageRequest is the window a list asks for, and the style it asked in, so
// that Link headers answer in the caller's own terms.
type pageRequest struct {
	offset, limit int64
	byOffset      bool // offset/limit rather than page_number/page_size
	positioned    bool // offset or page_number was given
	marker        bool // the page continues from a nextpage_opaque_marker
}

// parsePaging reads page_number/page_size (0-based pages) or offset/limit.
// Invalid values are errors that name the parameter, never corrected.
func parsePaging(q url.Values) (pageRequest, error) {
	get := func(name string, min, max, def int64) (int64, bool, error) {
		vals, ok := q[name]
		if !ok {
			return def, false, nil
		}
		if len(vals) != 1 {
			return 0, true, models.Errorf(models.CodeInvalid, "query parameter %s is given more than once", name)
		}
		n, err := strconv.ParseInt(vals[0], 10, 64)
		if err != nil || n < min || n > max {
			if max == math.MaxInt64 {
				return 0, true, models.Errorf(models.CodeInvalid, "query parameter %s=%s: want an integer >= %d", name, models.Quote(vals[0]), min)
			}
			return 0, true, models.Errorf(models.CodeInvalid, "query parameter %s=%s: want an integer from %d to %d", name, models.Quote(vals[0]), min, max)
		}
		return n, true, nil
	}
	pageNumber, hasNumber, err := get("page_number", 0, math.MaxInt64, 0)
	if err != nil {
		return pageRequest{}, err
	}
	pageSize, hasSize, err := get("page_size", 1, models.MaxPageSize, models.DefaultPageSize)
	if err != nil {
		return pageRequest{}, err
	}
	offset, hasOffset, err := get("offset", 0, math.MaxInt64, 0)
	if err != nil {
		return pageRequest{}, err
	}
	limit, hasLimit, err := get("limit", 1, models.MaxPageSize, models.DefaultPageSize)
	if err != nil {
		return pageRequest{}, err
	}
	if (hasNumber || hasSize) && (hasOffset || hasLimit) {
		return pageRequest{}, models.Errorf(models.CodeInvalid, "use page_number/page_size or offset/limit, not both")
	}
	if hasOffset || hasLimit {
		return pageRequest{offset: offset, limit: limit, byOffset: true, positioned: hasOffset}, nil
	}
	if pageNumber > math.MaxInt64/pageSize {
		return pageRequest{}, models.Errorf(models.CodeInvalid, "query parameter page_number=%d is too large", pageNumber)
	}
	return pageRequest{offset: pageNumber * pageSize, limit: pageSize, positioned: hasNumber}, nil
}

// linkHeader builds the RFC 8288 Link header for a page of a list of total
// records. next (when more records follow) carries the opaque marker of
// where this page ended (SOL013): following it costs the same however deep
// the page, and records created meanwhile do not shift it. A page whose
// marker would be too long to accept back (a sort on a huge value) gets a
// positional next instead, or none after a marker. first, prev and
// last are positions (page_number or offset, in the caller's style); prev
// is left out after a marker, whose position is not known. Links keep the
// caller's other parameters and are relative references, so they survive
// proxies.
func linkHeader(path string, query url.Values, p pageRequest, total int64, more bool, nextMarker string) string {
	lastOffset := int64(0)
	if total > 0 {
		lastOffset = (total - 1) / p.limit * p.limit
	}
	base := url.Values{}
	for k, v := range query {
		switch k {
		case "page_number", "page_size", "offset", "limit", markerKey:
		default:
			base[k] = v
		}
	}
	link := func(rel string, set func(q url.Values)) string {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		set(q)
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, path, q.Encode(), rel)
	}
	at := func(offset int64) func(url.Values) {
		return func(q url.Values) {
			if p.byOffset {
				q.Set("offset", strconv.FormatInt(offset, 10))
				q.Set("limit", strconv.FormatInt(p.limit, 10))
			} else {
				q.Set("page_number", strconv.FormatInt(offset/p.limit, 10))
				q.Set("page_size", strconv.FormatInt(p.limit, 10))
			}
		}
	}
	links := []string{link("first", at(0))}
	if p.offset > 0 && !p.marker {
		links = append(links, link("prev", at(min(max(p.offset-p.limit, 0), lastOffset))))
	}
	switch {
	case !more:
	case nextMarker == "" || len(nextMarker) > filter.MaxMarkerBytes:
		if !p.marker {
			links = append(links, link("next", at(p.offset+p.limit)))
		}
	default:
		links = append(links, link("next", func(q url.Values) {
			if p.byOffset {
				q.Set("limit", strconv.FormatInt(p.limit, 10))
			} else {
				q.Set("page_size", strconv.FormatInt(p.limit, 10))
			}
			q.Set(markerKey, nextMarker)
		}))
	}
	links = append(links, link("last", at(lastOffset)))
	return strings.Join(links, ", ")
}

// wantsCount reports whether ?count asks for {"count": N} instead of records.
func wantsCount(q url.Values) (bool, error) {
	vals, ok := q["count"]
	if !ok {
		return false, nil
	}
	if len(vals) != 1 {
		return false, models.Errorf(models.CodeInvalid, "query parameter count is given more than once")
	}
	switch strings.ToLower(vals[0]) {
	case "", "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, models.Errorf(models.CodeInvalid, "query parameter count=%s: want true, false or no value", models.Quote(vals[0]))
}
