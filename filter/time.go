package filter

import (
	"strconv"
	"time"
)

// Time fields (Field.Time) are kept at millisecond precision and rendered
// as "2018-02-26T17:58:51.758+00:00". Their values are compared as
// instants, never as strings:
//
//   - A date, 2018-01-01, stands for the whole UTC day [00:00, next 00:00).
//   - A timestamp, 2018-01-01T10:00:00Z (offsets like +01:00 or +0100, a
//     space where a '+' was decoded from an unescaped URL, fractions of a
//     second, no zone = UTC; seconds may be left out) stands for its
//     millisecond [t, t+1ms), finer digits truncated as the store does.
//
// With that interval [lo, hi): eq and cont mean lo <= t < hi (so
// created_at=2018-02-26 is "created that day" and eq on a full timestamp is
// "the same millisecond"); neq and ncont mean outside it; gte means t >= lo,
// gt t >= hi (after it), lt t < lo (before it), lte t < hi. So
// created_at.gte=2018-01-01&created_at.lte=2018-01-31 is all of January.
// The empty value matches a missing or null time (never, for created_at).
// Anything else is refused with 400.

// timeValue is a parsed time value: the interval it stands for.
type timeValue struct{ lo, hi time.Time }

func timeAtoms(key string, op Op, raws []string, yamlValues bool) ([]atom, error) {
	var atoms []atom
	null := false
	for _, raw := range raws {
		text := raw
		if yamlValues {
			v, err := yamlScalar(key, raw)
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case nil:
				text = ""
			case string:
				text = v
			default:
				return nil, invalid(key, "%q is not a date or time (use 2018-01-01 or 2018-01-01T10:00:00Z)", raw)
			}
		}
		if text == "" {
			if op.ordered() {
				return nil, invalid(key, "%s needs a value", op)
			}
			null = true
			continue
		}
		tv, ok := parseTime(text)
		if !ok {
			return nil, invalid(key, "%q is not a date or time (use 2018-01-01 or 2018-01-01T10:00:00Z)", raw)
		}
		switch op {
		case OpGt:
			atoms = append(atoms, atom{kind: atomCmp, op: OpGte, val: tv.hi})
		case OpGte:
			atoms = append(atoms, atom{kind: atomCmp, op: OpGte, val: tv.lo})
		case OpLt:
			atoms = append(atoms, atom{kind: atomCmp, op: OpLt, val: tv.lo})
		case OpLte:
			atoms = append(atoms, atom{kind: atomCmp, op: OpLt, val: tv.hi})
		default: // eq, neq, cont, ncont
			atoms = append(atoms, atom{kind: atomRange, lo: tv.lo, hi: tv.hi})
		}
	}
	if null {
		atoms = append(atoms, atom{kind: atomNull})
	}
	return atoms, nil
}

// parseTime reads a date or a timestamp (see above) as the interval it
// stands for.
func parseTime(s string) (timeValue, bool) {
	p := timeParser{s: s}
	year, ok1 := p.digits(4)
	ok2 := p.byte('-')
	month, ok3 := p.digits(2)
	ok4 := p.byte('-')
	day, ok5 := p.digits(2)
	if !(ok1 && ok2 && ok3 && ok4 && ok5) {
		return timeValue{}, false
	}
	if p.done() {
		lo, ok := date(year, month, day, 0, 0, 0, 0, time.UTC)
		if !ok {
			return timeValue{}, false
		}
		return timeValue{lo: lo, hi: lo.AddDate(0, 0, 1)}, true
	}
	if !p.byte('T') && !p.byte('t') {
		return timeValue{}, false
	}
	hour, ok1 := p.digits(2)
	ok2 = p.byte(':')
	minute, ok3 := p.digits(2)
	if !(ok1 && ok2 && ok3) {
		return timeValue{}, false
	}
	sec, nsec := 0, 0
	if p.byte(':') {
		var ok bool
		if sec, ok = p.digits(2); !ok {
			return timeValue{}, false
		}
		if p.byte('.') || p.byte(',') {
			start := p.i
			for p.i < len(p.s) && p.s[p.i] >= '0' && p.s[p.i] <= '9' {
				p.i++
			}
			frac := p.s[start:p.i]
			if frac == "" || len(frac) > 9 {
				return timeValue{}, false
			}
			for len(frac) < 9 {
				frac += "0"
			}
			nsec, _ = strconv.Atoi(frac)
		}
	}
	loc := time.UTC
	switch {
	case p.done():
	case p.byte('Z') || p.byte('z'):
	default:
		sign := 1
		switch {
		case p.byte('+'), p.byte(' '): // ' ': a '+' decoded from an unescaped URL
		case p.byte('-'):
			sign = -1
		default:
			return timeValue{}, false
		}
		oh, ok := p.digits(2)
		if !ok {
			return timeValue{}, false
		}
		om := 0
		if !p.done() {
			p.byte(':')
			if om, ok = p.digits(2); !ok {
				return timeValue{}, false
			}
		}
		if oh > 23 || om > 59 {
			return timeValue{}, false
		}
		loc = time.FixedZone("", sign*(oh*3600+om*60))
	}
	if !p.done() {
		return timeValue{}, false
	}
	t, ok := date(year, month, day, hour, minute, sec, nsec, loc)
	if !ok {
		return timeValue{}, false
	}
	lo := t.UTC().Truncate(time.Millisecond)
	return timeValue{lo: lo, hi: lo.Add(time.Millisecond)}, true
}

// date builds a time and refuses fields out of range (time.Date would
// normalise February 30 into March).
func date(year, month, day, hour, minute, sec, nsec int, loc *time.Location) (time.Time, bool) {
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, nsec, loc)
	if t.Day() != day || int(t.Month()) != month {
		return time.Time{}, false
	}
	return t, true
}

type timeParser struct {
	s string
	i int
}

func (p *timeParser) done() bool { return p.i == len(p.s) }

func (p *timeParser) byte(c byte) bool {
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

func (p *timeParser) digits(n int) (int, bool) {
	if p.i+n > len(p.s) {
		return 0, false
	}
	v := 0
	for _, c := range []byte(p.s[p.i : p.i+n]) {
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	p.i += n
	return v, true
}
