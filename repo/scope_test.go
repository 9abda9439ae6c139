package repo_test

import "github.com/nfv-records/nfv-records/models"

// testScope sees every project: what the import wrote belongs to none
// until the service starts (AdoptUnowned).
var testScope = models.Scope{All: true, Own: []string{"test"}}
