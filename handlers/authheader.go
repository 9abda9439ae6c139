package handlers

import (
	"encoding/base64"
	"strings"

	"github.com/nfv-records/nfv-records/models"
)

// credentials are what an Authorization header carries.
type credentials struct {
	bearer   string // a token, or
	user     string // Basic's user and password
	password string
	basic    bool
}

// maxAuthorization bounds the header: a token is 43 characters, and no
// user name and password need more than a few hundred.
const maxAuthorization = 4096

// parseAuthorization reads an Authorization header: "Bearer <token>" or
// "Basic <base64 of user:password>" (schemes in any case, RFC 9110). An
// error is a 401's detail: it never repeats the header.
func parseAuthorization(h string) (credentials, error) {
	if len(h) > maxAuthorization {
		return credentials{}, models.Errorf(models.CodeUnauthorized, "the Authorization header is longer than %d bytes", maxAuthorization)
	}
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	rest = strings.TrimSpace(rest)
	switch {
	case strings.EqualFold(scheme, "Bearer"):
		if rest == "" || strings.ContainsAny(rest, " \t") {
			return credentials{}, models.Errorf(models.CodeUnauthorized, "Authorization: Bearer needs one token")
		}
		return credentials{bearer: rest}, nil
	case strings.EqualFold(scheme, "Basic"):
		raw, err := base64.StdEncoding.DecodeString(rest)
		if err != nil {
			return credentials{}, models.Errorf(models.CodeUnauthorized, "Authorization: Basic needs base64 of user:password")
		}
		user, password, ok := strings.Cut(string(raw), ":")
		if !ok || user == "" {
			return credentials{}, models.Errorf(models.CodeUnauthorized, "Authorization: Basic needs base64 of user:password")
		}
		return credentials{user: user, password: password, basic: true}, nil
	case scheme == "":
		return credentials{}, models.Errorf(models.CodeUnauthorized, "credentials are missing: send Authorization: Bearer <token> (POST /osm/admin/v1/tokens gives one) or Basic user:password")
	}
	// The scheme is not repeated: a token sent without "Bearer " would be.
	return credentials{}, models.Errorf(models.CodeUnauthorized, "the Authorization scheme is not supported: use Bearer or Basic")
}
