// Package legacytest holds what the tests of repo/legacy and of repo's
// import of it both use. It imports neither, so both may import it.
package legacytest

import (
	"crypto/sha256"
	"fmt"
	"maps"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Diff compares decoded values exactly and says where they differ, a
// line each, "" when they do not: the same Go types, floats by their bits
// (so -0 is not 0), dates by instant and in UTC.
func Diff(want, got any) string { return strings.Join(diff(want, got, ""), "\n") }

func diff(want, got any, path string) []string {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return []string{fmt.Sprintf("%s: want an object, got %T", path, got)}
		}
		var d []string
		for _, k := range slices.Sorted(maps.Keys(w)) {
			gv, ok := g[k]
			if !ok {
				d = append(d, fmt.Sprintf("%s/%s: missing", path, k))
				continue
			}
			d = append(d, diff(w[k], gv, path+"/"+k)...)
		}
		for _, k := range slices.Sorted(maps.Keys(g)) {
			if _, ok := w[k]; !ok {
				d = append(d, fmt.Sprintf("%s/%s: unexpected %v", path, k, g[k]))
			}
		}
		return d
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return []string{fmt.Sprintf("%s: want %d items, got %#v", path, len(w), got)}
		}
		var d []string
		for i := range w {
			d = append(d, diff(w[i], g[i], path+"/"+strconv.Itoa(i))...)
		}
		return d
	case float64:
		if g, ok := got.(float64); !ok || math.Float64bits(g) != math.Float64bits(w) {
			return []string{fmt.Sprintf("%s: want float64 %v, got %T %v", path, w, got, got)}
		}
		return nil
	case time.Time:
		if g, ok := got.(time.Time); !ok || !g.Equal(w) || g.Location() != time.UTC {
			return []string{fmt.Sprintf("%s: want %v, got %T %v", path, w, got, got)}
		}
		return nil
	}
	if reflect.TypeOf(want) != reflect.TypeOf(got) || !reflect.DeepEqual(want, got) {
		return []string{fmt.Sprintf("%s: want %T %#v, got %T %#v", path, want, want, got, got)}
	}
	return nil
}

// Files are the files of dir whose names start with prefix ("" for all),
// each with a hash of its contents: what to compare before and after
// reading a legacy file, which must change nothing and create nothing.
func Files(t testing.TB, dir, prefix string) map[string]string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range entries {
		if !strings.HasPrefix(e.Name(), prefix) {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = fmt.Sprintf("%x", sha256.Sum256(b))
	}
	return out
}
