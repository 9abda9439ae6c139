package models

import (
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestNormalizeUUID(t *testing.T) {
	tests := []struct {
		in, want string
		ok       bool
	}{
		{"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", "1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", true},
		{"1B5BAB2A-8286-2B40-4827-DC5D6E37BF8E", "1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", true},
		{"x1b5bab2a-8286-2b40-4827-dc5d6e37bf8e", "", false},
		{"1b5bab2a-8286-2b40-4827-dc5d6e37bf8e ", "", false},
		{"1b5bab2a82862b404827dc5d6e37bf8e", "", false},
		{"ping", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := NormalizeUUID(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("NormalizeUUID(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestRendered(t *testing.T) {
	created := time.Date(2018, 2, 26, 17, 58, 51, 758_000_000, time.UTC)
	r := Record{
		UUID:   "u",
		Fields: map[string]any{"id": "u", "status": "offline"},
		Admin:  Admin{Created: created, Modified: created.Add(time.Second), Version: 2},
	}
	got := r.Rendered()
	want := map[string]any{"uuid": "u", "status": "offline", "created_at": "2018-02-26T17:58:51.758+00:00", "updated_at": "2018-02-26T17:58:52.758+00:00"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("rendered %v, want %v", got, want)
	}
	if _, still := r.Fields["uuid"]; still {
		t.Fatal("Rendered changed the record's fields")
	}
	if r.ETag() != `"2"` {
		t.Fatalf("ETag %s", r.ETag())
	}
}

func TestFormatTimeIsUTC(t *testing.T) {
	loc := time.FixedZone("CET", 3600)
	got := FormatTime(time.Date(2018, 2, 26, 18, 58, 51, 758_000_000, loc))
	if got != "2018-02-26T17:58:51.758+00:00" {
		t.Fatalf("got %s", got)
	}
}

func TestErrorCodeOf(t *testing.T) {
	wrapped := fmt.Errorf("outer: %w", Errorf(CodeNotFound, "x"))
	if ErrorCodeOf(wrapped) != CodeNotFound {
		t.Fatal("code lost through wrapping")
	}
	if ErrorCodeOf(errors.New("plain")) != CodeInternal {
		t.Fatal("an unclassified error must be internal")
	}
}
