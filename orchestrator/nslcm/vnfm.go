package nslcm

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/orchestrator/catalogue"
)

// VNFManager deploys and runs VNFs: the lifecycle asks, the manager does
// it on the VIM and says where each unit landed. Every call must be safe
// to repeat (a step cut short by a crash runs again on retry): a unit
// already placed is placed where it is, one already released is gone.
// Built-in completes each call at once; the Open Baton VNFM module
// plugs in here.
type VNFManager interface {
	// Place starts units of vnf (each without a VIM id yet) and returns
	// them with their VIM id and address.
	Place(ctx context.Context, vnf VNF, units []Unit) ([]Unit, error)
	// Release stops units of vnf.
	Release(ctx context.Context, vnf VNF, units []Unit) error
	// Run runs a primitive on vnf (on one of its units when unit is
	// set), and says what came of it.
	Run(ctx context.Context, vnf VNF, unit *Unit, primitive string, params map[string]any) (string, error)
}

// VNF is a VNF instance as its manager sees it.
type VNF struct {
	ID          string
	NS          string
	MemberIndex string
	VIMAccount  string
	VNFD        catalogue.Descriptor
}

// Unit is a replica of a VDU (a VNFC instance): VIMID and Address are
// set once placed.
type Unit struct {
	ID         string
	VDU        string
	CountIndex int
	VIMID      string
	Address    string
}

// BuiltIn is the VNF manager that completes every step at once, as if
// the VIM obeyed: each unit gets a VIM id and an address derived from its
// own id, so placing it again gives the same.
type BuiltIn struct{}

// Place gives each unit its VIM id and address.
func (BuiltIn) Place(_ context.Context, _ VNF, units []Unit) ([]Unit, error) {
	out := make([]Unit, len(units))
	for i, u := range units {
		sum := sha256.Sum256([]byte(u.ID))
		u.VIMID = uuid.NewSHA1(uuid.NameSpaceOID, []byte("vim/"+u.ID)).String()
		u.Address = fmt.Sprintf("10.%d.%d.%d", sum[0], sum[1], max(sum[2], 2))
		out[i] = u
	}
	return out, nil
}

// Release has nothing to stop.
func (BuiltIn) Release(context.Context, VNF, []Unit) error { return nil }

// Run completes the primitive.
func (BuiltIn) Run(_ context.Context, _ VNF, unit *Unit, primitive string, _ map[string]any) (string, error) {
	if unit != nil {
		return fmt.Sprintf("primitive %q executed on %s-%d", primitive, unit.VDU, unit.CountIndex), nil
	}
	return fmt.Sprintf("primitive %q executed", primitive), nil
}
