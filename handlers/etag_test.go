package handlers

import (
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

func TestParseIfMatch(t *testing.T) {
	tests := []struct {
		header  string
		nilCond bool
		holds   bool
		wantErr bool
	}{
		{header: "", nilCond: true},
		{header: "*", holds: true},
		{header: `"3"`, holds: true},
		{header: ` "1", "3" `, holds: true},
		{header: `"4"`, holds: false},
		{header: `W/"3"`, holds: false}, // If-Match compares strongly
		{header: `"abc"`, holds: false},
		{header: `3`, wantErr: true},
		{header: `"3`, wantErr: true},
		{header: `"3", x`, wantErr: true},
		{header: `"a"b"`, wantErr: true},
	}
	for _, tt := range tests {
		cond, err := parseIfMatch(tt.header)
		if (err != nil) != tt.wantErr {
			t.Errorf("%q: err = %v, want error %v", tt.header, err, tt.wantErr)
			continue
		}
		if tt.wantErr {
			if models.ErrorCodeOf(err) != models.CodeInvalid {
				t.Errorf("%q: code %s, want %s", tt.header, models.ErrorCodeOf(err), models.CodeInvalid)
			}
			continue
		}
		if (cond == nil) != tt.nilCond {
			t.Errorf("%q: nil condition = %v, want %v", tt.header, cond == nil, tt.nilCond)
			continue
		}
		if cond != nil && cond.Holds(3) != tt.holds {
			t.Errorf("%q: holds for version 3 = %v, want %v", tt.header, !tt.holds, tt.holds)
		}
	}
}

func TestNoneMatch(t *testing.T) {
	r := models.Record{UUID: "u", Admin: models.Admin{Version: 7, Created: time.Now()}}
	for header, want := range map[string]bool{
		"": false, "*": true, `"7"`: true, `W/"7"`: true, `"6", "7"`: true, `"6"`: false,
	} {
		if got := noneMatch(header, r); got != want {
			t.Errorf("%q: got %v, want %v", header, got, want)
		}
	}
}
