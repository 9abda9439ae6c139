package auth

import (
	_ "embed"
	"fmt"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The permission names of the administrative query keys.
const (
	PermAdmin      = "admin"       // ADMIN: act on other projects, or all
	PermForce      = "force"       // FORCE: skip dependency checks
	PermPublic     = "public"      // PUBLIC: see (or make) public documents
	PermSetProject = "set_project" // SET_PROJECT: add a document to projects
	permDefault    = "default"
)

// Permissions are a role's grants: permission path -> granted.
type Permissions map[string]bool

// Allows reports whether p grants perm: the longest of perm and its
// colon-separated prefixes that p names decides; else "default" (for
// anything but "admin"), else no.
func (p Permissions) Allows(perm string) bool {
	for path := perm; path != ""; {
		if v, ok := p[path]; ok {
			return v
		}
		i := strings.LastIndexByte(path, ':')
		if i < 0 {
			break
		}
		path = path[:i]
	}
	if perm == PermAdmin {
		return false
	}
	return p[permDefault]
}

// CheckPermissionName refuses a name a role may not hold: empty, with an
// empty segment (a leading, trailing or doubled colon), or with a
// character outside [a-z0-9_-].
func CheckPermissionName(name string) error {
	if name == "" {
		return fmt.Errorf("a permission name is empty")
	}
	for seg := range strings.SplitSeq(name, ":") {
		if seg == "" {
			return fmt.Errorf("permission %q has an empty segment", name)
		}
		for _, r := range seg {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '_' || r == '-') {
				return fmt.Errorf("permission %q holds %q: segments are lower-case letters, digits, '_' and '-'", name, r)
			}
		}
	}
	return nil
}

//go:embed roles.yaml
var defaultRolesYAML []byte

// DefaultRole is a role created on first start.
type DefaultRole struct {
	Name        string      `yaml:"name"`
	Permissions Permissions `yaml:"permissions"`
}

// DefaultRoles are the roles of roles.yaml.
func DefaultRoles() ([]DefaultRole, error) {
	var f struct {
		Roles []DefaultRole `yaml:"roles"`
	}
	if err := yaml.Unmarshal(defaultRolesYAML, &f); err != nil {
		return nil, fmt.Errorf("roles.yaml: %w", err)
	}
	for _, r := range f.Roles {
		for name := range r.Permissions {
			if err := CheckPermissionName(name); err != nil {
				return nil, fmt.Errorf("roles.yaml: role %s: %w", r.Name, err)
			}
		}
	}
	return f.Roles, nil
}
