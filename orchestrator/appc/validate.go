package appc

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Business validation: the second step of ParseRequest, which checks a
// structurally valid rawInput as APPC's provider does after ODL and
// refuses it with a status of the guide (302, 301, 303, 311, 305), or
// builds the Request.

var apiVerPattern = regexp.MustCompile(`^[0-9]+\.[0-9]{2}$`)

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func (in *rawInput) commonHeader() CommonHeader {
	if in.header == nil {
		return CommonHeader{}
	}
	h := in.header
	return CommonHeader{
		Timestamp:    deref(h.timestamp),
		APIVer:       deref(h.apiVer),
		OriginatorID: deref(h.originatorID),
		RequestID:    deref(h.requestID),
		SubRequestID: deref(h.subRequestID),
		RequestorID:  deref(h.requestorID),
		Flags:        h.flags,
	}
}

func (in *rawInput) identifiers() ActionIdentifiers {
	if in.ids == nil {
		return ActionIdentifiers{}
	}
	return ActionIdentifiers{
		ServiceInstanceID: deref(in.ids.serviceInstanceID),
		VNFID:             deref(in.ids.vnfID),
		VFModuleID:        deref(in.ids.vfModuleID),
		VNFCName:          deref(in.ids.vnfcName),
		VServerID:         deref(in.ids.vserverID),
	}
}

func (in *rawInput) validate(rpc string, action Action, now time.Time, defaultTTL time.Duration) (*Request, *Refusal) {
	header := in.commonHeader()
	ids := in.identifiers()
	refuse := func(st Status) (*Request, *Refusal) {
		return nil, &Refusal{Status: st, Action: action, CommonHeaderJSON: in.headerJSON, CommonHeader: header, Identifiers: ids}
	}

	if !in.hasInput {
		return refuse(MissingMandatoryParameter("input"))
	}
	// Mandatory leaves, in APPC's order (ValidationService); an empty
	// string is a missing value, as APPC's isEmpty has it.
	var missing []string
	if in.header == nil {
		missing = append(missing, "common-header")
	} else {
		for _, f := range []struct {
			name  string
			value string
		}{
			{"api-ver", header.APIVer},
			{"timestamp", header.Timestamp},
			{"request-id", header.RequestID},
			{"originator-id", header.OriginatorID},
		} {
			if f.value == "" {
				missing = append(missing, f.name)
			}
		}
	}
	if in.action == nil {
		missing = append(missing, "action")
	}
	if len(missing) > 0 {
		return refuse(MissingMandatoryParameter(missing...))
	}
	if Action(*in.action) != action {
		return refuse(InvalidInputParameter(fmt.Sprintf("action: %s does not match the rpc %s", *in.action, rpc)))
	}
	if !apiVerPattern.MatchString(header.APIVer) {
		return refuse(InvalidInputParameter(fmt.Sprintf("api-ver: %q is not in X.YY format", header.APIVer)))
	}
	for _, f := range []struct {
		name  string
		value string
	}{
		{"originator-id", header.OriginatorID},
		{"request-id", header.RequestID},
		{"sub-request-id", header.SubRequestID},
	} {
		if n := utf8.RuneCountInString(f.value); n > MaxIDLength {
			return refuse(InvalidInputParameter(fmt.Sprintf("%s: %d characters, at most %d allowed", f.name, n, MaxIDLength)))
		}
	}

	ts, err := parseZulu(header.Timestamp)
	if err != nil {
		return refuse(RequestParsingFailed(fmt.Sprintf("timestamp: %q is not a valid time: %v", header.Timestamp, err)))
	}
	if ts.After(now) {
		return refuse(InvalidInputParameter(fmt.Sprintf("timestamp: %s is in the future", header.Timestamp)))
	}
	ttl := defaultTTL
	if header.Flags.TTL > 0 {
		ttl = time.Duration(header.Flags.TTL) * time.Second
	}
	var expires time.Time
	if ttl > 0 {
		expires = ts.Add(ttl)
		if now.After(expires) {
			return refuse(ExpiredRequest())
		}
	} else {
		ttl = 0
	}

	if in.ids == nil {
		return refuse(MissingMandatoryParameter("action-identifiers"))
	}
	if in.ids.vnfID == nil {
		return refuse(MissingMandatoryParameter("vnf-id"))
	}
	if ids.VNFID == "" {
		return refuse(InvalidInputParameter("vnf-id: must not be empty"))
	}
	if n := utf8.RuneCountInString(ids.VNFID); n > MaxVNFIDLength {
		return refuse(InvalidInputParameter(fmt.Sprintf("vnf-id: %d characters, at most %d allowed", n, MaxVNFIDLength)))
	}
	scope := ids.Scope()
	if !action.SupportsScope(scope) {
		return refuse(ActionNotSupported(action))
	}

	data, st := checkPayload(action, scope, in.payload)
	if st != nil {
		return refuse(*st)
	}

	return &Request{
		RPC:              rpc,
		Action:           action,
		CommonHeader:     header,
		CommonHeaderJSON: in.headerJSON,
		Identifiers:      ids,
		Payload:          deref(in.payload),
		HasPayload:       in.payload != nil,
		PayloadData:      data,
		IdentityURL:      deref(in.identityURL),
		Timestamp:        ts,
		TTL:              ttl,
		Expires:          expires,
	}, nil
}

// parseZulu reads a timestamp that matches the ZULU pattern, checking that
// every field is in range (the pattern lets "2016-13-45T25:61:61.0Z" by).
func parseZulu(s string) (time.Time, error) {
	m := zuluPattern.FindStringSubmatch(s)
	if m == nil {
		return time.Time{}, fmt.Errorf("does not match %s", zuluPatternText)
	}
	n := make([]int, 6)
	for i := range n {
		n[i], _ = strconv.Atoi(m[i+1]) // at most 4 digits each
	}
	year, month, day, hour, minute, sec := n[0], n[1], n[2], n[3], n[4], n[5]
	switch {
	case month < 1 || month > 12:
		return time.Time{}, fmt.Errorf("month %d out of range", month)
	case day < 1 || day > daysIn(year, time.Month(month)):
		return time.Time{}, fmt.Errorf("day %d out of range", day)
	case hour > 23:
		return time.Time{}, fmt.Errorf("hour %d out of range", hour)
	case minute > 59:
		return time.Time{}, fmt.Errorf("minute %d out of range", minute)
	case sec > 59:
		return time.Time{}, fmt.Errorf("second %d out of range", sec)
	}
	frac := m[7]
	nanos, _ := strconv.Atoi(frac + strings.Repeat("0", 9-len(frac)))
	return time.Date(year, time.Month(month), day, hour, minute, sec, nanos, time.UTC), nil
}

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// checkPayload validates the payload of action at scope: nil status and the
// decoded payload (nil when not a JSON object) when it is acceptable.
func checkPayload(action Action, scope Scope, payload *string) (map[string]any, *Status) {
	var data map[string]any
	var parseErr error
	empty := payload == nil || strings.TrimSpace(*payload) == ""
	if !empty {
		data, parseErr = decodePayload(*payload)
	}
	fields := action.PayloadFields(scope)
	if len(fields) == 0 {
		return data, nil // the action reads no payload: whatever it is, it is ignored
	}
	required := slices.ContainsFunc(fields, func(f PayloadField) bool { return f.Required })
	switch {
	case payload == nil && required:
		st := MissingMandatoryParameter("payload")
		return nil, &st
	case empty && required:
		st := InvalidInputParameter("payload: must not be empty")
		return nil, &st
	case empty:
		return nil, nil
	case parseErr != nil:
		st := RequestParsingFailed("payload: " + parseErr.Error())
		return nil, &st
	}
	for _, f := range fields {
		v, present := lookupField(data, f.Name)
		if !present || v == nil {
			if f.Required {
				st := MissingMandatoryParameter(f.Name)
				return nil, &st
			}
			continue
		}
		if !fieldOK(f, v) {
			st := InvalidInputParameter(fmt.Sprintf("%s: must be %s, found %s", f.Name, f.Kind, describe(v)))
			return nil, &st
		}
	}
	return data, nil
}

// decodePayload decodes a payload string that must hold one JSON object.
func decodePayload(p string) (map[string]any, error) {
	if !json.Valid([]byte(p)) {
		var v any
		return nil, fmt.Errorf("not valid JSON: %w", json.Unmarshal([]byte(p), &v))
	}
	dec := json.NewDecoder(strings.NewReader(p))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("not valid JSON: %w", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("not a JSON object (found %s)", jsonKind(v))
	}
	return m, nil
}

// lookupField finds a dotted field name in a decoded payload.
func lookupField(data map[string]any, name string) (any, bool) {
	if data == nil {
		return nil, false
	}
	if v, ok := data[name]; ok {
		return v, true
	}
	parent, child, nested := strings.Cut(name, ".")
	if !nested {
		return nil, false
	}
	pv, ok := data[parent]
	if !ok {
		return nil, false
	}
	obj, ok := asObject(pv)
	if !ok {
		return nil, false
	}
	return lookupField(obj, child)
}

// asObject reads a payload value as an object: a JSON object, or a string
// holding one.
func asObject(v any) (map[string]any, bool) {
	switch t := v.(type) {
	case map[string]any:
		return t, true
	case string:
		m, err := decodePayload(t)
		return m, err == nil
	}
	return nil, false
}

func fieldOK(f PayloadField, v any) bool {
	switch f.Kind {
	case FieldString:
		s, ok := v.(string)
		return ok && (s != "" || !f.Required)
	case FieldObject:
		_, ok := asObject(v)
		return ok
	case FieldBool:
		_, ok := payloadBool(v)
		return ok
	case FieldYesNo:
		s, ok := v.(string)
		return ok && (s == "Y" || s == "N")
	}
	return false
}

func describe(v any) string {
	if s, ok := v.(string); ok {
		if s == "" {
			return "an empty string"
		}
		return strconv.Quote(s)
	}
	return jsonKind(v)
}
