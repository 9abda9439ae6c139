package handlers_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"github.com/nfv-records/nfv-records/models"
	"github.com/nfv-records/nfv-records/orchestrator/appc"
	"github.com/nfv-records/nfv-records/repo"
)

// BenchmarkLCM/command: Stop and Start, in turn, on one VNF, through
// POST /restconf/operations/appc-provider-lcm:{stop,start} against the
// driver doing the least a service must do for the same durable outcome:
// store the request, read the record, write its new state, status, version
// and history entry conditionally on the version read, and store the
// request's outcome (four operations).
//
// The router does more, and that is the ratio: the VNF's lock for the
// command's duration (taken and released), the Unstable mark written before
// the effect and cleared after it (a second conditional write), and on the
// embedded store the short write locks that make FerretDB's conditional
// updates atomic. Each request has a new request-id, so no lock is held
// between requests.
//
// BenchmarkLCM/get: GET /vnfrs/{uuid} of a VNF whose APPC state holds a
// full history, against FindOne and JSON (as BenchmarkGet): what the
// history kept in the record costs every reader of it.
func BenchmarkLCM(b *testing.B) {
	h, store := newLCMRouter(b)
	vnf := createVNF(b, h)
	sendCode(b, h, lcm{action: appc.Start, vnf: vnf}, appc.CodeSuccess)
	// Every sample sees the record as a VNF in use has it: with as many
	// history entries as it keeps.
	for range 100 {
		sendCode(b, h, lcm{action: appc.Sync, vnf: vnf}, appc.CodeSuccess)
	}
	b.Run("command", func(b *testing.B) { benchLCMCommand(b, h, store, vnf) })
	coll := store.Database().Collection(string(models.KindVNFR))
	target := "/vnfrs/" + vnf
	b.Run("get", func(b *testing.B) {
		b.Run("router", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
				if rec.Code != http.StatusOK {
					b.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
				}
			}
		})
		b.Run("driver", func(b *testing.B) {
			b.ReportAllocs()
			for range b.N {
				if _, err := driverGet(b.Context(), coll, vnf); err != nil {
					b.Fatal(err)
				}
			}
		})
	})
}

func benchLCMCommand(b *testing.B, h http.Handler, store *repo.Store, vnf string) {
	actions := []appc.Action{appc.Stop, appc.Start}
	b.Run("router", func(b *testing.B) {
		// Each run goes on from the state the previous one left.
		first := 0
		if st := appcOf(b, store, vnf); st.State == string(appc.StateStopped) {
			first = 1
		}
		reqs := make([]lcm, b.N)
		for i := range reqs {
			reqs[i] = lcm{action: actions[(first+i)%2], vnf: vnf}
		}
		bodies := make([][]byte, b.N)
		for i, r := range reqs {
			bodies[i] = r.body()
		}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			req := httptest.NewRequest(http.MethodPost, reqs[i].path(), bytes.NewReader(bodies[i]))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK || !bytes.Contains(rec.Body.Bytes(), []byte(`"code":400`)) {
				b.Fatalf("%s: %d %s", reqs[i].action, rec.Code, rec.Body)
			}
		}
	})

	b.Run("driver", func(b *testing.B) {
		ctx := b.Context()
		db := store.Database()
		records := db.Collection(string(models.KindVNFR))
		// The service's own request collection: its _id is indexed on
		// the embedded store too.
		requests := db.Collection("appc_requests")
		states := []string{"Stopped", "Running"}
		statuses := []string{"offline", "normal operation"}
		b.ReportAllocs()
		b.ResetTimer()
		for i := range b.N {
			key := "SO|" + uuid.NewString() + "|"
			if _, err := requests.InsertOne(ctx, bson.D{{Key: "_id", Value: key}, {Key: "action", Value: string(actions[i%2])},
				{Key: "vnf_id", Value: vnf}, {Key: "received", Value: time.Now()}}); err != nil {
				b.Fatal(err)
			}
			var cur struct {
				Admin struct {
					Version int64 `bson:"version"`
					APPC    struct {
						History bson.A `bson:"history"`
					} `bson:"appc"`
				} `bson:"_admin"`
			}
			if err := records.FindOne(ctx, bson.D{{Key: "_id", Value: vnf}}).Decode(&cur); err != nil {
				b.Fatal(err)
			}
			now := time.Now()
			history := append(cur.Admin.APPC.History, bson.D{
				{Key: "action", Value: string(actions[i%2])}, {Key: "request_id", Value: key},
				{Key: "to", Value: states[i%2]}, {Key: "result", Value: "SUCCESS"}, {Key: "time", Value: now},
			})
			if n := len(history); n > appc.MaxHistory { // as the service keeps it
				history = history[n-appc.MaxHistory:]
			}
			res, err := records.UpdateOne(ctx,
				bson.D{{Key: "_id", Value: vnf}, {Key: "_admin.version", Value: cur.Admin.Version}},
				bson.D{{Key: "$set", Value: bson.D{
					{Key: "status", Value: statuses[i%2]},
					{Key: "_admin.version", Value: cur.Admin.Version + 1},
					{Key: "_admin.modified", Value: now},
					{Key: "_admin.appc.state", Value: states[i%2]},
					{Key: "_admin.appc.working", Value: "Stable"},
					{Key: "_admin.appc.history", Value: history},
				}}})
			if err != nil || res.MatchedCount != 1 {
				b.Fatalf("update: %v (%+v)", err, res)
			}
			if err := finishBenchRequest(ctx, requests, key); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// finishBenchRequest stores the outcome of the request key.
func finishBenchRequest(ctx context.Context, requests *mongo.Collection, key string) error {
	_, err := requests.UpdateOne(ctx, bson.D{{Key: "_id", Value: key}}, bson.D{{Key: "$set", Value: bson.D{
		{Key: "finished", Value: time.Now()}, {Key: "code", Value: 400}, {Key: "message", Value: "SUCCESS"},
	}}})
	return err
}
