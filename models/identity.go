package models

import "time"

// The identity documents (orchestrator/auth gives them meaning; the store
// keeps them). Times are the store's envelope, not part of the JSON.

// User is an account. PasswordHash is bcrypt's; it is never rendered.
type User struct {
	ID           string    `json:"_id"`
	Username     string    `json:"username"`
	PasswordHash string    `json:"password_hash"`
	Mappings     []Mapping `json:"project_role_mappings"`
	Created      time.Time `json:"-"`
	Modified     time.Time `json:"-"`
	// CredentialsChanged is when the password or the username last
	// changed: a token issued before it is no longer valid, even if its
	// revocation did not happen (a crash between the two writes).
	CredentialsChanged time.Time `json:"credentials_changed,omitzero"`
	// Version is one more at each change of the user (the store's).
	Version int64 `json:"-"`
}

// Mapping gives a user a role in a project (ids).
type Mapping struct {
	Project string `json:"project"`
	Role    string `json:"role"`
}

// Project is a separate space of documents.
type Project struct {
	ID       string         `json:"_id"`
	Name     string         `json:"name"`
	Admin    bool           `json:"admin,omitempty"`
	Quotas   map[string]any `json:"quotas,omitempty"`
	Created  time.Time      `json:"-"`
	Modified time.Time      `json:"-"`
}

// Role is a named set of permissions: permission path -> granted
// (orchestrator/auth resolves them).
type Role struct {
	ID          string          `json:"_id"`
	Name        string          `json:"name"`
	Permissions map[string]bool `json:"permissions"`
	Created     time.Time       `json:"-"`
	Modified    time.Time       `json:"-"`
}

// Token is a bearer token as stored: only its hash, never the token.
type Token struct {
	Hash        string    `json:"_id"`
	UserID      string    `json:"user_id"`
	Username    string    `json:"username"`
	ProjectID   string    `json:"project_id"`
	ProjectName string    `json:"project_name"`
	Issued      time.Time `json:"issued"`
	Expires     time.Time `json:"expires"`
	RemoteHost  string    `json:"remote_host"`
	RemotePort  int       `json:"remote_port,omitempty"`
}

// LoginFailures are the failed logins of a user from an address.
type LoginFailures struct {
	Count       int       `json:"count"`
	First       time.Time `json:"first"`
	LockedUntil time.Time `json:"locked_until"`
}
