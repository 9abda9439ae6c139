package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"golang.org/x/crypto/bcrypt"

	"github.com/nfv-records/nfv-records/models"
)

// tokenBytes is a token's randomness: 256 bits, as 43 base64url
// characters.
const (
	tokenBytes = 32
	tokenChars = 43
)

// Login is a request for a token.
type Login struct {
	Username string
	Password string
	// Project is the project's id or name; empty: the user's first.
	Project string
}

// Issued is a new token: the token itself (shown once, never stored) and
// what it stands for.
type Issued struct {
	Token    string
	Stored   Token
	Identity Identity
}

// Login checks credentials and issues a token for a project the user
// holds a role in: 401 for a bad user, password or project, or while
// failed logins lock the user at this address.
func (s *Service) Login(ctx context.Context, o Origin, req Login) (Issued, error) {
	u, err := s.checkPassword(ctx, o, req.Username, req.Password)
	if err != nil {
		return Issued{}, err
	}
	projectID := ""
	if req.Project == "" {
		if projectID, err = s.firstProject(ctx, u); err != nil {
			if models.ErrorCodeOf(err) == models.CodeUnauthorized {
				s.audit(ctx, o, "login failed", u.Username, "", "reason", "no project")
			}
			return Issued{}, err
		}
	} else {
		p, err := s.findProject(ctx, req.Project)
		if err != nil && models.ErrorCodeOf(err) != models.CodeNotFound {
			return Issued{}, err
		}
		projectID = p.ID
	}
	var id Identity
	if projectID != "" {
		id, err = s.identityOf(ctx, u, projectID)
	}
	if projectID == "" || models.ErrorCodeOf(err) == models.CodeUnauthorized {
		s.audit(ctx, o, "login failed", u.Username, req.Project, "reason", "not in project")
		return Issued{}, unauthorized(fmt.Sprintf("user %s holds no role in project %s", models.Quote(u.Username), models.Quote(req.Project)))
	}
	if err != nil {
		return Issued{}, err
	}
	raw := make([]byte, tokenBytes)
	if _, err := io.ReadFull(s.cfg.Random, raw); err != nil {
		return Issued{}, fmt.Errorf("token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	now := s.cfg.Now().UTC()
	t := Token{Hash: hashToken(token), UserID: u.ID, Username: u.Username, ProjectID: id.ProjectID, ProjectName: id.ProjectName,
		Issued: now, Expires: now.Add(s.cfg.TokenTTL), RemoteHost: o.RemoteHost, RemotePort: o.RemotePort}
	if err := s.store.AddToken(ctx, t); err != nil {
		return Issued{}, err
	}
	s.sweep(ctx, now)
	id.TokenHash, id.Expires = t.Hash, t.Expires
	s.audit(ctx, o, "login ok", u.Username, id.ProjectName, "token", t.Hash[:12])
	return Issued{Token: token, Stored: t, Identity: id}, nil
}

// sweep removes expired tokens, at most once a minute per replica.
func (s *Service) sweep(ctx context.Context, now time.Time) {
	s.sweepMu.Lock()
	due := now.Sub(s.lastSweep) >= time.Minute
	if due {
		s.lastSweep = now
	}
	s.sweepMu.Unlock()
	if due {
		if _, err := s.store.DeleteExpiredTokens(ctx, now); err != nil {
			s.log.WarnContext(ctx, "remove expired tokens", "err", err)
		}
	}
}

// checkPassword is the user whose password this is, behind the lock of
// repeated failures. An unknown user costs the same hash as a known one,
// and both fail with the same answer.
func (s *Service) checkPassword(ctx context.Context, o Origin, username, password string) (User, error) {
	key := failureKey(username, o.RemoteHost)
	now := s.cfg.Now()
	s.cache.drop("f:" + key) // a password check reads the failures afresh
	f, err := s.checkLock(ctx, o, username)
	if err != nil {
		return User{}, err
	}
	u, err := s.store.FindUser(ctx, username)
	known := err == nil
	if err != nil && models.ErrorCodeOf(err) != models.CodeNotFound {
		return User{}, err
	}
	hash := s.dummyHash
	if known {
		hash = []byte(u.PasswordHash)
	}
	if bcrypt.CompareHashAndPassword(hash, []byte(password)) == nil && known {
		if f.Count > 0 {
			if err := s.store.ClearLoginFailures(ctx, key); err != nil {
				return User{}, err
			}
			s.cache.drop("f:" + key)
		}
		return u, nil
	}
	f, err = s.store.AddLoginFailure(ctx, key, func(f *Failures) {
		if now.Sub(f.First) >= s.cfg.FailureWindow {
			*f = Failures{First: now}
		}
		f.Count++
		if f.Count >= s.cfg.MaxFailures {
			f.LockedUntil = now.Add(s.cfg.LockFor)
		}
	})
	if err != nil {
		return User{}, err
	}
	s.cache.put("f:"+key, f)
	if now.Before(f.LockedUntil) {
		s.audit(ctx, o, "login locked", username, "", "failures", f.Count)
		return User{}, s.lockedError(f)
	}
	s.audit(ctx, o, "login failed", username, "", "failures", f.Count)
	return User{}, unauthorized("invalid username or password")
}

// checkLock refuses a user at an address that failed too often: the
// lock holds for every way of logging in, remembered Basic credentials
// included.
//
// What was read is trusted for CacheTTL: a lock set on another replica
// holds here within it (at once for a login, which reads afresh).
func (s *Service) checkLock(ctx context.Context, o Origin, username string) (Failures, error) {
	key := failureKey(username, o.RemoteHost)
	var f Failures
	if v, ok := s.cache.get("f:" + key); ok {
		f = v.(Failures)
	} else {
		var err error
		if f, err = s.store.LoginFailures(ctx, key); err != nil {
			return f, err
		}
		s.cache.put("f:"+key, f)
	}
	if s.cfg.Now().Before(f.LockedUntil) {
		s.audit(ctx, o, "login locked", username, "")
		return f, s.lockedError(f)
	}
	return f, nil
}

func (s *Service) lockedError(f Failures) error {
	return unauthorized(fmt.Sprintf("too many failed logins for this user from this address: locked until %s",
		f.LockedUntil.UTC().Format(time.RFC3339)))
}

// failureKey is the id of the failures of a user at an address.
func failureKey(username, remote string) string {
	sum := sha256.Sum256([]byte(username + "\x00" + remote))
	return hex.EncodeToString(sum[:])
}

// Tokens are the caller's tokens (every user's with ADMIN).
func (s *Service) Tokens(ctx context.Context, id Identity) ([]Token, error) {
	ts, err := s.store.TokensOf(ctx, id.UserID)
	if err != nil {
		return nil, err
	}
	now := s.cfg.Now()
	return slices.DeleteFunc(ts, func(t Token) bool { return !now.Before(t.Expires) }), nil
}

// TokenOf is one of the caller's tokens, named by the token itself or by
// its stored id: 404 for another user's.
func (s *Service) TokenOf(ctx context.Context, id Identity, ref string) (Token, error) {
	hash := ref
	if !isHash(ref) {
		hash = hashToken(ref)
	}
	t, err := s.store.GetToken(ctx, hash)
	if err != nil {
		return Token{}, err
	}
	if t.UserID != id.UserID || id.UserID == "" || !s.cfg.Now().Before(t.Expires) {
		return Token{}, models.Errorf(models.CodeNotFound, "token not found")
	}
	return t, nil
}

// Revoke deletes one of the caller's tokens (ref as TokenOf; empty: the
// token of this call): it stops working at once here, within CacheTTL on
// other replicas.
func (s *Service) Revoke(ctx context.Context, o Origin, id Identity, ref string) error {
	hash := id.TokenHash
	if ref != "" {
		t, err := s.TokenOf(ctx, id, ref)
		if err != nil {
			return err
		}
		hash = t.Hash
	}
	if hash == "" {
		return models.Errorf(models.CodeNotFound, "this call came without a token: name the token to revoke")
	}
	if err := s.store.DeleteToken(ctx, hash); err != nil {
		return err
	}
	s.cache.drop("t:" + hash)
	s.audit(ctx, o, "token revoked", id.Username, id.ProjectName, "token", hash[:12])
	return nil
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// hashPassword checks a new password and hashes it.
func (s *Service) hashPassword(password string) (string, error) {
	switch {
	case password == "":
		return "", models.Errorf(models.CodeUnprocessable, "password is empty")
	case len(password) > 72:
		return "", models.Errorf(models.CodeUnprocessable, "password is %d bytes; bcrypt takes at most 72", len(password))
	}
	h, err := bcrypt.GenerateFromPassword([]byte(password), s.cfg.BcryptCost)
	if errors.Is(err, bcrypt.ErrPasswordTooLong) {
		return "", models.Errorf(models.CodeUnprocessable, "password is too long")
	}
	return string(h), err
}
