package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// AuthStore keeps what identity and access need (orchestrator/auth):
// users, projects and roles, with names unique per kind; tokens by the
// hash of the token; failed logins; and a lease table. Every replica on
// the database sees the same state at once.
type AuthStore struct {
	db DB
}

// NewAuthStore is the identity store over db.
func NewAuthStore(db DB) *AuthStore { return &AuthStore{db: db} }

// The identity module's collections.
const (
	authUsers    = "auth_users"
	authProjects = "auth_projects"
	authRoles    = "auth_roles"
	// authNames holds one document per name in use: id "<kind>/<name>",
	// body {"id": the named document}. Inserting it is what makes a name
	// unique, however many replicas race.
	authNames    = "auth_names"
	authTokens   = "auth_tokens"
	authFailures = "auth_login_failures"
)

var (
	authUserSpec    = CollectionSpec{Name: authUsers, Envelope: Envelope{Created: "created", Modified: "modified"}}
	authProjectSpec = CollectionSpec{Name: authProjects, Envelope: Envelope{Created: "created", Modified: "modified"}}
	authRoleSpec    = CollectionSpec{Name: authRoles, Envelope: Envelope{Created: "created", Modified: "modified"}}
	authNameSpec    = CollectionSpec{Name: authNames}
	// Tokens are found by user (a user's list, revocation of them all).
	authTokenSpec   = CollectionSpec{Name: authTokens, Envelope: Envelope{Created: "created"}, Indexed: []string{"user_id"}}
	authFailureSpec = CollectionSpec{Name: authFailures}
)

// named is a collection of documents of type T, each with a unique name.
type named[T any] struct {
	db    DB
	spec  CollectionSpec
	kind  string
	id    func(*T) string
	setID func(*T, string)
	name  func(*T) string
	// envelope sets the envelope's times and version on a read value.
	envelope func(*T, Doc)
}

func (n named[T]) coll() Collection { return n.db.Collection(n.spec) }
func (n named[T]) keys() uniqueKeys { return uniqueKeys{db: n.db, spec: authNameSpec} }
func (n named[T]) nameID(name string) string {
	return n.kind + "/" + name
}

// encode is v's body: its JSON without "_id" (the document's id).
func encode(v any) (json.RawMessage, error) {
	raw, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return nil, err
	}
	delete(m, "_id")
	return json.Marshal(m)
}

func (n named[T]) decode(d Doc) (T, error) {
	var v T
	if err := json.Unmarshal(d.Body, &v); err != nil {
		return v, Internal(fmt.Sprintf("read %s %s", n.kind, d.ID), err)
	}
	n.setID(&v, d.ID) // the body has none: it is the document's
	n.envelope(&v, d)
	return v, nil
}

func (n named[T]) notFound(ref string) error {
	return models.Errorf(models.CodeNotFound, "%s %s not found", n.kind, models.Quote(ref))
}

func (n named[T]) taken(name string) error {
	return models.Errorf(models.CodeConflict, "a %s named %s exists", n.kind, models.Quote(name))
}

func (n named[T]) fail(err error, ref string) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrNotFound):
		return n.notFound(ref)
	case errors.Is(err, ErrExists):
		return models.Errorf(models.CodeConflict, "%s %s exists", n.kind, models.Quote(ref))
	}
	var me *models.Error
	if errors.As(err, &me) {
		return err
	}
	return Internal(fmt.Sprintf("%s %s", n.kind, ref), err)
}

// reserve makes name point at id: Conflict when it names another live
// document. A name left pointing at a document that is gone, or renamed
// (a replica that stopped halfway), is taken over.
func (n named[T]) reserve(ctx context.Context, name, id string) error {
	err := n.keys().take(ctx, n.nameID(name), id, func(holder string) (bool, error) { return n.holds(ctx, holder, name) })
	if errors.Is(err, ErrExists) {
		return n.taken(name)
	}
	if err != nil {
		return n.fail(err, name)
	}
	return nil
}

// holder is the id name points at: ErrNotFound when none.
func (n named[T]) holder(ctx context.Context, name string) (string, error) {
	return n.keys().holder(ctx, n.nameID(name))
}

// holds reports whether the document id exists and is called name.
func (n named[T]) holds(ctx context.Context, id, name string) (bool, error) {
	d, err := n.coll().Get(ctx, id)
	if errors.Is(err, ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, n.fail(err, id)
	}
	v, err := n.decode(d)
	if err != nil {
		return false, err
	}
	return n.name(&v) == name, nil
}

// release frees name when it points at id.
func (n named[T]) release(ctx context.Context, name, id string) {
	n.keys().release(ctx, n.nameID(name), id)
}

func (n named[T]) create(ctx context.Context, v T) (T, error) {
	id, name := n.id(&v), n.name(&v)
	if err := n.reserve(ctx, name, id); err != nil {
		return v, err
	}
	body, err := encode(v)
	if err != nil {
		n.release(ctx, name, id)
		return v, Internal("encode "+n.kind, err)
	}
	d, err := n.coll().Insert(ctx, Doc{ID: id, Body: body})
	if err != nil {
		n.release(ctx, name, id)
		return v, n.fail(err, id)
	}
	return n.decode(d)
}

func (n named[T]) get(ctx context.Context, id string) (T, error) {
	d, err := n.coll().Get(ctx, id)
	if err != nil {
		var zero T
		return zero, n.fail(err, id)
	}
	return n.decode(d)
}

func (n named[T]) find(ctx context.Context, name string) (T, error) {
	var zero T
	id, err := n.holder(ctx, name)
	if err != nil {
		return zero, n.fail(err, name)
	}
	v, err := n.get(ctx, id)
	if models.ErrorCodeOf(err) == models.CodeNotFound || (err == nil && n.name(&v) != name) {
		return zero, n.notFound(name)
	}
	return v, err
}

func (n named[T]) list(ctx context.Context) ([]T, error) {
	p, err := n.coll().List(ctx, filter.Query{Limit: math.MaxInt64})
	if err != nil {
		return nil, err
	}
	out := make([]T, 0, len(p.Items))
	for i := len(p.Items) - 1; i >= 0; i-- { // oldest first
		v, err := n.decode(p.Items[i])
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// update changes a document; a new name is reserved before the write
// and the old one released after it.
func (n named[T]) update(ctx context.Context, id string, fn func(*T) error) (T, error) {
	var zero T
	cur, err := n.get(ctx, id)
	if err != nil {
		return zero, err
	}
	oldName := n.name(&cur)
	probe := cur
	if err := fn(&probe); err != nil {
		return zero, err
	}
	newName := n.name(&probe)
	if newName != oldName {
		if err := n.reserve(ctx, newName, id); err != nil {
			return zero, err
		}
	}
	d, err := n.coll().Update(ctx, id, func(d Doc) (Doc, error) {
		v, err := n.decode(d)
		if err != nil {
			return Doc{}, err
		}
		if err := fn(&v); err != nil {
			return Doc{}, err
		}
		if n.name(&v) != newName {
			return Doc{}, models.Errorf(models.CodeConflict, "%s %s was renamed meanwhile; retry", n.kind, id)
		}
		if d.Body, err = encode(v); err != nil {
			return Doc{}, Internal("encode "+n.kind, err)
		}
		return d, nil
	})
	if err != nil {
		if newName != oldName {
			n.release(ctx, newName, id)
		}
		return zero, n.fail(err, id)
	}
	if newName != oldName {
		n.release(ctx, oldName, id)
	}
	return n.decode(d)
}

func (n named[T]) remove(ctx context.Context, id string) error {
	v, err := n.get(ctx, id)
	if err != nil {
		return err
	}
	if err := n.coll().Delete(ctx, id, nil); err != nil {
		return n.fail(err, id)
	}
	n.release(ctx, n.name(&v), id)
	return nil
}

func (s *AuthStore) users() named[models.User] {
	return named[models.User]{db: s.db, spec: authUserSpec, kind: "user",
		id: func(u *models.User) string { return u.ID }, setID: func(u *models.User, id string) { u.ID = id },
		name:     func(u *models.User) string { return u.Username },
		envelope: func(u *models.User, d Doc) { u.Created, u.Modified, u.Version = d.Created, d.Modified, d.Version }}
}

func (s *AuthStore) projects() named[models.Project] {
	return named[models.Project]{db: s.db, spec: authProjectSpec, kind: "project",
		id: func(p *models.Project) string { return p.ID }, setID: func(p *models.Project, id string) { p.ID = id },
		name:     func(p *models.Project) string { return p.Name },
		envelope: func(p *models.Project, d Doc) { p.Created, p.Modified = d.Created, d.Modified }}
}

func (s *AuthStore) roles() named[models.Role] {
	return named[models.Role]{db: s.db, spec: authRoleSpec, kind: "role",
		id: func(r *models.Role) string { return r.ID }, setID: func(r *models.Role, id string) { r.ID = id },
		name:     func(r *models.Role) string { return r.Name },
		envelope: func(r *models.Role, d Doc) { r.Created, r.Modified = d.Created, d.Modified }}
}

func (s *AuthStore) CreateUser(ctx context.Context, u models.User) (models.User, error) {
	return s.users().create(ctx, u)
}
func (s *AuthStore) GetUser(ctx context.Context, id string) (models.User, error) {
	return s.users().get(ctx, id)
}

// UserVersion is the version of the user id (one more at each change),
// read without decoding the user.
func (s *AuthStore) UserVersion(ctx context.Context, id string) (int64, error) {
	d, err := s.users().coll().Get(ctx, id)
	if err != nil {
		return 0, s.users().fail(err, id)
	}
	return d.Version, nil
}

func (s *AuthStore) FindUser(ctx context.Context, name string) (models.User, error) {
	return s.users().find(ctx, name)
}
func (s *AuthStore) ListUsers(ctx context.Context) ([]models.User, error) {
	return s.users().list(ctx)
}
func (s *AuthStore) UpdateUser(ctx context.Context, id string, fn func(*models.User) error) (models.User, error) {
	return s.users().update(ctx, id, fn)
}
func (s *AuthStore) DeleteUser(ctx context.Context, id string) error {
	return s.users().remove(ctx, id)
}

func (s *AuthStore) CreateProject(ctx context.Context, p models.Project) (models.Project, error) {
	return s.projects().create(ctx, p)
}
func (s *AuthStore) GetProject(ctx context.Context, id string) (models.Project, error) {
	return s.projects().get(ctx, id)
}
func (s *AuthStore) FindProject(ctx context.Context, name string) (models.Project, error) {
	return s.projects().find(ctx, name)
}
func (s *AuthStore) ListProjects(ctx context.Context) ([]models.Project, error) {
	return s.projects().list(ctx)
}
func (s *AuthStore) UpdateProject(ctx context.Context, id string, fn func(*models.Project) error) (models.Project, error) {
	return s.projects().update(ctx, id, fn)
}
func (s *AuthStore) DeleteProject(ctx context.Context, id string) error {
	return s.projects().remove(ctx, id)
}

func (s *AuthStore) CreateRole(ctx context.Context, r models.Role) (models.Role, error) {
	return s.roles().create(ctx, r)
}
func (s *AuthStore) GetRole(ctx context.Context, id string) (models.Role, error) {
	return s.roles().get(ctx, id)
}
func (s *AuthStore) FindRole(ctx context.Context, name string) (models.Role, error) {
	return s.roles().find(ctx, name)
}
func (s *AuthStore) ListRoles(ctx context.Context) ([]models.Role, error) {
	return s.roles().list(ctx)
}
func (s *AuthStore) UpdateRole(ctx context.Context, id string, fn func(*models.Role) error) (models.Role, error) {
	return s.roles().update(ctx, id, fn)
}
func (s *AuthStore) DeleteRole(ctx context.Context, id string) error {
	return s.roles().remove(ctx, id)
}

// storedToken is a token's body: times in Unix milliseconds, so that
// expiry is a numeric comparison in every backend.
type storedToken struct {
	UserID      string `json:"user_id"`
	Username    string `json:"username"`
	ProjectID   string `json:"project_id"`
	ProjectName string `json:"project_name"`
	Issued      int64  `json:"issued"`
	Expires     int64  `json:"expires"`
	RemoteHost  string `json:"remote_host"`
	RemotePort  int    `json:"remote_port,omitempty"`
}

func (s *AuthStore) tokens() Collection { return s.db.Collection(authTokenSpec) }

func tokenError(err error) error {
	if errors.Is(err, ErrNotFound) {
		return models.Errorf(models.CodeNotFound, "token not found")
	}
	if errors.Is(err, ErrExists) {
		return Internal("add token", err) // 256 random bits do not collide
	}
	var me *models.Error
	if err == nil || errors.As(err, &me) {
		return err
	}
	return Internal("token", err)
}

func (s *AuthStore) AddToken(ctx context.Context, t models.Token) error {
	body, err := json.Marshal(storedToken{UserID: t.UserID, Username: t.Username, ProjectID: t.ProjectID, ProjectName: t.ProjectName,
		Issued: t.Issued.UnixMilli(), Expires: t.Expires.UnixMilli(), RemoteHost: t.RemoteHost, RemotePort: t.RemotePort})
	if err != nil {
		return Internal("encode token", err)
	}
	_, err = s.tokens().Insert(ctx, Doc{ID: t.Hash, Body: body, Created: t.Issued})
	return tokenError(err)
}

func tokenOf(d Doc) (models.Token, error) {
	var st storedToken
	if err := json.Unmarshal(d.Body, &st); err != nil {
		return models.Token{}, Internal("read token", err)
	}
	return models.Token{Hash: d.ID, UserID: st.UserID, Username: st.Username, ProjectID: st.ProjectID, ProjectName: st.ProjectName,
		Issued: time.UnixMilli(st.Issued).UTC(), Expires: time.UnixMilli(st.Expires).UTC(), RemoteHost: st.RemoteHost, RemotePort: st.RemotePort}, nil
}

func (s *AuthStore) GetToken(ctx context.Context, hash string) (models.Token, error) {
	d, err := s.tokens().Get(ctx, hash)
	if err != nil {
		return models.Token{}, tokenError(err)
	}
	return tokenOf(d)
}

func (s *AuthStore) byUser(userID string) (filter.Expr, error) {
	return filter.Where(filter.Options{}, filter.Condition{Path: []string{"user_id"}, Op: filter.OpEq, Value: userID})
}

func (s *AuthStore) TokensOf(ctx context.Context, userID string) ([]models.Token, error) {
	f, err := s.byUser(userID)
	if err != nil {
		return nil, Internal("tokens of "+userID, err)
	}
	p, err := s.tokens().List(ctx, filter.Query{Filter: f, Limit: math.MaxInt64})
	if err != nil {
		return nil, tokenError(err)
	}
	out := make([]models.Token, 0, len(p.Items))
	for _, d := range p.Items {
		t, err := tokenOf(d)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

func (s *AuthStore) DeleteToken(ctx context.Context, hash string) error {
	return tokenError(s.tokens().Delete(ctx, hash, nil))
}

func (s *AuthStore) DeleteTokensOf(ctx context.Context, userID string) (int64, error) {
	f, err := s.byUser(userID)
	if err != nil {
		return 0, Internal("tokens of "+userID, err)
	}
	n, err := s.tokens().DeleteWhere(ctx, f)
	return n, tokenError(err)
}

func (s *AuthStore) DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error) {
	f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{"expires"}, Op: filter.OpLt, Value: before.UnixMilli()})
	if err != nil {
		return 0, Internal("expired tokens", err)
	}
	n, err := s.tokens().DeleteWhere(ctx, f)
	return n, tokenError(err)
}

func (s *AuthStore) failures() Collection { return s.db.Collection(authFailureSpec) }

func (s *AuthStore) LoginFailures(ctx context.Context, key string) (models.LoginFailures, error) {
	var f models.LoginFailures
	d, err := s.failures().Get(ctx, key)
	if errors.Is(err, ErrNotFound) {
		return f, nil
	}
	if err != nil {
		return f, tokenError(err)
	}
	if err := json.Unmarshal(d.Body, &f); err != nil {
		return f, Internal("read login failures", err)
	}
	return f, nil
}

func (s *AuthStore) AddLoginFailure(ctx context.Context, key string, fn func(*models.LoginFailures)) (models.LoginFailures, error) {
	var out models.LoginFailures
	change := func(cur Doc) (Doc, error) {
		var f models.LoginFailures
		if len(cur.Body) > 0 {
			if err := json.Unmarshal(cur.Body, &f); err != nil {
				return Doc{}, Internal("read login failures", err)
			}
		}
		fn(&f)
		out = f
		body, err := json.Marshal(f)
		if err != nil {
			return Doc{}, Internal("encode login failures", err)
		}
		cur.Body = body
		return cur, nil
	}
	for range 4 {
		_, err := s.failures().Update(ctx, key, change)
		if !errors.Is(err, ErrNotFound) {
			return out, tokenError(err)
		}
		d, err := change(Doc{ID: key})
		if err != nil {
			return out, err
		}
		if _, err = s.failures().Insert(ctx, d); !errors.Is(err, ErrExists) {
			return out, tokenError(err)
		}
		// another replica counted a failure first: count on top of it
	}
	return out, models.Errorf(models.CodeConflict, "failed logins are being counted by other replicas; retry")
}

func (s *AuthStore) ClearLoginFailures(ctx context.Context, key string) error {
	err := s.failures().Delete(ctx, key, nil)
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	return tokenError(err)
}

// ownedSpecs are the collections whose documents projects own.
func ownedSpecs() []CollectionSpec {
	specs := []CollectionSpec{VIMSpec, OpOccSpec, UpdateRequestSpec, CatalogueSpec("vnfd"), CatalogueSpec("nsd")}
	for _, kind := range models.Kinds() {
		specs = append(specs, RecordSpec(kind))
	}
	return specs
}

// OwnsDocuments reports whether a document of any kind projects own
// (records, descriptors, VIM accounts, NS operations, update requests)
// belongs to project.
func (s *AuthStore) OwnsDocuments(ctx context.Context, project string) (bool, error) {
	for _, spec := range ownedSpecs() {
		n, err := s.db.Collection(spec).Within(Readers{Projects: []string{project}}).Count(ctx, filter.Expr{})
		if err != nil {
			return false, err
		}
		if n > 0 {
			return true, nil
		}
	}
	return false, nil
}
