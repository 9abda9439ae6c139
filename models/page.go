package models

// DefaultPageSize and MaxPageSize bound a list page.
const (
	DefaultPageSize = 100
	MaxPageSize     = 1000
)
