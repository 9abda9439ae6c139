package auth

import (
	"context"
	"time"

	"github.com/nfv-records/nfv-records/models"
)

// The identity documents are plain models types (the store keeps them).
type (
	User     = models.User
	Mapping  = models.Mapping
	Project  = models.Project
	Role     = models.Role
	Token    = models.Token
	Failures = models.LoginFailures
)

// Store is what the identity service needs of the database (repo.AuthStore).
// Errors are *models.Error: NotFound, Conflict (a name or id taken),
// Unavailable. Names are unique per kind: Create* and a rename through
// Update* are Conflict when the name is taken.
type Store interface {
	CreateUser(ctx context.Context, u User) (User, error)
	GetUser(ctx context.Context, id string) (User, error)
	// UserVersion is the version of the user id, cheaper than GetUser:
	// any change of the user (a new password) moves it.
	UserVersion(ctx context.Context, id string) (int64, error)
	// FindUser is the user named name: NotFound when none is.
	FindUser(ctx context.Context, name string) (User, error)
	ListUsers(ctx context.Context) ([]User, error)
	// UpdateUser changes a user in one atomic step; fn may run more than
	// once, on the user read afresh.
	UpdateUser(ctx context.Context, id string, fn func(*User) error) (User, error)
	DeleteUser(ctx context.Context, id string) error

	CreateProject(ctx context.Context, p Project) (Project, error)
	GetProject(ctx context.Context, id string) (Project, error)
	FindProject(ctx context.Context, name string) (Project, error)
	ListProjects(ctx context.Context) ([]Project, error)
	UpdateProject(ctx context.Context, id string, fn func(*Project) error) (Project, error)
	DeleteProject(ctx context.Context, id string) error

	CreateRole(ctx context.Context, r Role) (Role, error)
	GetRole(ctx context.Context, id string) (Role, error)
	FindRole(ctx context.Context, name string) (Role, error)
	ListRoles(ctx context.Context) ([]Role, error)
	UpdateRole(ctx context.Context, id string, fn func(*Role) error) (Role, error)
	DeleteRole(ctx context.Context, id string) error

	AddToken(ctx context.Context, t Token) error
	GetToken(ctx context.Context, hash string) (Token, error)
	TokensOf(ctx context.Context, userID string) ([]Token, error)
	DeleteToken(ctx context.Context, hash string) error
	// DeleteTokensOf revokes every token of a user and says how many.
	DeleteTokensOf(ctx context.Context, userID string) (int64, error)
	// DeleteExpiredTokens removes the tokens that expired before t.
	DeleteExpiredTokens(ctx context.Context, before time.Time) (int64, error)

	// LoginFailures are the failures kept under key (zero when none).
	LoginFailures(ctx context.Context, key string) (Failures, error)
	// AddLoginFailure changes the failures under key in one atomic step
	// (created zero first when none): fn may run more than once.
	AddLoginFailure(ctx context.Context, key string, fn func(*Failures)) (Failures, error)
	ClearLoginFailures(ctx context.Context, key string) error

	// OwnsDocuments reports whether any record belongs to project (a
	// project in use is not deleted without FORCE).
	OwnsDocuments(ctx context.Context, project string) (bool, error)
}
