package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/gridinspect/gridinspect"
)

// Pulling, and what a page should hold according to the change table.

func mustPull(tb testing.TB, db *testDB, ctx context.Context, cur string, lim gridinspect.PullLimits) *gridinspect.PullPage {
	tb.Helper()
	page, err := db.Pull(ctx, cur, lim)
	if err != nil {
		tb.Fatalf("pull: %v", err)
	}
	if page.ResetRequired {
		tb.Fatalf("pull: reset required")
	}
	return page
}

// pulledPage is one page as a phone received it: the change numbers it
// covers, (from, to], and what it held.
type pulledPage struct {
	from, to int64
	keys     []string
	cursor   string
}

// cursorSeq returns the change number a cursor stands at.
func cursorSeq(tb testing.TB, db *testDB, cur string) int64 {
	tb.Helper()
	if cur == "" {
		return 0
	}
	// Of any street: a cursor of another street than the one given is
	// foreign, but checked first.
	c, _, err := db.decodeCursor(cur, gridinspect.DefaultStreet)
	if err != nil || c.Instance != db.InstanceID() {
		tb.Fatalf("decode cursor: %v (of instance %v)", err, c)
	}
	return c.Seq
}

// pullPage pulls one page from cur and records it.
func pullPage(tb testing.TB, db *testDB, ctx context.Context, cur string, lim gridinspect.PullLimits) (pulledPage, *gridinspect.PullPage) {
	tb.Helper()
	page := mustPull(tb, db, ctx, cur, lim)
	return pulledPage{from: cursorSeq(tb, db, cur), to: cursorSeq(tb, db, page.NextCursor),
		keys: pageKeys(page.Changes), cursor: page.NextCursor}, page
}

// pullToEnd pulls pages from cur until there are no more.
func pullToEnd(tb testing.TB, db *testDB, ctx context.Context, cur string, lim gridinspect.PullLimits) []pulledPage {
	tb.Helper()
	var pages []pulledPage
	for {
		p, page := pullPage(tb, db, ctx, cur, lim)
		pages = append(pages, p)
		cur = page.NextCursor
		if !page.HasMore {
			return pages
		}
	}
}

// changeKey describes a change by what it names: "report <id> [<event
// ids>]", "grid <id>", "removal grid <id>", ….
func changeKey(c *gridinspect.Change) string {
	switch {
	case c.Report != nil:
		ids := make([]string, len(c.Events))
		for i, e := range c.Events {
			if e.ReportID != c.Report.ID {
				return "report " + c.Report.ID + " with an event of " + e.ReportID
			}
			ids[i] = e.ID
		}
		return "report " + c.Report.ID + " [" + strings.Join(ids, " ") + "]"
	case c.Patrol != nil:
		return "patrol " + c.Patrol.ID
	case c.Subject != nil:
		return "subject " + c.Subject.ID
	case c.Grid != nil:
		return "grid " + c.Grid.ID
	case c.Removal != nil:
		return "removal " + []string{"?", "report", "patrol", "subject", "grid"}[c.Removal.Type] + " " + c.Removal.ID
	}
	return "empty"
}

func pageKeys(cs []*gridinspect.Change) []string {
	keys := make([]string, len(cs))
	for i, c := range cs {
		keys[i] = changeKey(c)
	}
	return keys
}

// wantKeys returns what a page of the changes numbered (from, to] in
// grids (nil: every grid) should hold, read from the change table: each
// thing once, at the place of its last change, a report with the events
// of all its changes.
func wantKeys(tb testing.TB, db *testDB, from, to int64, grids []string) []string {
	tb.Helper()
	type entry struct {
		key    string
		events []string
		last   int
	}
	var order []*entry
	byKey := map[string]*entry{}
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT entity_type, entity_id, grid_id, event_id FROM changes WHERE seq > ? AND seq <= ? ORDER BY seq", from, to)
		if err != nil {
			return err
		}
		defer rows.Close()
		i := 0
		for rows.Next() {
			var typ, id, grid string
			var event sql.NullString
			if err := rows.Scan(&typ, &id, &grid, &event); err != nil {
				return err
			}
			if grids != nil && !slices.Contains(grids, grid) {
				continue
			}
			key := typ + " " + id
			e := byKey[key]
			if e == nil {
				e = &entry{key: key}
				byKey[key] = e
				order = append(order, e)
			}
			if event.Valid {
				e.events = append(e.events, event.String)
			}
			e.last = i
			i++
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	slices.SortFunc(order, func(x, y *entry) int { return x.last - y.last })
	keys := []string{}
	for _, e := range order {
		k := e.key
		if strings.HasPrefix(k, "report ") {
			k += " [" + strings.Join(e.events, " ") + "]"
		}
		keys = append(keys, k)
	}
	return keys
}

func maxChangeSeq(tb testing.TB, db *testDB) int64 {
	tb.Helper()
	var seq int64
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		return tx.QueryRow("SELECT coalesce(max(seq), 0) FROM changes").Scan(&seq)
	})
	if err != nil {
		tb.Fatal(err)
	}
	return seq
}

// checkPages checks that pages follow each other from 0 to the last
// change, and that each holds what the change table says it should.
func checkPages(tb testing.TB, db *testDB, pages []pulledPage, grids []string) {
	tb.Helper()
	var prev int64
	for i, p := range pages {
		if p.from != prev {
			tb.Fatalf("page %d starts after %d, want %d: a change was skipped or repeated", i, p.from, prev)
		}
		if got := p.keys; !slices.Equal(got, wantKeys(tb, db, p.from, p.to, grids)) {
			tb.Fatalf("page %d (%d, %d]:\n got %q\nwant %q", i, p.from, p.to, got, wantKeys(tb, db, p.from, p.to, grids))
		}
		prev = p.to
	}
}

// writeBusily makes changes of every kind from n goroutines, online and
// through Push, and returns once they are all committed.
func writeBusily(tb testing.TB, db *testDB, n, each int) {
	tb.Helper()
	var wg sync.WaitGroup
	for w := range n {
		wg.Go(func() {
			phone := as(onDevice(worker(gridA, gridB), "phone-"+itoa(w)))
			for i := range each {
				loc := inA
				if (w+i)%2 == 1 {
					loc = inB
				}
				rep, _, err := db.SubmitReport(as(worker(gridA, gridB)), newReport(loc))
				if err != nil {
					tb.Error(err)
					return
				}
				if _, _, err := db.Act(as(supervisor()), assign(rep.ID, ""), gridinspect.Online); err != nil {
					tb.Error(err)
					return
				}
				r := newReport(loc)
				_, _, err = db.Push(phone, "phone-"+itoa(w), []*gridinspect.Mutation{
					reportMutation(int64(4*i+1), r), actionMutation(int64(4*i+2), comment(r.ID)),
					actionMutation(int64(4*i+3), progress(rep.ID)), patrolMutation(int64(4*i+4), newPatrol()),
				})
				if err != nil {
					tb.Error(err)
					return
				}
				if i%3 == 0 {
					s := newSubject("户 " + itoa(w) + "-" + itoa(i))
					s.Location = loc
					if _, err := db.CreateSubject(as(admin()), s); err != nil {
						tb.Error(err)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestPull_ALoopUnderConcurrentWritersReturnsEveryChangeOnceAndInOrder(t *testing.T) {
	db, _ := loopStreet(t)
	done := make(chan struct{})
	go func() {
		defer close(done)
		writeBusily(t, db, 4, 8)
	}()

	lim := gridinspect.PullLimits{MaxChanges: 7}
	readers := []struct {
		name  string
		ctx   context.Context
		grids []string
	}{
		{"the whole street", as(supervisor()), nil},
		{"grid A", as(worker(gridA)), []string{gridA}},
	}
	pages := make([][]pulledPage, len(readers))
	curs := make([]string, len(readers))
	finished := make([]bool, len(readers))
	during := make([]int, len(readers)) // pages with changes pulled while the writers wrote
	for !slices.Equal(finished, []bool{true, true}) {
		var writersDone bool
		select {
		case <-done:
			writersDone = true
		default:
		}
		for i, r := range readers {
			if finished[i] {
				continue
			}
			p, page := pullPage(t, db, r.ctx, curs[i], lim)
			pages[i] = append(pages[i], p)
			curs[i] = page.NextCursor
			if !writersDone && len(page.Changes) > 0 {
				during[i]++
			}
			// Done once a pull that began after the last write has
			// nothing more to give.
			finished[i] = writersDone && !page.HasMore
		}
	}
	if t.Failed() {
		t.FailNow()
	}

	last := maxChangeSeq(t, db)
	for i, r := range readers {
		t.Run(r.name, func(t *testing.T) {
			ps := pages[i]
			t.Logf("%d pages, %d of them with changes pulled while the writers wrote", len(ps), during[i])
			if during[i] == 0 {
				t.Error("no page was pulled while the writers wrote")
			}
			checkPages(t, db, ps, r.grids)
			if end := ps[len(ps)-1].to; r.grids == nil && end != last {
				t.Errorf("the pull ended at %d, want %d", end, last)
			}
			// Every event of a case in scope, exactly once.
			var got []string
			for _, p := range ps {
				for _, k := range p.keys {
					if _, evs, ok := strings.Cut(k, "["); ok {
						got = append(got, strings.Fields(strings.TrimSuffix(evs, "]"))...)
					}
				}
			}
			want := eventIDs(t, db, r.grids)
			slices.Sort(got)
			if !slices.Equal(got, want) {
				t.Errorf("got %d events, want the %d in scope once each", len(got), len(want))
			}
		})
	}
}

// eventIDs returns the ids of the events of reports in grids (nil: all),
// sorted.
func eventIDs(tb testing.TB, db *testDB, grids []string) []string {
	tb.Helper()
	var ids []string
	err := db.Read(context.Background(), func(tx *sql.Tx) error {
		rows, err := tx.Query("SELECT e.id, r.grid_id FROM events e JOIN reports r ON r.id = e.report_id ORDER BY e.id")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, grid string
			if err := rows.Scan(&id, &grid); err != nil {
				return err
			}
			if grids == nil || slices.Contains(grids, grid) {
				ids = append(ids, id)
			}
		}
		return rows.Err()
	})
	if err != nil {
		tb.Fatal(err)
	}
	return ids
}

func TestPull_ResumingFromAnyCursorReturnsExactlyTheRest(t *testing.T) {
	db, _ := loopStreet(t)
	writeBusily(t, db, 2, 5)
	for _, tt := range []struct {
		name  string
		ctx   context.Context
		grids []string
	}{
		{"the whole street", as(admin()), nil},
		{"grid B", as(worker(gridB)), []string{gridB}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pages := pullToEnd(t, db, tt.ctx, "", gridinspect.PullLimits{MaxChanges: 3})
			checkPages(t, db, pages, tt.grids)
			end := pages[len(pages)-1].to
			cursors := []string{""}
			for _, p := range pages {
				cursors = append(cursors, p.cursor)
			}
			for i, cur := range cursors {
				from := cursorSeq(t, db, cur)
				rest := mustPull(t, db, tt.ctx, cur, gridinspect.PullLimits{MaxChanges: gridinspect.MaxPushMutations})
				if rest.HasMore || cursorSeq(t, db, rest.NextCursor) != end {
					t.Fatalf("cursor %d: the rest ends at %d (has more %v), want %d", i, cursorSeq(t, db, rest.NextCursor), rest.HasMore, end)
				}
				if got, want := pageKeys(rest.Changes), wantKeys(t, db, from, end, tt.grids); !slices.Equal(got, want) {
					t.Fatalf("cursor %d (after %d):\n got %q\nwant %q", i, from, got, want)
				}
			}
		})
	}
}

func TestPull_AThingChangedSeveralTimesInAPageComesOnceWithAllItsEvents(t *testing.T) {
	db, _ := loopStreet(t)
	cur := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{}).NextCursor
	first := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	second := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	_, assigned := mustAct(t, db, as(supervisor()), assign(first.ID, ""))
	now, progressed := mustAct(t, db, as(worker(gridA)), progress(first.ID))

	page := mustPull(t, db, as(admin()), cur, gridinspect.PullLimits{})
	if len(page.Changes) != 2 {
		t.Fatalf("%d changes, want 2: %q", len(page.Changes), pageKeys(page.Changes))
	}
	if page.Changes[0].Report.ID != second.ID {
		t.Errorf("first change is %s, want the report whose last change came first", changeKey(page.Changes[0]))
	}
	c := page.Changes[1]
	assertEqual(t, c.Report, now)
	assertEqual(t, c.Events, append(mustTimeline(t, db, first.ID)[:1], assigned, progressed))
	if page.HasMore {
		t.Error("has more")
	}
}

func TestPull_GridsAndSubjectsReachThePhonesWhoseScopeCoversThem(t *testing.T) {
	db, _ := loopStreet(t)
	inGridA := mustCreateSubject(t, db, newSubject("张三家"))
	other := newSubject("李四家")
	other.Location = inB
	mustCreateSubject(t, db, other)
	patrol := mustSubmitPatrol(t, db, as(worker(gridA)), newPatrol())

	page := mustPull(t, db, as(worker(gridA)), "", gridinspect.PullLimits{})
	want := []string{"grid " + gridA, "subject " + inGridA.ID, "patrol " + patrol.ID}
	if got := pageKeys(page.Changes); !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	assertEqual(t, page.Changes[1].Subject, inGridA)
	assertEqual(t, page.Changes[2].Patrol, patrol)
}

func TestPull_APageIsBoundedByBytes(t *testing.T) {
	db, _ := loopStreet(t)
	for range 20 {
		rep := mustSubmit(t, db, as(worker(gridA)), newReport(inA))
		mustAct(t, db, as(worker(gridA)), comment(rep.ID))
	}
	one := jsonSize(&gridinspect.Change{Report: mustGetReport(t, db, mustList(t, db, gridinspect.ReportFilter{})[0])})
	for _, tt := range []struct {
		name     string
		maxBytes int
	}{
		{"a few reports a page", 5 * one},
		{"less than one change: one a page", 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var sizes []int
			lim := gridinspect.PullLimits{MaxBytes: tt.maxBytes, Size: func(c *gridinspect.Change) int {
				n := jsonSize(c)
				sizes = append(sizes, n)
				return n
			}}
			pages := pullToEnd(t, db, as(admin()), "", lim)
			checkPages(t, db, pages, nil)
			if pages[len(pages)-1].to != maxChangeSeq(t, db) {
				t.Fatal("the pull did not reach the end")
			}
			cur := ""
			for {
				page := mustPull(t, db, as(admin()), cur, lim)
				total := 0
				for _, c := range page.Changes {
					total += jsonSize(c)
				}
				if total > tt.maxBytes && len(page.Changes) > 1 {
					t.Fatalf("a page of %d changes is %d bytes, more than %d", len(page.Changes), total, tt.maxBytes)
				}
				if len(page.Changes) == 0 && page.HasMore {
					t.Fatal("an empty page with more to come: no progress")
				}
				if !page.HasMore {
					break
				}
				cur = page.NextCursor
			}
			if len(sizes) == 0 {
				t.Error("the size function was not used")
			}
		})
	}
}

func TestPull_PageSizes(t *testing.T) {
	db, _ := loopStreet(t)
	for range 5 {
		mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	}
	page := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{MaxChanges: 3})
	if len(page.Changes) != 3 || !page.HasMore {
		t.Errorf("%d changes, has more %v; want 3 and more", len(page.Changes), page.HasMore)
	}
	page = mustPull(t, db, as(admin()), "", gridinspect.PullLimits{})
	if len(page.Changes) != 7 || page.HasMore { // 2 grids, 5 reports
		t.Errorf("%d changes, has more %v; want 7 and no more", len(page.Changes), page.HasMore)
	}
	_, err := db.Pull(as(admin()), "", gridinspect.PullLimits{MaxChanges: -1})
	wantField(t, err, "page_size")
	_, err = db.Pull(context.Background(), "", gridinspect.PullLimits{})
	wantCode(t, err, gridinspect.EUNAUTHENTICATED)
}

func TestPull_ATamperedCursorIsInvalid(t *testing.T) {
	db, _ := loopStreet(t)
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	ctx := as(worker(gridA))
	cur := mustPull(t, db, ctx, "", gridinspect.PullLimits{MaxChanges: 1}).NextCursor
	raw, err := base64.RawURLEncoding.DecodeString(cur)
	if err != nil {
		t.Fatal(err)
	}
	payload, mac := raw[:len(raw)-32], raw[len(raw)-32:]
	resign := func(edit func(c *cursor)) string {
		var c cursor
		if err := json.Unmarshal(payload, &c); err != nil {
			t.Fatal(err)
		}
		edit(&c)
		b, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		return base64.RawURLEncoding.EncodeToString(append(b, mac...))
	}
	flipped := slices.Clone(raw)
	flipped[len(flipped)-1] ^= 1
	otherKey := &DB{cursorKey: make([]byte, cursorKeyBytes)}

	for _, tt := range []struct{ name, cursor string }{
		{"not base64", "!!!!"},
		{"too short", base64.RawURLEncoding.EncodeToString([]byte("short"))},
		{"a changed number", resign(func(c *cursor) { c.Seq = 0 })},
		{"a widened scope", resign(func(c *cursor) { c.AllGrids = true })},
		{"another grid", resign(func(c *cursor) { c.Grids = []string{gridB} })},
		{"a flipped bit of the signature", base64.RawURLEncoding.EncodeToString(flipped)},
		{"no signature", base64.RawURLEncoding.EncodeToString(payload)},
		{"signed with another key", otherKey.encodeCursor(cursor{Instance: db.InstanceID(), Seq: 1, Grids: []string{gridA}})},
		{"a page token", pageToken{Filter: "x", ID: "y"}.encode()},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := db.Pull(ctx, tt.cursor, gridinspect.PullLimits{})
			wantField(t, err, "cursor")
		})
	}
}

func TestPull_ACursorFromAnotherDatabaseStartsAgain(t *testing.T) {
	db, _ := loopStreet(t)
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	cur := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{}).NextCursor

	other := MustOpenDB(t)
	mustStreet(t, other)
	page, err := other.Pull(as(admin()), cur, gridinspect.PullLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if !page.ResetRequired || len(page.Changes) != 0 || page.NextCursor != "" {
		t.Errorf("page %+v, want reset required and nothing else", page)
	}
	if page := mustPull(t, other, as(admin()), "", gridinspect.PullLimits{}); len(page.Changes) != 2 {
		t.Errorf("starting again: %d changes, want the 2 grids", len(page.Changes))
	}
}

func TestPull_ACursorFromBeforeABackupWasRestoredStartsAgain(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's backup
	db, _ := loopStreet(t)
	mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	path, clock := db.Path(), db.clock
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	copyFile(t, path, backup)

	db = mustOpenAt(t, path, clock)
	for range 3 {
		mustSubmit(t, db, as(worker(gridA)), newReport(inA))
	}
	cur := mustPull(t, db, as(admin()), "", gridinspect.PullLimits{}).NextCursor
	if err := db.Close(context.Background()); err != nil {
		t.Fatal(err)
	}

	restored := mustOpenAt(t, backup, clock)
	if restored.InstanceID() != db.InstanceID() {
		t.Fatal("the backup has another instance id")
	}
	wantReset := func(why string) {
		t.Helper()
		page, err := restored.Pull(as(admin()), cur, gridinspect.PullLimits{})
		if err != nil {
			t.Fatal(err)
		}
		if !page.ResetRequired || len(page.Changes) != 0 {
			t.Errorf("%s: page %+v, want reset required", why, page)
		}
	}
	wantReset("the cursor is past the restored database's last change")
	for range 5 {
		mustSubmit(t, restored, as(worker(gridA)), newReport(inA))
	}
	wantReset("the restored database has grown past the cursor with other changes")
}

func copyFile(tb testing.TB, from, to string) {
	tb.Helper()
	in, err := os.Open(from)
	if err != nil {
		tb.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		tb.Fatal(err)
	}
	if err := out.Close(); err != nil {
		tb.Fatal(err)
	}
}

func TestPull_TheCallersScopeAtTheTimeOfThePull(t *testing.T) {
	for _, tt := range []struct {
		name     string
		before   *gridinspect.Actor
		after    *gridinspect.Actor
		reset    bool
		removals []string // grids removed, in order, at the start of the page
	}{
		{"a worker whose grids stay the same", worker(gridA), worker(gridA), false, nil},
		{"a worker who loses a grid gets only its removal", worker(gridA, gridB), worker(gridA), false, []string{gridB}},
		// Gained wins: starting again removes grid A from the phone too.
		{"a worker moved from grid A to grid B starts again", worker(gridA), worker(gridB), true, nil},
		{"a worker given another grid starts again", worker(gridA), worker(gridA, gridB), true, nil},
		{"a supervisor of the street narrowed to grid A", supervisor(), supervisor(gridA), false, []string{gridB}},
		{"a worker made supervisor of the street starts again", worker(gridA), supervisor(), true, nil},
		{"a worker who loses every grid", worker(gridA, gridB), worker(), false, []string{gridA, gridB}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			db, _ := loopStreet(t)
			mustSubmit(t, db, as(admin()), newReport(inA))
			mustSubmit(t, db, as(admin()), newReport(inB))
			pages := pullToEnd(t, db, as(tt.before), "", gridinspect.PullLimits{})
			cur := pages[len(pages)-1].cursor
			from := cursorSeq(t, db, cur)
			mustSubmit(t, db, as(admin()), newReport(inA))
			mustSubmit(t, db, as(admin()), newReport(inB))

			page, err := db.Pull(as(tt.after), cur, gridinspect.PullLimits{})
			if err != nil {
				t.Fatal(err)
			}
			if page.ResetRequired != tt.reset {
				t.Fatalf("reset required = %v, want %v", page.ResetRequired, tt.reset)
			}
			if tt.reset {
				if len(page.Changes) != 0 {
					t.Errorf("%d changes with a reset", len(page.Changes))
				}
				return
			}
			var want []string
			for _, g := range tt.removals {
				want = append(want, "removal grid "+g)
			}
			var grids []string
			if !tt.after.AllGrids {
				grids = append([]string{}, tt.after.GridIDs...)
			}
			want = append(want, wantKeys(t, db, from, maxChangeSeq(t, db), grids)...)
			if got := pageKeys(page.Changes); !slices.Equal(got, want) {
				t.Fatalf("got %q\nwant %q", got, want)
			}
			// The next cursor covers the new scope: no removal again.
			next := mustPull(t, db, as(tt.after), page.NextCursor, gridinspect.PullLimits{})
			if len(next.Changes) != 0 {
				t.Errorf("the next pull has %q", pageKeys(next.Changes))
			}
		})
	}
}

func TestPull_RemovalsCountAgainstThePageSize(t *testing.T) {
	db, _ := loopStreet(t)
	mustSubmit(t, db, as(admin()), newReport(inA))
	cur := pullToEnd(t, db, as(worker(gridA, gridB)), "", gridinspect.PullLimits{})[0].cursor
	mustSubmit(t, db, as(admin()), newReport(inA))

	page := mustPull(t, db, as(worker(gridA)), cur, gridinspect.PullLimits{MaxChanges: 1})
	if got := pageKeys(page.Changes); len(got) != 1 || got[0] != "removal grid "+gridB || !page.HasMore {
		t.Fatalf("got %q (has more %v), want only the removal, and more", got, page.HasMore)
	}
	page = mustPull(t, db, as(worker(gridA)), page.NextCursor, gridinspect.PullLimits{MaxChanges: 1})
	if len(page.Changes) != 1 || page.Changes[0].Report == nil || page.HasMore {
		t.Fatalf("got %q (has more %v), want the new report", pageKeys(page.Changes), page.HasMore)
	}
}

func TestPull_ChangesAreReadInOrderFromAnIndex(t *testing.T) {
	onlyOn(t, "sqlite") // SQLite's query plans (EXPLAIN QUERY PLAN)
	db, _ := loopStreet(t)
	for _, tt := range []struct {
		name string
		q    *query
		want string
	}{
		{"the whole street", changesQuery(1, 10, "", 200), "SEARCH changes USING INTEGER PRIMARY KEY (rowid>?)"},
		{"one grid", changesQuery(1, 10, gridA, 200), "SEARCH changes USING INDEX changes_grid_seq (grid_id=? AND seq>?)"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if plan := explain(t, db, tt.q); len(plan) != 1 || plan[0] != tt.want {
				t.Errorf("plan %q, want %q", plan, tt.want)
			}
		})
	}
}
