package auth

import (
	"context"
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
)

// maxName bounds user, project and role names.
const maxName = 255

// defaultUserRole is the role a user gets in a project named in a plain
// "projects" list, as OSM gives it.
const defaultUserRole = "project_admin"

// checkName refuses an empty, overlong or control-holding name.
func checkName(what, name string) error {
	switch {
	case name == "":
		return models.Errorf(models.CodeUnprocessable, "%s is empty", what)
	case !models.Printable(name, maxName):
		return models.Errorf(models.CodeUnprocessable, "%s is longer than %d bytes, not UTF-8, or holds a control character", what, maxName)
	}
	return nil
}

// UserView is a user as shown: never its password.
type UserView struct {
	ID       string        `json:"_id"`
	Username string        `json:"username"`
	Projects []string      `json:"projects"`
	Mappings []MappingView `json:"project_role_mappings"`
	Admin    AdminTimes    `json:"_admin"`
}

// MappingView is a mapping with its names.
type MappingView struct {
	Project     string `json:"project"`
	ProjectName string `json:"project_name"`
	Role        string `json:"role"`
	RoleName    string `json:"role_name"`
}

// AdminTimes are OSM's _admin.created/modified, in epoch seconds.
type AdminTimes struct {
	Created  float64 `json:"created"`
	Modified float64 `json:"modified"`
}

// ProjectView is a project as shown.
type ProjectView struct {
	ID     string         `json:"_id"`
	Name   string         `json:"name"`
	Admin  bool           `json:"admin"`
	Quotas map[string]any `json:"quotas,omitempty"`
	Times  AdminTimes     `json:"_admin"`
}

// RoleView is a role as shown.
type RoleView struct {
	ID          string      `json:"_id"`
	Name        string      `json:"name"`
	Permissions Permissions `json:"permissions"`
	Times       AdminTimes  `json:"_admin"`
}

// UserEdit is a user creation or edition, decoded from OSM's body:
// fields absent are nil.
type UserEdit struct {
	Username *string
	Password *string
	// Projects is a plain list (replace), or an edit object of OSM's
	// forms ($'P': null, $+'P': "P", $+[0]: "P", ...).
	Projects json.RawMessage
	// Mappings replaces every mapping; Add and Remove edit them.
	Mappings []MappingRef
	Add      []MappingRef
	Remove   []MappingRef
}

// MappingRef names a project and a role by id or name.
type MappingRef struct {
	Project string `json:"project"`
	Role    string `json:"role,omitempty"`
}

// DecodeUserEdit reads a user body: 422 naming a field of the wrong type
// or a field no user has.
func DecodeUserEdit(doc map[string]any) (UserEdit, error) {
	var e UserEdit
	for k, v := range doc {
		switch k {
		case "username", "password":
			s, ok := v.(string)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "%s must be a string", k)
			}
			if k == "username" {
				e.Username = &s
			} else {
				e.Password = &s
			}
		case "projects":
			raw, err := json.Marshal(v)
			if err != nil {
				return e, models.Errorf(models.CodeUnprocessable, "projects: %v", err)
			}
			e.Projects = raw
		case "project_role_mappings", "add_project_role_mappings", "remove_project_role_mappings":
			refs, err := mappingRefs(k, v, k != "remove_project_role_mappings")
			if err != nil {
				return e, err
			}
			switch k {
			case "project_role_mappings":
				e.Mappings = refs
			case "add_project_role_mappings":
				e.Add = refs
			default:
				e.Remove = refs
			}
		case "_id", "id", "_admin", "domain_name", "project_domain_name", "user_domain_name":
			// OSM's clients send these back; they are not the client's to set
		default:
			return e, models.Errorf(models.CodeUnprocessable, "a user has no field %s", models.Quote(k))
		}
	}
	return e, nil
}

func mappingRefs(key string, v any, needRole bool) ([]MappingRef, error) {
	list, ok := v.([]any)
	if !ok {
		return nil, models.Errorf(models.CodeUnprocessable, "%s must be a list of {project, role}", key)
	}
	out := make([]MappingRef, 0, len(list))
	for i, item := range list {
		m, ok := item.(map[string]any)
		if !ok {
			return nil, models.Errorf(models.CodeUnprocessable, "%s/%d must be an object {project, role}", key, i)
		}
		p, _ := m["project"].(string)
		r, _ := m["role"].(string)
		if p == "" {
			return nil, models.Errorf(models.CodeUnprocessable, "%s/%d/project must be a project name or id", key, i)
		}
		if needRole && r == "" {
			return nil, models.Errorf(models.CodeUnprocessable, "%s/%d/role must be a role name or id", key, i)
		}
		out = append(out, MappingRef{Project: p, Role: r})
	}
	return out, nil
}

// editPattern reads one key of OSM's list edit object: $'X' (the item X),
// $+'X' (add X), $[n] (the item at n), $+[n] (insert at n).
var editPattern = regexp.MustCompile(`^\$(\+)?(?:'([^']*)'|\[(-?[0-9]+)\])$`)

// EditList applies OSM's edit of a list of strings: a JSON list replaces
// it; an object edits it key by key, in key order ($'P': null removes P,
// $'P': "Q" replaces P by Q, $+'P': "P" adds P unless present, $[n]: null
// removes the n-th, $[n]: "Q" replaces it, $+[n]: "Q" inserts Q at n). A
// value added twice is kept once, where it came first.
func EditList(cur []string, edit json.RawMessage, what string) ([]string, error) {
	var list []string
	if err := json.Unmarshal(edit, &list); err == nil {
		return dedupe(list), nil
	}
	var ops map[string]*string
	if err := json.Unmarshal(edit, &ops); err != nil {
		return nil, models.Errorf(models.CodeUnprocessable, "%s must be a list of names, or an edit object such as {\"$+'P'\": \"P\"}", what)
	}
	keys := make([]string, 0, len(ops))
	for k := range ops {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := slices.Clone(cur)
	for _, k := range keys {
		m := editPattern.FindStringSubmatch(k)
		if m == nil {
			return nil, models.Errorf(models.CodeUnprocessable, "%s edit key %s is none of $'X', $+'X', $[n], $+[n]", what, models.Quote(k))
		}
		add, item, index, v := m[1] != "", m[2], m[3], ops[k]
		switch {
		case index == "" && add: // $+'X': add the value
			if v == nil {
				return nil, models.Errorf(models.CodeUnprocessable, "%s edit %s needs the value to add", what, models.Quote(k))
			}
			if !slices.Contains(out, *v) {
				out = append(out, *v)
			}
		case index == "": // $'X': remove or replace X
			i := slices.Index(out, item)
			if i < 0 {
				continue // "if exist"
			}
			if v == nil {
				out = slices.Delete(out, i, i+1)
			} else {
				out[i] = *v
			}
		default:
			n, err := strconv.Atoi(index)
			if err != nil || n < 0 || n > len(out) || (!add && n == len(out)) {
				return nil, models.Errorf(models.CodeUnprocessable, "%s edit %s: no position %s in a list of %d", what, models.Quote(k), index, len(out))
			}
			switch {
			case add && v != nil:
				out = slices.Insert(out, n, *v)
			case add:
				return nil, models.Errorf(models.CodeUnprocessable, "%s edit %s needs the value to insert", what, models.Quote(k))
			case v == nil:
				out = slices.Delete(out, n, n+1)
			default:
				out[n] = *v
			}
		}
	}
	return dedupe(out), nil
}

func dedupe(in []string) []string {
	out := make([]string, 0, len(in))
	for _, s := range in {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// CreateUser adds a user: 409 when the name is taken, 422 for a bad
// body or an unknown project or role.
func (s *Service) CreateUser(ctx context.Context, o Origin, caller Identity, e UserEdit) (UserView, error) {
	if e.Username == nil || e.Password == nil {
		return UserView{}, models.Errorf(models.CodeUnprocessable, "a new user needs username and password")
	}
	hash, err := s.passwordHash(e)
	if err != nil {
		return UserView{}, err
	}
	u := User{ID: uuid.NewString()}
	if err := s.applyUserEdit(ctx, &u, e, hash); err != nil {
		return UserView{}, err
	}
	u, err = s.store.CreateUser(ctx, u)
	if err != nil {
		return UserView{}, err
	}
	s.audit(ctx, o, "user created", caller.Username, caller.ProjectName, "target", u.Username)
	return s.userView(ctx, u)
}

// passwordHash is the hash of an edit's new password ("" for none),
// made once before the write: the write's function may run more than
// once, and a bcrypt inside it would hold the database's writer.
func (s *Service) passwordHash(e UserEdit) (string, error) {
	if e.Password == nil {
		return "", nil
	}
	return s.hashPassword(*e.Password)
}

// applyUserEdit changes u as e says (names resolved), its new password
// hashed already (hash).
func (s *Service) applyUserEdit(ctx context.Context, u *User, e UserEdit, hash string) error {
	if e.Username != nil {
		if err := checkName("username", *e.Username); err != nil {
			return err
		}
		u.Username = *e.Username
	}
	if e.Password != nil {
		u.PasswordHash = hash
	}
	if e.Password != nil || e.Username != nil {
		u.CredentialsChanged = s.cfg.Now().UTC().Truncate(time.Millisecond)
	}
	if e.Projects != nil {
		// The edit names projects as the client sees them: by name.
		var names []string
		for _, m := range u.Mappings {
			name := m.Project
			if p, err := s.project(ctx, m.Project); err == nil {
				name = p.Name
			}
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
		edited, err := EditList(names, e.Projects, "projects")
		if err != nil {
			return err
		}
		var next []Mapping
		seen := map[string]bool{} // by id: a name and an id may name one project
		for _, ref := range edited {
			p, err := s.knownProject(ctx, ref)
			if err != nil {
				return err
			}
			if seen[p.ID] {
				continue
			}
			seen[p.ID] = true
			kept := false
			for _, m := range u.Mappings {
				if m.Project == p.ID {
					next = append(next, m)
					kept = true
				}
			}
			if !kept {
				def, err := s.store.FindRole(ctx, defaultUserRole) // only when a project is added
				if models.ErrorCodeOf(err) == models.CodeNotFound {
					return models.Errorf(models.CodeConflict, "project %s cannot be added by name alone: the role %s it would get no longer exists (give project_role_mappings)", models.Quote(ref), defaultUserRole)
				}
				if err != nil {
					return err
				}
				next = append(next, Mapping{Project: p.ID, Role: def.ID})
			}
		}
		u.Mappings = next
	}
	if e.Mappings != nil {
		ms, err := s.resolveMappings(ctx, e.Mappings)
		if err != nil {
			return err
		}
		u.Mappings = ms
	}
	// Removals first, as OSM: an edit that removes a project's mappings
	// and adds one back keeps the one added.
	for _, ref := range e.Remove {
		p, err := s.knownProject(ctx, ref.Project)
		if err != nil {
			return err
		}
		roleID := ""
		if ref.Role != "" {
			r, err := s.knownRole(ctx, ref.Role)
			if err != nil {
				return err
			}
			roleID = r.ID
		}
		u.Mappings = slices.DeleteFunc(u.Mappings, func(m Mapping) bool {
			return m.Project == p.ID && (roleID == "" || m.Role == roleID)
		})
	}
	if e.Add != nil {
		ms, err := s.resolveMappings(ctx, e.Add)
		if err != nil {
			return err
		}
		for _, m := range ms {
			if !slices.Contains(u.Mappings, m) {
				u.Mappings = append(u.Mappings, m)
			}
		}
	}
	return nil
}

func (s *Service) resolveMappings(ctx context.Context, refs []MappingRef) ([]Mapping, error) {
	out := []Mapping{}
	for _, ref := range refs {
		p, err := s.knownProject(ctx, ref.Project)
		if err != nil {
			return nil, err
		}
		r, err := s.knownRole(ctx, ref.Role)
		if err != nil {
			return nil, err
		}
		if m := (Mapping{Project: p.ID, Role: r.ID}); !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out, nil
}

// knownProject and knownRole resolve a reference in a body: 422 when
// nothing has that id or name.
func (s *Service) knownProject(ctx context.Context, ref string) (Project, error) {
	p, err := s.findProject(ctx, ref)
	if models.ErrorCodeOf(err) == models.CodeNotFound {
		return Project{}, models.Errorf(models.CodeUnprocessable, "project %s does not exist", models.Quote(ref))
	}
	return p, err
}

func (s *Service) knownRole(ctx context.Context, ref string) (Role, error) {
	r, err := s.findRole(ctx, ref)
	if models.ErrorCodeOf(err) == models.CodeNotFound {
		return Role{}, models.Errorf(models.CodeUnprocessable, "role %s does not exist", models.Quote(ref))
	}
	return r, err
}

// findUser is the user whose id, else whose name, is ref.
func (s *Service) findUser(ctx context.Context, ref string) (User, error) {
	u, err := s.store.GetUser(ctx, ref)
	if models.ErrorCodeOf(err) != models.CodeNotFound {
		return u, err
	}
	return s.store.FindUser(ctx, ref)
}

// User is one user, by id or name.
func (s *Service) User(ctx context.Context, ref string) (UserView, error) {
	u, err := s.findUser(ctx, ref)
	if err != nil {
		return UserView{}, err
	}
	return s.userView(ctx, u)
}

// IsSelf reports whether ref names the caller's own user, resolved as
// User and EditUser resolve it (an id first, then a name): a username
// that is another user's id names that other user.
func (s *Service) IsSelf(ctx context.Context, caller Identity, ref string) bool {
	if caller.UserID == "" {
		return false
	}
	u, err := s.findUser(ctx, ref)
	return err == nil && u.ID == caller.UserID
}

// Users are every user.
func (s *Service) Users(ctx context.Context) ([]UserView, error) {
	us, err := s.store.ListUsers(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]UserView, 0, len(us))
	for _, u := range us {
		v, err := s.userView(ctx, u)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

func (s *Service) userView(ctx context.Context, u User) (UserView, error) {
	v := UserView{ID: u.ID, Username: u.Username, Projects: []string{}, Mappings: []MappingView{}, Admin: times(u.Created, u.Modified)}
	for _, m := range u.Mappings {
		mv := MappingView{Project: m.Project, Role: m.Role}
		if p, err := s.project(ctx, m.Project); err == nil {
			mv.ProjectName = p.Name
		}
		if r, err := s.role(ctx, m.Role); err == nil {
			mv.RoleName = r.Name
		}
		v.Mappings = append(v.Mappings, mv)
		if name := mv.ProjectName; name != "" && !slices.Contains(v.Projects, name) {
			v.Projects = append(v.Projects, name)
		}
	}
	return v, nil
}

// EditUser changes a user. A new password or username revokes the
// user's tokens (every replica: they are checked in the database).
// selfOnly limits the edit to the password (a user changing their own).
func (s *Service) EditUser(ctx context.Context, o Origin, caller Identity, ref string, e UserEdit, selfOnly bool) error {
	if selfOnly && (e.Username != nil || e.Projects != nil || e.Mappings != nil || e.Add != nil || e.Remove != nil) {
		return models.Errorf(models.CodeForbidden, "without the users permission, a user may change only their own password")
	}
	cur, err := s.findUser(ctx, ref)
	if err != nil {
		return err
	}
	hash, err := s.passwordHash(e)
	if err != nil {
		return err
	}
	u, err := s.store.UpdateUser(ctx, cur.ID, func(u *User) error { return s.applyUserEdit(ctx, u, e, hash) })
	if err != nil {
		return err
	}
	s.forget()
	event, attrs := "user changed", []any{"target", u.Username}
	if e.Password != nil {
		event = "password changed"
	}
	if e.Password != nil || e.Username != nil {
		attrs = append(attrs, s.revokeTokens(ctx, u)...)
	}
	s.audit(ctx, o, event, caller.Username, caller.ProjectName, attrs...)
	return nil
}

// revokeTokens deletes the tokens of a user whose credentials changed or
// who was deleted, and says how many for the audit line. The change is
// made already: a failure here is logged, not answered; the tokens stay
// refused (CredentialsChanged, or the user gone), only not deleted.
func (s *Service) revokeTokens(ctx context.Context, u User) []any {
	n, err := s.store.DeleteTokensOf(ctx, u.ID)
	if err != nil {
		s.log.WarnContext(ctx, "tokens of a changed user not deleted; they are refused all the same", "user", u.Username, "error", err)
		return []any{"tokens_revoked", "failed"}
	}
	return []any{"tokens_revoked", n}
}

// DeleteUser removes a user and revokes its tokens.
func (s *Service) DeleteUser(ctx context.Context, o Origin, caller Identity, ref string) error {
	u, err := s.findUser(ctx, ref)
	if err != nil {
		return err
	}
	if err := s.store.DeleteUser(ctx, u.ID); err != nil {
		return err
	}
	s.forget()
	s.audit(ctx, o, "user deleted", caller.Username, caller.ProjectName, append([]any{"target", u.Username}, s.revokeTokens(ctx, u)...)...)
	return nil
}

// ProjectEdit is a project creation or edition: absent fields are nil.
type ProjectEdit struct {
	Name   *string
	Admin  *bool
	Quotas map[string]any
}

// DecodeProjectEdit reads a project body.
func DecodeProjectEdit(doc map[string]any) (ProjectEdit, error) {
	var e ProjectEdit
	for k, v := range doc {
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "name must be a string")
			}
			e.Name = &s
		case "admin":
			b, ok := v.(bool)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "admin must be true or false")
			}
			e.Admin = &b
		case "quotas":
			q, ok := v.(map[string]any)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "quotas must be an object")
			}
			e.Quotas = q
		case "_id", "id", "_admin", "domain_name":
		default:
			return e, models.Errorf(models.CodeUnprocessable, "a project has no field %s", models.Quote(k))
		}
	}
	return e, nil
}

func applyProjectEdit(p *Project, e ProjectEdit) error {
	if e.Name != nil {
		if err := checkName("name", *e.Name); err != nil {
			return err
		}
		p.Name = *e.Name
	}
	if e.Admin != nil {
		p.Admin = *e.Admin
	}
	if e.Quotas != nil {
		p.Quotas = e.Quotas
	}
	return nil
}

// CreateProject adds a project.
func (s *Service) CreateProject(ctx context.Context, o Origin, caller Identity, e ProjectEdit) (ProjectView, error) {
	if e.Name == nil {
		return ProjectView{}, models.Errorf(models.CodeUnprocessable, "a new project needs a name")
	}
	p := Project{ID: uuid.NewString()}
	if err := applyProjectEdit(&p, e); err != nil {
		return ProjectView{}, err
	}
	p, err := s.store.CreateProject(ctx, p)
	if err != nil {
		return ProjectView{}, err
	}
	s.audit(ctx, o, "project created", caller.Username, caller.ProjectName, "target", p.Name)
	return projectView(p), nil
}

// Project is one project, by id or name.
func (s *Service) Project(ctx context.Context, ref string) (ProjectView, error) {
	p, err := s.findProject(ctx, ref)
	if err != nil {
		return ProjectView{}, err
	}
	return projectView(p), nil
}

// Projects are every project.
func (s *Service) Projects(ctx context.Context) ([]ProjectView, error) {
	ps, err := s.store.ListProjects(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]ProjectView, len(ps))
	for i, p := range ps {
		out[i] = projectView(p)
	}
	return out, nil
}

func projectView(p Project) ProjectView {
	return ProjectView{ID: p.ID, Name: p.Name, Admin: p.Admin, Quotas: p.Quotas, Times: times(p.Created, p.Modified)}
}

// EditProject changes a project. The default project keeps its name.
func (s *Service) EditProject(ctx context.Context, o Origin, caller Identity, ref string, e ProjectEdit) error {
	cur, err := s.findProject(ctx, ref)
	if err != nil {
		return err
	}
	if cur.Name == s.cfg.DefaultProject && e.Name != nil && *e.Name != cur.Name {
		return models.Errorf(models.CodeConflict, "project %s is the default project (DEFAULT_PROJECT): it keeps its name", cur.Name)
	}
	if _, err := s.store.UpdateProject(ctx, cur.ID, func(p *Project) error { return applyProjectEdit(p, e) }); err != nil {
		return err
	}
	s.forget()
	s.audit(ctx, o, "project changed", caller.Username, caller.ProjectName, "target", cur.Name)
	return nil
}

// DeleteProject removes a project: 409 while users hold roles in it or
// it owns documents, unless force; never the default project.
func (s *Service) DeleteProject(ctx context.Context, o Origin, caller Identity, ref string, force bool) error {
	p, err := s.findProject(ctx, ref)
	if err != nil {
		return err
	}
	if p.Name == s.cfg.DefaultProject {
		return models.Errorf(models.CodeConflict, "project %s is the default project (DEFAULT_PROJECT) and cannot be deleted", p.Name)
	}
	if !force {
		users, err := s.store.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if slices.ContainsFunc(u.Mappings, func(m Mapping) bool { return m.Project == p.ID }) {
				return models.Errorf(models.CodeConflict, "project %s is in use: user %s holds a role in it (FORCE=true deletes it anyway)", p.Name, u.Username)
			}
		}
		owns, err := s.store.OwnsDocuments(ctx, p.ID)
		if err != nil {
			return err
		}
		if owns {
			return models.Errorf(models.CodeConflict, "project %s is in use: it owns records, descriptors, VIM accounts or NS operations (FORCE=true deletes the project anyway, leaving them)", p.Name)
		}
	}
	if err := s.store.DeleteProject(ctx, p.ID); err != nil {
		return err
	}
	if err := s.dropMappings(ctx, func(m Mapping) bool { return m.Project == p.ID }); err != nil {
		return err
	}
	s.forget()
	s.audit(ctx, o, "project deleted", caller.Username, caller.ProjectName, "target", p.Name, "force", force)
	return nil
}

// RoleEdit is a role creation or edition: absent fields are nil. In
// Permissions, a nil value (JSON null) removes the permission (PATCH).
type RoleEdit struct {
	Name        *string
	Permissions map[string]*bool
}

// DecodeRoleEdit reads a role body: 422 for a permission name or value
// that is not one.
func DecodeRoleEdit(doc map[string]any) (RoleEdit, error) {
	var e RoleEdit
	for k, v := range doc {
		switch k {
		case "name":
			s, ok := v.(string)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "name must be a string")
			}
			e.Name = &s
		case "permissions":
			m, ok := v.(map[string]any)
			if !ok {
				return e, models.Errorf(models.CodeUnprocessable, "permissions must be an object of permission: true|false")
			}
			e.Permissions = map[string]*bool{}
			for name, val := range m {
				if err := CheckPermissionName(name); err != nil {
					return e, models.Errorf(models.CodeUnprocessable, "permissions: %v", err)
				}
				switch b := val.(type) {
				case bool:
					e.Permissions[name] = &b
				case nil:
					e.Permissions[name] = nil
				default:
					return e, models.Errorf(models.CodeUnprocessable, "permission %s must be true or false", models.Quote(name))
				}
			}
		case "_id", "id", "_admin", "root":
		default:
			return e, models.Errorf(models.CodeUnprocessable, "a role has no field %s", models.Quote(k))
		}
	}
	return e, nil
}

func applyRoleEdit(r *Role, e RoleEdit, replace bool) error {
	if e.Name != nil {
		if err := checkName("name", *e.Name); err != nil {
			return err
		}
		r.Name = *e.Name
	}
	if e.Permissions != nil || replace {
		if replace || r.Permissions == nil {
			r.Permissions = Permissions{}
		}
		for k, v := range e.Permissions {
			if v == nil {
				delete(r.Permissions, k)
			} else {
				r.Permissions[k] = *v
			}
		}
	}
	return nil
}

// CreateRole adds a role.
func (s *Service) CreateRole(ctx context.Context, o Origin, caller Identity, e RoleEdit) (RoleView, error) {
	if e.Name == nil {
		return RoleView{}, models.Errorf(models.CodeUnprocessable, "a new role needs a name")
	}
	r := Role{ID: uuid.NewString()}
	if err := applyRoleEdit(&r, e, true); err != nil {
		return RoleView{}, err
	}
	r, err := s.store.CreateRole(ctx, r)
	if err != nil {
		return RoleView{}, err
	}
	s.audit(ctx, o, "role created", caller.Username, caller.ProjectName, "target", r.Name)
	return roleView(r), nil
}

// Role is one role, by id or name.
func (s *Service) Role(ctx context.Context, ref string) (RoleView, error) {
	r, err := s.findRole(ctx, ref)
	if err != nil {
		return RoleView{}, err
	}
	return roleView(r), nil
}

// Roles are every role.
func (s *Service) Roles(ctx context.Context) ([]RoleView, error) {
	rs, err := s.store.ListRoles(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]RoleView, len(rs))
	for i, r := range rs {
		out[i] = roleView(r)
	}
	return out, nil
}

func roleView(r Role) RoleView {
	if r.Permissions == nil {
		r.Permissions = Permissions{}
	}
	return RoleView{ID: r.ID, Name: r.Name, Permissions: r.Permissions, Times: times(r.Created, r.Modified)}
}

// EditRole changes a role; replace (PUT) sets its permissions to those
// given, else (PATCH) they are merged, null removing one.
func (s *Service) EditRole(ctx context.Context, o Origin, caller Identity, ref string, e RoleEdit, replace bool) error {
	cur, err := s.findRole(ctx, ref)
	if err != nil {
		return err
	}
	if _, err := s.store.UpdateRole(ctx, cur.ID, func(r *Role) error { return applyRoleEdit(r, e, replace) }); err != nil {
		return err
	}
	s.forget()
	s.audit(ctx, o, "role changed", caller.Username, caller.ProjectName, "target", cur.Name)
	return nil
}

// DeleteRole removes a role: 409 while a user holds it, unless force.
func (s *Service) DeleteRole(ctx context.Context, o Origin, caller Identity, ref string, force bool) error {
	r, err := s.findRole(ctx, ref)
	if err != nil {
		return err
	}
	if !force {
		users, err := s.store.ListUsers(ctx)
		if err != nil {
			return err
		}
		for _, u := range users {
			if slices.ContainsFunc(u.Mappings, func(m Mapping) bool { return m.Role == r.ID }) {
				return models.Errorf(models.CodeConflict, "role %s is in use: user %s holds it (FORCE=true deletes it anyway)", r.Name, u.Username)
			}
		}
	}
	if err := s.store.DeleteRole(ctx, r.ID); err != nil {
		return err
	}
	if err := s.dropMappings(ctx, func(m Mapping) bool { return m.Role == r.ID }); err != nil {
		return err
	}
	s.forget()
	s.audit(ctx, o, "role deleted", caller.Username, caller.ProjectName, "target", r.Name, "force", force)
	return nil
}

// dropMappings removes the mappings gone says are gone (to a project or
// role deleted with FORCE) from every user holding one.
func (s *Service) dropMappings(ctx context.Context, gone func(Mapping) bool) error {
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return err
	}
	for _, u := range users {
		if !slices.ContainsFunc(u.Mappings, gone) {
			continue
		}
		_, err := s.store.UpdateUser(ctx, u.ID, func(u *User) error {
			u.Mappings = slices.DeleteFunc(u.Mappings, gone)
			return nil
		})
		if err != nil && models.ErrorCodeOf(err) != models.CodeNotFound {
			return err
		}
	}
	return nil
}

func times(created, modified time.Time) AdminTimes {
	return AdminTimes{Created: models.Epoch(created), Modified: models.Epoch(modified)}
}
