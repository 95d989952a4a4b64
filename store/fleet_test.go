package store

import (
	"bytes"
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// Several servers, one database: what one server does applies on the
// next call to any other. Each test opens two DBs on one PostgreSQL
// database, as two gridd would (SQLite has one process per file).

// mustOpenTwo opens a test database and a second server on it, sharing
// its clock and photo folder.
func mustOpenTwo(t *testing.T) (a, b *testDB) {
	t.Helper()
	onlyOn(t, "postgres")
	a = MustOpenDB(t)
	b = mustOpenAt(t, a.Path(), a.clock)
	return a, b
}

func TestAuthenticate_ARevocationOnOneServerIsRefusedOnAnotherOnTheNextCall(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(t *testing.T, on *testDB, u *gridinspect.User, s *gridinspect.Session)
	}{
		{"Logout", func(t *testing.T, on *testDB, u *gridinspect.User, s *gridinspect.Session) {
			a := mustAuthenticate(t, on, s.Token)
			if err := on.Logout(gridinspect.NewContext(context.Background(), a)); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeTokens", func(t *testing.T, on *testDB, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.RevokeTokens(as(admin()), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"DisableUser", func(t *testing.T, on *testDB, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.DisableUser(as(admin()), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustOpenTwo(t)
			mustStreet(t, a)
			u := mustCreateUser(t, a, newUser("zhang.san", gridA))
			s := mustLogin(t, a, "zhang.san", testPassword)
			mustAuthenticate(t, b, s.Token)
			mustAuthenticate(t, b, s.Token)
			if b.auth.len() != 1 {
				t.Fatalf("server B caches %d tokens, want 1", b.auth.len())
			}

			tt.revoke(t, a, u, s)
			_, err := b.Authenticate(context.Background(), s.Token)
			wantRefusedToken(t, err)
		})
	}
}

func TestAuthenticate_ARoleOrGridChangeOnOneServerAppliesOnAnotherOnTheNextCall(t *testing.T) {
	supervisor := gridinspect.RoleSupervisor
	onlyB := []string{gridB}
	tests := []struct {
		name      string
		upd       gridinspect.UserUpdate
		wantRole  gridinspect.Role
		wantGrids []string
	}{
		{"grids", gridinspect.UserUpdate{GridIDs: &onlyB}, gridinspect.RoleWorker, []string{gridB}},
		{"role", gridinspect.UserUpdate{Role: &supervisor}, gridinspect.RoleSupervisor, []string{gridA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustOpenTwo(t)
			mustStreet(t, a)
			u := mustCreateUser(t, a, newUser("zhang.san", gridA))
			s := mustLogin(t, a, "zhang.san", testPassword)
			mustAuthenticate(t, b, s.Token)
			mustAuthenticate(t, b, s.Token) // cached on B

			if _, err := a.UpdateUser(as(admin()), u.ID, tt.upd); err != nil {
				t.Fatal(err)
			}
			got := mustAuthenticate(t, b, s.Token)
			if got.Role != tt.wantRole {
				t.Errorf("role %v, want %v", got.Role, tt.wantRole)
			}
			assertEqual(t, got.GridIDs, tt.wantGrids)
		})
	}
}

// TestAuthenticate_ARevocationWrittenBehindTheStoresBackIsRefusedOnTheNextCall:
// a token revoked by SQL alone (an operator in psql), not through the
// store's own calls, is refused on the next call on every server.
func TestAuthenticate_ARevocationWrittenBehindTheStoresBackIsRefusedOnTheNextCall(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	mustCreateUser(t, a, newUser("zhang.san", gridA))
	s := mustLogin(t, a, "zhang.san", testPassword)
	for _, db := range []*testDB{a, b} {
		mustAuthenticate(t, db, s.Token)
		mustAuthenticate(t, db, s.Token)
	}
	if err := a.Write(context.Background(), func(tx *Tx) error {
		_, err := tx.Exec("UPDATE tokens SET revoked_at = ? WHERE id = ?", tx.Now.UnixNano(), tokenID(s.Token))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	for name, db := range map[string]*testDB{"A": a, "B": b} {
		_, err := db.Authenticate(context.Background(), s.Token)
		if err != errInvalidToken {
			t.Errorf("server %s: err = %v, want %v", name, err, errInvalidToken)
		}
	}
}

// TestAct_NoticesIssuedOnTwoServersAtOnceTakeEveryNumberOnce: numbers
// are given in the writing transaction, so two servers issuing notices of
// one kind at once give each number once and skip none.
func TestAct_NoticesIssuedOnTwoServersAtOnceTakeEveryNumberOnce(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	const perServer = 12
	var cases []string
	for range 2 * perServer {
		cases = append(cases, mustCaseIn(t, a, gridinspect.StatusAssigned).ID)
	}
	numbers := make([]int, 2*perServer)
	errs := make([]error, 2*perServer)
	var wg sync.WaitGroup
	for i, id := range cases {
		db := []*testDB{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, e, err := db.Act(as(supervisor()), notice(id, gridinspect.NoticeHazard), gridinspect.Online)
			if err != nil {
				errs[i] = err
				return
			}
			numbers[i] = e.Data.Notice.Sequence
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("notice %d: %v", i, err)
		}
	}
	slices.Sort(numbers)
	for i, n := range numbers {
		if n != i+1 {
			t.Fatalf("numbers given %v, want 1 to %d each once", numbers, len(numbers))
		}
	}
}

// TestAct_TheSameActionSentToTwoServersAtOnceAppliesOnce: a phone that
// retried through the load balancer while its first call still ran.
func TestAct_TheSameActionSentToTwoServersAtOnceAppliesOnce(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	rep := mustCaseIn(t, a, gridinspect.StatusAssigned)
	act := progress(rep.ID)
	const n = 8
	events := make([]*gridinspect.Event, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		db := []*testDB{a, b}[i%2]
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, events[i], errs[i] = db.Act(as(worker(gridA)), act, gridinspect.Online)
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("call %d: %v", i, errs[i])
		}
		assertEqual(t, events[i], events[0])
	}
	if got := len(mustTimeline(t, b, rep.ID)); got != 3 {
		t.Errorf("%d events, want 3: the action applied more than once", got)
	}
}

// TestPush_TheSameMutationPushedToTwoServersAtOnceIsAppliedOnce: one
// answer says applied, the other duplicate, both with the same report.
func TestPush_TheSameMutationPushedToTwoServersAtOnceIsAppliedOnce(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	m := reportMutation(1, newReport(inA))
	phone := as(onDevice(worker(gridA), phone1))
	results := make([][]*gridinspect.MutationResult, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i, db := range []*testDB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], _, errs[i] = db.Push(phone, phone1, []*gridinspect.Mutation{m})
		}()
	}
	wg.Wait()
	outcomes := map[gridinspect.MutationOutcome]int{}
	for i := range results {
		if errs[i] != nil {
			t.Fatalf("push to server %d: %v", i, errs[i])
		}
		outcomes[results[i][0].Outcome]++
	}
	if outcomes[gridinspect.OutcomeApplied] != 1 || outcomes[gridinspect.OutcomeDuplicate] != 1 {
		t.Errorf("outcomes %v, want one applied and one duplicate", outcomes)
	}
	assertEqual(t, results[1][0].Report, results[0][0].Report)
	if n := count(t, a, "reports"); n != 1 {
		t.Errorf("%d reports, want 1", n)
	}
}

// TestSupervision_TwoServersSupervisingAtOnceEscalateACaseOnce: every
// gridd runs the supervision loop; an overdue case is escalated once.
func TestSupervision_TwoServersSupervisingAtOnceEscalateACaseOnce(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	var ids []string
	for range 5 {
		rep := mustSubmit(t, a, as(worker(gridA)), newReport(inA))
		mustAct(t, a, as(supervisor()), assignBy(rep.ID, "", a.clock.Now().Add(24*time.Hour)))
		ids = append(ids, rep.ID)
	}
	a.clock.Add(48 * time.Hour)
	var got [2]int
	var wg sync.WaitGroup
	for i, db := range []*testDB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = mustSupervise(t, db)
		}()
	}
	wg.Wait()
	if got[0]+got[1] != len(ids) {
		t.Errorf("escalated %d and %d, want %d in all", got[0], got[1], len(ids))
	}
	for _, id := range ids {
		if n := len(supervisions(t, b, id)); n != 1 {
			t.Errorf("case %s escalated %d times, want once", id, n)
		}
	}
}

// TestUploadPhoto_BegunOnOneServerAndResumedOnAnotherEndsWithTheRightBytes:
// photos live in the folder every server shares; a phone whose upload was
// cut resumes it on whichever server it reaches, from the committed size.
func TestUploadPhoto_BegunOnOneServerAndResumedOnAnotherEndsWithTheRightBytes(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	ctx := as(worker(gridA))
	rep := mustSubmit(t, a, ctx, newReport(inA))
	data := photoBytes(7, 10_000)
	h := photoOf(rep.ID, data)
	mustBegin(t, a, ctx, h)
	mustWrite(t, a, ctx, h.ID, 0, data[:3000])
	mustWrite(t, a, ctx, h.ID, 3000, data[3000:6000])
	// Cut. The phone reaches server B.
	st := mustBegin(t, b, ctx, h)
	if st.Committed != 6000 {
		t.Fatalf("server B says %d bytes committed, want 6000", st.Committed)
	}
	wantComplete(t, mustWrite(t, b, ctx, h.ID, 6000, data[6000:]), int64(len(data)))
	for name, db := range map[string]*testDB{"A": a, "B": b} {
		got, read := mustReadPhoto(t, db, ctx, h.ID)
		if !bytes.Equal(read, data) || got.SHA256 != sha(data) {
			t.Errorf("server %s reads back other bytes (sha256 %s)", name, got.SHA256)
		}
	}
}

// TestWriteChunk_TheSameChunkSentToTwoServersAtOnceIsTakenOnce: a phone
// that retried on another server while its first stream still ran. One
// chunk is taken; the others are told where the upload stands (or, once
// the photo is whole, that it is); the upload ends with the right bytes.
func TestWriteChunk_TheSameChunkSentToTwoServersAtOnceIsTakenOnce(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	ctx := as(worker(gridA))
	rep := mustSubmit(t, a, ctx, newReport(inA))
	data := photoBytes(8, 40_000)
	h := photoOf(rep.ID, data)
	mustBegin(t, a, ctx, h)
	for off := 0; off < len(data); off += 10_000 {
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			db := []*testDB{a, b}[i%2]
			wg.Go(func() { _, errs[i] = db.WriteChunk(ctx, h.ID, int64(off), data[off:off+10_000]) })
		}
		wg.Wait()
		taken := 0
		for _, err := range errs {
			switch gridinspect.ErrorCode(err) {
			case "":
				taken++
			case gridinspect.EPRECONDITION:
			default:
				t.Fatalf("chunk at %d: err = %v", off, err)
			}
		}
		last := off+10_000 == len(data)
		if taken != 1 && !(last && taken == len(errs)) {
			t.Fatalf("chunk at %d was taken %d times, want once", off, taken)
		}
	}
	wantComplete(t, mustStatus(t, b, ctx, h.ID), int64(len(data)))
	if _, read := mustReadPhoto(t, a, ctx, h.ID); !bytes.Equal(read, data) {
		t.Error("the photo reads back other bytes")
	}
}

// TestPull_ACursorFromOneServerIsTakenByAnother: a phone's pulls may
// reach any server; a cursor is signed with the database's key, not a
// server's, and carries on where the last page ended.
func TestPull_ACursorFromOneServerIsTakenByAnother(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	ctx := as(onDevice(worker(gridA), phone1))
	for range 3 {
		mustSubmit(t, a, ctx, newReport(inA))
	}
	lim := gridinspect.PullLimits{MaxChanges: 2}
	first := mustPull(t, a, ctx, "", lim)
	if !first.HasMore {
		t.Fatal("the first page holds everything; want more than one page")
	}
	seen := pageKeys(first.Changes)
	cur := first.NextCursor
	for _, db := range []*testDB{b, a, b} {
		page := mustPull(t, db, ctx, cur, lim)
		seen = append(seen, pageKeys(page.Changes)...)
		cur = page.NextCursor
		if !page.HasMore {
			break
		}
	}
	all := pageKeys(mustPull(t, b, ctx, "", gridinspect.PullLimits{MaxChanges: 1000}).Changes)
	assertEqual(t, seen, all)
}

// TestEpochReads_ACallerIsNeverAnsweredByAReadBegunBeforeItCame: callers
// share reads of the auth epoch, but a read that was already running when
// a caller came may predate the change it must see.
func TestEpochReads_ACallerIsNeverAnsweredByAReadBegunBeforeItCame(t *testing.T) {
	var r epochReads
	started := make(chan int64, 10) // never full: at most 6 reads
	release := make(chan struct{}, 10)
	var reads int64
	read := func() (int64, error) {
		reads++
		n := reads
		started <- n
		<-release
		return n, nil
	}
	ctx := context.Background()
	first := make(chan int64, 1)
	go func() { e, _ := r.get(ctx, read); first <- e }()
	<-started // read 1 runs
	later := make([]chan int64, 5)
	for i := range later {
		later[i] = make(chan int64, 1)
		go func() { e, _ := r.get(ctx, read); later[i] <- e }()
	}
	time.Sleep(20 * time.Millisecond) // the later callers wait for the next read
	release <- struct{}{}
	if e := <-first; e != 1 {
		t.Fatalf("the first caller got read %d, want 1", e)
	}
	for range len(later) { // read 2, shared by the later callers (or more, if one came late)
		release <- struct{}{}
	}
	for i, ch := range later {
		if e := <-ch; e < 2 {
			t.Errorf("caller %d got read %d, begun before it came", i, e)
		}
	}
	if reads > 2 {
		t.Logf("%d reads for 6 callers", reads)
	}
}

// TestWriteChunk_APhotoAnotherServerKeepsLockedIsEUnavailableNotAHang: a
// server cut off from the database keeps its photo lock until PostgreSQL
// notices; a phone that moved to another server is told to retry.
func TestWriteChunk_APhotoAnotherServerKeepsLockedIsEUnavailableNotAHang(t *testing.T) {
	a, b := mustOpenTwo(t)
	mustStreet(t, a)
	ctx := as(worker(gridA))
	rep := mustSubmit(t, a, ctx, newReport(inA))
	data := photoBytes(9, 2000)
	h := photoOf(rep.ID, data)
	mustBegin(t, a, ctx, h)
	was := photoLockWait
	photoLockWait = 200 * time.Millisecond
	t.Cleanup(func() { photoLockWait = was })

	unlock, err := b.lockPhoto(context.Background(), h.ID) // B is stuck mid-chunk
	if err != nil {
		t.Fatal(err)
	}
	_, err = a.WriteChunk(ctx, h.ID, 0, data)
	wantCode(t, err, gridinspect.EUNAVAILABLE)
	unlock()
	wantComplete(t, mustWrite(t, a, ctx, h.ID, 0, data), int64(len(data)))
}
