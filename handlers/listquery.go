package handlers

import (
	"net/url"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/records"
	"github.com/nfv-records/nfv-records/selector"
)

// markerKey is SOL013's cursor parameter.
const markerKey = "nextpage_opaque_marker"

// listRequest is everything a list's query string asks for.
type listRequest struct {
	values url.Values
	filter filter.Expr
	order  filter.Sort
	after  *filter.Position
	paging pageRequest
	count  bool
	fields selector.Selector
}

// parseList reads a list request. Every part is checked before the
// database is asked anything, so a bad parameter is a 400 that names it.
func (h recordHandlers) parseList(c *gin.Context) (listRequest, error) {
	return parseListRequest(c, filter.Options{Fields: records.Fields()}, h.complexAttrs, nil)
}

// parseListRequest reads a list request of any family: its filter with
// opts, sort, paging, marker, count and attribute selectors
// (complexAttrs are what exclude_default leaves out).
// rewrite, when set, turns the query's filter keys into the paths that
// store them (an OSM view's names); the list's links keep the query as
// the client wrote it.
func parseListRequest(c *gin.Context, opts filter.Options, complexAttrs []string, rewrite func(url.Values) url.Values) (listRequest, error) {
	// URL.Query would drop malformed pairs silently; a list must not
	// answer as if a filter the caller wrote were not there.
	query, err := url.ParseQuery(c.Request.URL.RawQuery)
	if err != nil {
		return listRequest{}, models.Errorf(models.CodeInvalid, "malformed query string: %v", err)
	}
	switch format := c.GetHeader("Query-String-Format"); strings.ToLower(format) {
	case "":
	case "yaml":
		opts.YAMLValues = true
	default:
		return listRequest{}, models.Errorf(models.CodeInvalid, "header Query-String-Format: %s is not supported (use yaml, or leave it out)", models.Quote(format))
	}
	req := listRequest{values: query}
	if rewrite != nil {
		query = rewrite(query)
	}
	if req.filter, err = filter.ParseQuery(query, opts); err != nil {
		return listRequest{}, err
	}
	if req.order, err = filter.ParseSort(query, opts); err != nil {
		return listRequest{}, err
	}
	if req.fields, err = selector.Parse(query, complexAttrs); err != nil {
		return listRequest{}, err
	}
	if req.count, err = wantsCount(query); err != nil {
		return listRequest{}, err
	}
	if req.paging, err = parsePaging(query); err != nil {
		return listRequest{}, err
	}
	if markers, ok := query[markerKey]; ok {
		if len(markers) != 1 {
			return listRequest{}, models.Errorf(models.CodeInvalid, "query parameter %s is given more than once", markerKey)
		}
		if req.paging.positioned {
			return listRequest{}, models.Errorf(models.CodeInvalid, "%s continues a list where the previous page ended: it cannot be combined with offset or page_number", markerKey)
		}
		pos, err := req.order.ParseMarker(markers[0])
		if err != nil {
			return listRequest{}, err
		}
		req.after = &pos
		req.paging.marker = true
	}
	return req, nil
}

// query is the list query the store answers.
func (r listRequest) query() filter.Query {
	return filter.Query{Filter: r.filter, Sort: r.order, After: r.after, Offset: r.paging.offset, Limit: r.paging.limit}
}

// pageHeaders sends a list page's X-Total-Count and Link (first, prev,
// next with its marker, last).
func pageHeaders(c *gin.Context, req listRequest, paging pageRequest, total int64, next *filter.Position) {
	marker := ""
	if next != nil {
		marker = req.order.Marker(*next)
	}
	c.Header("X-Total-Count", strconv.FormatInt(total, 10))
	c.Header("Link", linkHeader(c.Request.URL.Path, req.values, paging, total, next != nil, marker))
}
