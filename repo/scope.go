package repo

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Project isolation, shared by every domain store: a document a project
// owns carries OSM's _admin.projects_read and _admin.projects_write (in
// Doc.Admin); a call's models.Scope decides what it sees (Within) and
// what it may change (projects_write).

// AdminProjectsWrite is the Admin member naming the projects that may
// change a document.
const AdminProjectsWrite = "projects_write"

// within is c as scope sees it.
func within(c Collection, s models.Scope) Collection {
	if s.All {
		return c
	}
	return c.Within(Readers{Projects: s.Read})
}

// projects is the two project lists of a document's Admin.
type projects struct {
	Read  []string `json:"projects_read"`
	Write []string `json:"projects_write"`
}

func projectsOf(admin json.RawMessage) (projects, error) {
	var p projects
	if len(admin) == 0 {
		return p, nil
	}
	if err := json.Unmarshal(admin, &p); err != nil {
		return p, fmt.Errorf("_admin projects: %w", err)
	}
	return p, nil
}

// ownedAdmin is admin (nil for none) as the Admin of a document scope
// creates: its Own projects read and write it.
func ownedAdmin(admin json.RawMessage, s models.Scope) (json.RawMessage, error) {
	if len(s.Own) == 0 {
		return nil, errors.New("a new document needs a project to belong to")
	}
	own := slices.Clone(s.Own)
	for _, j := range s.Join { // SET_PROJECT on a creation
		if !slices.Contains(own, j) {
			own = append(own, j)
		}
	}
	return withProjects(admin, projects{Read: own, Write: own})
}

// withProjects is admin with both project lists set to p, every other
// member kept byte for byte.
func withProjects(admin json.RawMessage, p projects) (json.RawMessage, error) {
	members := map[string]json.RawMessage{}
	if len(admin) > 0 {
		if err := json.Unmarshal(admin, &members); err != nil {
			return nil, err
		}
	}
	var err error
	if members[AdminProjectsRead], err = json.Marshal(p.Read); err != nil {
		return nil, err
	}
	if members[AdminProjectsWrite], err = json.Marshal(p.Write); err != nil {
		return nil, err
	}
	return json.Marshal(members)
}

// writable checks that scope may change the document cur, and returns
// its Admin with scope's Join projects added: ErrNotFound when scope may
// not write it (a write finds only what it may change).
func writable(cur Doc, s models.Scope) (json.RawMessage, error) {
	p, err := projectsOf(cur.Admin)
	if err != nil {
		return nil, Internal("read the projects of "+cur.ID, err)
	}
	if !s.Writes(p.Write) {
		return nil, ErrNotFound
	}
	if len(s.Join) == 0 {
		return cur.Admin, nil
	}
	for _, j := range s.Join {
		if !slices.Contains(p.Read, j) {
			p.Read = append(p.Read, j)
		}
		if !slices.Contains(p.Write, j) {
			p.Write = append(p.Write, j)
		}
	}
	admin, err := withProjects(cur.Admin, p)
	if err != nil {
		return nil, Internal("write the projects of "+cur.ID, err)
	}
	return admin, nil
}

// deleteWithin removes the document id when scope may change it and pre
// holds: ErrNotFound or ErrVersion otherwise. The check and the delete
// are tied by the version read, and tried again when another writer
// moved it in between.
func deleteWithin(ctx context.Context, c Collection, s models.Scope, id string, pre *models.Precondition) error {
	c = within(c, s)
	for range 8 {
		cur, err := c.Get(ctx, id)
		if err != nil {
			return err
		}
		if _, err := writable(cur, models.Scope{All: s.All, Write: s.Write}); err != nil {
			return err
		}
		if !pre.Holds(cur.Version) {
			return ErrVersion
		}
		err = c.Delete(ctx, id, &models.Precondition{Versions: []int64{cur.Version}})
		if !errors.Is(err, ErrVersion) {
			return err
		}
	}
	return &models.Error{Code: models.CodeConflict, Detail: "the document is being modified by other writers; retry",
		Err: fmt.Errorf("delete %s: lost the race to other writers", id)}
}

// AdoptUnowned gives every document of spec that no project owns (those
// written before projects existed) to project, and says how many it
// changed. Safe to run again and from several replicas at once: a
// document already owned is left as it is.
func AdoptUnowned(ctx context.Context, db DB, spec CollectionSpec, project string) (int, error) {
	unowned := db.Collection(spec).Within(Readers{Unowned: true})
	errOwned := errors.New("owned meanwhile")
	n := 0
	for {
		page, err := unowned.List(ctx, filter.Query{Limit: 500})
		if err != nil {
			return n, err
		}
		if len(page.Items) == 0 {
			return n, nil
		}
		for _, d := range page.Items {
			_, err := unowned.Update(ctx, d.ID, func(cur Doc) (Doc, error) {
				p, err := projectsOf(cur.Admin)
				if err != nil {
					return Doc{}, err
				}
				if len(p.Read) > 0 {
					return Doc{}, errOwned
				}
				if cur.Admin, err = withProjects(cur.Admin, projects{Read: []string{project}, Write: []string{project}}); err != nil {
					return Doc{}, err
				}
				return cur, nil
			})
			switch {
			case err == nil:
				n++
			case errors.Is(err, ErrNotFound), errors.Is(err, errOwned): // another replica got there first
			default:
				return n, fmt.Errorf("give %s/%s to project %s: %w", spec.Name, d.ID, project, err)
			}
		}
	}
}
