package models

import (
	"encoding/json"
	"time"
)

// The schema kinds of SONATA descriptors (beside the record kinds): the
// catalogue validates SONATA VNFDs and NSDs against them.
const (
	KindSonataVNFD Kind = "sonata-vnfd"
	KindSonataNSD  Kind = "sonata-nsd"
)

// Entry is a document of OSM's shape as stored (a catalogue entry, a VIM
// account): its uuid, the fields clients see and filter on (Body: id,
// name, version, ...), and OSM's _admin state (Admin: onboardingState,
// operationalState, storage, the projects, ...).
type Entry struct {
	UUID     string
	Body     json.RawMessage
	Admin    json.RawMessage
	Created  time.Time
	Modified time.Time
	Version  int64
}

// PendingUpload is a chunked upload under way.
type PendingUpload struct {
	// Owner is who sends it (a user and a project): only they continue it.
	Owner string `json:"owner"`
	// Kind and Entry are what it is for: a new entry of kind (Entry "")
	// or the content of Entry.
	Kind     string `json:"kind"`
	Entry    string `json:"entry,omitempty"`
	Filename string `json:"filename,omitempty"`
	MD5      string `json:"md5,omitempty"`
	Total    int64  `json:"total"`
	Received int64  `json:"received"`
	// Parts are the blobs of the chunks received, in order: each written
	// under a name of its own, so that two sends of one chunk (a client
	// retrying) never overwrite or delete the one kept.
	Parts []string `json:"parts"`
}
