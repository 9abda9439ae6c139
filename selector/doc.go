// Package selector implements the ETSI SOL013 §5.3 attribute selectors
// (all_fields, fields, exclude_fields, exclude_default) over records
// rendered as JSON-like maps, for the list answers of /vnfrs and /nsrs.
//
// The default is the whole record: the service always answered lists with
// whole records and portals rely on that, so exclude_default is opt-in here
// even though SOL013 makes it the default for some resources.
//
// fields follows MongoDB inclusion projection: a path keeps the value at its
// end and the objects that lead to it; an array on the way is projected
// element by element (nested arrays too), and elements that are not objects
// are dropped from it, so a client sees the same shape it would get from the
// database. The identity attributes uuid, id, created_at and updated_at are
// kept whatever fields says: without them a client could neither fetch a
// record it found nor tell the order of a page, and paging links would point
// at records it cannot name. For the same reason exclude_fields refuses uuid
// and id.
//
// exclude_fields follows MongoDB exclusion projection: a path removes the
// value at its end, in every element of the arrays on the way; everything
// else, non-object array elements included, is kept.
//
// exclude_default removes the complex attributes the caller names per record
// kind; fields given with it are put back, and a fields path inside one of
// those attributes puts back only that sub-path.
//
// Values are what encoding/json or the MongoDB driver decode: objects are
// map[string]any (or a named type with that underlying type, like bson.M),
// arrays are []any (or bson.A). Anything else is a leaf.
package selector
