package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// The NS lifecycle's scenarios: SONATA's demo NS (three VNFs) onboarded,
// a VIM registered, nsInstances of it instantiated; then the OSM list of
// NS instances, and creations that each start a 3-VNF instantiation.

// nsInstances is how many NS instances the NS phase starts from.
const nsInstances = 100

// seedNS prepares the NS phase on ep from the descriptors under dir: the
// body that creates (and instantiates) one more NS.
func seedNS(ctx context.Context, ep endpoint, dir string) ([]byte, error) {
	client := &http.Client{Timeout: time.Minute}
	defer client.CloseIdleConnections()
	post := func(path, contentType string, body []byte, want int) (map[string]any, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, ep.base+path, bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		req.Header.Set("Content-Type", contentType)
		if ep.authz != "" {
			req.Header.Set("Authorization", ep.authz)
		}
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != want {
			return nil, fmt.Errorf("POST %s answered %d: %.300s", path, resp.StatusCode, data)
		}
		var out map[string]any
		return out, json.Unmarshal(data, &out)
	}
	sonata := filepath.Join(dir, "descriptors", "sonata")
	for _, f := range []string{"firewall-vnfd.yml", "iperf-vnfd.yml", "tcpdump-vnfd.yml", "sonata-demo.yml"} {
		raw, err := os.ReadFile(filepath.Join(sonata, f))
		if err != nil {
			return nil, fmt.Errorf("%w (run from the repository root)", err)
		}
		route := "/osm/vnfpkgm/v1/vnf_packages_content"
		if f == "sonata-demo.yml" {
			route = "/osm/nsd/v1/ns_descriptors_content"
		}
		out, err := post(route, "text/plain", raw, http.StatusCreated)
		if err != nil {
			return nil, err
		}
		if f != "sonata-demo.yml" {
			continue
		}
		vim, err := post("/osm/admin/v1/vim_accounts", "application/json", []byte(`{"name":"load","vim_type":"dummy","vim_url":"http://vim.example:5000/v3","vim_user":"u","vim_password":"p","vim_tenant_name":"t"}`), http.StatusAccepted)
		if err != nil {
			return nil, err
		}
		body, _ := json.Marshal(map[string]any{"nsName": "load", "nsdId": out["id"], "vimAccountId": vim["id"]})
		for range nsInstances {
			if _, err := post("/osm/nslcm/v1/ns_instances_content", "application/json", body, http.StatusCreated); err != nil {
				return nil, err
			}
		}
		return body, waitOperations(ctx, ep)
	}
	return nil, fmt.Errorf("no NSD among the descriptors")
}

// waitOperations waits until no NS operation is PROCESSING.
func waitOperations(ctx context.Context, ep endpoint) error {
	deadline := time.Now().Add(time.Minute)
	for time.Now().Before(deadline) {
		_, total, _, err := check(ctx, ep, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?operationState=PROCESSING&limit=1", nil)
		if err != nil {
			return err
		}
		if total == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return fmt.Errorf("NS operations still PROCESSING after a minute")
}

func nsList() scenario {
	const path = "/osm/nslcm/v1/ns_instances?limit=100"
	return scenario{name: "ns-list", req: "GET " + path, do: func(ctx context.Context, w *worker) (int, error) {
		return w.do(ctx, http.MethodGet, path, nil)
	}}
}

func nsCreate(body []byte) scenario {
	return scenario{name: "ns-create", req: "POST /osm/nslcm/v1/ns_instances_content (3 VNFs, instantiated in the background)", do: func(ctx context.Context, w *worker) (int, error) {
		return w.do(ctx, http.MethodPost, "/osm/nslcm/v1/ns_instances_content", body)
	}}
}

// nsOutcome waits for the operations the NS phase started and says
// whether one did not complete.
func nsOutcome(ctx context.Context, ep endpoint) error {
	if err := waitOperations(ctx, ep); err != nil {
		return err
	}
	_, total, _, err := check(ctx, ep, http.MethodGet, "/osm/nslcm/v1/ns_lcm_op_occs?operationState.neq=COMPLETED&limit=1", nil)
	if err != nil {
		return err
	}
	if total > 0 {
		return fmt.Errorf("%d NS operations did not complete", total)
	}
	return nil
}
