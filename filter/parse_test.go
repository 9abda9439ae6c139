package filter

import (
	"errors"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// recordFields are the envelope attributes of records.
var recordFields = Fields{
	models.FieldUUID:      {},
	models.FieldCreatedAt: {Time: true},
	models.FieldUpdatedAt: {Time: true},
}

// recordStored is where a MongoDB store keeps them.
var recordStored = Rename{
	models.FieldUUID:      "_id",
	models.FieldCreatedAt: "_admin.created",
	models.FieldUpdatedAt: "_admin.modified",
}

func parseString(t testing.TB, query string, opts Options) (Expr, error) {
	t.Helper()
	v, err := url.ParseQuery(query)
	if err != nil {
		t.Fatalf("url.ParseQuery(%q): %v", query, err)
	}
	return ParseQuery(v, opts)
}

func mustParse(t testing.TB, query string, opts Options) Expr {
	t.Helper()
	e, err := parseString(t, query, opts)
	if err != nil {
		t.Fatalf("ParseQuery(%q): %v", query, err)
	}
	return e
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

type M = map[string]any
type A = []any

func TestParseQueryErrors(t *testing.T) {
	long := strings.Repeat("x", MaxValueBytes+1)
	deep := strings.Repeat("a.", MaxDepth) + "a"
	var many []string
	for i := 0; i <= MaxConditions; i++ {
		many = append(many, "x=1")
	}
	tests := []struct {
		query string
		yaml  bool
		key   string // the key the error must name
	}{
		{query: "=1", key: ``},
		{query: "a..b=1", key: `a..b`},
		{query: ".a=1", key: `.a`},
		{query: "a.=1", key: `a.`},
		{query: "%24where=1", key: `$where`},
		{query: "a.%24gt=1", key: `a.$gt`},
		{query: "status.%24ne=x", key: `status.$ne`},
		{query: "a%24=1", key: `a$`},
		{query: "a%20b=1", key: `a b`},
		{query: "a.b%00=1", key: "a.b\x00"},
		{query: "_id=1", key: `_id`},
		{query: "_admin.created.gt=1", key: `_admin.created.gt`},
		{query: "_admin=1", key: `_admin`},
		{query: "uuid.x=1", key: `uuid.x`},
		{query: "created_at.foo=1", key: `created_at.foo`},
		{query: "created_at.0=1", key: `created_at.0`},
		{query: "a.ANYINDEX=1", key: `a.ANYINDEX`},
		{query: "a.ANYINDEX.gt=1", key: `a.ANYINDEX.gt`},
		{query: "ANYINDEX.a=1", key: `ANYINDEX.a`},
		{query: "a.ANYINDEX.ANYINDEX.b=1", key: `a.ANYINDEX.ANYINDEX.b`},
		{query: "a.01=1", key: `a.01`},
		{query: "a.1234567890=1", key: `a.1234567890`},
		{query: "x.gt=", key: `x.gt`},
		{query: "x.lte=a,", key: `x.lte`},
		{query: "x.lt=1e400", key: `x.lt`},
		{query: "x.gt=-1e400", key: `x.gt`},
		{query: "x.gte=1e400", yaml: true, key: `x.gte`},
		{query: "x=" + long, key: `x`},
		{query: "x=a," + long, key: `x`},
		{query: deep + "=1", key: deep},
		{query: strings.Join(many, "&"), key: `x`},
		{query: "x=%ff", key: `x`},
		{query: "x=a%00b", key: `x`},
		{query: "created_at=yesterday", key: `created_at`},
		{query: "created_at.gt=2018-02-30", key: `created_at.gt`},
		{query: "created_at.gt=2018-02-26T24:00:00Z", key: `created_at.gt`},
		{query: "updated_at.lt=1519667931", key: `updated_at.lt`},
		{query: "created_at.gte=", key: `created_at.gte`},
		{query: "x=%5B1%5D", yaml: true, key: `x`},
		{query: "x=a:%20b", yaml: true, key: `x`},
		{query: "x=-%20a", yaml: true, key: `x`},
		{query: "x.gt=true", yaml: true, key: `x.gt`},
		{query: "x.gt=", yaml: true, key: `x.gt`},
		{query: "x=.nan", yaml: true, key: `x`},
		{query: "x=.inf", yaml: true, key: `x`},
		{query: "x='a", yaml: true, key: `x`},
		{query: "x=%22%5C0%22", yaml: true, key: `x`},
		{query: "created_at=5", yaml: true, key: `created_at`},
		{query: strings.Repeat("k", MaxKeyBytes+1) + "=1", key: strings.Repeat("k", 32) + "..."},
	}
	for _, tt := range tests {
		t.Run(tt.query[:min(len(tt.query), 60)], func(t *testing.T) {
			_, err := parseString(t, tt.query, Options{YAMLValues: tt.yaml, Fields: recordFields})
			var me *models.Error
			if !errors.As(err, &me) || me.Code != models.CodeInvalid {
				t.Fatalf("err = %v, want a *models.Error with CodeInvalid", err)
			}
			want := fmt.Sprintf("filter %q", tt.key)
			if !strings.Contains(me.Detail, want) {
				t.Fatalf("detail %q does not name %s", me.Detail, want)
			}
		})
	}
}

func TestTooManyValues(t *testing.T) {
	vals := strings.TrimSuffix(strings.Repeat("a,", MaxValues+1), ",")
	if _, err := parseString(t, "x="+vals, Options{}); models.ErrorCodeOf(err) != models.CodeInvalid {
		t.Fatalf("err = %v, want invalid", err)
	}
	vals = strings.TrimSuffix(strings.Repeat("a,", MaxValues), ",")
	if _, err := parseString(t, "x="+vals, Options{}); err != nil {
		t.Fatalf("%d values: %v", MaxValues, err)
	}
}

func TestReservedKeysAreNotFilters(t *testing.T) {
	q := "page_number=1&page_size=5&offset=1&limit=2&count&output=yaml&sort=-x&fields=a,b.c" +
		"&exclude_fields=b&exclude_default&all_fields&nextpage_opaque_marker=abc&FORCE=true&PUBLIC&ADMIN=p1,p2&SET_PROJECT=a"
	e := mustParse(t, q, Options{Fields: recordFields})
	if !e.Empty() || len(e.MongoFilter(recordStored)) != 0 || len(e.WideMongoFilter(recordStored)) != 0 || e.NeedsMatcher() {
		t.Fatalf("reserved keys were read as filters: %v", e.MongoFilter(recordStored))
	}
	if !e.Match(M{}) {
		t.Fatal("empty expression must match everything")
	}
	for _, k := range []string{"sort", "fields", "FORCE", "nextpage_opaque_marker"} {
		if !IsReservedKey(k) {
			t.Errorf("%s is not reserved", k)
		}
	}
	// Only the exact keys are reserved: these are attributes.
	e = mustParse(t, "offset.gt=1&Sort=2&limit.x=3", Options{})
	if len(e.Conds()) != 3 {
		t.Fatalf("conds = %v", e.Conds())
	}
}

func TestMongoFilterShapes(t *testing.T) {
	day := func(s string) time.Time { return utc(s + "T00:00:00Z") }
	tests := []struct {
		name  string
		query string
		yaml  bool
		want  M
		wide  M // nil: same as want
		needs bool
	}{
		{name: "empty", query: "", want: M{}},
		{name: "eq string", query: "status=running", want: M{"status": "running"}},
		{name: "explicit eq", query: "status.eq=running", want: M{"status": "running"}},
		{name: "number also matches number", query: "number_of_instances=5",
			want: M{"number_of_instances": M{"$in": A{"5", int64(5)}}}},
		{name: "float", query: "x=2.50", want: M{"x": M{"$in": A{"2.50", 2.5}}}},
		{name: "huge integer is a float", query: "x=12345678901234567890",
			want: M{"x": M{"$in": A{"12345678901234567890", 12345678901234567890.0}}}},
		{name: "not JSON numbers stay strings", query: "x=0x10&y=%2B5&z=Inf&w=1.",
			want: M{"$and": A{
				M{"w": "1."}, M{"x": "0x10"},
				M{"y": "+5"}, M{"z": "Inf"},
			}}},
		{name: "booleans", query: "enabled=true", want: M{"enabled": M{"$in": A{"true", true}}}},
		{name: "empty value is null or missing", query: "status=",
			want: M{"$or": A{
				M{"status": ""},
				M{"$or": A{M{"status": M{"$exists": false}}, M{"status": M{"$type": "null"}}}},
			}}},
		{name: "several values", query: "status=a,b&status=c",
			want: M{"status": M{"$in": A{"a", "b", "c"}}}},
		{name: "neq", query: "status.neq=terminated",
			want: M{"$nor": A{M{"status": "terminated"}}}},
		{name: "ne", query: "status.ne=a,b",
			want: M{"$nor": A{M{"status": M{"$in": A{"a", "b"}}}}}},
		{name: "cont", query: "name.cont=dns",
			want: M{"$or": A{M{"name": "dns"}, M{"name": M{"$regex": "dns"}}}}},
		{name: "single-value ncont is a valid filter (OSM defect)", query: "name.ncont=a.b*",
			want: M{"$nor": A{M{"name": "a.b*"}, M{"name": M{"$regex": `a\.b\*`}}}}},
		{name: "cont several", query: "tags.cont=x,(y)",
			want: M{"$or": A{
				M{"tags": M{"$in": A{"x", "(y)"}}},
				M{"tags": M{"$regex": "x"}}, M{"tags": M{"$regex": `\(y\)`}},
			}}},
		{name: "gt number", query: "x.gt=1", want: M{"x": M{"$gt": int64(1)}}},
		{name: "gt string", query: "x.gte=abc", want: M{"x": M{"$gte": "abc"}}},
		{name: "repeated range key is two conditions (OSM defect)", query: "x.gt=1&x.gt=2",
			want: M{"$and": A{M{"x": M{"$gt": int64(1)}}, M{"x": M{"$gt": int64(2)}}}}},
		{name: "range several values = any", query: "x.lt=1,b",
			want: M{"$or": A{M{"x": M{"$lt": int64(1)}}, M{"x": M{"$lt": "b"}}}}},
		{name: "one-letter names take operators (OSM defect)", query: "a.gt=5&b.lte=-1.5",
			want: M{"$and": A{M{"a": M{"$gt": int64(5)}}, M{"b": M{"$lte": -1.5}}}}},
		{name: "a last segment that is not an operator is part of the path", query: "name.foo=1",
			want: M{"name.foo": M{"$in": A{"1", int64(1)}}}},
		{name: "operators are lower case", query: "name.GT=1",
			want: M{"name.GT": M{"$in": A{"1", int64(1)}}}},
		{name: "a lone operator name is an attribute", query: "gt=1",
			want: M{"gt": M{"$in": A{"1", int64(1)}}}},
		{name: "eq and neq on one attribute both hold (OSM defect)", query: "status.neq=a&status=a",
			want: M{"$and": A{M{"status": "a"}, M{"$nor": A{M{"status": "a"}}}}}},
		{name: "values are never operators", query: "status=%24ne&x.gt=%24where",
			want: M{"$and": A{M{"status": "$ne"}, M{"x": M{"$gt": "$where"}}}}},
		{name: "uuid is stored as _id", query: "uuid=0a1b",
			want: M{"_id": "0a1b"}},
		{name: "names with - _ :", query: "vnfd:member-vnf-index_ref=1",
			want: M{"vnfd:member-vnf-index_ref": M{"$in": A{"1", int64(1)}}}},
		{name: "position", query: "virtual_deployment_units.0.id=vdu01",
			want:  M{"virtual_deployment_units.0.id": "vdu01"},
			wide:  M{},
			needs: true},
		{name: "a number first is a top-level name, not a position", query: "0.a=x",
			want: M{"0.a": "x"}},
		{name: "position beside a plain condition", query: "virtual_deployment_units.0.id=vdu01&status=x",
			want: M{"$and": A{
				M{"status": "x"},
				M{"virtual_deployment_units.0.id": "vdu01"},
			}},
			wide:  M{"status": "x"},
			needs: true},
		{name: "ANYINDEX", query: "virtual_deployment_units.ANYINDEX.id=vdu01&virtual_deployment_units.ANYINDEX.number_of_instances.gt=1",
			want: M{"virtual_deployment_units": M{"$elemMatch": M{"$and": A{
				M{"id": "vdu01"},
				M{"number_of_instances": M{"$gt": int64(1)}},
			}}}},
			wide: M{"$and": A{
				M{"virtual_deployment_units.id": "vdu01"},
				M{"virtual_deployment_units.number_of_instances": M{"$gt": int64(1)}},
			}},
			needs: true},
		{name: "ANYINDEX with negation and null", query: "v.ANYINDEX.id.neq=a&v.ANYINDEX.x=&v.ANYINDEX.y.cont=b",
			want: M{"v": M{"$elemMatch": M{"$and": A{
				M{"$nor": A{M{"id": "a"}}},
				M{"$or": A{M{"x": ""}, M{"$or": A{M{"x": M{"$exists": false}}, M{"x": M{"$type": "null"}}}}}},
				M{"$or": A{M{"y": "b"}, M{"y": M{"$regex": "b"}}}},
			}}}},
			wide:  M{"$or": A{M{"v.y": "b"}, M{"v.y": M{"$regex": "b"}}}},
			needs: true},
		{name: "nested ANYINDEX", query: "a.ANYINDEX.b.ANYINDEX.c=1&a.ANYINDEX.d=2&a.ANYINDEX.b.ANYINDEX.e.lt=3",
			want: M{"a": M{"$elemMatch": M{"$and": A{
				M{"b": M{"$elemMatch": M{"$and": A{
					M{"c": M{"$in": A{"1", int64(1)}}},
					M{"e": M{"$lt": int64(3)}},
				}}}},
				M{"d": M{"$in": A{"2", int64(2)}}},
			}}}},
			wide: M{"$and": A{
				M{"a.b.c": M{"$in": A{"1", int64(1)}}},
				M{"a.b.e": M{"$lt": int64(3)}},
				M{"a.d": M{"$in": A{"2", int64(2)}}},
			}},
			needs: true},
		{name: "ANYINDEX deeper prefix", query: "x.vdus.ANYINDEX.id=a",
			want:  M{"x.vdus": M{"$elemMatch": M{"id": "a"}}},
			wide:  M{"x.vdus.id": "a"},
			needs: true},
		{name: "time range (issue example)", query: "created_at.gte=2018-01-01&created_at.lt=2018-02-01",
			want: M{"$and": A{
				M{"_admin.created": M{"$gte": day("2018-01-01")}},
				M{"_admin.created": M{"$lt": day("2018-02-01")}},
			}}},
		{name: "time gt and lte on a day", query: "created_at.gt=2018-01-01&updated_at.lte=2018-01-31",
			want: M{"$and": A{
				M{"_admin.created": M{"$gte": day("2018-01-02")}},
				M{"_admin.modified": M{"$lt": day("2018-02-01")}},
			}}},
		{name: "time eq on a day", query: "created_at=2018-02-26",
			want: M{"$and": A{
				M{"_admin.created": M{"$gte": day("2018-02-26")}},
				M{"_admin.created": M{"$lt": day("2018-02-27")}},
			}}},
		{name: "time eq on the rendered form, + decoded as space", query: "created_at=2018-02-26T17:58:51.758+00:00",
			want: M{"$and": A{
				M{"_admin.created": M{"$gte": utc("2018-02-26T17:58:51.758Z")}},
				M{"_admin.created": M{"$lt": utc("2018-02-26T17:58:51.759Z")}},
			}}},
		{name: "time neq with offset", query: "created_at.neq=2018-02-26T18:58:51.7589%2B01:00",
			want: M{"$nor": A{M{"$and": A{
				M{"_admin.created": M{"$gte": utc("2018-02-26T17:58:51.758Z")}},
				M{"_admin.created": M{"$lt": utc("2018-02-26T17:58:51.759Z")}},
			}}}}},
		{name: "time lt, no zone is UTC, no seconds", query: "created_at.lt=2018-02-26T10:00",
			want: M{"_admin.created": M{"$lt": utc("2018-02-26T10:00:00Z")}}},
		{name: "time several values and empty", query: "created_at.cont=2018-02-26,",
			want: M{"$or": A{
				M{"$and": A{
					M{"_admin.created": M{"$gte": day("2018-02-26")}},
					M{"_admin.created": M{"$lt": day("2018-02-27")}},
				}},
				M{"$or": A{M{"_admin.created": M{"$exists": false}}, M{"_admin.created": M{"$type": "null"}}}},
			}}},
		{name: "yaml number", query: "x=5", yaml: true, want: M{"x": int64(5)}},
		{name: "yaml quoted string", query: "x='5'", yaml: true, want: M{"x": "5"}},
		{name: "yaml bool", query: "x=yes,False", yaml: true, want: M{"x": M{"$in": A{true, false}}}},
		{name: "yaml null", query: "x=~", yaml: true,
			want: M{"$or": A{M{"x": M{"$exists": false}}, M{"x": M{"$type": "null"}}}}},
		{name: "yaml empty string", query: "x=''", yaml: true, want: M{"x": ""}},
		{name: "yaml cont on a number has no substring", query: "x.cont=5,a", yaml: true,
			want: M{"$or": A{M{"x": M{"$in": A{int64(5), "a"}}}, M{"x": M{"$regex": "a"}}}}},
		{name: "yaml range", query: "x.gt=1.5&y.lt=b", yaml: true,
			want: M{"$and": A{M{"x": M{"$gt": 1.5}}, M{"y": M{"$lt": "b"}}}}},
		{name: "yaml time", query: "created_at.gte='2018-01-01'", yaml: true,
			want: M{"_admin.created": M{"$gte": day("2018-01-01")}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := mustParse(t, tt.query, Options{YAMLValues: tt.yaml, Fields: recordFields})
			if got := e.MongoFilter(recordStored); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("MongoFilter\n got %#v\nwant %#v", got, tt.want)
			}
			wide := tt.wide
			if wide == nil {
				wide = tt.want
			}
			if got := e.WideMongoFilter(recordStored); !reflect.DeepEqual(got, wide) {
				t.Errorf("WideMongoFilter\n got %#v\nwant %#v", got, wide)
			}
			if e.NeedsMatcher() != tt.needs {
				t.Errorf("NeedsMatcher = %v, want %v", e.NeedsMatcher(), tt.needs)
			}
		})
	}
}

func TestConds(t *testing.T) {
	e := mustParse(t, "x.gt=1&x.gt=2&s=a&s=b,c&v.ANYINDEX.id.ne=q", Options{})
	want := []Cond{
		{Key: "s", Path: []string{"s"}, Op: OpEq, Values: []string{"a", "b", "c"}},
		{Key: "v.ANYINDEX.id.ne", Path: []string{"v", "ANYINDEX", "id"}, Op: OpNeq, Values: []string{"q"}},
		{Key: "x.gt", Path: []string{"x"}, Op: OpGt, Values: []string{"1"}},
		{Key: "x.gt", Path: []string{"x"}, Op: OpGt, Values: []string{"2"}},
	}
	if got := e.Conds(); !reflect.DeepEqual(got, want) {
		t.Fatalf("Conds\n got %#v\nwant %#v", got, want)
	}
	if got := e.String(); got != "s=a,b,c&v.ANYINDEX.id.neq=q&x.gt=1&x.gt=2" {
		t.Fatalf("String = %q", got)
	}
}

func TestParseTime(t *testing.T) {
	tests := []struct {
		in     string
		lo, hi string // RFC 3339; empty: refused
	}{
		{"2018-01-01", "2018-01-01T00:00:00Z", "2018-01-02T00:00:00Z"},
		{"2016-02-29", "2016-02-29T00:00:00Z", "2016-03-01T00:00:00Z"},
		{"2018-01-01T10:00:00Z", "2018-01-01T10:00:00Z", "2018-01-01T10:00:00.001Z"},
		{"2018-01-01t10:00:00z", "2018-01-01T10:00:00Z", "2018-01-01T10:00:00.001Z"},
		{"2018-01-01T10:00:00", "2018-01-01T10:00:00Z", "2018-01-01T10:00:00.001Z"},
		{"2018-01-01T10:00", "2018-01-01T10:00:00Z", "2018-01-01T10:00:00.001Z"},
		{"2018-02-26T17:58:51.758+00:00", "2018-02-26T17:58:51.758Z", "2018-02-26T17:58:51.759Z"},
		{"2018-02-26T17:58:51.758 00:00", "2018-02-26T17:58:51.758Z", "2018-02-26T17:58:51.759Z"},
		{"2018-02-26T17:58:51.758-0130", "2018-02-26T19:28:51.758Z", "2018-02-26T19:28:51.759Z"},
		{"2018-02-26T17:58:51,5+01", "2018-02-26T16:58:51.5Z", "2018-02-26T16:58:51.501Z"},
		{"2018-02-26T17:58:51.123456789Z", "2018-02-26T17:58:51.123Z", "2018-02-26T17:58:51.124Z"},
		{"2018-02-30", "", ""},
		{"2017-02-29", "", ""},
		{"2018-13-01", "", ""},
		{"2018-1-01", "", ""},
		{"18-01-01", "", ""},
		{"2018-01-01T", "", ""},
		{"2018-01-01T10", "", ""},
		{"2018-01-01T24:00:00Z", "", ""},
		{"2018-01-01T23:60:00Z", "", ""},
		{"2018-01-01T23:59:60Z", "", ""},
		{"2018-01-01T10:00:00.Z", "", ""},
		{"2018-01-01T10:00:00.1234567890Z", "", ""},
		{"2018-01-01T10:00:00+24:00", "", ""},
		{"2018-01-01T10:00:00+01:", "", ""},
		{"2018-01-01T10:00:00Zjunk", "", ""},
		{"2018-01-01 10:00:00", "", ""},
		{"now", "", ""},
		{"", "", ""},
	}
	for _, tt := range tests {
		tv, ok := parseTime(tt.in)
		if tt.lo == "" {
			if ok {
				t.Errorf("parseTime(%q) = %v, want refused", tt.in, tv)
			}
			continue
		}
		if !ok || !tv.lo.Equal(utc(tt.lo)) || !tv.hi.Equal(utc(tt.hi)) {
			t.Errorf("parseTime(%q) = %v, %v, %v; want [%s, %s)", tt.in, tv.lo, tv.hi, ok, tt.lo, tt.hi)
		}
	}
}
