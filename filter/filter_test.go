package filter

import (
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/nfv-records/nfv-records/models"
)

func stored(p string) string {
	if p == "uuid" {
		return "_id"
	}
	return p
}

func TestParseAndDocument(t *testing.T) {
	tests := []struct {
		query   string
		want    map[string]any
		wantErr string
	}{
		{"", map[string]any{}, ""},
		{"page_size=5&output=yaml&count&FORCE=true&ADMIN", map[string]any{}, ""},
		{"sort=status", nil, `"sort"`},
		{"fields=status", nil, `"fields"`},
		{"status=offline", map[string]any{"status": map[string]any{"$eq": "offline"}}, ""},
		{"status=offline&status=failed", map[string]any{"status": map[string]any{"$in": []string{"offline", "failed"}}}, ""},
		{"status=offline&descriptor_reference=d1", map[string]any{"$and": []any{
			map[string]any{"descriptor_reference": map[string]any{"$eq": "d1"}},
			map[string]any{"status": map[string]any{"$eq": "offline"}},
		}}, ""},
		{"status=%24ne", map[string]any{"status": map[string]any{"$eq": "$ne"}}, ""}, // a value is never an operator
		{"foo=bar", nil, `"foo"`},
		{"status.neq=x", nil, `"status.neq"`},
		{"%24where=1", nil, `"$where"`},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			v, err := url.ParseQuery(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			q, err := Parse(v)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || models.ErrorCodeOf(err) != models.CodeInvalid {
					t.Fatalf("err = %v, want an invalid-input error naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := q.Document(stored); !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("document %#v, want %#v", got, tt.want)
			}
		})
	}
}
