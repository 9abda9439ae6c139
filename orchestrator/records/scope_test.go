package records_test

import "github.com/nfv-records/nfv-records/models"

// testScope is the project the tests act in.
var testScope = models.ProjectScope("test")
