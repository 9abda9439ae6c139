package auth

import (
	"net/url"
	"strings"

	"github.com/nfv-records/nfv-records/models"
)

// AdminKeys are the administrative query keys of a request (OSM's
// "Administrative Query String"): never filters.
type AdminKeys struct {
	// Admin: act on behalf of AdminProjects, or of every project when
	// none is named (ADMIN, ADMIN=true, ADMIN=p1,p2).
	Admin         bool
	AdminProjects []string
	// Force: FORCE, FORCE=true.
	Force bool
	// Public: PUBLIC, PUBLIC=true.
	Public bool
	// SetProject: SET_PROJECT=p1,p2, projects a changed document joins.
	SetProject []string
}

// The administrative query keys.
const (
	KeyAdmin      = "ADMIN"
	KeyForce      = "FORCE"
	KeyPublic     = "PUBLIC"
	KeySetProject = "SET_PROJECT"
)

// maxKeyProjects bounds the projects one key may name.
const maxKeyProjects = 100

// ParseAdminKeys takes the administrative keys out of q (which keeps the
// rest, for the filter) and reads them: 400 naming a key whose value is
// not one of its forms.
func ParseAdminKeys(q url.Values) (AdminKeys, error) {
	var k AdminKeys
	var err error
	if vs, ok := take(q, KeyForce); ok {
		if k.Force, err = flag(KeyForce, vs); err != nil {
			return k, err
		}
	}
	if vs, ok := take(q, KeyPublic); ok {
		if k.Public, err = flag(KeyPublic, vs); err != nil {
			return k, err
		}
	}
	if vs, ok := take(q, KeyAdmin); ok {
		if on, err := flag(KeyAdmin, vs); err == nil {
			k.Admin = on
		} else if k.AdminProjects, err = projectList(KeyAdmin, vs); err != nil {
			return k, err
		} else {
			k.Admin = true
		}
	}
	if vs, ok := take(q, KeySetProject); ok {
		if k.SetProject, err = projectList(KeySetProject, vs); err != nil {
			return k, err
		}
		if len(k.SetProject) == 0 {
			return k, models.Errorf(models.CodeInvalid, "%s needs the projects to add: %s=p1,p2", KeySetProject, KeySetProject)
		}
	}
	return k, nil
}

func take(q url.Values, key string) ([]string, bool) {
	vs, ok := q[key]
	delete(q, key)
	return vs, ok
}

// flag reads a boolean key: present without a value, or true/false in
// any case (OSM writes True), once.
func flag(key string, vs []string) (bool, error) {
	if len(vs) != 1 {
		return false, models.Errorf(models.CodeInvalid, "query key %s is given %d times; give it once", key, len(vs))
	}
	switch strings.ToLower(vs[0]) {
	case "", "true", "yes":
		return true, nil
	case "false", "no":
		return false, nil
	}
	return false, models.Errorf(models.CodeInvalid, "query key %s is %s: it takes true or false", key, models.Quote(vs[0]))
}

// projectList reads a comma-separated list of project names or ids.
func projectList(key string, vs []string) ([]string, error) {
	var out []string
	for _, v := range vs {
		for p := range strings.SplitSeq(v, ",") {
			p = strings.TrimSpace(p)
			if p == "" {
				continue
			}
			if len(p) > maxName {
				return nil, models.Errorf(models.CodeInvalid, "query key %s names a project longer than %d bytes", key, maxName)
			}
			out = append(out, p)
		}
	}
	if len(out) > maxKeyProjects {
		return nil, models.Errorf(models.CodeInvalid, "query key %s names %d projects; at most %d", key, len(out), maxKeyProjects)
	}
	return out, nil
}
