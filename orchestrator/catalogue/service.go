package catalogue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Store is what the catalogue needs of the repository
// (repo.NewCatalogueStore). kind is "vnfd" or "nsd". Errors are
// *models.Error: NotFound (also outside scope), Conflict (a descriptor
// id taken in the project), Unavailable.
type Store interface {
	// PutContent stores a package and its descriptor under a new content
	// id; DropContent removes them; OpenContent reads one.
	PutContent(ctx context.Context, pkg, descriptor []byte) (string, error)
	DropContent(ctx context.Context, id string)
	OpenContent(ctx context.Context, id string, descriptor bool) (io.ReadCloser, error)

	// Create stores a new entry, its descriptor id (unless "") unique in
	// each of its projects.
	Create(ctx context.Context, scope models.Scope, kind, descID string, e models.Entry) (models.Entry, error)
	// Update changes an entry in one write; change returns the next entry
	// and its descriptor id, and may run more than once.
	Update(ctx context.Context, scope models.Scope, kind, uuid string, change func(cur models.Entry) (models.Entry, string, error)) (models.Entry, error)
	Get(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error)
	List(ctx context.Context, scope models.Scope, kind string, q filter.Query) (filter.Page[models.Entry], error)
	Count(ctx context.Context, scope models.Scope, kind string, f filter.Expr) (int64, error)
	// Delete removes an entry and frees its descriptor id; it returns the
	// entry as it was.
	Delete(ctx context.Context, scope models.Scope, kind, uuid string) (models.Entry, error)
	Uploads
}

// Service is the catalogue's rules over a store.
type Service struct {
	store     Store
	limits    Limits
	validator Validator
	instances Instances
}

// Instances says which NS instance uses an NSD (the NS lifecycle): an
// NSD in use is not deleted.
type Instances interface {
	UsingNSD(ctx context.Context, nsd string) (string, error)
}

// WithInstances is the catalogue refusing to delete an NSD an NS
// instance of instances uses (unless forced).
func (s *Service) WithInstances(instances Instances) *Service {
	c := *s
	c.instances = instances
	return &c
}

// NewService is the catalogue over store; lim bounds what a package may
// unpack to; v checks SONATA descriptors against their schemas.
func NewService(store Store, lim Limits, v Validator) *Service {
	return &Service{store: store, limits: lim, validator: v}
}

// Upload is a package as a client sends it.
type Upload struct {
	Data []byte
	// Filename is Content-Filename; MD5 is Content-File-MD5 (hex),
	// checked when given.
	Filename string
	MD5      string
	// Overrides are the query string's values for the entry's fields
	// (OSM: "it allows override ... with the values of this query
	// string"): name, version, vendor, description. The descriptor
	// itself is kept as uploaded.
	Overrides map[string]string
}

// overridable are the entry fields a query string may set.
var overridable = []string{"name", "version", "vendor", "description"}

// CheckOverrides refuses a query override of a field that is not one of
// overridable.
func CheckOverrides(o map[string]string) error {
	for k := range o {
		if !slices.Contains(overridable, k) {
			return models.Errorf(models.CodeInvalid, "query parameter %s: an upload's query string may set %s, nothing else", models.Quote(k), strings.Join(overridable, ", "))
		}
	}
	return nil
}

// OSM's states of an entry, under _admin.
const (
	created    = "CREATED"
	onboarded  = "ONBOARDED"
	enabled    = "ENABLED"
	disabled   = "DISABLED"
	notInUse   = "NOT_IN_USE"
	modelField = "catalogue"
)

// entryAdmin is OSM's _admin of an entry, beside the projects (which the
// store keeps in the same object, and a change keeps).
type entryAdmin struct {
	OnboardingState  string         `json:"onboardingState"`
	OperationalState string         `json:"operationalState"`
	UsageState       string         `json:"usageState"`
	Storage          *storage       `json:"storage,omitempty"`
	UserDefinedData  map[string]any `json:"userDefinedData"`
}

// storage says where the package lies and what it held.
type storage struct {
	// Content is the content id of the package and its descriptor.
	Content    string  `json:"content"`
	Filename   string  `json:"filename,omitempty"`
	Archive    Archive `json:"archive"`
	Descriptor string  `json:"descriptor"`
	Size       int     `json:"size"`
	MD5        string  `json:"md5"`
	Folder     string  `json:"pkg-dir,omitempty"`
}

// adminOf reads an entry's _admin state, and every member of it (the
// projects among them) to write back.
func adminOf(e models.Entry) (entryAdmin, map[string]json.RawMessage, error) {
	var a entryAdmin
	all := map[string]json.RawMessage{}
	if len(e.Admin) > 0 {
		if err := json.Unmarshal(e.Admin, &a); err != nil {
			return a, nil, fmt.Errorf("catalogue: entry %s: %w", e.UUID, err)
		}
		if err := json.Unmarshal(e.Admin, &all); err != nil {
			return a, nil, fmt.Errorf("catalogue: entry %s: %w", e.UUID, err)
		}
	}
	if a.UserDefinedData == nil {
		a.UserDefinedData = map[string]any{}
	}
	return a, all, nil
}

// withAdmin is all with a's members written over it.
func withAdmin(all map[string]json.RawMessage, a entryAdmin) (json.RawMessage, error) {
	raw, err := json.Marshal(a)
	if err != nil {
		return nil, err
	}
	var members map[string]json.RawMessage
	if err := json.Unmarshal(raw, &members); err != nil {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for k, v := range all {
		out[k] = v
	}
	for k, v := range members {
		out[k] = v
	}
	return json.Marshal(out)
}

// prepared is an upload read and checked, its content stored.
type prepared struct {
	d       Descriptor
	body    json.RawMessage
	storage storage
}

// prepare reads, checks and stores an upload of kind: on success its
// content is stored under p.storage.Content, which the caller drops if
// what follows fails.
func (s *Service) prepare(ctx context.Context, scope models.Scope, kind Kind, up Upload, force bool) (prepared, error) {
	if err := CheckOverrides(up.Overrides); err != nil {
		return prepared{}, err
	}
	sum := md5.Sum(up.Data)
	sumHex := hex.EncodeToString(sum[:])
	if up.MD5 != "" && !strings.EqualFold(strings.TrimSpace(up.MD5), sumHex) {
		return prepared{}, models.Errorf(models.CodeUnprocessable, "Content-File-MD5 %s does not match the package received (MD5 %s)", models.Quote(up.MD5), sumHex)
	}
	pkg, err := ReadOnly(up.Data, s.limits, mayDescribe)
	if err != nil {
		return prepared{}, err
	}
	file, err := DescriptorOf(pkg, kind)
	if err != nil {
		return prepared{}, err
	}
	d, err := Parse(file.Data, kind, s.validator)
	if err != nil {
		return prepared{}, err
	}
	if kind == NSD && !force {
		if err := s.checkConstituents(ctx, scope, d); err != nil {
			return prepared{}, err
		}
	}
	for k, v := range up.Overrides {
		switch k {
		case "name":
			d.Name = v
		case "version":
			d.Version = v
		case "vendor":
			d.Vendor = v
		case "description":
			d.Description = v
		}
	}
	body, err := json.Marshal(map[string]any{
		"id": d.ID, "name": d.Name, "version": d.Version, "vendor": d.Vendor, "description": d.Description,
		"format": d.Format, modelField: d,
	})
	if err != nil {
		return prepared{}, fmt.Errorf("catalogue: %w", err)
	}
	st := storage{Filename: up.Filename, Archive: pkg.Archive, Descriptor: file.Path, Size: len(up.Data), MD5: sumHex}
	if dir := path.Dir(file.Path); pkg.Archive == TarGz && dir != "." {
		st.Folder = dir
	}
	if st.Descriptor == "" && up.Filename != "" {
		st.Descriptor = path.Base(up.Filename)
	}
	if st.Content, err = s.store.PutContent(ctx, up.Data, file.Data); err != nil {
		return prepared{}, err
	}
	return prepared{d: d, body: body, storage: st}, nil
}

// Onboard creates an entry from a package of kind (OSM's "content"
// routes): its descriptor, in any format, becomes the entry, with the
// catalogue model beside it. An NSD needs each VNFD it names in the
// project, unless force. A 4xx leaves nothing behind.
func (s *Service) Onboard(ctx context.Context, scope models.Scope, kind Kind, up Upload, force bool) (models.Entry, error) {
	p, err := s.prepare(ctx, scope, kind, up, force)
	if err != nil {
		return models.Entry{}, err
	}
	admin, err := withAdmin(nil, entryAdmin{OnboardingState: onboarded, OperationalState: enabled, UsageState: notInUse,
		Storage: &p.storage, UserDefinedData: map[string]any{}})
	if err != nil {
		s.store.DropContent(ctx, p.storage.Content)
		return models.Entry{}, fmt.Errorf("catalogue: %w", err)
	}
	e, err := s.store.Create(ctx, scope, string(kind), p.d.ID, models.Entry{UUID: uuid.NewString(), Body: p.body, Admin: admin})
	if err != nil {
		s.store.DropContent(ctx, p.storage.Content)
	}
	return e, err
}

// CreateEmpty creates an entry without a package (SOL005's POST of the
// package info): CREATED, DISABLED, with the user-defined data given.
func (s *Service) CreateEmpty(ctx context.Context, scope models.Scope, kind Kind, m Modifications) (models.Entry, error) {
	if m.OperationalState != "" {
		return models.Entry{}, models.Errorf(models.CodeUnprocessable, "a new package info has no content to enable: upload it first")
	}
	userData := m.UserDefinedData
	if userData == nil {
		userData = map[string]any{}
	}
	if err := models.CheckNames(userData, "/userDefinedData"); err != nil {
		return models.Entry{}, err
	}
	admin, err := withAdmin(nil, entryAdmin{OnboardingState: created, OperationalState: disabled, UsageState: notInUse, UserDefinedData: userData})
	if err != nil {
		return models.Entry{}, fmt.Errorf("catalogue: %w", err)
	}
	return s.store.Create(ctx, scope, string(kind), "", models.Entry{UUID: uuid.NewString(), Body: json.RawMessage(`{}`), Admin: admin})
}

// Upload gives an entry a package, or replaces its package (a new
// version of the descriptor, or another descriptor id, unique in the
// project): in one write, the old content dropped after.
func (s *Service) Upload(ctx context.Context, scope models.Scope, kind Kind, uuid string, up Upload, force bool) (models.Entry, error) {
	if _, err := s.store.Get(ctx, scope, string(kind), uuid); err != nil {
		return models.Entry{}, err
	}
	p, err := s.prepare(ctx, scope, kind, up, force)
	if err != nil {
		return models.Entry{}, err
	}
	if kind == VNFD && !force {
		// A VNFD that NSDs name keeps its id: a replace under another id
		// would leave them naming nothing.
		if cur, err := s.store.Get(ctx, scope, string(kind), uuid); err == nil {
			if oldID, _ := descriptorID(cur); oldID != "" && oldID != p.d.ID {
				if err := s.inUse(ctx, scope, oldID, "replaced by a package of another id"); err != nil {
					s.store.DropContent(ctx, p.storage.Content)
					return models.Entry{}, err
				}
			}
		}
	}
	var old string
	e, err := s.store.Update(ctx, scope, string(kind), uuid, func(cur models.Entry) (models.Entry, string, error) {
		a, all, err := adminOf(cur)
		if err != nil {
			return cur, "", err
		}
		old = ""
		if a.Storage != nil {
			old = a.Storage.Content
		}
		if a.OnboardingState != onboarded {
			a.OperationalState = enabled // a first upload enables it; a replace keeps the state
		}
		a.Storage, a.OnboardingState = &p.storage, onboarded
		if cur.Admin, err = withAdmin(all, a); err != nil {
			return cur, "", err
		}
		cur.Body = p.body
		return cur, p.d.ID, nil
	})
	if err != nil {
		s.store.DropContent(ctx, p.storage.Content)
		return models.Entry{}, err
	}
	s.store.DropContent(ctx, old)
	return e, nil
}

// Modifications are SOL005's changes of an entry's info: its operational
// state (ENABLED or DISABLED) and its user-defined data (merged: a null
// removes a key).
type Modifications struct {
	OperationalState string         `json:"operationalState,omitempty"`
	UserDefinedData  map[string]any `json:"userDefinedData,omitempty"`
}

// Modify applies m to an entry.
func (s *Service) Modify(ctx context.Context, scope models.Scope, kind Kind, uuid string, m Modifications) (models.Entry, error) {
	switch m.OperationalState {
	case "", enabled, disabled:
	default:
		return models.Entry{}, models.Errorf(models.CodeUnprocessable, "operationalState %s is neither ENABLED nor DISABLED", models.Quote(m.OperationalState))
	}
	if err := models.CheckNames(m.UserDefinedData, "/userDefinedData"); err != nil {
		return models.Entry{}, err
	}
	return s.store.Update(ctx, scope, string(kind), uuid, func(cur models.Entry) (models.Entry, string, error) {
		a, all, err := adminOf(cur)
		if err != nil {
			return cur, "", err
		}
		if m.OperationalState != "" {
			if a.OnboardingState != onboarded {
				return cur, "", models.Errorf(models.CodeConflict, "the package is %s, not ONBOARDED: upload its content first", a.OnboardingState)
			}
			a.OperationalState = m.OperationalState
		}
		for k, v := range m.UserDefinedData {
			if v == nil {
				delete(a.UserDefinedData, k)
			} else {
				a.UserDefinedData[k] = v
			}
		}
		if cur.Admin, err = withAdmin(all, a); err != nil {
			return cur, "", err
		}
		id, err := descriptorID(cur)
		return cur, id, err
	})
}

// mayDescribe says which files of a package onboarding reads: those that
// may be a descriptor, and 5GTANGO's list of them.
func mayDescribe(p string) bool {
	return isDescriptorName(p) || p == napdPath
}

// byDescriptorID selects the entries whose descriptor id is id.
func byDescriptorID(id string) (filter.Expr, error) {
	return filter.Where(filter.Options{}, filter.Condition{Path: []string{"id"}, Op: filter.OpEq, Value: id})
}

// checkConstituents refuses an NSD naming a VNFD the project has not.
func (s *Service) checkConstituents(ctx context.Context, scope models.Scope, d Descriptor) error {
	var missing []string
	for _, c := range d.Constituents {
		f, err := byDescriptorID(c.VNFD)
		if err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
		n, err := s.store.Count(ctx, scope, string(VNFD), f)
		if err != nil {
			return err
		}
		if n == 0 && !slices.Contains(missing, c.VNFD) {
			missing = append(missing, c.VNFD)
		}
	}
	if len(missing) > 0 {
		return models.Errorf(models.CodeUnprocessable, "the NSD names VNFDs this project has not onboarded: %s (onboard them first, or FORCE=true)", strings.Join(missing, ", "))
	}
	return nil
}

// Get reads an entry.
func (s *Service) Get(ctx context.Context, scope models.Scope, kind Kind, uuid string) (models.Entry, error) {
	return s.store.Get(ctx, scope, string(kind), uuid)
}

// Count is how many entries f selects.
func (s *Service) Count(ctx context.Context, scope models.Scope, kind Kind, f filter.Expr) (int64, error) {
	return s.store.Count(ctx, scope, string(kind), f)
}

// List is a page of the entries q selects.
func (s *Service) List(ctx context.Context, scope models.Scope, kind Kind, q filter.Query) (filter.Page[models.Entry], error) {
	return s.store.List(ctx, scope, string(kind), q)
}

// Delete removes an entry and its content: a VNFD an NSD of the project
// names is in use (409 naming it) unless force.
func (s *Service) Delete(ctx context.Context, scope models.Scope, kind Kind, uuid string, force bool) error {
	e, err := s.store.Get(ctx, scope, string(kind), uuid)
	if err != nil {
		return err
	}
	descID, err := descriptorID(e)
	if err != nil {
		return err
	}
	if kind == VNFD && descID != "" && !force {
		if err := s.inUse(ctx, scope, descID, "deleted"); err != nil {
			return err
		}
	}
	if kind == NSD && s.instances != nil && !force {
		ns, err := s.instances.UsingNSD(ctx, uuid)
		if err != nil {
			return err
		}
		if ns != "" {
			return models.Errorf(models.CodeConflict, "NSD %s is in use: NS instance %s is of it, so it cannot be deleted (delete that NS first, or FORCE=true)", models.Quote(descID), ns)
		}
	}
	gone, err := s.store.Delete(ctx, scope, string(kind), uuid)
	if err != nil {
		return err
	}
	if a, _, err := adminOf(gone); err == nil && a.Storage != nil {
		s.store.DropContent(ctx, a.Storage.Content)
	}
	return nil
}

// inUse refuses (409, naming an NSD) to let a VNFD that NSDs of the
// project name be what.
func (s *Service) inUse(ctx context.Context, scope models.Scope, vnfd, what string) error {
	f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{modelField, "constituents", "vnfd_id"}, Op: filter.OpEq, Value: vnfd})
	if err != nil {
		return fmt.Errorf("catalogue: %w", err)
	}
	users, err := s.store.List(ctx, scope, string(NSD), filter.Query{Filter: f, Limit: 1})
	if err != nil {
		return err
	}
	if len(users.Items) > 0 {
		nsd, _ := descriptorID(users.Items[0])
		return models.Errorf(models.CodeConflict, "VNFD %s is in use: NSD %s names it, so it cannot be %s (delete that NSD first, or FORCE=true)", models.Quote(vnfd), models.Quote(nsd), what)
	}
	return nil
}

func descriptorID(e models.Entry) (string, error) {
	var b struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.Body, &b); err != nil {
		return "", fmt.Errorf("catalogue: entry %s: %w", e.UUID, err)
	}
	return b.ID, nil
}

// Download is a package as uploaded, for the caller to stream and close.
type Download struct {
	Body     io.ReadCloser
	Archive  Archive
	Filename string // Content-Filename at its upload, if any
	Size     int64
}

// OpenPackage reads an entry's package as uploaded: 409 while it has none.
func (s *Service) OpenPackage(ctx context.Context, scope models.Scope, kind Kind, uuid string) (Download, error) {
	_, st, rc, err := s.open(ctx, scope, kind, uuid, false)
	if err != nil {
		return Download{}, err
	}
	return Download{Body: rc, Archive: st.Archive, Filename: st.Filename, Size: int64(st.Size)}, nil
}

// open reads an entry's package (or its descriptor), with where it lies.
func (s *Service) open(ctx context.Context, scope models.Scope, kind Kind, uuid string, descriptor bool) (models.Entry, *storage, io.ReadCloser, error) {
	e, err := s.store.Get(ctx, scope, string(kind), uuid)
	if err != nil {
		return e, nil, nil, err
	}
	a, _, err := adminOf(e)
	if err != nil {
		return e, nil, nil, err
	}
	if a.Storage == nil {
		return e, nil, nil, models.Errorf(models.CodeConflict, "%s %s has no package yet (onboardingState %s): upload it first", kind, uuid, a.OnboardingState)
	}
	rc, err := s.store.OpenContent(ctx, a.Storage.Content, descriptor)
	return e, a.Storage, rc, err
}

// Content is an entry's package as uploaded (or its descriptor), read
// whole.
func (s *Service) Content(ctx context.Context, scope models.Scope, kind Kind, uuid string, descriptor bool) (models.Entry, []byte, error) {
	e, _, rc, err := s.open(ctx, scope, kind, uuid, descriptor)
	if err != nil {
		return e, nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return e, nil, fmt.Errorf("catalogue: read %s: %w", uuid, err)
	}
	return e, data, nil
}

// Artifact is one file of an entry's package, by its path in the package
// (or below the package's folder, for an OSM package): 404 for none.
func (s *Service) Artifact(ctx context.Context, scope models.Scope, kind Kind, uuid, name string) ([]byte, error) {
	e, data, err := s.Content(ctx, scope, kind, uuid, false)
	if err != nil {
		return nil, err
	}
	a, _, _ := adminOf(e)
	name = strings.TrimPrefix(name, "/")
	candidates := []string{name, path.Join(a.Storage.Folder, name)}
	pkg, err := ReadOnly(data, s.limits, func(p string) bool { return slices.Contains(candidates, p) })
	if err != nil {
		return nil, err
	}
	for _, candidate := range candidates {
		if f, ok := pkg.File(candidate); ok && pkg.Archive != Bare {
			return f.Data, nil
		}
	}
	return nil, models.Errorf(models.CodeNotFound, "the package holds no artifact %s", models.Quote(name))
}

// Chunk is one part of a chunked upload (Content-Range: bytes
// First-Last/Total), continuing the upload Tx unless it is the first.
type Chunk struct {
	First, Last, Total int64
	Tx                 string
}

// Uploads is what chunked uploads need of the store: pending uploads and
// their chunks, in the database (any replica takes the next chunk).
type Uploads interface {
	StartUpload(ctx context.Context, tx string, u models.PendingUpload, chunk []byte) error
	AddChunk(ctx context.Context, tx, owner string, first int64, chunk []byte) (models.PendingUpload, error)
	TakeUpload(ctx context.Context, tx string) ([]byte, error)
	Upload(ctx context.Context, tx, owner string) (models.PendingUpload, error)
	// PruneUploads removes the uploads started longer than age ago (by
	// the database's clock).
	PruneUploads(ctx context.Context, age time.Duration) (int, error)
}

// uploadLife is how long a chunked upload may stay unfinished.
const uploadLife = time.Hour

// Receive takes one chunk of an upload for kind (entry: the entry whose
// content it is, "" for a new one) sent by owner. It returns the upload's
// transaction id and, once the chunk completes it, the whole package and
// the upload as begun (its file name and MD5).
func (s *Service) Receive(ctx context.Context, owner string, kind Kind, entry string, up Upload, ch Chunk) (string, []byte, Upload, error) {
	uploads := s.store
	if int64(len(up.Data)) != ch.Last-ch.First+1 {
		return "", nil, up, models.Errorf(models.CodeInvalid, "Content-Range says %d bytes (%d-%d), the body holds %d", ch.Last-ch.First+1, ch.First, ch.Last, len(up.Data))
	}
	tx := ch.Tx
	switch {
	case ch.First == 0 && tx == "":
		if _, err := uploads.PruneUploads(ctx, uploadLife); err != nil {
			return "", nil, up, err
		}
		tx = uuid.NewString()
		err := uploads.StartUpload(ctx, tx, models.PendingUpload{Owner: owner, Kind: string(kind), Entry: entry,
			Filename: up.Filename, MD5: up.MD5, Total: ch.Total}, up.Data)
		if err != nil {
			return "", nil, up, err
		}
	case tx == "":
		return "", nil, up, models.Errorf(models.CodeInvalid, "a chunk past the first (byte %d) needs the Transaction-Id of the upload", ch.First)
	default:
		u, err := uploads.Upload(ctx, tx, owner)
		if err != nil {
			return "", nil, up, err
		}
		if u.Kind != string(kind) || u.Entry != entry || u.Total != ch.Total {
			return "", nil, up, models.Errorf(models.CodeConflict, "Transaction-Id %s is an upload of another package (or another total size)", models.Quote(tx))
		}
		if _, err := uploads.AddChunk(ctx, tx, owner, ch.First, up.Data); err != nil {
			return "", nil, up, err
		}
		if up.Filename == "" {
			up.Filename = u.Filename
		}
		if up.MD5 == "" {
			up.MD5 = u.MD5
		}
	}
	if ch.Last+1 < ch.Total {
		return tx, nil, up, nil
	}
	data, err := uploads.TakeUpload(ctx, tx)
	if err != nil {
		return tx, nil, up, err
	}
	up.Data = data
	return tx, data, up, nil
}
