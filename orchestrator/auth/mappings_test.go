package auth_test

import (
	"context"
	"path/filepath"
	"testing"

	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/auth"
	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// TestProjectMappings: a project named twice (by name and by id) is one
// mapping; a mapping to a project deleted meanwhile does not decide a
// login's project; a project list edit that adds nothing needs no
// default role.
func TestProjectMappings(t *testing.T) {
	db, err := sqlite.Open(sqlite.Config{Path: filepath.Join(t.TempDir(), "auth.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close(context.Background())
	store := repo.NewAuthStore(db)
	svc, err := auth.NewService(store, auth.Config{BcryptCost: bcrypt.MinCost, CacheTTL: -1})
	if err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	if _, err := svc.Bootstrap(ctx, "first-password"); err != nil {
		t.Fatal(err)
	}
	name := func(s string) *string { return &s }
	caller := auth.Identity{Username: "admin"}
	q, err := svc.CreateProject(ctx, auth.Origin{}, caller, auth.ProjectEdit{Name: name("Q")})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.CreateUser(ctx, auth.Origin{}, caller, auth.UserEdit{Username: name("ann"), Password: name("ann-password"),
		Projects: []byte(`["Q", "` + q.ID + `", "admin"]`)})
	if err != nil {
		t.Fatal(err)
	}
	if len(u.Mappings) != 2 {
		t.Fatalf("Q by name and by id, and admin: %d mappings, want 2: %+v", len(u.Mappings), u.Mappings)
	}
	// A mapping to a project that is gone, first: the login takes the next.
	if _, err := store.UpdateUser(ctx, u.ID, func(x *auth.User) error {
		x.Mappings = append([]auth.Mapping{{Project: "gone-project", Role: x.Mappings[0].Role}}, x.Mappings...)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	issued, err := svc.Login(ctx, auth.Origin{}, auth.Login{Username: "ann", Password: "ann-password"})
	if err != nil {
		t.Fatalf("login with a stale first mapping: %v", err)
	}
	if issued.Identity.ProjectID != q.ID {
		t.Fatalf("logged in to %q, want Q (%s)", issued.Identity.ProjectID, q.ID)
	}
	if _, err := svc.AuthenticateBasic(ctx, auth.Origin{}, "ann", "ann-password"); err != nil {
		t.Fatalf("Basic with a stale first mapping: %v", err)
	}
	// The default role gone: a list edit that removes is fine, one that adds is a 409.
	if err := svc.DeleteRole(ctx, auth.Origin{}, caller, "project_admin", true); err != nil {
		t.Fatal(err)
	}
	if err := svc.EditUser(ctx, auth.Origin{}, caller, "ann", auth.UserEdit{Projects: []byte(`{"$'admin'": null}`)}, false); err != nil {
		t.Fatalf("removing a project without the default role: %v", err)
	}
	err = svc.EditUser(ctx, auth.Origin{}, caller, "ann", auth.UserEdit{Projects: []byte(`{"$+'admin'": "admin"}`)}, false)
	if models.ErrorCodeOf(err) != models.CodeConflict {
		t.Fatalf("adding a project without the default role: %v, want 409", err)
	}
}
