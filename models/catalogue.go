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

// CatalogueEntry is a catalogue entry (an onboarded VNF or NS package)
// as stored: its uuid, the fields clients see and filter on (Body: id,
// name, version, the catalogue model, ...), and OSM's _admin state
// (Admin: onboardingState, storage, the projects, ...).
type CatalogueEntry struct {
	UUID     string
	Body     json.RawMessage
	Admin    json.RawMessage
	Created  time.Time
	Modified time.Time
	Version  int64
}
