package seal

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSealOpen(t *testing.T) {
	key := make([]byte, KeySize)
	key[0] = 1
	b, err := New(key)
	if err != nil {
		t.Fatal(err)
	}
	s1, _ := b.Seal("harness", "vim-1")
	s2, _ := b.Seal("harness", "vim-1")
	if s1 == s2 || strings.Contains(s1, "harness") {
		t.Errorf("sealed values %q %q: each sealing is new and shows nothing", s1, s2)
	}
	if got, err := b.Open(s1, "vim-1"); err != nil || got != "harness" {
		t.Errorf("open: %q %v", got, err)
	}
	other, _ := New(make([]byte, KeySize))
	tampered := s1[:len(s1)-2] + "AA"
	for name, try := range map[string]func() (string, error){
		"another context": func() (string, error) { return b.Open(s1, "vim-2") },
		"another key":     func() (string, error) { return other.Open(s1, "vim-1") },
		"altered":         func() (string, error) { return b.Open(tampered, "vim-1") },
		"not sealed":      func() (string, error) { return b.Open("harness", "vim-1") },
	} {
		if _, err := try(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: %v, want ErrOpen", name, err)
		}
	}
	if _, err := New(key[:16]); err == nil {
		t.Error("a 16-byte key was taken")
	}
}

func TestKeys(t *testing.T) {
	for s, ok := range map[string]bool{
		strings.Repeat("ab", 32): true, "q2ZXwQY7R1n0lM3S2Zy9c2xq3q4Q7Jb1u3Fh2n8y0Uo=": true,
		"short": false, strings.Repeat("ab", 16): false, "": false,
	} {
		if _, err := ParseKey(s); (err == nil) != ok {
			t.Errorf("ParseKey(%q): %v, want ok=%v", s, err, ok)
		}
	}
	path := filepath.Join(t.TempDir(), "secret-key")
	k1, created, err := LoadOrCreateKey(path)
	if err != nil || !created {
		t.Fatalf("first: %v %v", created, err)
	}
	k2, created, err := LoadOrCreateKey(path)
	if err != nil || created || string(k1) != string(k2) {
		t.Fatalf("second: %v %v", created, err)
	}
	if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v", st.Mode().Perm())
	}
}
