package store

import (
	"context"
	"database/sql"
	"sync"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// The writer per street (docs/tenants.md, "Writing: a counter row per
// street"): a group is one street's writes, the lock and the grids'
// version are the group's street's, the caches and the cursor are per
// street.

// inGridC2 is a point in street 2's grid of twoStreets.
var inGridC2 = gridinspect.Location{Lat: 30.505, Lng: 107.505, AccuracyMeters: 8, Address: "南街 3 号"}

func TestStreets_AGridOfAnotherStreetNeverPlacesAReport(t *testing.T) {
	db := MustOpenDB(t)
	_, admin2, _ := twoStreets(t, db)
	// Street 1 places a case first, so that its grids are cached.
	if r := mustSubmit(t, db, as(admin()), newReport(inA)); r.GridID != gridA {
		t.Fatalf("placed in %s, want grid A", r.GridID)
	}
	// A grid of street 2 over all of street 1's ground and beyond, named
	// to come first where grids overlap.
	over := mustCreateGridBy(t, db, admin2, &gridinspect.Grid{ID: newID(), Name: "0号", Kind: gridinspect.GridKindVillage,
		Boundary: square(29.49, 106.49, 29.62, 106.62)})
	for _, c := range []struct {
		name     string
		actor    *gridinspect.Actor
		at       gridinspect.Location
		wantGrid string // "" for "not inside any grid"
	}{
		{"street 1's case in its grid", admin(), inA, gridA},
		{"street 1's case outside its grids", admin(), inNone, ""},
		{"street 2's case", admin2, inNone, over.ID},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, _, err := db.SubmitReport(as(c.actor), newReport(c.at))
			if c.wantGrid == "" {
				wantField(t, err, "report.location")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.GridID != c.wantGrid {
				t.Errorf("placed in %s, want %s", r.GridID, c.wantGrid)
			}
		})
	}
}

func mustCreateGridBy(tb testing.TB, db *testDB, a *gridinspect.Actor, g *gridinspect.Grid) *gridinspect.Grid {
	tb.Helper()
	got, err := db.CreateGrid(as(a), g)
	if err != nil {
		tb.Fatalf("create grid %s: %v", g.Name, err)
	}
	return got
}

// On PostgreSQL the writer of one server learns that another wrote a
// street's grids from that street's grids_version, read as it locks the
// street.
func TestStreets_AGridMadeOnOneServerPlacesTheStreetsNextCaseOnAnother(t *testing.T) {
	a, b := mustOpenTwo(t)
	_, admin2, _ := twoStreets(t, a)
	_, _, err := b.SubmitReport(as(admin2), newReport(inNone)) // server B caches street 2's grids
	wantField(t, err, "report.location")
	g := mustCreateGridBy(t, a, admin2, &gridinspect.Grid{ID: newID(), Name: "山上", Kind: gridinspect.GridKindVillage,
		Boundary: square(29.60, 106.60, 29.61, 106.61)})
	r, _, err := b.SubmitReport(as(admin2), newReport(inNone))
	if err != nil {
		t.Fatalf("server B, after the grid was made on server A: %v", err)
	}
	if r.GridID != g.ID {
		t.Errorf("placed in %s, want the new grid %s", r.GridID, g.ID)
	}
}

func TestAuthenticate_ARevocationInAnotherStreetOnOneServerIsRefusedOnAnotherOnTheNextCall(t *testing.T) {
	tests := []struct {
		name   string
		revoke func(t *testing.T, on *testDB, admin2 *gridinspect.Actor, u *gridinspect.User, s *gridinspect.Session)
	}{
		{"Logout", func(t *testing.T, on *testDB, _ *gridinspect.Actor, _ *gridinspect.User, s *gridinspect.Session) {
			a := mustAuthenticate(t, on, s.Token)
			if err := on.Logout(gridinspect.NewContext(context.Background(), a)); err != nil {
				t.Fatal(err)
			}
		}},
		{"RevokeTokens", func(t *testing.T, on *testDB, admin2 *gridinspect.Actor, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.RevokeTokens(as(admin2), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
		{"DisableUser", func(t *testing.T, on *testDB, admin2 *gridinspect.Actor, u *gridinspect.User, _ *gridinspect.Session) {
			if _, err := on.DisableUser(as(admin2), u.ID); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := mustOpenTwo(t)
			_, admin2, gridC := twoStreets(t, a)
			u, err := a.CreateUser(as(admin2), newUser("wang.wu", gridC), testPassword)
			if err != nil {
				t.Fatal(err)
			}
			s := mustLogin(t, a, "wang.wu", testPassword)
			if w := mustAuthenticate(t, b, s.Token); w.Street() != 2 {
				t.Fatalf("street 2's worker acts in street %d", w.Street())
			}
			mustAuthenticate(t, b, s.Token)
			if b.auth.len() != 1 {
				t.Fatalf("server B caches %d tokens, want 1", b.auth.len())
			}

			tt.revoke(t, a, admin2, u, s)
			_, err = b.Authenticate(context.Background(), s.Token)
			wantRefusedToken(t, err)
		})
	}
}

func TestWrite_WritesOfTwoStreetsQueuedTogetherCommitInOneGroupPerStreet(t *testing.T) {
	db := MustOpenDB(t)
	if _, _, err := db.CreateStreet(context.Background(), "西街道", "admin2"); err != nil {
		t.Fatal(err)
	}
	street2 := &gridinspect.Actor{UserID: newID(), Role: gridinspect.RoleAdmin, AllGrids: true, StreetID: 2}

	type ran struct {
		street int64
		group  *group
	}
	var mu sync.Mutex
	var writes []ran
	record := func(tx *Tx) error {
		mu.Lock()
		defer mu.Unlock()
		writes = append(writes, ran{tx.Street, tx.group})
		return nil
	}
	// A write holds the writer while the others queue.
	started, release, blocked := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		blocked <- db.Write(as(admin()), func(tx *Tx) error {
			close(started)
			<-release
			return nil
		})
	}()
	<-started
	const queued = 10
	var wg sync.WaitGroup
	errs := make(chan error, queued)
	for i := range queued {
		actor := admin()
		if i%2 == 1 {
			actor = street2
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- db.Write(as(actor), record)
		}()
	}
	for deadline := time.Now().Add(10 * time.Second); len(db.queue) < queued; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%d writes queued, want %d", len(db.queue), queued)
		}
	}
	close(release)
	wg.Wait()
	close(errs)
	if err := <-blocked; err != nil {
		t.Fatal(err)
	}
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	streets := map[*group]map[int64]int{}
	for _, w := range writes {
		if streets[w.group] == nil {
			streets[w.group] = map[int64]int{}
		}
		streets[w.group][w.street]++
	}
	for _, s := range streets {
		if len(s) != 1 {
			t.Errorf("a group held writes of several streets: %v", s)
		}
	}
	if len(streets) != 2 {
		t.Errorf("%d writes of 2 streets queued together ran in %d groups, want 2: %v", queued, len(streets), streets)
	}
}

// mustSubjectBy makes a subject at loc as actor.
func mustSubjectBy(tb testing.TB, db *testDB, actor *gridinspect.Actor, name string, loc gridinspect.Location) *gridinspect.Subject {
	tb.Helper()
	s := newSubject(name)
	s.Location = loc
	got, err := db.CreateSubject(as(actor), s)
	if err != nil {
		tb.Fatalf("create subject %s: %v", name, err)
	}
	return got
}

// streetPhone is a phone of one street pulling through one server.
type streetPhone struct {
	db     *testDB
	actor  *gridinspect.Actor
	cur    string
	pulled map[string]bool
}

func (p *streetPhone) pull(tb testing.TB) {
	tb.Helper()
	for _, page := range pullToEnd(tb, p.db, as(p.actor), p.cur, gridinspect.PullLimits{}) {
		for _, k := range page.keys {
			p.pulled[k] = true
		}
		p.cur = page.cursor
	}
}

// TestChanges_AStreetsWriteDoesNotWaitForAnotherStreetsAndNoCursorSkips
// forces, as TestChanges_ACursorNeverSkipsAChangeCommittedLate does, the
// race of two servers on one PostgreSQL database, with two streets: server
// A numbers a change of street 1 and does not commit; server B's write of
// street 2 commits meanwhile (the streets' locks are apart), its write of
// street 1 waits for A; each street's phone pulls in between. Neither
// phone skips a change, nor gets the other street's.
func TestChanges_AStreetsWriteDoesNotWaitForAnotherStreetsAndNoCursorSkips(t *testing.T) {
	a, b := mustOpenTwo(t)
	_, admin2, _ := twoStreets(t, a)
	s1 := mustSubjectBy(t, a, admin(), "张三家", inA)
	s1b := mustSubjectBy(t, a, admin(), "李四家", inB)
	s2 := mustSubjectBy(t, a, admin2, "王五家", inGridC2)
	phone1 := &streetPhone{db: a, actor: admin(), pulled: map[string]bool{}}
	phone2 := &streetPhone{db: b, actor: admin2, pulled: map[string]bool{}}
	phone1.pull(t)
	phone2.pull(t)
	clear(phone1.pulled)
	clear(phone2.pulled)

	aNumbered, releaseA, aDone := make(chan struct{}), make(chan struct{}), make(chan error, 1)
	go func() {
		aDone <- a.Write(as(admin()), func(tx *Tx) error {
			if err := recordChange(tx, "subject", s1.ID, gridA); err != nil {
				return err
			}
			close(aNumbered)
			<-releaseA
			return nil
		})
	}()
	select {
	case <-aNumbered:
	case err := <-aDone:
		t.Fatalf("server A's write: %v", err)
	}
	other := make(chan error, 1)
	go func() {
		other <- b.Write(as(admin2), func(tx *Tx) error { return recordChange(tx, "subject", s2.ID, s2.GridID) })
	}()
	otherDone := false
	select {
	case err := <-other:
		if err != nil {
			t.Fatalf("server B's write of street 2: %v", err)
		}
		otherDone = true
	case <-time.After(5 * time.Second):
		t.Error("server B's write of street 2 waited for server A's write of street 1")
	}
	same := make(chan error, 1)
	go func() {
		same <- b.Write(as(admin()), func(tx *Tx) error { return recordChange(tx, "subject", s1b.ID, gridB) })
	}()
	select {
	case err := <-same:
		t.Errorf("server B's write of street 1 did not wait for server A's (%v)", err)
	case <-time.After(300 * time.Millisecond):
	}
	phone1.pull(t) // in between
	phone2.pull(t)
	close(releaseA)
	for _, done := range []chan error{aDone, same} {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	if !otherDone {
		if err := <-other; err != nil {
			t.Fatal(err)
		}
	}
	phone1.pull(t)
	phone2.pull(t)
	for _, c := range []struct {
		phone     *streetPhone
		want, not []string
	}{
		{phone1, []string{"subject " + s1.ID, "subject " + s1b.ID}, []string{"subject " + s2.ID}},
		{phone2, []string{"subject " + s2.ID}, []string{"subject " + s1.ID, "subject " + s1b.ID}},
	} {
		for _, k := range c.want {
			if !c.phone.pulled[k] {
				t.Errorf("street %d's phone never pulled %s: its cursor skipped it", c.phone.actor.Street(), k)
			}
		}
		for _, k := range c.not {
			if c.phone.pulled[k] {
				t.Errorf("street %d's phone pulled the other street's %s", c.phone.actor.Street(), k)
			}
		}
	}
}

// Writes of two streets at once, through one server (SQLite) or two
// (PostgreSQL), with each street's phone pulling throughout: each phone
// gets every change of its street and none of the other's, and on
// PostgreSQL each street's sequence is 1, 2, 3… with no gap. (SQLite's
// sequence is the file's, one for its streets: increasing, with the other
// streets' numbers between a street's.)
func TestChanges_InterleavedWritesOfTwoStreetsKeepEachStreetsSequenceWhole(t *testing.T) {
	a := MustOpenDB(t)
	_, admin2, _ := twoStreets(t, a)
	servers := []*testDB{a}
	if testEngine == postgres {
		servers = append(servers, mustOpenAt(t, a.Path(), a.clock))
	}
	phones := []*streetPhone{
		{db: a, actor: admin(), pulled: map[string]bool{}},
		{db: servers[len(servers)-1], actor: admin2, pulled: map[string]bool{}},
	}
	const perWriter = 12
	type writer struct {
		db    *testDB
		actor *gridinspect.Actor
		at    gridinspect.Location
	}
	var writers []writer
	for _, s := range servers {
		writers = append(writers, writer{s, admin(), inA}, writer{s, admin2, inGridC2})
	}
	made := make([][]string, len(writers))
	errs := make(chan error, len(writers))
	var wg sync.WaitGroup
	for i, w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range perWriter {
				s := newSubject("户")
				s.Location = w.at
				got, err := w.db.CreateSubject(as(w.actor), s)
				if err != nil {
					errs <- err
					return
				}
				made[i] = append(made[i], "subject "+got.ID)
			}
		}()
	}
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	for running := true; running; {
		select {
		case <-done:
			running = false
		default:
		}
		for _, p := range phones {
			p.pull(t)
		}
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for i, w := range writers {
		for _, p := range phones {
			mine := p.actor.Street() == w.actor.Street()
			for _, k := range made[i] {
				if p.pulled[k] != mine {
					t.Errorf("street %d's phone pulled %s of street %d: %v", p.actor.Street(), k, w.actor.Street(), p.pulled[k])
				}
			}
		}
	}
	if testEngine != postgres {
		return
	}
	err := a.Read(context.Background(), func(tx *sql.Tx) error {
		for _, street := range []int64{1, 2} {
			rows, err := tx.Query("SELECT seq FROM changes WHERE street_id = ? ORDER BY seq", street)
			if err != nil {
				return err
			}
			var want int64 = 1
			for rows.Next() {
				var seq int64
				if err := rows.Scan(&seq); err != nil {
					rows.Close()
					return err
				}
				if seq != want {
					t.Errorf("street %d: change %d follows %d", street, seq, want-1)
				}
				want = seq + 1
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestPull_ACursorOfAnotherStreetStartsAgain(t *testing.T) {
	db := MustOpenDB(t)
	empty := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{}).NextCursor // street 1 before its first change
	_, admin2, _ := twoStreets(t, db)
	mustSubmit(t, db, as(admin()), newReport(inA))
	last := func(a *gridinspect.Actor) string {
		pages := pullToEnd(t, db, as(a), "", gridinspect.PullLimits{})
		return pages[len(pages)-1].cursor
	}
	street1, street2 := last(admin()), last(admin2)
	for _, c := range []struct {
		name      string
		cur       string
		actor     *gridinspect.Actor
		wantReset bool
	}{
		{"street 1's cursor before any change, in street 2", empty, admin2, true},
		{"street 1's cursor, in street 2", street1, admin2, true},
		{"street 2's cursor, in street 1", street2, admin(), true},
		{"street 2's cursor, in street 2", street2, admin2, false},
		{"street 1's cursor, in street 1", street1, admin(), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			page, err := db.Pull(as(c.actor), c.cur, gridinspect.PullLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if page.ResetRequired != c.wantReset {
				t.Errorf("reset required %v, want %v (%v)", page.ResetRequired, c.wantReset, pageKeys(page.Changes))
			}
			if c.wantReset && len(page.Changes) > 0 {
				t.Errorf("a reset brings changes: %v", pageKeys(page.Changes))
			}
		})
	}
}

// Supervision escalates every street's overdue cases, each in writes of
// its own street: its event and change are its street's.
func TestSupervision_EveryStreetsOverdueCasesAreEscalatedInTheirStreet(t *testing.T) {
	db := MustOpenDB(t)
	_, admin2, _ := twoStreets(t, db)
	supervisor2 := &gridinspect.Actor{UserID: supervisorID, Username: "sup", Role: gridinspect.RoleSupervisor,
		AllGrids: true, StreetID: 2}
	soon := db.clock.Now().Add(24 * time.Hour)
	cases := map[*gridinspect.Actor]string{}
	for _, c := range []struct{ submitter, assigner, reader *gridinspect.Actor }{
		{admin(), supervisor(), admin()},
		{admin2, supervisor2, admin2},
	} {
		at := inA
		if c.submitter.Street() == 2 {
			at = inGridC2
		}
		rep := mustSubmit(t, db, as(c.submitter), newReport(at))
		if _, _, err := db.Act(as(c.assigner), assignBy(rep.ID, "", soon), gridinspect.Online); err != nil {
			t.Fatal(err)
		}
		cases[c.reader] = rep.ID
	}
	db.clock.Add(2 * 24 * time.Hour)
	if n := mustSupervise(t, db); n != 2 {
		t.Errorf("%d cases escalated, want one in each street", n)
	}
	for reader, id := range cases {
		rep, err := db.GetReport(as(reader), id)
		if err != nil {
			t.Fatal(err)
		}
		if !rep.SupervisedDeadline.Equal(soon) {
			t.Errorf("street %d's case escalated for %v, want its deadline %v", reader.Street(), rep.SupervisedDeadline, soon)
		}
	}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		var wrong int
		if err := tx.QueryRow(`SELECT count(*) FROM events AS e JOIN reports AS r ON r.id = e.report_id
			WHERE e.type = ? AND e.street_id <> r.street_id`, gridinspect.EventReportSupervised).Scan(&wrong); err != nil {
			return err
		}
		if wrong != 0 {
			t.Errorf("%d escalations written in another street than their case's", wrong)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n := mustSupervise(t, db); n != 0 {
		t.Errorf("%d escalated again", n)
	}
}
