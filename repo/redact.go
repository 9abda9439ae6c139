package repo

import "net/url"

// redact hides the password of a connection string before it is logged.
func redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return "<unparseable uri>"
	}
	return u.Redacted()
}
