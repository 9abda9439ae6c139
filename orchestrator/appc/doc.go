// Package appc is the ONAP APPC LCM engine: all of
// POST /restconf/operations/appc-provider-lcm:{rpc} but the HTTP. The
// request layer reads and checks a request (request.go, with its two steps
// in decode.go and validate.go; actions.go, status.go) and builds the
// answer (response.go); the Engine (engine.go) runs a valid request on the
// VNF record through the VNF state machine (statemachine.go) and the
// action effects (effects.go). It reaches the database only through the
// Store it declares (store.go), and knows no HTTP: a Result says what kind
// of answer it is (Outcome), and handlers/ picks the HTTP status.
//
// The spec is the APPC API guide (Amsterdam, reference/seeds/onap-appc-lcm-api-guide.rst)
// and the YANG model reference/appc/appc-provider-lcm.yang.
//
// # Flow
//
// A handler gives the URL's rpc and the body to Engine.Handle, which reads
// them with ParseRequest; that gives exactly one of:
//
//   - a *RestconfError: an unknown rpc, or a malformed message, answered
//     with RestconfError.Body() (Outcome UnknownRPC or Malformed);
//   - a *Refusal with a 3xx status of the guide, answered with
//     Refusal.Response() (Outcome Answered);
//   - a valid *Request, which the Engine runs through, in this
//     order: duplicate 312 (the request is stored first), VNF lookup 306,
//     a vserver-id that is no vc_id of the record 301, lock held by another
//     request-id 310, working state 309 (unless forced), no transition 304;
//     then the action: a command marks the VNF Unstable in one atomic update
//     of the record and applies its effect (effects.go) in a second, a
//     read-only action does both in one; the outcome is stored for
//     ActionStatus. It answers with
//     Request.Respond(status) plus WithLocked / WithSnapshotID /
//     WithPayloadJSON (Outcome Answered), or, when the store fails, with
//     200 UNEXPECTED ERROR (Outcome StoreFailed, the failure in Result.Err).
//
// # Decisions where the guide, the YANG model and the issue leave room
//
// Malformed versus refused. The guide: "A malformed message is an invalid
// request based on the LCM API YANG scheme specification. APPC rejects
// malformed requests as implemented by ODL infrastructure level." ODL's
// RESTCONF parser is strict, so these are malformed-message errors: a body
// that is not UTF-8 JSON or has trailing data; a duplicate member; a member
// the rpc's input does not have (ODL: "Schema node with name X was not
// found"), including "payload" on check-lock, whose YANG input has none, and
// "identity-url" on any rpc but snapshot; a JSON type other than the leaf's
// (strings must be JSON strings, containers objects, null is never a
// value); an enumeration value outside its enum (action, flags.mode,
// flags.force); a ttl that is not a uint16 (a JSON number or a string
// holding one, as the guide's request example quotes it); a non-empty
// timestamp not matching the ZULU pattern (which requires 1 to 6 fraction
// digits and a Z: use FormatTimestamp). The body's top-level member is
// "input" or its module-qualified form "appc-provider-lcm:input".
//
// Everything else is an LCM status, as APPC's provider validates it after
// ODL (ValidationService, AbstractBaseService):
//
//   - 302 MISSING MANDATORY PARAMETER: no input; no common-header; an absent
//     or empty api-ver, timestamp, request-id or originator-id (all missing
//     ones are named, joined by ", "); an absent action (the YANG "mandatory"
//     of an rpc input leaf is APPC's to check, not ODL's); no
//     action-identifiers; no vnf-id; a required payload field, or the
//     payload itself when the action has required fields.
//   - 301 INVALID INPUT PARAMETER: a body action in the YANG enum but not the
//     URL's (APPC: INVALID_INPUT_PARAMETER "action"; an action outside the
//     enum is malformed, as the guide's "Stopp" example shows); api-ver not
//     in X.YY format (digits, a dot, two digits: the guide's "5.00" passes;
//     the YANG pattern "[2]\.\d\d" is not applied, since the issue wants any
//     X.YY and the guide documents 5.00); an originator-id, request-id or
//     sub-request-id over 40 characters; a timestamp in the future (no clock
//     skew allowance: the guide rejects it "due to clock error"); an empty
//     vnf-id; an empty payload when the action needs one; a payload field
//     of the wrong type.
//   - 303 REQUEST PARSING FAILED: a timestamp that matches the pattern but is
//     no real time (month 13, February 30, hour 24, second 60); a payload
//     that is not a JSON object where the action reads it.
//   - 311 EXPIREDREQUEST: now is after timestamp + ttl; ttl is flags.ttl in
//     seconds, or the configured default when flags.ttl is absent or 0 (APPC
//     treats ttl <= 0 as "use the default").
//   - 305 ACTION NOT SUPPORTED: the request's scope is not one the guide's
//     API Scope table allows for the action. The scope is VM when a
//     vserver-id is given, else VNFC for a vnfc-name, else VF-Module for a
//     vf-module-id, else VNF; empty identifier leaves count as absent. So
//     Evacuate, Migrate, Rebuild and Snapshot need a vserver-id, and Lock
//     with a vserver-id is refused. Snapshot follows the table (VM only),
//     although its section also speaks of a VNF-level snapshot.
//
// Status messages are the guide's table verbatim. Where the guide puts no
// space between the dash and the detail (301 "INVALID INPUT PARAMETER
// -${detailedErrorMsg}", 310 "LOCKING FAILURE -${detailedErrorMsg}") one is
// added, as APPC's own LCMCommandStatus writes "INVALID INPUT PARAMETER -
// ${errorMsg}"; 302 keeps the guide's "Parameter X is missing" (APPC writes
// "Parameter/s X is/are missing").
//
// Payload fields (Action.PayloadFields) follow each command's section:
// HealthCheck vnf-host-ip-address; VNF Restart vnf-host-ip-address; VM
// Restart, Migrate, Rebuild, Snapshot, Evacuate vm-id (identity-url,
// tenant-id, and Evacuate's rebuild-vm "true"/"false" and targethost-id
// optional); Configure and ConfigModify request-parameters (an object;
// host-ip-address is only required "if Netconf", so optional; vnfc-type
// required at VNFC scope; configuration-parameters optional);
// ConfigBackup, ConfigRestore, StartApplication, StopApplication
// request-parameters with host-ip-address; Audit publish-config optional
// ("does not require any payload parameters") but Y or N when given;
// ActionStatus request-id (sub-request-id, originator-id optional; from
// APPC, the Amsterdam guide has no ActionStatus section). Actions without
// payload parameters ignore the payload. Snapshot's top-level YANG leaf
// identity-url is accepted but not required: the guide puts identity-url
// in the payload, as optional. The guide's "api-ver must be set to 2.00 for
// VNF Restart" is not enforced (it contradicts "5.00 for this version").
//
// Read-only actions (Action.ReadOnly): Lock, Unlock, CheckLock, Sync,
// Audit, ConfigBackup and ActionStatus. They skip working state management
// (no 309, no Unstable). Every other action is a command: Unstable while it
// runs (recorded with the command, so a process that dies mid-command
// leaves the VNF refusing commands with 309 until one is forced), then
// Stable after a success and Unknown after a failure. A forced command
// that begins while another runs takes the VNF over ("cancellation of the
// previous action and an override by the new action"): the overridden one
// ends with 406 UNSTABLE VNF FAILURE and writes nothing more. HealthCheck is not read-only (309 applies, and
// 304 where the state machine has no HealthCheck transition), but it keeps
// the APPC state: the state machine would move a Running VNF to Tested, and
// the issue wants HealthCheck to answer healthy only for a running VNF.
//
// Responses echo the request's common-header as sent (compacted), omit it
// when the request had none, and carry payload as a JSON string. CheckLock
// adds "locked": "TRUE"/"FALSE" and Snapshot "snapshot-id". HealthCheck's
// payload has the shape of APPC's later guide ({"identifier", "state":
// "healthy"|"unhealthy", "time"}); the Amsterdam guide gives none. As that
// guide says ("returns a 400 success message if the test completes"), an
// unhealthy VNF is 400 SUCCESS with state "unhealthy"; 401 is for a check
// that cannot run, which here is only a refusal (309, 304).
//
// Rebuild answers "the rebuild details in the response payload block":
// RebuildResult, what the VM was recreated from (its newest snapshot, else
// its image). Evacuate rebuilds the VM from its newest snapshot unless
// rebuild-vm is false ("a rebuild VM is performed if a snapshot is
// available"); the guide asks for a success response only, its payload
// (EvacuateResult) adds the host chosen and whether it was rebuilt.
package appc
