package catalogue

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"path"
	"strings"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/filter"
	"github.com/nfv-records/nfv-records/models"
)

// Store is what the catalogue needs of the repository
// (repo.CatalogueStore). kind is "vnfd" or "nsd". Errors are
// *models.Error: NotFound (also outside scope), Conflict (a descriptor
// id taken in the project), Unavailable.
type Store interface {
	Create(ctx context.Context, scope models.Scope, kind, descID string, e models.CatalogueEntry, pkg, descriptor []byte) (models.CatalogueEntry, error)
	Get(ctx context.Context, scope models.Scope, kind, uuid string) (models.CatalogueEntry, error)
	List(ctx context.Context, scope models.Scope, kind string, q filter.Query) (filter.Page[models.CatalogueEntry], error)
	Count(ctx context.Context, scope models.Scope, kind string, f filter.Expr) (int64, error)
	Delete(ctx context.Context, scope models.Scope, kind, uuid, descID string) error
	Open(ctx context.Context, uuid string, descriptor bool) (io.ReadCloser, error)
}

// Service is the catalogue's rules over a store.
type Service struct {
	store  Store
	limits Limits
}

// NewService is the catalogue over store; lim bounds what a package may
// unpack to.
func NewService(store Store, lim Limits) *Service { return &Service{store: store, limits: lim} }

// Upload is a package as a client sends it.
type Upload struct {
	Data []byte
	// Filename is Content-Filename; MD5 is Content-File-MD5 (hex),
	// checked when given.
	Filename string
	MD5      string
}

// The states OSM shows under _admin.
const (
	onboarded  = "ONBOARDED"
	enabled    = "ENABLED"
	notInUse   = "NOT_IN_USE"
	modelField = "catalogue"
)

// entryAdmin is OSM's _admin of an entry, beside the projects.
type entryAdmin struct {
	OnboardingState  string         `json:"onboardingState"`
	OperationalState string         `json:"operationalState"`
	UsageState       string         `json:"usageState"`
	Storage          storage        `json:"storage"`
	UserDefinedData  map[string]any `json:"userDefinedData"`
}

// storage says where the package lies and what it held.
type storage struct {
	Filename   string  `json:"filename,omitempty"`
	Archive    Archive `json:"archive"`
	Descriptor string  `json:"descriptor"`
	Size       int     `json:"size"`
	MD5        string  `json:"md5"`
	Folder     string  `json:"pkg-dir,omitempty"`
}

// Onboard stores a package of kind: its descriptor, in any format,
// becomes an entry with the catalogue model beside it. An NSD needs each
// VNFD it names in the project, unless force. A 4xx leaves nothing.
func (s *Service) Onboard(ctx context.Context, scope models.Scope, kind Kind, up Upload, force bool) (models.CatalogueEntry, error) {
	sum := md5.Sum(up.Data)
	sumHex := hex.EncodeToString(sum[:])
	if up.MD5 != "" && !strings.EqualFold(strings.TrimSpace(up.MD5), sumHex) {
		return models.CatalogueEntry{}, models.Errorf(models.CodeUnprocessable, "Content-File-MD5 %s does not match the package received (MD5 %s)", models.Quote(up.MD5), sumHex)
	}
	pkg, err := Read(up.Data, s.limits)
	if err != nil {
		return models.CatalogueEntry{}, err
	}
	file, err := DescriptorOf(pkg, kind)
	if err != nil {
		return models.CatalogueEntry{}, err
	}
	d, err := Parse(file.Data, kind)
	if err != nil {
		return models.CatalogueEntry{}, err
	}
	if kind == NSD && !force {
		if err := s.checkConstituents(ctx, scope, d); err != nil {
			return models.CatalogueEntry{}, err
		}
	}
	body, err := json.Marshal(map[string]any{
		"id": d.ID, "name": d.Name, "version": d.Version, "vendor": d.Vendor, "description": d.Description,
		"format": d.Format, modelField: d,
	})
	if err != nil {
		return models.CatalogueEntry{}, fmt.Errorf("catalogue: %w", err)
	}
	st := storage{Filename: up.Filename, Archive: pkg.Archive, Descriptor: file.Path, Size: len(up.Data), MD5: sumHex}
	if pkg.Archive == TarGz {
		st.Folder, _, _ = strings.Cut(file.Path, "/")
	}
	if st.Descriptor == "" {
		st.Descriptor = path.Base(up.Filename)
	}
	admin, err := json.Marshal(entryAdmin{OnboardingState: onboarded, OperationalState: enabled, UsageState: notInUse,
		Storage: st, UserDefinedData: map[string]any{}})
	if err != nil {
		return models.CatalogueEntry{}, fmt.Errorf("catalogue: %w", err)
	}
	e := models.CatalogueEntry{UUID: uuid.NewString(), Body: body, Admin: admin}
	return s.store.Create(ctx, scope, string(kind), d.ID, e, up.Data, file.Data)
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
		if n == 0 && !containsString(missing, c.VNFD) {
			missing = append(missing, c.VNFD)
		}
	}
	if len(missing) > 0 {
		return models.Errorf(models.CodeUnprocessable, "the NSD names VNFDs this project has not onboarded: %s (onboard them first, or FORCE=true)", strings.Join(missing, ", "))
	}
	return nil
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// Get reads an entry.
func (s *Service) Get(ctx context.Context, scope models.Scope, kind Kind, uuid string) (models.CatalogueEntry, error) {
	return s.store.Get(ctx, scope, string(kind), uuid)
}

// List is a page of the entries q selects.
func (s *Service) List(ctx context.Context, scope models.Scope, kind Kind, q filter.Query) (filter.Page[models.CatalogueEntry], error) {
	return s.store.List(ctx, scope, string(kind), q)
}

// Delete removes an entry: a VNFD an NSD of the project names is in use
// (409 naming it) unless force.
func (s *Service) Delete(ctx context.Context, scope models.Scope, kind Kind, uuid string, force bool) error {
	e, err := s.store.Get(ctx, scope, string(kind), uuid)
	if err != nil {
		return err
	}
	descID, err := descriptorID(e)
	if err != nil {
		return err
	}
	if kind == VNFD && !force {
		f, err := filter.Where(filter.Options{}, filter.Condition{Path: []string{modelField, "constituents", "vnfd_id"}, Op: filter.OpEq, Value: descID})
		if err != nil {
			return fmt.Errorf("catalogue: %w", err)
		}
		users, err := s.store.List(ctx, scope, string(NSD), filter.Query{Filter: f, Limit: 1})
		if err != nil {
			return err
		}
		if len(users.Items) > 0 {
			nsd, _ := descriptorID(users.Items[0])
			return models.Errorf(models.CodeConflict, "VNFD %s is in use: NSD %s names it (delete that NSD first, or FORCE=true)", models.Quote(descID), models.Quote(nsd))
		}
	}
	return s.store.Delete(ctx, scope, string(kind), uuid, descID)
}

func descriptorID(e models.CatalogueEntry) (string, error) {
	var b struct {
		ID string `json:"id"`
	}
	if err := json.Unmarshal(e.Body, &b); err != nil {
		return "", fmt.Errorf("catalogue: entry %s: %w", e.UUID, err)
	}
	return b.ID, nil
}

// Content is an entry's package as uploaded, or its descriptor.
func (s *Service) Content(ctx context.Context, scope models.Scope, kind Kind, uuid string, descriptor bool) (models.CatalogueEntry, []byte, error) {
	e, err := s.store.Get(ctx, scope, string(kind), uuid)
	if err != nil {
		return e, nil, err
	}
	rc, err := s.store.Open(ctx, uuid, descriptor)
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
