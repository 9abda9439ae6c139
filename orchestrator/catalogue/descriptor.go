package catalogue

import (
	"encoding/json"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/nfv-records/nfv-records/document"
	"github.com/nfv-records/nfv-records/models"
)

// Kind is what a descriptor describes.
type Kind string

// The kinds of descriptors.
const (
	VNFD Kind = "vnfd"
	NSD  Kind = "nsd"
)

// Format is the information model a descriptor is written in.
type Format string

// The formats the catalogue onboards.
const (
	SONATA Format = "sonata" // SONATA/5GTANGO descriptors (tng-schema)
	OSMIM  Format = "osm-im" // OSM's information model, vnfd:vnfd-catalog / nsd:nsd-catalog
	SOL006 Format = "sol006" // ETSI SOL006 as OSM writes it (OSM 9 on): vnfd: / nsd: nsd:
)

// Descriptor is the catalogue's one model of a descriptor, whatever its
// format: what the NS lifecycle instantiates from. The descriptor itself
// is kept verbatim beside it.
type Descriptor struct {
	Kind        Kind   `json:"kind"`
	Format      Format `json:"format"`
	ID          string `json:"id"`
	Name        string `json:"name"`
	Version     string `json:"version,omitempty"`
	Vendor      string `json:"vendor,omitempty"`
	Description string `json:"description,omitempty"`
	// Constituents are an NSD's VNFs: their member index and VNFD id.
	Constituents []Constituent `json:"constituents,omitempty"`
	// VDUs are a VNFD's virtual deployment units.
	VDUs          []VDU          `json:"vdus,omitempty"`
	ScalingGroups []ScalingGroup `json:"scaling_groups,omitempty"`
	Primitives    []Primitive    `json:"primitives,omitempty"`
}

// Constituent is a VNF of an NS.
type Constituent struct {
	MemberIndex string `json:"member_vnf_index"`
	VNFD        string `json:"vnfd_id"`
}

// VDU is a virtual deployment unit: Count instances of Image, each with
// the resources given (0 where the descriptor says nothing).
type VDU struct {
	ID        string  `json:"id"`
	Name      string  `json:"name,omitempty"`
	Image     string  `json:"image,omitempty"`
	Count     int     `json:"count"`
	VCPUs     int     `json:"vcpus,omitempty"`
	MemoryMB  float64 `json:"memory_mb,omitempty"`
	StorageGB float64 `json:"storage_gb,omitempty"`
}

// amount is obj's number at path, 0 when absent or not a number: a
// resource the lifecycle falls back on a default for, never a reason to
// refuse a descriptor the formats' own schemas accept.
func amount(obj map[string]any, path ...string) float64 {
	var f float64
	switch t := dig(obj, path...).(type) {
	case json.Number:
		f, _ = strconv.ParseFloat(string(t), 64)
	case string:
		f, _ = strconv.ParseFloat(t, 64)
	case float64:
		f = t
	case int64:
		f = float64(t)
	}
	if !(f >= 0 && f <= maxAmount) { // NaN, an infinity, a number no resource is, fall back alike
		return 0
	}
	return f
}

// maxAmount bounds a resource amount (a unit's vCPUs, MB, GB): past it,
// a descriptor's number is taken for none, and scaling it to another unit
// stays a finite number.
const maxAmount = 1e12

// dig is obj's value at path, nil when there is none.
func dig(obj map[string]any, path ...string) any {
	var v any = obj
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}

// inUnit converts an amount of unit into base (MB for memory, GB for
// storage), SONATA's units.
func inUnit(n float64, unit, base string) float64 {
	scale := map[string]float64{"B": 1.0 / (1 << 20), "kB": 1.0 / 1024, "KB": 1.0 / 1024, "KiB": 1.0 / 1024, "MB": 1, "MiB": 1, "GB": 1024, "GiB": 1024, "TB": 1 << 20, "TiB": 1 << 20}
	f, ok := scale[unit]
	if !ok {
		f = scale[base]
	}
	return n * f / scale[base]
}

// ScalingGroup is a unit of scaling: between Min and Max steps.
type ScalingGroup struct {
	Name string   `json:"name"`
	Min  int      `json:"min"`
	Max  int      `json:"max"`
	VDUs []string `json:"vdus,omitempty"`
}

// Primitive is a day-2 action a descriptor declares: at the NS, VNF or
// VDU level, with its parameters' names.
type Primitive struct {
	Name   string   `json:"name"`
	Level  string   `json:"level"`
	VDU    string   `json:"vdu,omitempty"`
	Params []string `json:"parameters,omitempty"`
}

// DescriptorOf is the descriptor of kind want in pkg: the file itself for
// a bare one, the one YAML or JSON file of an OSM package's folder, the
// one of its kind a 5GTANGO package lists. None, or two, is a 422.
func DescriptorOf(pkg Package, want Kind) (File, error) {
	switch pkg.Archive {
	case Bare:
		if len(pkg.Files) != 1 {
			return File{}, refused("the package holds no %s", strings.ToUpper(string(want)))
		}
		return pkg.Files[0], nil
	case Zip:
		return tangoDescriptor(pkg, want)
	}
	var found []File
	for _, f := range pkg.Files {
		if strings.Count(f.Path, "/") > 1 || !isDescriptorName(f.Path) {
			continue
		}
		found = append(found, f)
	}
	return one(found, want)
}

func isDescriptorName(p string) bool {
	switch strings.ToLower(path.Ext(p)) {
	case ".yaml", ".yml", ".json":
		return true
	}
	return false
}

func one(found []File, want Kind) (File, error) {
	switch len(found) {
	case 0:
		return File{}, refused("the package holds no %s: a YAML or JSON file in its top folder", strings.ToUpper(string(want)))
	case 1:
		return found[0], nil
	}
	names := make([]string, len(found))
	for i, f := range found {
		names[i] = f.Path
	}
	return File{}, refused("the package holds %d descriptors (%s): one is onboarded at a time", len(found), strings.Join(names, ", "))
}

// napdPath is where a 5GTANGO package lists its contents.
const napdPath = "TOSCA-Metadata/NAPD.yaml"

// tangoDescriptor is the descriptor a 5GTANGO package lists in
// TOSCA-Metadata/NAPD.yaml with the content type of kind want.
func tangoDescriptor(pkg Package, want Kind) (File, error) {
	napd, ok := pkg.File(napdPath)
	if !ok {
		return File{}, refused("the zip package has no TOSCA-Metadata/NAPD.yaml listing its descriptors")
	}
	doc, err := document.DecodeYAML(napd.Data, document.DefaultLimits())
	if err != nil {
		return File{}, refused("TOSCA-Metadata/NAPD.yaml: %v", err)
	}
	obj, _ := doc.(map[string]any)
	contents, _ := obj["package_content"].([]any)
	var found []File
	for i, c := range contents {
		entry, _ := c.(map[string]any)
		ct, _ := entry["content-type"].(string)
		if ct != "application/vnd.5gtango."+string(want) {
			continue
		}
		src, _ := entry["source"].(string)
		p, err := cleanPath(src)
		if err != nil {
			return File{}, refused("NAPD.yaml package_content/%d/source: %v", i, err)
		}
		f, ok := pkg.File(p)
		if !ok {
			return File{}, refused("NAPD.yaml lists %s, which the package does not hold", models.Quote(p))
		}
		found = append(found, f)
	}
	return one(found, want)
}

// Validator checks a SONATA descriptor against its schema (schemas.Validator,
// kinds models.KindSonataVNFD and KindSonataNSD).
type Validator interface {
	Validate(kind models.Kind, doc any) ([]models.Violation, error)
}

// Parse reads a descriptor of kind want, in any format, and derives the
// catalogue model from it: 400 when it is not YAML or JSON, 422 naming
// every path that instantiation needs and the descriptor lacks or gets
// wrong (for a SONATA descriptor, every violation of its schema too,
// when v is not nil), or when it is another kind or no known format.
func Parse(raw []byte, want Kind, v Validator) (Descriptor, error) {
	doc, err := document.DecodeYAML(raw, document.DefaultLimits())
	if err != nil {
		return Descriptor{}, models.Errorf(models.CodeInvalid, "the descriptor is not YAML or JSON: %v", err)
	}
	obj, ok := doc.(map[string]any)
	if !ok {
		return Descriptor{}, refused("the descriptor is not an object")
	}
	c := &checker{}
	var d Descriptor
	switch {
	case has(obj, "vnfd:vnfd-catalog", "vnfd-catalog"):
		d = c.osmVNFD(obj)
	case has(obj, "nsd:nsd-catalog", "nsd-catalog"):
		d = c.osmNSD(obj)
	case has(obj, "vnfd", "etsi-nfv-vnfd:vnfd"):
		d = c.sol006VNFD(obj)
	case has(obj, "nsd", "etsi-nfv-nsd:nsd"):
		d = c.sol006NSD(obj)
	case has(obj, "virtual_deployment_units", "cloudnative_deployment_units") || schemaOf(obj, "function-descriptor"):
		d = c.sonataVNFD(obj)
	case has(obj, "network_functions") || schemaOf(obj, "service-descriptor"):
		d = c.sonataNSD(obj)
	default:
		return Descriptor{}, refused("the descriptor is in no known format: a SONATA descriptor, OSM's vnfd:vnfd-catalog or nsd:nsd-catalog, or SOL006's vnfd: or nsd:")
	}
	if !models.Printable(d.ID, maxIDBytes) && d.ID != "" {
		// The id is a key in the database (unique per project): bounded,
		// printable.
		c.fail("", "the descriptor id %s is longer than %d bytes or holds a control character", models.Quote(d.ID), maxIDBytes)
	}
	if d.Kind != "" && d.Kind != want {
		return Descriptor{}, refused("this is %s, not %s: onboard it at %s", article(d.Kind), article(want), routeOf(d.Kind))
	}
	if d.Format == SONATA && v != nil {
		schema := models.KindSonataVNFD
		if d.Kind == NSD {
			schema = models.KindSonataNSD
		}
		violations, err := v.Validate(schema, doc)
		if err != nil {
			return Descriptor{}, fmt.Errorf("catalogue: %w", err)
		}
		// The schema's own say first; the catalogue's checks add what
		// it does not already say at a pointer.
		seen := map[string]bool{}
		for _, v := range violations {
			seen[v.Pointer] = true
		}
		for _, v := range c.violations {
			if !seen[v.Pointer] {
				violations = append(violations, v)
			}
		}
		c.violations = violations
	}
	if len(c.violations) > 0 {
		return Descriptor{}, &models.Error{Code: models.CodeUnprocessable,
			Detail:     fmt.Sprintf("the %s %s descriptor lacks what instantiation needs", d.Format, strings.ToUpper(string(want))),
			Violations: c.violations}
	}
	return d, nil
}

// maxIDBytes bounds a descriptor id.
const maxIDBytes = 255

// article is "a VNFD" or "an NSD".
func article(k Kind) string {
	if k == NSD {
		return "an NSD"
	}
	return "a VNFD"
}

func routeOf(k Kind) string {
	if k == NSD {
		return "/osm/nsd/v1/ns_descriptors_content"
	}
	return "/osm/vnfpkgm/v1/vnf_packages_content"
}

func has(obj map[string]any, keys ...string) bool {
	for _, k := range keys {
		if _, ok := obj[k]; ok {
			return true
		}
	}
	return false
}

func schemaOf(obj map[string]any, part string) bool {
	s, _ := obj["descriptor_schema"].(string)
	return strings.Contains(s, part)
}

// checker reads a descriptor's paths and collects a violation per path
// that is missing or of the wrong type.
type checker struct {
	violations []models.Violation
}

func (c *checker) fail(ptr, format string, args ...any) {
	c.violations = append(c.violations, models.Violation{Pointer: ptr, Message: fmt.Sprintf(format, args...)})
}

func child(ptr, key string) string { return ptr + "/" + document.EscapePointer(key) }

// field is obj's member key (under any of its names), or nil.
func field(obj map[string]any, keys ...string) (any, string) {
	for _, k := range keys {
		if v, ok := obj[k]; ok {
			return v, k
		}
	}
	return nil, keys[0]
}

// object is obj[key] as an object: a violation when it is missing (and
// required) or not one.
func (c *checker) object(obj map[string]any, ptr string, required bool, keys ...string) (map[string]any, string) {
	v, k := field(obj, keys...)
	p := child(ptr, k)
	if v == nil {
		if required {
			c.fail(p, "is required")
		}
		return nil, p
	}
	m, ok := v.(map[string]any)
	if !ok {
		c.fail(p, "must be an object")
	}
	return m, p
}

// list is obj[key] as a list of objects.
func (c *checker) list(obj map[string]any, ptr string, required bool, keys ...string) ([]map[string]any, string) {
	v, k := field(obj, keys...)
	p := child(ptr, k)
	if v == nil {
		if required {
			c.fail(p, "is required: a list with at least one item")
		}
		return nil, p
	}
	items, ok := v.([]any)
	if !ok {
		c.fail(p, "must be a list")
		return nil, p
	}
	if required && len(items) == 0 {
		c.fail(p, "must hold at least one item")
	}
	out := make([]map[string]any, 0, len(items))
	for i, it := range items {
		m, ok := it.(map[string]any)
		if !ok {
			c.fail(p+"/"+strconv.Itoa(i), "must be an object")
			continue
		}
		out = append(out, m)
	}
	return out, p
}

// str is obj[key] as a string: a number (a version such as 1.0) is read
// as written.
func (c *checker) str(obj map[string]any, ptr string, required bool, keys ...string) string {
	v, k := field(obj, keys...)
	p := child(ptr, k)
	switch s := v.(type) {
	case nil:
		if required {
			c.fail(p, "is required")
		}
	case string:
		if s == "" && required {
			c.fail(p, "must not be empty")
		}
		return s
	case json.Number:
		return s.String()
	default:
		c.fail(p, "must be a string")
	}
	return ""
}

// count is obj[key] as a non-negative integer, def when absent.
func (c *checker) count(obj map[string]any, ptr string, def int, keys ...string) int {
	v, k := field(obj, keys...)
	if v == nil {
		return def
	}
	p := child(ptr, k)
	n, ok := v.(json.Number)
	if !ok {
		if s, isString := v.(string); isString {
			n, ok = json.Number(s), true
		}
	}
	i, err := strconv.Atoi(string(n))
	if !ok || err != nil || i < 0 || i > maxCount {
		c.fail(p, "must be a whole number from 0 to %d", maxCount)
		return def
	}
	return i
}

// maxCount bounds the counts of a descriptor (a VDU's replicas, a
// scaling group's steps): each is a VNFC instance the lifecycle keeps.
const maxCount = 10000

// unique reports ids given twice.
func (c *checker) unique(ptr, what string, ids []string) {
	seen := map[string]bool{}
	for _, id := range ids {
		if id != "" && seen[id] {
			c.fail(ptr, "%s %s is given twice", what, models.Quote(id))
		}
		seen[id] = true
	}
}

// only is the one item of a catalog's list (OSM IM: vnfd-catalog.vnfd,
// nsd:nsd-catalog.nsd:nsd).
func (c *checker) only(obj map[string]any, ptr string, keys ...string) (map[string]any, string) {
	items, p := c.list(obj, ptr, true, keys...)
	if len(items) > 1 {
		c.fail(p, "holds %d descriptors: one is onboarded at a time", len(items))
	}
	if len(items) == 0 {
		return nil, p
	}
	return items[0], p + "/0"
}

// configPrimitives reads a *-configuration's config-primitive list.
func (c *checker) configPrimitives(obj map[string]any, ptr, level, vdu string, keys ...string) []Primitive {
	conf, p := c.object(obj, ptr, false, keys...)
	if conf == nil {
		return nil
	}
	items, pp := c.list(conf, p, false, "config-primitive")
	var out []Primitive
	for i, it := range items {
		ip := pp + "/" + strconv.Itoa(i)
		prim := Primitive{Name: c.str(it, ip, true, "name"), Level: level, VDU: vdu}
		params, ppp := c.list(it, ip, false, "parameter")
		for j, param := range params {
			prim.Params = append(prim.Params, c.str(param, ppp+"/"+strconv.Itoa(j), true, "name"))
		}
		out = append(out, prim)
	}
	return out
}

// osmCatalog is the one descriptor of an OSM IM catalog (under one of
// catalogKeys, in its list under one of listKeys), its header read into d.
func (c *checker) osmCatalog(obj map[string]any, d *Descriptor, catalogKeys []string, listKeys ...string) (map[string]any, string) {
	cat, p := c.object(obj, "", true, catalogKeys...)
	if cat == nil {
		return nil, p
	}
	item, p := c.only(cat, p, listKeys...)
	if item == nil {
		return nil, p
	}
	d.ID, d.Name = c.str(item, p, true, "id"), c.str(item, p, true, "name")
	if d.Name == "" {
		d.Name = d.ID
	}
	d.Version, d.Vendor, d.Description = c.str(item, p, false, "version"), c.str(item, p, false, "vendor"), c.str(item, p, false, "description")
	return item, p
}

func (c *checker) osmVNFD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: VNFD, Format: OSMIM}
	v, p := c.osmCatalog(obj, &d, []string{"vnfd:vnfd-catalog", "vnfd-catalog"}, "vnfd", "vnfd:vnfd")
	if v == nil {
		return d
	}
	vdus, vp := c.list(v, p, true, "vdu")
	var ids []string
	for i, u := range vdus {
		up := vp + "/" + strconv.Itoa(i)
		vdu := VDU{ID: c.str(u, up, true, "id"), Name: c.str(u, up, false, "name"), Image: c.str(u, up, false, "image"), Count: c.count(u, up, 1, "count"),
			VCPUs: int(amount(u, "vm-flavor", "vcpu-count")), MemoryMB: amount(u, "vm-flavor", "memory-mb"), StorageGB: amount(u, "vm-flavor", "storage-gb")}
		if vdu.Image == "" && !has(u, "pdu-type") {
			c.fail(child(up, "image"), "is required (or pdu-type, for a physical unit)")
		}
		ids = append(ids, vdu.ID)
		d.VDUs = append(d.VDUs, vdu)
		d.Primitives = append(d.Primitives, c.configPrimitives(u, up, "vdu", vdu.ID, "vdu-configuration")...)
	}
	c.unique(vp, "VDU", ids)
	groups, gp := c.list(v, p, false, "scaling-group-descriptor")
	for i, g := range groups {
		ip := gp + "/" + strconv.Itoa(i)
		sg := ScalingGroup{Name: c.str(g, ip, true, "name"), Min: c.count(g, ip, 0, "min-instance-count"), Max: c.count(g, ip, 1, "max-instance-count")}
		refs, rp := c.list(g, ip, true, "vdu")
		for j, r := range refs {
			ref := c.str(r, rp+"/"+strconv.Itoa(j), true, "vdu-id-ref")
			if ref != "" && !slices.Contains(ids, ref) {
				c.fail(child(rp+"/"+strconv.Itoa(j), "vdu-id-ref"), "names VDU %s, which the descriptor has not", models.Quote(ref))
			}
			sg.VDUs = append(sg.VDUs, ref)
		}
		d.ScalingGroups = append(d.ScalingGroups, sg)
	}
	d.Primitives = append(c.configPrimitives(v, p, "vnf", "", "vnf-configuration"), d.Primitives...)
	return d
}

func (c *checker) osmNSD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: NSD, Format: OSMIM}
	n, p := c.osmCatalog(obj, &d, []string{"nsd:nsd-catalog", "nsd-catalog"}, "nsd", "nsd:nsd")
	if n == nil {
		return d
	}
	members, mp := c.list(n, p, true, "constituent-vnfd")
	var idx []string
	for i, m := range members {
		ip := mp + "/" + strconv.Itoa(i)
		cst := Constituent{MemberIndex: c.str(m, ip, true, "member-vnf-index"), VNFD: c.str(m, ip, true, "vnfd-id-ref")}
		idx = append(idx, cst.MemberIndex)
		d.Constituents = append(d.Constituents, cst)
	}
	c.unique(mp, "member-vnf-index", idx)
	d.Primitives = c.configPrimitives(n, p, "ns", "", "ns-configuration")
	return d
}

func (c *checker) sol006VNFD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: VNFD, Format: SOL006}
	v, p := c.object(obj, "", true, "vnfd", "etsi-nfv-vnfd:vnfd")
	if v == nil {
		return d
	}
	d.ID = c.str(v, p, true, "id")
	d.Name = c.str(v, p, false, "product-name")
	if d.Name == "" {
		d.Name = d.ID
	}
	d.Version, d.Vendor, d.Description = c.str(v, p, false, "version"), c.str(v, p, false, "provider"), c.str(v, p, false, "description")
	images := map[string]string{}
	swImages, _ := c.list(v, p, false, "sw-image-desc")
	for _, im := range swImages {
		id, _ := im["id"].(string)
		image, _ := im["image"].(string)
		images[id] = image
	}
	computes, storages := map[string]map[string]any{}, map[string]map[string]any{}
	for _, list := range []struct {
		key string
		to  map[string]map[string]any
	}{{"virtual-compute-desc", computes}, {"virtual-storage-desc", storages}} {
		descs, _ := v[list.key].([]any)
		for _, raw := range descs {
			if d, ok := raw.(map[string]any); ok {
				if id, ok := d["id"].(string); ok {
					list.to[id] = d
				}
			}
		}
	}
	dfs, dp := c.list(v, p, true, "df")
	counts := map[string]int{}
	for i, df := range dfs {
		ip := dp + "/" + strconv.Itoa(i)
		profiles, pp := c.list(df, ip, false, "vdu-profile")
		for j, pr := range profiles {
			jp := pp + "/" + strconv.Itoa(j)
			id := c.str(pr, jp, true, "id")
			if i == 0 {
				counts[id] = c.count(pr, jp, 1, "min-number-of-instances")
			}
		}
		aspects, ap := c.list(df, ip, false, "scaling-aspect")
		for j, a := range aspects {
			jp := ap + "/" + strconv.Itoa(j)
			d.ScalingGroups = append(d.ScalingGroups, ScalingGroup{Name: c.str(a, jp, true, "id"), Max: c.count(a, jp, 1, "max-scale-level")})
		}
		ops, op := c.object(df, ip, false, "lcm-operations-configuration")
		if ops != nil {
			cfg, cp := c.object(ops, op, false, "operate-vnf-op-config")
			if cfg != nil {
				days, dp2 := c.list(cfg, cp, false, "day1-2")
				for k, day := range days {
					d.Primitives = append(d.Primitives, c.configPrimitives(map[string]any{"c": day}, dp2+"/"+strconv.Itoa(k), "vnf", "", "c")...)
				}
			}
		}
	}
	vdus, vp := c.list(v, p, true, "vdu")
	var ids []string
	for i, u := range vdus {
		up := vp + "/" + strconv.Itoa(i)
		vdu := VDU{ID: c.str(u, up, true, "id"), Name: c.str(u, up, false, "name")}
		ref := c.str(u, up, false, "sw-image-desc")
		vdu.Image = images[ref]
		if ref != "" && vdu.Image == "" {
			c.fail(child(up, "sw-image-desc"), "names image %s, which sw-image-desc does not describe", models.Quote(ref))
		}
		if cd, ok := computes[fmt.Sprint(u["virtual-compute-desc"])]; ok {
			vdu.VCPUs = int(amount(cd, "virtual-cpu", "num-virtual-cpu"))
			vdu.MemoryMB = amount(cd, "virtual-memory", "size") * 1024 // SOL006 sizes memory in GB
		}
		if refs, ok := u["virtual-storage-desc"].([]any); ok && len(refs) > 0 {
			if sd, ok := storages[fmt.Sprint(refs[0])]; ok {
				vdu.StorageGB = amount(sd, "size-of-storage")
			}
		}
		vdu.Count = 1
		if n, ok := counts[vdu.ID]; ok {
			vdu.Count = n
		}
		ids = append(ids, vdu.ID)
		d.VDUs = append(d.VDUs, vdu)
	}
	c.unique(vp, "VDU", ids)
	return d
}

func (c *checker) sol006NSD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: NSD, Format: SOL006}
	outer, p := c.object(obj, "", true, "nsd", "etsi-nfv-nsd:nsd")
	if outer == nil {
		return d
	}
	n, p := c.only(outer, p, "nsd")
	if n == nil {
		return d
	}
	d.ID = c.str(n, p, true, "id")
	d.Name = c.str(n, p, false, "name")
	if d.Name == "" {
		d.Name = d.ID
	}
	d.Version, d.Vendor, d.Description = c.str(n, p, false, "version"), c.str(n, p, false, "designer"), c.str(n, p, false, "description")
	ip := child(p, "vnfd-id")
	var refs []string
	if raw, ok := n["vnfd-id"].([]any); ok && len(raw) > 0 {
		for i, r := range raw {
			s, ok := r.(string)
			if !ok || s == "" {
				c.fail(ip+"/"+strconv.Itoa(i), "must be a VNFD id")
				continue
			}
			refs = append(refs, s)
		}
	} else {
		c.fail(ip, "is required: a list of the ids of the NS's VNFDs")
	}
	dfs, dp := c.list(n, p, false, "df")
	for i, df := range dfs {
		if i > 0 {
			break // the default deployment flavour
		}
		profiles, pp := c.list(df, dp+"/"+strconv.Itoa(i), false, "vnf-profile")
		for j, pr := range profiles {
			jp := pp + "/" + strconv.Itoa(j)
			cst := Constituent{MemberIndex: c.str(pr, jp, true, "id"), VNFD: c.str(pr, jp, true, "vnfd-id")}
			if cst.VNFD != "" && !slices.Contains(refs, cst.VNFD) {
				c.fail(child(jp, "vnfd-id"), "names VNFD %s, which vnfd-id does not list", models.Quote(cst.VNFD))
			}
			d.Constituents = append(d.Constituents, cst)
		}
	}
	if len(d.Constituents) == 0 {
		for i, r := range refs {
			d.Constituents = append(d.Constituents, Constituent{MemberIndex: strconv.Itoa(i + 1), VNFD: r})
		}
	}
	return d
}

// sonataID is the catalogue id of a SONATA descriptor: vendor.name (the
// version is the descriptor's own field: a new version is a PUT).
func sonataID(vendor, name string) string { return vendor + "." + name }

func (c *checker) sonataHeader(obj map[string]any, d *Descriptor) {
	d.Vendor, d.Name, d.Version = c.str(obj, "", true, "vendor"), c.str(obj, "", true, "name"), c.str(obj, "", true, "version")
	d.Description = c.str(obj, "", false, "description")
	d.ID = sonataID(d.Vendor, d.Name)
}

func (c *checker) sonataVNFD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: VNFD, Format: SONATA}
	c.sonataHeader(obj, &d)
	vdus, vp := c.list(obj, "", false, "virtual_deployment_units")
	cdus, cp := c.list(obj, "", false, "cloudnative_deployment_units")
	if len(vdus)+len(cdus) == 0 {
		c.fail("/virtual_deployment_units", "is required (or cloudnative_deployment_units): a list with at least one unit")
	}
	var ids []string
	for i, u := range vdus {
		up := vp + "/" + strconv.Itoa(i)
		vdu := VDU{ID: c.str(u, up, true, "id"), Image: c.str(u, up, false, "vm_image"), Count: 1,
			VCPUs:     int(amount(u, "resource_requirements", "cpu", "vcpus")),
			MemoryMB:  inUnit(amount(u, "resource_requirements", "memory", "size"), fmt.Sprint(dig(u, "resource_requirements", "memory", "size_unit")), "MB"),
			StorageGB: inUnit(amount(u, "resource_requirements", "storage", "size"), fmt.Sprint(dig(u, "resource_requirements", "storage", "size_unit")), "GB")}
		if scale, sp := c.object(u, up, false, "scale_in_out"); scale != nil {
			vdu.Count = max(1, c.count(scale, sp, 1, "minimum"))
			d.ScalingGroups = append(d.ScalingGroups, ScalingGroup{Name: vdu.ID, Min: c.count(scale, sp, 1, "minimum"),
				Max: c.count(scale, sp, 1, "maximum"), VDUs: []string{vdu.ID}})
		}
		ids = append(ids, vdu.ID)
		d.VDUs = append(d.VDUs, vdu)
	}
	for i, u := range cdus {
		up := cp + "/" + strconv.Itoa(i)
		vdu := VDU{ID: c.str(u, up, true, "id"), Image: c.str(u, up, true, "image"), Count: 1}
		ids = append(ids, vdu.ID)
		d.VDUs = append(d.VDUs, vdu)
	}
	c.unique("/virtual_deployment_units", "unit", ids)
	return d
}

func (c *checker) sonataNSD(obj map[string]any) Descriptor {
	d := Descriptor{Kind: NSD, Format: SONATA}
	c.sonataHeader(obj, &d)
	nfs, np := c.list(obj, "", false, "network_functions") // an NS of no VNF is valid SONATA (simplest-example)
	var idx []string
	for i, nf := range nfs {
		ip := np + "/" + strconv.Itoa(i)
		cst := Constituent{MemberIndex: c.str(nf, ip, true, "vnf_id"),
			VNFD: sonataID(c.str(nf, ip, true, "vnf_vendor"), c.str(nf, ip, true, "vnf_name"))}
		idx = append(idx, cst.MemberIndex)
		d.Constituents = append(d.Constituents, cst)
	}
	c.unique(np, "vnf_id", idx)
	return d
}
