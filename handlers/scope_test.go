package handlers

import "github.com/nfv-records/nfv-records/models"

// testScope is the project the package's internal tests act in.
var testScope = models.ProjectScope("test")
