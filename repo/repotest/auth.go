package repotest

import (
	"slices"
	"testing"
	"time"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/repo"
)

// testAuth checks the identity store on the backend: unique names
// (however created or renamed), tokens found by user and removed by
// expiry, failed logins counted on top of each other.
func testAuth(t *testing.T, b Backend) {
	clock := NewClock(t0)
	db := b.Open(t, clock.Now)
	s := repo.NewAuthStore(db)
	ctx := t.Context()

	u, err := s.CreateUser(ctx, models.User{ID: "u1", Username: "ann", PasswordHash: "h", Mappings: []models.Mapping{{Project: "p", Role: "r"}}})
	if err != nil {
		t.Fatal(err)
	}
	if !u.Created.Equal(t0) || u.ID != "u1" {
		t.Errorf("created user %+v", u)
	}
	if _, err := s.CreateUser(ctx, models.User{ID: "u2", Username: "ann"}); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("a second ann: %v, want Conflict", err)
	}
	if _, err := s.GetUser(ctx, "u2"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("the refused user was stored: %v", err)
	}
	if _, err := s.CreateUser(ctx, models.User{ID: "u2", Username: "bob"}); err != nil {
		t.Fatal(err)
	}
	found, err := s.FindUser(ctx, "ann")
	if err != nil || found.ID != "u1" || found.PasswordHash != "h" || len(found.Mappings) != 1 {
		t.Errorf("find ann: %+v %v", found, err)
	}
	// A rename frees the old name and takes the new one; a rename onto a
	// taken name changes nothing.
	if _, err := s.UpdateUser(ctx, "u1", func(u *models.User) error { u.Username = "bob"; return nil }); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("rename ann to bob: %v, want Conflict", err)
	}
	if a, err := s.FindUser(ctx, "ann"); err != nil || a.ID != "u1" {
		t.Errorf("after a refused rename, ann is %+v (%v), want u1", a, err)
	}
	if b, err := s.FindUser(ctx, "bob"); err != nil || b.ID != "u2" {
		t.Errorf("after a refused rename, bob is %+v (%v), want u2", b, err)
	}
	if _, err := s.UpdateUser(ctx, "u1", func(u *models.User) error { u.Username = "cat"; return nil }); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FindUser(ctx, "ann"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("ann after the rename: %v", err)
	}
	if _, err := s.CreateUser(ctx, models.User{ID: "u3", Username: "ann"}); err != nil {
		t.Errorf("ann is free again: %v", err)
	}
	if err := s.DeleteUser(ctx, "u2"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, models.User{ID: "u4", Username: "bob"}); err != nil {
		t.Errorf("bob is free once deleted: %v", err)
	}
	users, err := s.ListUsers(ctx)
	if err != nil || len(users) != 3 {
		t.Errorf("users: %v %v", users, err)
	}

	// A name claimed by a creation that died before its user was stored:
	// taken while young (it may be another replica's creation in
	// flight), taken over once old.
	if _, err := db.Collection(repo.CollectionSpec{Name: "auth_names"}).Insert(ctx, repo.Doc{ID: "user/dan", Body: []byte(`{"id":"gone"}`)}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreateUser(ctx, models.User{ID: "u9", Username: "dan"}); models.ErrorCodeOf(err) != models.CodeConflict {
		t.Errorf("a young claim of dan: %v, want Conflict", err)
	}
	clock.Advance(2 * time.Minute)
	if _, err := s.CreateUser(ctx, models.User{ID: "u9", Username: "dan"}); err != nil {
		t.Errorf("an old claim of dan, its user gone: %v", err)
	}
	if u, err := s.FindUser(ctx, "dan"); err != nil || u.ID != "u9" {
		t.Errorf("find dan: %+v %v", u, err)
	}

	// Tokens: by user, and gone once expired.
	for i, tk := range []struct {
		hash, user string
		ttl        time.Duration
	}{{"t1", "u1", time.Hour}, {"t2", "u1", 2 * time.Hour}, {"t3", "u3", time.Hour}} {
		err := s.AddToken(ctx, models.Token{Hash: tk.hash, UserID: tk.user, Username: "x", ProjectID: "p", Issued: t0, Expires: t0.Add(tk.ttl), RemoteHost: "h", RemotePort: i})
		if err != nil {
			t.Fatal(err)
		}
	}
	got, err := s.GetToken(ctx, "t2")
	if err != nil || !got.Expires.Equal(t0.Add(2*time.Hour)) || got.UserID != "u1" || got.RemotePort != 1 {
		t.Errorf("token t2: %+v %v", got, err)
	}
	mine, err := s.TokensOf(ctx, "u1")
	var hashes []string
	for _, tk := range mine {
		hashes = append(hashes, tk.Hash)
	}
	slices.Sort(hashes)
	if err != nil || !slices.Equal(hashes, []string{"t1", "t2"}) {
		t.Errorf("tokens of u1: %v %v", hashes, err)
	}
	if n, err := s.DeleteExpiredTokens(ctx, t0.Add(90*time.Minute)); err != nil || n != 2 {
		t.Errorf("expired tokens removed: %d %v, want 2", n, err)
	}
	if _, err := s.GetToken(ctx, "t2"); err != nil {
		t.Errorf("t2 has not expired: %v", err)
	}
	if n, err := s.DeleteTokensOf(ctx, "u1"); err != nil || n != 1 {
		t.Errorf("tokens of u1 revoked: %d %v, want 1", n, err)
	}
	if _, err := s.GetToken(ctx, "t2"); models.ErrorCodeOf(err) != models.CodeNotFound {
		t.Errorf("t2 after revocation: %v", err)
	}

	// Failed logins add up, and clear.
	for i := 1; i <= 3; i++ {
		f, err := s.AddLoginFailure(ctx, "k", func(f *models.LoginFailures) { f.Count++; f.First = t0 })
		if err != nil || f.Count != i {
			t.Fatalf("failure %d: %+v %v", i, f, err)
		}
	}
	if f, err := s.LoginFailures(ctx, "k"); err != nil || f.Count != 3 || !f.First.Equal(t0) {
		t.Errorf("failures: %+v %v", f, err)
	}
	if err := s.ClearLoginFailures(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if f, err := s.LoginFailures(ctx, "k"); err != nil || f.Count != 0 {
		t.Errorf("failures after clearing: %+v %v", f, err)
	}
}
