package auth_test

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// BenchmarkFailedLogin: a wrong password for a user that exists and one
// for a user that does not cost the same (the same bcrypt comparison,
// the same failure write), so timing does not tell which users exist.
// Run with -count and compare known with unknown (benchstat).
func BenchmarkFailedLogin(b *testing.B) {
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(b.TempDir(), "auth.db")})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close(context.Background())
	svc, err := auth.NewService(repo.NewAuthStore(db), auth.Config{BcryptCost: bcrypt.DefaultCost, MaxFailures: 1 << 30})
	if err != nil {
		b.Fatal(err)
	}
	if _, err := svc.Bootstrap(b.Context(), "the-right-password"); err != nil {
		b.Fatal(err)
	}
	for _, user := range []string{"admin", "nobody"} {
		name := map[string]string{"admin": "known", "nobody": "unknown"}[user]
		b.Run(name, func(b *testing.B) {
			i := 0
			for b.Loop() {
				i++
				o := auth.Origin{RemoteHost: fmt.Sprint("192.0.2.", i%200)}
				if _, err := svc.Login(b.Context(), o, auth.Login{Username: user, Password: "wrong"}); err == nil {
					b.Fatal("a wrong password logged in")
				}
			}
		})
	}
}
