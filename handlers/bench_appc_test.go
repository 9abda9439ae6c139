package handlers_test

import (
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
)

// BenchmarkAPPC/command: Stop and Start, in turn, on one VNF, through
// POST /restconf/operations/appc-provider-lcm:{stop,start} against the
// APPC store (repo.APPCStore) doing the least a service must do for the
// same durable outcome: AddRequest (the request stored, and the run lease
// of its ids taken: the router's requests have no sub-request-id),
// ModifyVNF (state, working state, SONATA status and history entry, in one
// write) and FinishRequest (the outcome stored, the run lease released).
// The outcome is checked once before timing: the record and the stored
// request read alike whichever side ran the command.
//
// The router does more, and that is the ratio: besides parsing and
// validating the request and rendering the answer, the engine reads the
// record and the VNF's lock, takes the lock for the command's duration
// (and releases it), reads the record again under the lock, and writes it
// twice: Unstable with the running command before the effect, the effect
// after it. Each request has a new request-id, so no lock is held between
// requests.
//
// BenchmarkAPPC/get: GET /vnfrs/{uuid} of that VNF, whose APPC state holds
// a full history (appc.MaxHistory entries), against RecordStore.Get and
// AppendJSON (as BenchmarkGet): what the history kept beside the record
// costs every reader of it.
//
//	go test -run '^$' -bench 'BenchmarkAPPC' -benchmem ./handlers/
func BenchmarkAPPC(b *testing.B) {
	h, store := newAPPCRouter(b)
	vnf := createVNF(b, h)
	sendCode(b, h, appcReq{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	// Every sample sees the record as a VNF in use has it: with as many
	// history entries as it keeps.
	for range appc.MaxHistory {
		sendCode(b, h, appcReq{action: appc.Sync, vnf: vnf}, appc.CodeSuccess)
	}
	if n := len(appcOf(b, store, vnf).History); n != appc.MaxHistory {
		b.Fatalf("history of %d entries, want %d", n, appc.MaxHistory)
	}
	b.Run("command", func(b *testing.B) { benchAPPCCommand(b, h, store, vnf) })

	rs := repo.NewRecordStore(store.db)
	target := "/vnfrs/" + vnf
	b.Run("get", func(b *testing.B) {
		b.Run("router", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				serve(b, h, http.MethodGet, target, nil, http.StatusOK)
			}
		})
		b.Run("store", func(b *testing.B) {
			ctx := b.Context()
			b.ReportAllocs()
			for range b.N {
				rec, err := rs.Get(ctx, testScope, models.KindVNFR, vnf)
				if err != nil {
					b.Fatal(err)
				}
				benchSink = rec.AppendJSON(make([]byte, 0, len(rec.Body)+128))
			}
		})
	})
}

// appcCommand is the part of a command the store side knows: the action,
// the state it leads to and the SONATA status of that state.
type appcCommand struct {
	action appc.Action
	to     appc.State
	status string
}

var appcCommands = []appcCommand{
	{appc.Stop, appc.StateStopped, "offline"},
	{appc.Start, appc.StateRunning, "normal operation"},
}

// appcFirst is the index in appcCommands of the command that applies to
// the VNF's state now, so each run goes on from the state the previous
// one left.
func appcFirst(b *testing.B, store appcStore, vnf string) int {
	if appcOf(b, store, vnf).State == string(appc.StateStopped) {
		return 1
	}
	return 0
}

func benchAPPCCommand(b *testing.B, h http.Handler, store appcStore, vnf string) {
	// Both sides leave the same record and stored request.
	first := appcFirst(b, store, vnf)
	r := appcReq{action: appcCommands[first].action, vnf: vnf, requestID: uuid.NewString()}
	sendCode(b, h, r, appc.CodeSuccess)
	viaRouter := getVNF(b, store, vnf)
	routerReqs, err := store.FindRequests(b.Context(), "SO", r.requestID, "")
	if err != nil || len(routerReqs) != 1 {
		b.Fatalf("the router's request: %v %v", routerReqs, err)
	}
	c := appcCommands[(first+1)%2]
	req := appcStoreCommand(b, store, vnf, c)
	viaStore := getVNF(b, store, vnf)
	storeReqs, err := store.FindRequests(b.Context(), "SO", req.RequestID, "")
	if err != nil || len(storeReqs) != 1 {
		b.Fatalf("the store's request: %v %v", storeReqs, err)
	}
	appcSameOutcome(b, viaRouter, viaStore, routerReqs[0], storeReqs[0])

	b.Run("router", func(b *testing.B) {
		first := appcFirst(b, store, vnf)
		reqs := make([]appcReq, b.N)
		bodies := make([][]byte, b.N)
		for i := range reqs {
			reqs[i] = appcReq{action: appcCommands[(first+i)%2].action, vnf: vnf}
			bodies[i] = reqs[i].body()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			rec := serve(b, h, http.MethodPost, reqs[i].path(), bodies[i], http.StatusOK)
			if !strings.Contains(rec.Body.String(), `"code":400`) {
				b.Fatalf("%s: %s", reqs[i].action, rec.Body)
			}
		}
	})

	b.Run("store", func(b *testing.B) {
		first := appcFirst(b, store, vnf)
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			appcStoreCommand(b, store, vnf, appcCommands[(first+i)%2])
		}
	})
}

// appcStoreCommand runs c on vnf with the APPC store alone and returns
// the stored request.
func appcStoreCommand(b *testing.B, store appcStore, vnf string, c appcCommand) models.APPCRequest {
	ctx := b.Context()
	req := models.APPCRequest{
		RunID: uuid.NewString(), OriginatorID: "SO", RequestID: uuid.NewString(),
		Action: string(c.action), VNFID: vnf, Received: time.Now(),
	}
	if err := store.AddRequest(ctx, req, time.Minute); err != nil {
		b.Fatalf("AddRequest: %v", err)
	}
	now := time.Now().UTC()
	_, err := store.ModifyVNF(ctx, testScope, vnf, func(v *models.VNF) error {
		st := v.APPC
		st.History = append(st.History, models.APPCHistory{
			APPCCall: models.APPCCall{Action: req.Action, RequestID: req.RequestID, OriginatorID: req.OriginatorID},
			From:     st.State, To: string(c.to), Result: "SUCCESS", Time: now,
		})
		if n := len(st.History); n > appc.MaxHistory {
			st.History = st.History[n-appc.MaxHistory:]
		}
		st.State, st.Working = string(c.to), string(appc.WorkingStable)
		v.Fields["status"] = c.status
		return nil
	})
	if err != nil {
		b.Fatalf("ModifyVNF: %v", err)
	}
	ok := appc.Success()
	req.Finished, req.Code, req.Message = time.Now(), ok.Code, ok.Message
	if err := store.FinishRequest(ctx, req); err != nil {
		b.Fatalf("FinishRequest: %v", err)
	}
	return req
}

// appcSameOutcome fails unless two commands, one through the router and
// the next with the store, left records and stored requests that differ
// only by what differs between the two commands (ids, times, the action,
// its target state and status): the store's command starts where the
// router's ended and goes back, its history is the router's moved on by
// one entry, and it wrote the record once.
func appcSameOutcome(b *testing.B, viaRouter, viaStore models.VNF, routerReq, storeReq models.APPCRequest) {
	b.Helper()
	rs, ss := viaRouter.APPC, viaStore.APPC
	if rs == nil || ss == nil || rs.Running != nil || ss.Running != nil || rs.Working != ss.Working ||
		len(rs.History) != appc.MaxHistory || len(ss.History) != appc.MaxHistory ||
		!reflect.DeepEqual(plain(rs.VMs), plain(ss.VMs)) || !reflect.DeepEqual(plain(rs.Extra), plain(ss.Extra)) {
		b.Fatalf("APPC states differ beyond the command:\nrouter %+v\nstore  %+v", rs, ss)
	}
	if !reflect.DeepEqual(plain(ss.History[:appc.MaxHistory-1]), plain(rs.History[1:])) {
		b.Fatalf("the store's history is not the router's moved on by one:\nrouter %+v\nstore  %+v", rs.History, ss.History)
	}
	rh, sh := rs.History[len(rs.History)-1], ss.History[len(ss.History)-1]
	if sh.From != rh.To || sh.To != rh.From || ss.State != sh.To || rs.State != rh.To || sh.Result != rh.Result ||
		sh.OriginatorID != rh.OriginatorID || sh.SubRequestID != rh.SubRequestID || sh.VServerID != rh.VServerID {
		b.Fatalf("history entries differ beyond the command:\nrouter %+v\nstore  %+v", rh, sh)
	}
	if viaStore.Admin.Version != viaRouter.Admin.Version+1 {
		b.Fatalf("router left version %d, store %d: want one write", viaRouter.Admin.Version, viaStore.Admin.Version)
	}
	if viaRouter.Fields["status"] == viaStore.Fields["status"] {
		b.Fatalf("both left status %v", viaStore.Fields["status"])
	}
	delete(viaRouter.Fields, "status")
	delete(viaStore.Fields, "status")
	if a, c := plain(viaRouter.Fields), plain(viaStore.Fields); !reflect.DeepEqual(a, c) {
		b.Fatalf("fields differ:\nrouter %v\nstore  %v", a, c)
	}
	if routerReq.Finished.IsZero() || storeReq.Finished.IsZero() || routerReq.Code != storeReq.Code ||
		routerReq.Message != storeReq.Message || routerReq.Payload != storeReq.Payload ||
		routerReq.SubRequestID != storeReq.SubRequestID || routerReq.VNFID != storeReq.VNFID {
		b.Fatalf("stored requests differ:\nrouter %+v\nstore  %+v", routerReq, storeReq)
	}
}
