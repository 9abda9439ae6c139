package document

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"strconv"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// yamlParseFactor is how far the quick count of a YAML body's separators
// may exceed Limits.MaxValues before the body is refused unparsed. The
// count is an upper bound of the values the parser would build (it also
// counts separators inside strings), and the parser's tree costs a few
// hundred bytes a value, so this bounds its memory before it is spent.
const yamlParseFactor = 4

// DecodeYAML decodes raw, exactly one YAML document, into the tree
// DecodeJSON would give for the same data in JSON. Scalars keep their
// text: an integer of any size is a json.Number with its digits as sent.
// Duplicate keys, a second document, values JSON cannot hold (.inf, .nan,
// a mapping as a key) and aliases that contain themselves are refused;
// aliases and merge keys (<<) are expanded, every copy counted against the
// limits. YAML 1.2 core scalars: yes, no, on and off are strings.
func DecodeYAML(raw []byte, limits Limits) (any, error) {
	if limits.MaxDepth <= 0 || limits.MaxDepth > hardMaxDepth {
		limits.MaxDepth = hardMaxDepth
	}
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil, &Error{Kind: Syntax, Offset: -1, Msg: "the body is empty"}
	}
	if limits.MaxValues > 0 {
		if n := yamlValueBound(raw); n > yamlParseFactor*limits.MaxValues {
			return nil, &Error{Kind: OverLimit, Limit: LimitValues, Offset: -1,
				Msg: fmt.Sprintf("the YAML body has too many separators (\": \", \"- \", \",\", brackets, quotes) to hold at most %d values: it is measured before it is parsed; send it as JSON, or raise the limit", limits.MaxValues)}
		}
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	var doc yaml.Node
	switch err := dec.Decode(&doc); {
	case errors.Is(err, io.EOF):
		return nil, &Error{Kind: Syntax, Offset: -1, Msg: "the body is empty"}
	case err != nil:
		return nil, yamlSyntax(err)
	}
	var second yaml.Node
	switch err := dec.Decode(&second); {
	case errors.Is(err, io.EOF):
	case err != nil:
		return nil, yamlSyntax(err)
	default:
		return nil, &Error{Kind: Syntax, Line: second.Line, Offset: -1, Msg: "the body holds more than one YAML document: send one"}
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, &Error{Kind: Syntax, Offset: -1, Msg: "the body is empty"}
	}
	c := yamlConverter{budget: budget{limits: limits}, expanding: map[*yaml.Node]bool{}}
	return c.value(doc.Content[0], 1)
}

// yamlValueBound is an upper bound of the values in a YAML document, read
// from its separators: every value but the top one follows a "- ", a ","
// or a "[" (items), or a ": " or "? " (a key and its value, so two each);
// a quoted key may be followed by a bare ':'.
func yamlValueBound(raw []byte) int {
	n := 1
	for i, c := range raw {
		switch c {
		case '[', '{', ',':
			n += 2
		case '-', ':', '?':
			if i+1 == len(raw) {
				n += 2
				continue
			}
			switch raw[i+1] {
			case ' ', '\t', '\n', '\r', ',', ']', '}':
				n += 2
			}
		case '"', '\'':
			n += 2 // a quoted key may take its value after a bare ':' ("a":1)
		}
	}
	return n
}

func yamlSyntax(err error) *Error {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	kind := Syntax
	if strings.Contains(msg, "UTF-8") || strings.Contains(msg, "UTF-16") {
		kind = Encoding
	}
	return &Error{Kind: kind, Offset: -1, Msg: msg}
}

type yamlConverter struct {
	budget    budget
	path      path
	expanding map[*yaml.Node]bool // anchors being converted: an alias to one is a cycle
}

func (c *yamlConverter) fail(kind ErrorKind, n *yaml.Node, format string, args ...any) *Error {
	return &Error{Kind: kind, Pointer: c.path.pointer(), Line: n.Line, Offset: -1, Msg: fmt.Sprintf(format, args...)}
}

func (c *yamlConverter) overLimit(l Limit, n *yaml.Node, msg string) *Error {
	return &Error{Kind: OverLimit, Limit: l, Pointer: c.path.pointer(), Line: n.Line, Offset: -1, Msg: msg}
}

func (c *yamlConverter) value(n *yaml.Node, depth int) (any, error) {
	if n.Kind == yaml.AliasNode {
		return c.alias(n, depth)
	}
	if l, msg := c.budget.value(); l != NoLimit {
		return nil, c.overLimit(l, n, msg)
	}
	switch n.Kind {
	case yaml.ScalarNode:
		return c.scalar(n)
	case yaml.SequenceNode:
		return c.sequence(n, depth)
	case yaml.MappingNode:
		return c.mapping(n, depth)
	}
	return nil, c.fail(Syntax, n, "unexpected YAML node")
}

func (c *yamlConverter) alias(n *yaml.Node, depth int) (any, error) {
	target := n.Alias
	if target == nil {
		return nil, c.fail(Syntax, n, "alias *%s has no anchor", n.Value)
	}
	if c.expanding[target] {
		return nil, c.fail(Syntax, n, "alias *%s refers to a node that contains it", n.Value)
	}
	c.expanding[target] = true
	defer delete(c.expanding, target)
	return c.value(target, depth)
}

func (c *yamlConverter) sequence(n *yaml.Node, depth int) (any, error) {
	if l, msg := c.budget.nest(depth); l != NoLimit {
		return nil, c.overLimit(l, n, msg)
	}
	if l, msg := c.budget.items(len(n.Content)); l != NoLimit {
		return nil, c.overLimit(l, n, msg)
	}
	a := make([]any, 0, len(n.Content))
	for i, item := range n.Content {
		c.path = append(c.path, segment{index: i})
		v, err := c.value(item, depth+1)
		if err != nil {
			return nil, err
		}
		c.path = c.path[:len(c.path)-1]
		a = append(a, v)
	}
	return a, nil
}

// mapping converts a mapping: explicit keys first, each at most once, then
// what merge keys (<<) bring that is not there yet, the first merged
// mapping winning, as YAML's merge key type says.
func (c *yamlConverter) mapping(n *yaml.Node, depth int) (any, error) {
	if l, msg := c.budget.nest(depth); l != NoLimit {
		return nil, c.overLimit(l, n, msg)
	}
	m := make(map[string]any, len(n.Content)/2)
	var merges []*yaml.Node
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind == yaml.ScalarNode && k.ShortTag() == "!!merge" {
			merges = append(merges, v)
			continue
		}
		key, err := c.key(k)
		if err != nil {
			return nil, err
		}
		if _, dup := m[key]; dup {
			c.path = append(c.path, segment{key: key, index: -1})
			return nil, c.fail(Duplicate, k, "duplicate key %s", strconv.Quote(key))
		}
		if l, msg := c.budget.members(len(m) + 1); l != NoLimit {
			return nil, c.overLimit(l, k, msg)
		}
		if err := c.member(m, key, v, depth); err != nil {
			return nil, err
		}
	}
	for _, merge := range merges {
		if err := c.merge(m, merge, depth); err != nil {
			return nil, err
		}
	}
	return m, nil
}

func (c *yamlConverter) member(m map[string]any, key string, v *yaml.Node, depth int) error {
	c.path = append(c.path, segment{key: key, index: -1})
	val, err := c.value(v, depth+1)
	if err != nil {
		return err
	}
	c.path = c.path[:len(c.path)-1]
	m[key] = val
	return nil
}

// merge adds to m the members of src (a mapping, an alias of one, or a
// sequence of those) that m does not have.
func (c *yamlConverter) merge(m map[string]any, src *yaml.Node, depth int) error {
	target := src
	if src.Kind == yaml.AliasNode {
		if src.Alias == nil || c.expanding[src.Alias] {
			return c.fail(Syntax, src, "merge key refers to a node that contains it")
		}
		target = src.Alias
		c.expanding[target] = true
		defer delete(c.expanding, target)
	}
	switch target.Kind {
	case yaml.SequenceNode:
		for _, item := range target.Content {
			if item.Kind == yaml.SequenceNode {
				return c.fail(Unrepresentable, item, "a merge key takes mappings")
			}
			if err := c.merge(m, item, depth); err != nil {
				return err
			}
		}
		return nil
	case yaml.MappingNode:
		merged, err := c.mapping(target, depth)
		if err != nil {
			return err
		}
		for k, v := range merged.(map[string]any) {
			if _, ok := m[k]; !ok {
				if l, msg := c.budget.members(len(m) + 1); l != NoLimit {
					return c.overLimit(l, target, msg)
				}
				m[k] = v
			}
		}
		return nil
	}
	return c.fail(Unrepresentable, target, "a merge key takes a mapping or a sequence of mappings")
}

// key is a mapping key as a JSON member name: a scalar's text (null is
// "null", as in JSON encoders of YAML). Collections cannot be names.
func (c *yamlConverter) key(k *yaml.Node) (string, error) {
	if k.Kind == yaml.AliasNode && k.Alias != nil {
		k = k.Alias
	}
	if k.Kind != yaml.ScalarNode {
		return "", c.fail(Unrepresentable, k, "a mapping key must be a scalar, not a sequence or mapping")
	}
	if k.ShortTag() == "!!null" {
		return "null", nil
	}
	return k.Value, nil
}

func (c *yamlConverter) scalar(n *yaml.Node) (any, error) {
	switch n.ShortTag() {
	case "!!null":
		return nil, nil
	case "!!bool":
		b, err := strconv.ParseBool(strings.ToLower(n.Value))
		if err != nil {
			return n.Value, nil
		}
		return b, nil
	case "!!int":
		if num, ok := yamlInt(n.Value); ok {
			return num, nil
		}
		return nil, c.fail(Syntax, n, "%q is not an integer", n.Value)
	case "!!float":
		return c.float(n)
	}
	return n.Value, nil // !!str, !!timestamp, !!binary and other tags: the text as written
}

// yamlInt is a YAML integer (decimal of any size, 0x, 0o, 0b, underscores)
// as a json.Number of its exact decimal value.
func yamlInt(s string) (json.Number, bool) {
	if isJSONNumber(s) && !strings.ContainsAny(s, ".eE") {
		return json.Number(s), true
	}
	clean := strings.ReplaceAll(s, "_", "")
	if strings.HasPrefix(clean, "+") {
		clean = clean[1:]
	}
	var i big.Int
	if _, ok := i.SetString(clean, 0); !ok {
		return "", false
	}
	return json.Number(i.String()), true
}

func (c *yamlConverter) float(n *yaml.Node) (any, error) {
	s := strings.ReplaceAll(n.Value, "_", "")
	switch strings.ToLower(strings.TrimLeft(s, "+-")) {
	case ".inf", ".nan":
		return nil, c.fail(Unrepresentable, n, "%s has no JSON form", n.Value)
	}
	s = strings.TrimPrefix(s, "+")
	neg := strings.HasPrefix(s, "-")
	digits := strings.TrimPrefix(s, "-")
	if strings.HasPrefix(digits, ".") {
		digits = "0" + digits
	}
	if i := strings.IndexByte(digits, '.'); i >= 0 && (i+1 == len(digits) || digits[i+1] == 'e' || digits[i+1] == 'E') {
		digits = digits[:i+1] + "0" + digits[i+1:]
	}
	if neg {
		digits = "-" + digits
	}
	if isJSONNumber(digits) {
		return json.Number(digits), nil
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return nil, c.fail(Syntax, n, "%q is not a number", n.Value)
	}
	return json.Number(strconv.FormatFloat(f, 'g', -1, 64)), nil
}

// isJSONNumber reports whether s is a number in RFC 8259's grammar.
func isJSONNumber(s string) bool {
	d := jsonDecoder{data: []byte(s)}
	if s == "" || (s[0] != '-' && (s[0] < '0' || s[0] > '9')) {
		return false
	}
	_, err := d.number()
	return err == nil && d.pos == len(s)
}
