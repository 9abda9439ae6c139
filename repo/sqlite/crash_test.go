package sqlite_test

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/nfv-records/nfv-records/repo"
	"github.com/nfv-records/nfv-records/repo/sqlite"
)

// crashChildEnv names the data directory the child process writes to.
const crashChildEnv = "NFV_RECORDS_CRASH_CHILD_DIR"

var crashSpec = repo.CollectionSpec{Name: "crash", Envelope: repo.Envelope{ID: []string{"uuid"}, Created: "created_at", Modified: "updated_at"}}

// crashBody is the body of document i at write n: recognisable, and big
// enough (some KB) that a torn write would show.
func crashBody(i, n int) []byte {
	b, _ := json.Marshal(map[string]any{"i": i, "n": n, "pad": strings.Repeat(fmt.Sprintf("%d-%d.", i, n), 200)})
	return b
}

// TestCrashKeepsAcknowledgedWrites kills a process (SIGKILL) in the middle
// of a stream of writes, several times, and checks after each that every
// write it acknowledged (committed, and said so on its stdout) is there,
// intact, when the data directory is opened again; and that the file
// passes SQLite's integrity check. synchronous=NORMAL in WAL mode keeps a
// commit through the death of the process (a power loss is another
// matter: the last commits may go, the file stays sound).
func TestCrashKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("starts child processes")
	}
	dir := t.TempDir()
	inserted := map[int]int{} // doc -> the write n acknowledged last
	for round := range 3 {
		cmd := exec.Command(os.Args[0], "-test.run=^TestCrashChild$", "-test.v")
		cmd.Env = append(os.Environ(), crashChildEnv+"="+dir, fmt.Sprintf("NFV_RECORDS_CRASH_ROUND=%d", round))
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		// Kill it after a number of acknowledgements that varies by round,
		// while it keeps writing.
		killAt := 150 + 97*round
		acks := 0
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			var i, n int
			if _, err := fmt.Sscanf(sc.Text(), "ack %d %d", &i, &n); err != nil {
				continue // the testing package's own lines
			}
			inserted[i] = n
			if acks++; acks == killAt {
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
			}
		}
		err = cmd.Wait()
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: the child ended with %v after %d acknowledgements, not killed", round, err, acks)
		}
		// Every acknowledged write, read back after the crash.
		db, err := sqlite.OpenDir(dir, sqlite.Config{})
		if err != nil {
			t.Fatalf("round %d: reopen after the crash: %v", round, err)
		}
		c := db.Collection(crashSpec)
		for i, n := range inserted {
			d, err := c.Get(t.Context(), strconv.Itoa(i))
			if err != nil {
				t.Fatalf("round %d: acknowledged doc %d: %v", round, i, err)
			}
			var got struct{ I, N int }
			if err := json.Unmarshal(d.Body, &got); err != nil || got.I != i || got.N < n || string(d.Body) != string(crashBody(i, got.N)) {
				t.Fatalf("round %d: doc %d acknowledged at write %d reads %.60s (%v)", round, i, n, d.Body, err)
			}
		}
		if check, err := db.IntegrityCheck(t.Context()); err != nil || check != "ok" {
			t.Fatalf("round %d: integrity check: %q %v", round, check, err)
		}
		if err := db.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Logf("round %d: killed after %d acknowledgements; %d documents intact", round, acks, len(inserted))
	}
}

// TestCrashChild is the child process of TestCrashKeepsAcknowledgedWrites:
// it writes until killed, printing "ack <doc> <write>" once each write is
// committed. Without its environment it does nothing.
func TestCrashChild(t *testing.T) {
	dir := os.Getenv(crashChildEnv)
	if dir == "" {
		t.Skip("the child of TestCrashKeepsAcknowledgedWrites")
	}
	round, _ := strconv.Atoi(os.Getenv("NFV_RECORDS_CRASH_ROUND"))
	db, err := sqlite.OpenDir(dir, sqlite.Config{})
	if err != nil {
		t.Fatal(err)
	}
	c := db.Collection(crashSpec)
	ctx := context.Background()
	w := bufio.NewWriter(os.Stdout)
	for n := 0; ; n++ {
		i := round*100_000 + n
		// Mostly new documents, and rewrites of earlier ones.
		if n%4 == 3 {
			i = round*100_000 + n - 3 // written at n-3, a new document then
			_, err = c.Update(ctx, strconv.Itoa(i), func(cur repo.Doc) (repo.Doc, error) {
				cur.Body = crashBody(i, n)
				return cur, nil
			})
		} else {
			_, err = c.Insert(ctx, repo.Doc{ID: strconv.Itoa(i), Body: crashBody(i, n)})
		}
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(w, "ack %d %d\n", i, n)
		w.Flush() // acknowledged: the parent may rely on it from now on
		if n > 1_000_000 {
			t.Fatal("never killed")
		}
	}
}
