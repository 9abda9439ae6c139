package auth

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
)

// Bootstrapped says what Bootstrap did.
type Bootstrapped struct {
	// DefaultProject is the default project's id.
	DefaultProject string
	// AdminCreated: this call created the admin user (no user existed).
	AdminCreated bool
	// GeneratedPassword is the admin's password when this call made it
	// up ("" when it was given, or no admin was created).
	GeneratedPassword string
}

// bootstrapNamespace makes the ids of what bootstrap creates the same on
// every replica, so two replicas starting at once create them once.
var bootstrapNamespace = uuid.MustParse("7b0d5c2e-6f0a-4a55-9a51-3f6c2f7e1a10")

// Bootstrap makes sure the default project exists and, when there is no
// user at all, creates the default roles, project "admin" and user
// "admin" as system_admin of it, with adminPassword or a generated one.
// Replicas starting at once race safely: names are unique in the store,
// and only the replica whose admin insert wins reports a password.
func (s *Service) Bootstrap(ctx context.Context, adminPassword string) (Bootstrapped, error) {
	var out Bootstrapped
	def, err := s.ensureProject(ctx, s.cfg.DefaultProject)
	if err != nil {
		return out, fmt.Errorf("default project %s: %w", s.cfg.DefaultProject, err)
	}
	out.DefaultProject = def.ID
	users, err := s.store.ListUsers(ctx)
	if err != nil {
		return out, err
	}
	if len(users) > 0 {
		return out, nil
	}
	defaults, err := DefaultRoles()
	if err != nil {
		return out, err
	}
	var sysadmin Role
	for _, d := range defaults {
		r, err := s.store.CreateRole(ctx, Role{ID: bootstrapID("role", d.Name), Name: d.Name, Permissions: d.Permissions})
		if models.ErrorCodeOf(err) == models.CodeConflict {
			r, err = s.store.FindRole(ctx, d.Name)
			if models.ErrorCodeOf(err) == models.CodeNotFound {
				// another replica is creating it at this moment, under
				// the same id
				r, err = Role{ID: bootstrapID("role", d.Name), Name: d.Name}, nil
			}
		}
		if err != nil {
			return out, fmt.Errorf("role %s: %w", d.Name, err)
		}
		if d.Name == "system_admin" {
			sysadmin = r
		}
	}
	if sysadmin.ID == "" {
		return out, fmt.Errorf("roles.yaml has no system_admin role")
	}
	adminProject, err := s.ensureProject(ctx, "admin")
	if err != nil {
		return out, fmt.Errorf("project admin: %w", err)
	}
	password := adminPassword
	if password == "" {
		if password, err = s.generatePassword(); err != nil {
			return out, err
		}
		out.GeneratedPassword = password
	}
	hash, err := s.hashPassword(password)
	if err != nil {
		return out, fmt.Errorf("ADMIN_PASSWORD: %w", err)
	}
	_, err = s.store.CreateUser(ctx, User{ID: bootstrapID("user", "admin"), Username: "admin", PasswordHash: hash,
		Mappings: []Mapping{{Project: adminProject.ID, Role: sysadmin.ID}}})
	if models.ErrorCodeOf(err) == models.CodeConflict {
		return Bootstrapped{DefaultProject: def.ID}, nil // another replica created it
	}
	if err != nil {
		return out, fmt.Errorf("user admin: %w", err)
	}
	out.AdminCreated = true
	return out, nil
}

// BootstrapProjectID is the id Bootstrap gives the project it creates
// under name (the default project, "admin").
func BootstrapProjectID(name string) string { return bootstrapID("project", name) }

func bootstrapID(kind, name string) string {
	return uuid.NewSHA1(bootstrapNamespace, []byte(kind+"/"+name)).String()
}

// ensureProject is the project called name, created when missing.
func (s *Service) ensureProject(ctx context.Context, name string) (Project, error) {
	p, err := s.store.FindProject(ctx, name)
	if models.ErrorCodeOf(err) != models.CodeNotFound {
		return p, err
	}
	p, err = s.store.CreateProject(ctx, Project{ID: bootstrapID("project", name), Name: name, Admin: name == "admin"})
	if models.ErrorCodeOf(err) == models.CodeConflict {
		p, err = s.store.FindProject(ctx, name)
		if models.ErrorCodeOf(err) == models.CodeNotFound {
			// another replica is creating it at this moment, under the
			// same id
			return Project{ID: bootstrapID("project", name), Name: name}, nil
		}
	}
	return p, err
}

// passwordAlphabet leaves out look-alike characters.
const passwordAlphabet = "abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// generatePassword is 24 random characters (about 140 bits).
func (s *Service) generatePassword() (string, error) {
	b := make([]byte, 24)
	out := make([]byte, len(b))
	for i := range out {
		for {
			if _, err := io.ReadFull(s.cfg.Random, b[:1]); err != nil {
				return "", err
			}
			// rejection sampling: no bias toward the alphabet's start
			if int(b[0]) < 256-256%len(passwordAlphabet) {
				out[i] = passwordAlphabet[int(b[0])%len(passwordAlphabet)]
				break
			}
		}
	}
	return string(out), nil
}
