package lifecycle

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"onboard/data"
)

const childDBEnv = "ONBOARD_DURABILITY_CHILD_DB"

// TestDurabilityUnderSIGKILL runs a child process that creates users in a loop and
// prints each ID once its transaction committed, kills it with SIGKILL at a random
// moment, and checks that the file is sound and holds every printed ID; 50 times.
func TestDurabilityUnderSIGKILL(t *testing.T) {
	if testing.Short() {
		t.Skip("slow: 50 child processes")
	}
	path := filepath.Join(t.TempDir(), "onboard.db")
	st, err := data.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := st.CreateRole(ctx, &data.Role{Name: "Student"}); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateUnit(ctx, &data.Unit{Name: "Class 5a"}); err != nil {
		t.Fatal(err)
	}
	st.Close()

	rnd := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 1))
	var committed []string
	for round := 0; round < 50; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestDurabilityChild$")
		cmd.Env = append(os.Environ(), childDBEnv+"="+path)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := make(chan string)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- sc.Text()
			}
			close(lines)
		}()
		// Wait for the first commit, then kill at a random moment of the loop.
		var printed []string
		var deadline <-chan time.Time
		start := time.After(30 * time.Second)
	read:
		for {
			select {
			case l, ok := <-lines:
				if !ok {
					break read
				}
				if id, found := strings.CutPrefix(l, "COMMITTED "); found {
					printed = append(printed, id)
					if deadline == nil {
						deadline = time.After(time.Duration(rnd.IntN(150)) * time.Millisecond)
					}
				}
			case <-deadline:
				cmd.Process.Kill() // SIGKILL on Unix
				deadline = nil
			case <-start:
				cmd.Process.Kill()
				t.Fatal("the child committed nothing within 30 s")
			}
		}
		cmd.Wait()
		if len(printed) == 0 {
			t.Fatalf("round %d: the child exited without committing", round)
		}
		committed = append(committed, printed...)

		st, err := data.Open(path)
		if err != nil {
			t.Fatalf("round %d: reopen after SIGKILL: %v", round, err)
		}
		if res, err := st.IntegrityCheck(ctx); err != nil || res != "ok" {
			t.Fatalf("round %d: integrity_check = %q, %v", round, res, err)
		}
		for _, id := range committed {
			if _, err := st.UserByID(ctx, id); err != nil {
				t.Fatalf("round %d: committed user %s lost: %v", round, id, err)
			}
		}
		st.Close()
	}
	t.Logf("%d committed users survived 50 SIGKILLs", len(committed))
}

// TestDurabilityChild is the child of TestDurabilityUnderSIGKILL; it does nothing in
// a normal test run.
func TestDurabilityChild(t *testing.T) {
	path := os.Getenv(childDBEnv)
	if path == "" {
		t.Skip("runs only as the child process of TestDurabilityUnderSIGKILL")
	}
	st, err := data.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	role, err := st.RoleByName(ctx, "Student")
	if err != nil {
		t.Fatal(err)
	}
	unit, err := st.UnitByName(ctx, "Class 5a")
	if err != nil {
		t.Fatal(err)
	}
	svc := New(st, WithActor("durability"))
	for i := 0; i < 100_000; i++ {
		tag := data.NewID()
		c, err := svc.CreateUser(ctx, UserInput{
			FirstName: "Dürr", LastName: tag[len(tag)-8:],
			Email: tag + "@example.org", RoleID: role.ID, UnitIDs: []string{unit.ID},
		}, 0)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(os.Stdout, "COMMITTED %s\n", c.User.ID)
	}
}
