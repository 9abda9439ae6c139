package auth_test

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// failedRevocation is the real store, but revoking a user's tokens fails
// as a database that stopped answering, or a replica that died, would.
type failedRevocation struct{ *repo.AuthStore }

func (failedRevocation) DeleteTokensOf(context.Context, string) (int64, error) {
	return 0, models.Errorf(models.CodeUnavailable, "the database is unreachable; retry later")
}

// TestPasswordChangeEndsTokensWithoutRevocation: a new password ends the
// user's tokens even when their revocation never happens; the change,
// made, is answered as made.
func TestPasswordChangeEndsTokensWithoutRevocation(t *testing.T) {
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	svc, err := auth.NewService(failedRevocation{repo.NewAuthStore(db)}, auth.Config{BcryptCost: bcrypt.MinCost, CacheTTL: -1,
		Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := svc.Bootstrap(ctx, "first-password"); err != nil {
		t.Fatal(err)
	}
	issued, err := svc.Login(ctx, auth.Origin{}, auth.Login{Username: "admin", Password: "first-password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateToken(ctx, issued.Token); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Second)
	pw := "second-password"
	err = svc.EditUser(ctx, auth.Origin{}, issued.Identity, "admin", auth.UserEdit{Password: &pw}, false)
	if err != nil {
		t.Fatalf("the edit, made, answered %v", err)
	}
	if _, err := svc.AuthenticateToken(ctx, issued.Token); models.ErrorCodeOf(err) != models.CodeUnauthorized {
		t.Errorf("a token from before the new password: %v, want 401", err)
	}
	fresh, err := svc.Login(ctx, auth.Origin{}, auth.Login{Username: "admin", Password: pw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.AuthenticateToken(ctx, fresh.Token); err != nil {
		t.Errorf("a token from after it: %v", err)
	}
}
