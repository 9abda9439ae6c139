package models

import "slices"

// Scope is the projects a call acts in (OSM's project isolation): which
// documents it sees, which it may change, and which projects a document
// it creates belongs to. It is decided once per request from the caller's
// token and the administrative query keys (orchestrator/auth), and every
// store call takes it. The zero Scope sees nothing: a call that forgot
// its scope finds no document rather than every one.
type Scope struct {
	// All sees and changes every project's documents (ADMIN, as a system
	// administrator); Read and Write are then not consulted.
	All bool
	// Read are the projects whose documents the call sees (their
	// _admin.projects_read holds one of these).
	Read []string
	// Write are the projects whose documents the call may change or
	// delete (their _admin.projects_write holds one of these); a document
	// it sees but may not write is, to a write, not found.
	Write []string
	// Own are the projects a document the call creates belongs to: its
	// projects_read and projects_write.
	Own []string
	// Join are projects a document the call changes is added to, as a
	// reader and a writer (SET_PROJECT).
	Join []string
}

// ProjectScope is the scope of a call acting in one project.
func ProjectScope(project string) Scope {
	p := []string{project}
	return Scope{Read: p, Write: p, Own: p}
}

// Writes reports whether the call may change a document whose
// projects_write is write.
func (s Scope) Writes(write []string) bool {
	if s.All {
		return true
	}
	for _, p := range write {
		if slices.Contains(s.Write, p) {
			return true
		}
	}
	return false
}
