package handlers

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/models"
)

// pageRequest is the window a list asks for, and the style it asked in, so
// that Link headers answer in the caller's own terms.
type pageRequest struct {
	offset, limit int64
	byOffset      bool // offset/limit rather than page_number/page_size
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
				return 0, true, models.Errorf(models.CodeInvalid, "query parameter %s=%q: want an integer >= %d", name, vals[0], min)
			}
			return 0, true, models.Errorf(models.CodeInvalid, "query parameter %s=%q: want an integer from %d to %d", name, vals[0], min, max)
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
		return pageRequest{offset: offset, limit: limit, byOffset: true}, nil
	}
	if pageNumber > math.MaxInt64/pageSize {
		return pageRequest{}, models.Errorf(models.CodeInvalid, "query parameter page_number=%d is too large", pageNumber)
	}
	return pageRequest{offset: pageNumber * pageSize, limit: pageSize}, nil
}

// linkHeader builds the RFC 8288 Link header (first, prev, next, last) for
// a page of a list of total records. Links keep the caller's other query
// parameters and are relative references, so they survive proxies.
func linkHeader(path string, query url.Values, p pageRequest, total int64) string {
	lastOffset := int64(0)
	if total > 0 {
		lastOffset = (total - 1) / p.limit * p.limit
	}
	link := func(offset int64, rel string) string {
		q := url.Values{}
		for k, v := range query {
			switch k {
			case "page_number", "page_size", "offset", "limit":
			default:
				q[k] = v
			}
		}
		if p.byOffset {
			q.Set("offset", strconv.FormatInt(offset, 10))
			q.Set("limit", strconv.FormatInt(p.limit, 10))
		} else {
			q.Set("page_number", strconv.FormatInt(offset/p.limit, 10))
			q.Set("page_size", strconv.FormatInt(p.limit, 10))
		}
		return fmt.Sprintf(`<%s?%s>; rel="%s"`, path, q.Encode(), rel)
	}
	links := []string{link(0, "first")}
	if p.offset > 0 {
		links = append(links, link(min(max(p.offset-p.limit, 0), lastOffset), "prev"))
	}
	if total-p.offset > p.limit { // not offset+limit < total: that can overflow
		links = append(links, link(p.offset+p.limit, "next"))
	}
	links = append(links, link(lastOffset, "last"))
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
	return false, models.Errorf(models.CodeInvalid, "query parameter count=%q: want true, false or no value", vals[0])
}
