// Package auth is identity and access: users, projects and roles (OSM's
// RBAC), bearer tokens and HTTP Basic credentials, the permission check
// of every route, and the scope (models.Scope) that isolates projects.
// It keeps its state through the Store it declares; handlers/ parses and
// renders, and asks it who a caller is and what the caller may do.
package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"slices"
	"sync"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/sync/singleflight"

	"github.com/nfv-records/nfv-records/models"
)

// Config tunes the service. The zero value is the default.
type Config struct {
	// TokenTTL is how long a token lives (TOKEN_TTL); default 1h.
	TokenTTL time.Duration
	// CacheTTL is how long a replica trusts what it read of a token, a
	// user's roles or a project, at most 1s (the default): a revocation,
	// a role change or a deletion elsewhere takes effect within it. A
	// negative value reads the database on every call.
	CacheTTL time.Duration
	// BcryptCost is the cost of password hashes; default bcrypt's (10).
	BcryptCost int
	// MaxFailures failed logins of one user from one address within
	// FailureWindow lock that pair for LockFor. Defaults 5, 5m, 5m.
	MaxFailures   int
	FailureWindow time.Duration
	LockFor       time.Duration
	// DefaultProject is the project of AUTH=none and of records written
	// before projects existed; default "admin".
	DefaultProject string
	// Now is the clock of tokens and locks; default time.Now.
	Now func() time.Time
	// Random is the source of tokens and generated passwords; default
	// crypto/rand.
	Random io.Reader
	// Logger receives the audit lines.
	Logger *slog.Logger
	// Exclusive says no other process uses the database (the embedded
	// store, locked by this one): every change goes through this
	// service, which forgets what it remembered of what it changes, so
	// remembered Basic credentials need no database read to know the
	// user is unchanged. Without it (MongoDB, any number of replicas)
	// each call reads the user's version.
	Exclusive bool
}

// Service is identity and access over a store.
type Service struct {
	store Store
	cfg   Config
	log   *slog.Logger
	// dummyHash is compared against when a login names no user, so that
	// it takes as long as one that does.
	dummyHash []byte
	// basicKey keys the hash under which Basic credentials are
	// remembered: the credentials themselves are never kept.
	basicKey []byte
	cache    *cache
	// basicChecks runs one password check per Basic credentials at a time.
	basicChecks singleflight.Group
	// lastSweep is when expired tokens were last removed.
	sweepMu   sync.Mutex
	lastSweep time.Time
}

// NewService is the identity service over store.
func NewService(store Store, cfg Config) (*Service, error) {
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = time.Hour
	}
	if cfg.CacheTTL == 0 || cfg.CacheTTL > time.Second {
		cfg.CacheTTL = time.Second
	}
	if cfg.BcryptCost == 0 {
		cfg.BcryptCost = bcrypt.DefaultCost
	}
	if cfg.MaxFailures <= 0 {
		cfg.MaxFailures = 5
	}
	if cfg.FailureWindow <= 0 {
		cfg.FailureWindow = 5 * time.Minute
	}
	if cfg.LockFor <= 0 {
		cfg.LockFor = 5 * time.Minute
	}
	if cfg.DefaultProject == "" {
		cfg.DefaultProject = "admin"
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Random == nil {
		cfg.Random = rand.Reader
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	s := &Service{store: store, cfg: cfg, log: cfg.Logger, cache: newCache(cfg.CacheTTL, cfg.Now)}
	s.basicKey = make([]byte, 32)
	if _, err := io.ReadFull(cfg.Random, s.basicKey); err != nil {
		return nil, err
	}
	dummy := make([]byte, 16)
	if _, err := io.ReadFull(cfg.Random, dummy); err != nil {
		return nil, err
	}
	var err error
	if s.dummyHash, err = bcrypt.GenerateFromPassword([]byte(hex.EncodeToString(dummy)), cfg.BcryptCost); err != nil {
		return nil, err
	}
	return s, nil
}

// DefaultProject is the name of the default project.
func (s *Service) DefaultProject() string { return s.cfg.DefaultProject }

// Identity is who a call acts as: a user in one project, with the roles
// the user holds there.
type Identity struct {
	UserID      string
	Username    string
	ProjectID   string
	ProjectName string
	Roles       []RoleRef
	// TokenHash is the stored id of the token the call came with ("" for
	// Basic credentials and AUTH=none).
	TokenHash string
	// Expires is when the token expires (zero without a token).
	Expires time.Time
	perms   []Permissions
}

// RoleRef names a role.
type RoleRef struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Allows reports whether one of the identity's roles grants perm.
func (id Identity) Allows(perm string) bool {
	for _, p := range id.perms {
		if p.Allows(perm) {
			return true
		}
	}
	return false
}

// Origin is where a request came from, for the audit log and the
// throttling of failed logins.
type Origin struct {
	RemoteHost string
	RemotePort int
	RequestID  string
}

// audit logs one security event: who, in which project, from where.
// Never a password or a token.
// Refusals (a failed or locked login, a denied permission) are WARN, so
// that LOG_LEVEL=warn keeps them; the rest INFO.
func (s *Service) audit(ctx context.Context, o Origin, event, user, project string, attrs ...any) {
	args := append([]any{"audit", true, "event", event, "user", user, "project", project,
		"remote", o.RemoteHost, "request_id", o.RequestID}, attrs...)
	level := slog.LevelInfo
	switch event {
	case "login failed", "login locked", "permission denied":
		level = slog.LevelWarn
	}
	s.log.Log(ctx, level, "security event", args...)
}

// unauthorized is the 401 of bad or missing credentials.
func unauthorized(detail string) error {
	return &models.Error{Code: models.CodeUnauthorized, Detail: detail}
}

// hashToken is the stored id of a token: its SHA-256, in hex.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}

// basicKeyOf is the key Basic credentials are remembered under.
func (s *Service) basicKeyOf(user, password string) string {
	m := hmac.New(sha256.New, s.basicKey)
	m.Write([]byte(user))
	m.Write([]byte{0})
	m.Write([]byte(password))
	return string(m.Sum(nil))
}

// identityOf is user acting in project: 401 when the user holds no role
// there (any more).
func (s *Service) identityOf(ctx context.Context, u User, projectID string) (Identity, error) {
	p, err := s.project(ctx, projectID)
	if err != nil {
		if models.ErrorCodeOf(err) == models.CodeNotFound {
			return Identity{}, unauthorized("the project of these credentials no longer exists")
		}
		return Identity{}, err
	}
	id := Identity{UserID: u.ID, Username: u.Username, ProjectID: p.ID, ProjectName: p.Name}
	for _, m := range u.Mappings {
		if m.Project != p.ID {
			continue
		}
		r, err := s.role(ctx, m.Role)
		if models.ErrorCodeOf(err) == models.CodeNotFound {
			continue // a role deleted with FORCE grants nothing
		}
		if err != nil {
			return Identity{}, err
		}
		if slices.ContainsFunc(id.Roles, func(x RoleRef) bool { return x.ID == r.ID }) {
			continue
		}
		id.Roles = append(id.Roles, RoleRef{ID: r.ID, Name: r.Name})
		id.perms = append(id.perms, r.Permissions)
	}
	if len(id.Roles) == 0 {
		return Identity{}, unauthorized("the user holds no role in the project of these credentials")
	}
	return id, nil
}

// project and role read through the short cache.
func (s *Service) project(ctx context.Context, id string) (Project, error) {
	if v, ok := s.cache.get("p:" + id); ok {
		return v.(Project), nil
	}
	p, err := s.store.GetProject(ctx, id)
	if err == nil {
		s.cache.put("p:"+id, p)
	}
	return p, err
}

func (s *Service) role(ctx context.Context, id string) (Role, error) {
	if v, ok := s.cache.get("r:" + id); ok {
		return v.(Role), nil
	}
	r, err := s.store.GetRole(ctx, id)
	if err == nil {
		s.cache.put("r:"+id, r)
	}
	return r, err
}

// System is the identity of every call under AUTH=none: a system
// administrator of the default project.
func (s *Service) System(ctx context.Context) (Identity, error) {
	if v, ok := s.cache.get("system"); ok {
		return v.(Identity), nil
	}
	p, err := s.store.FindProject(ctx, s.cfg.DefaultProject)
	if err != nil {
		return Identity{}, err
	}
	id := Identity{Username: "(AUTH=none)", ProjectID: p.ID, ProjectName: p.Name,
		Roles: []RoleRef{{Name: "system_admin"}},
		perms: []Permissions{{permDefault: true, PermAdmin: true}}}
	s.cache.put("system", id)
	return id, nil
}

// AuthenticateToken is the identity of a bearer token: 401 when it is
// unknown, revoked or expired, or its user or project is gone.
func (s *Service) AuthenticateToken(ctx context.Context, token string) (Identity, error) {
	if !plausibleToken(token) {
		return Identity{}, unauthorized("invalid token")
	}
	hash := hashToken(token)
	if v, ok := s.cache.get("t:" + hash); ok {
		id := v.(Identity)
		if s.cfg.Now().Before(id.Expires) {
			return id, nil
		}
	}
	t, err := s.store.GetToken(ctx, hash)
	if models.ErrorCodeOf(err) == models.CodeNotFound {
		return Identity{}, unauthorized("invalid token: unknown or revoked")
	}
	if err != nil {
		return Identity{}, err
	}
	if !s.cfg.Now().Before(t.Expires) {
		_ = s.store.DeleteToken(ctx, hash)
		return Identity{}, unauthorized("token expired")
	}
	u, err := s.store.GetUser(ctx, t.UserID)
	if models.ErrorCodeOf(err) == models.CodeNotFound {
		return Identity{}, unauthorized("invalid token: its user no longer exists")
	}
	if err != nil {
		return Identity{}, err
	}
	if t.Issued.Before(u.CredentialsChanged) {
		return Identity{}, unauthorized("invalid token: the user's password or name changed since it was issued")
	}
	id, err := s.identityOf(ctx, u, t.ProjectID)
	if err != nil {
		return Identity{}, err
	}
	id.TokenHash, id.Expires = hash, t.Expires
	s.cache.put("t:"+hash, id)
	return id, nil
}

// plausibleToken refuses what no token of this service can be before a
// database read: tokens are 43 characters of base64url.
func plausibleToken(t string) bool {
	if len(t) != tokenChars {
		return false
	}
	for i := 0; i < len(t); i++ {
		c := t[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// AuthenticateBasic is the identity of HTTP Basic credentials, in the
// user's first project. A successful check is remembered briefly under a
// keyed hash of the credentials, but the user is read on every call: a
// password change or a deletion ends it at once, on every replica.
func (s *Service) AuthenticateBasic(ctx context.Context, o Origin, username, password string) (Identity, error) {
	key := "b:" + s.basicKeyOf(username, password)
	if v, ok := s.cache.getFor(key, basicRemember); ok {
		if _, err := s.checkLock(ctx, o, username); err != nil {
			return Identity{}, err
		}
		// The user as checked, if it has not changed since: a new
		// password, a rename or a deletion ends the remembered check at
		// once, on every replica.
		seen := v.(User)
		if s.cfg.Exclusive {
			return s.defaultIdentity(ctx, seen)
		}
		version, err := s.store.UserVersion(ctx, seen.ID)
		if err == nil && version == seen.Version {
			return s.defaultIdentity(ctx, seen)
		}
		if err != nil && models.ErrorCodeOf(err) != models.CodeNotFound {
			return Identity{}, err
		}
		s.cache.drop(key)
	}
	// Concurrent calls with the same credentials share one check: when
	// the remembered one expires, many clients do not hash at once.
	v, err, _ := s.basicChecks.Do(key, func() (any, error) {
		u, err := s.checkPassword(ctx, o, username, password)
		if err == nil {
			s.cache.putFor(key, u, basicRemember)
		}
		return u, err
	})
	if err != nil {
		return Identity{}, err
	}
	return s.defaultIdentity(ctx, v.(User))
}

// basicRemember is how long a Basic check is remembered.
const basicRemember = time.Minute

func (s *Service) defaultIdentity(ctx context.Context, u User) (Identity, error) {
	p, err := s.firstProject(ctx, u)
	if err != nil {
		return Identity{}, err
	}
	return s.identityOf(ctx, u, p)
}

// firstProject is the user's first project that still exists (a mapping
// to a deleted project may outlive it: dropped after, in another write).
func (s *Service) firstProject(ctx context.Context, u User) (string, error) {
	for _, m := range u.Mappings {
		_, err := s.project(ctx, m.Project)
		if err == nil {
			return m.Project, nil
		}
		if models.ErrorCodeOf(err) != models.CodeNotFound {
			return "", err
		}
	}
	return "", unauthorized("the user holds no role in any project")
}

// Access is what a call may do: its scope, and whether it may force.
type Access struct {
	Scope models.Scope
	Force bool
}

// Authorize checks that id may perform perm with the administrative keys
// given, and returns the call's scope: 403 naming what is missing.
func (s *Service) Authorize(ctx context.Context, o Origin, id Identity, perm string, keys AdminKeys) (Access, error) {
	need := []string{perm}
	if keys.Admin {
		need = append(need, PermAdmin)
	}
	if keys.Force {
		need = append(need, PermForce)
	}
	if keys.Public {
		need = append(need, PermPublic)
	}
	if len(keys.SetProject) > 0 {
		need = append(need, PermSetProject)
	}
	for _, p := range need {
		if !id.Allows(p) {
			s.audit(ctx, o, "permission denied", id.Username, id.ProjectName, "permission", p)
			return Access{}, models.Errorf(models.CodeForbidden, "permission %q is not granted to user %s in project %s", p, id.Username, id.ProjectName)
		}
	}
	a := Access{Scope: models.ProjectScope(id.ProjectID), Force: keys.Force}
	if keys.Admin {
		if len(keys.AdminProjects) == 0 {
			a.Scope.All = true
		} else {
			ids, err := s.projectIDs(ctx, keys.AdminProjects, "ADMIN")
			if err != nil {
				return Access{}, err
			}
			a.Scope = models.Scope{Read: ids, Write: ids, Own: ids}
		}
	}
	if keys.Public {
		a.Scope.Read = append(a.Scope.Read, PublicProject)
	}
	if len(keys.SetProject) > 0 {
		ids, err := s.projectIDs(ctx, keys.SetProject, "SET_PROJECT")
		if err != nil {
			return Access{}, err
		}
		a.Scope.Join = ids
	}
	return a, nil
}

// PublicProject is the reader OSM gives public documents (PUBLIC=true).
const PublicProject = "ANY"

// projectIDs resolves project names or ids given in a query key.
func (s *Service) projectIDs(ctx context.Context, refs []string, key string) ([]string, error) {
	ids := make([]string, 0, len(refs))
	for _, ref := range refs {
		p, err := s.findProject(ctx, ref)
		if models.ErrorCodeOf(err) == models.CodeNotFound {
			return nil, models.Errorf(models.CodeUnprocessable, "%s names project %s, which does not exist", key, models.Quote(ref))
		}
		if err != nil {
			return nil, err
		}
		if !slices.Contains(ids, p.ID) {
			ids = append(ids, p.ID)
		}
	}
	return ids, nil
}

// findProject is the project whose id, else whose name, is ref.
func (s *Service) findProject(ctx context.Context, ref string) (Project, error) {
	p, err := s.project(ctx, ref)
	if models.ErrorCodeOf(err) != models.CodeNotFound {
		return p, err
	}
	return s.store.FindProject(ctx, ref)
}

// findRole is the role whose id, else whose name, is ref.
func (s *Service) findRole(ctx context.Context, ref string) (Role, error) {
	r, err := s.store.GetRole(ctx, ref)
	if models.ErrorCodeOf(err) != models.CodeNotFound {
		return r, err
	}
	return s.store.FindRole(ctx, ref)
}

// forget drops what this replica remembers of a user's tokens and
// credentials, and of every project and role (after a change to them).
func (s *Service) forget() { s.cache.clear() }
