package hostilebody

import "testing"

func TestBodiesFitTheBodyLimit(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range All() {
		if len(b.Data) > MaxBytes || len(b.Data) == 0 {
			t.Errorf("%s: %d bytes, want 1 to %d", b.Name, len(b.Data), MaxBytes)
		}
		if seen[b.Name] {
			t.Errorf("%s twice", b.Name)
		}
		seen[b.Name] = true
	}
}
