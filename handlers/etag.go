package handlers

import (
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/models"
)

// parseIfMatch turns an If-Match header into a precondition on the stored
// version: "*" holds for any existing record, otherwise one of the listed
// strong entity tags must be the record's. A weak tag never matches (RFC
// 9110 compares If-Match strongly). An absent header is no precondition.
func parseIfMatch(header string) (*models.Precondition, error) {
	header = strings.TrimSpace(header)
	if header == "" {
		return nil, nil
	}
	if header == "*" {
		return &models.Precondition{Any: true}, nil
	}
	versions := []int64{}
	for _, tag := range strings.Split(header, ",") {
		tag = strings.TrimSpace(tag)
		weak := strings.HasPrefix(tag, "W/")
		opaque := strings.TrimPrefix(tag, "W/")
		if len(opaque) < 2 || opaque[0] != '"' || opaque[len(opaque)-1] != '"' || strings.Contains(opaque[1:len(opaque)-1], `"`) {
			return nil, models.Errorf(models.CodeInvalid, "If-Match: %s is not an entity tag (want a quoted ETag as returned, or *)", models.Quote(tag))
		}
		if weak {
			continue
		}
		if v, err := strconv.ParseInt(opaque[1:len(opaque)-1], 10, 64); err == nil {
			versions = append(versions, v)
		}
	}
	return &models.Precondition{Versions: versions}, nil
}

// noneMatch reports whether If-None-Match names the record's current ETag,
// so a GET can answer 304.
func noneMatch(header string, r models.Record) bool {
	header = strings.TrimSpace(header)
	if header == "" {
		return false
	}
	if header == "*" {
		return true
	}
	etag := r.ETag()
	for _, tag := range strings.Split(header, ",") {
		if strings.TrimPrefix(strings.TrimSpace(tag), "W/") == etag {
			return true
		}
	}
	return false
}
