package store

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gridinspect/gridinspect"
)

// streetOne is what street 1 holds that street 2 must not reach: a case
// pushed from a phone with its photo, a subject it is about, a patrol, a
// routing rule, a patrol schedule, a quarantined mutation and a notice
// prefix.
type streetOne struct {
	worker, everyGrid                    *gridinspect.User // a worker of grid A; a supervisor of every grid
	report, photo, subject, patrol, rule string
	declared                             string // a photo declared, none of its bytes sent
	creditCode, prefix                   string
}

const (
	streetOneCreditCode = "91350100M000100Y43"
	unusedCreditCode    = "91110000802100433B"
)

func mustStreetOne(t *testing.T, db *testDB, worker1 *gridinspect.User) *streetOne {
	t.Helper()
	s := &streetOne{worker: worker1, creditCode: streetOneCreditCode, prefix: "东街安告"}
	w1 := as(mustAuthenticate(t, db, mustLogin(t, db, "zhang.san", testPassword).Token))
	s.everyGrid = mustCreateUser(t, db, &gridinspect.User{Username: "li.si", DisplayName: "李四",
		Role: gridinspect.RoleSupervisor, AllGrids: true})
	s.subject = mustCreateSubject(t, db, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise,
		Name: "某某洗沙场", Location: inA, CreditCode: s.creditCode}).ID
	r := newReport(inA)
	r.SubjectID = s.subject
	noDescription := newReport(inA)
	noDescription.Description = "" // quarantined
	res, _ := mustPush(t, db, w1, reportMutation(1, r), reportMutation(2, noDescription))
	wantOutcome(t, res[0], gridinspect.OutcomeApplied)
	wantOutcome(t, res[1], gridinspect.OutcomeRejected)
	s.report = r.ID
	b := photoBytes(1, 3000)
	h := photoOf(s.report, b)
	mustUpload(t, db, w1, h, b, 1000)
	s.photo = h.ID
	d := photoOf(s.report, photoBytes(2, 3000))
	if _, err := db.BeginUpload(w1, d); err != nil {
		t.Fatal(err)
	}
	s.declared = d.ID
	p := newPatrol()
	p.SubjectID = s.subject
	s.patrol = mustSubmitPatrol(t, db, w1, p).ID
	s.rule = mustSetRule(t, db, &gridinspect.RoutingRule{Name: "东村安全隐患", Category: gridinspect.CategorySafetyHazard,
		GridID: gridA, AssigneeID: worker1.ID, DeadlineDays: 3}).ID
	if _, err := db.SetPatrolSchedule(as(supervisor()), &gridinspect.PatrolSchedule{GridID: gridA,
		Period: gridinspect.PatrolPeriodDay, StartsAt: t0.Add(-72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetNoticePrefix(as(admin()), gridinspect.NoticePrefix{Kind: gridinspect.NoticeHazard, Prefix: s.prefix}); err != nil {
		t.Fatal(err)
	}
	return s
}

// answer is what a caller learns from a call: the error's code and the
// fields it names, and what the call returned.
func answer(got string, err error) string {
	var e *gridinspect.Error
	if errors.As(err, &e) {
		var fields []string
		for _, f := range e.Fields {
			fields = append(fields, f.Field)
		}
		return e.Code + " " + strings.Join(fields, ",")
	}
	if err != nil {
		return "error " + err.Error()
	}
	return "ok " + got
}

// Street 2 asking for, naming or acting on street 1's ids learns what it
// learns of ids that do not exist; street 1 still reaches them.
func TestStreets_AnotherStreetsIDIsAnIDThatDoesNotExist(t *testing.T) {
	db := MustOpenDB(t)
	worker1, admin2, gridC := twoStreets(t, db)
	one := mustStreetOne(t, db, worker1)
	if _, err := db.CreateUser(as(admin2), newUser("wang.wu", gridC), testPassword); err != nil {
		t.Fatal(err)
	}
	worker2 := mustAuthenticate(t, db, mustLogin(t, db, "wang.wu", testPassword).Token)
	inC := gridinspect.Location{Lat: 30.505, Lng: 107.505, AccuracyMeters: 8, Address: "南街 3 号"}
	case2 := mustSubmit(t, db, as(worker2), newReport(inC))
	two, twoWorker := as(admin2), as(worker2)

	for _, c := range []struct {
		name string
		call func(ctx context.Context, id string) (string, error)
		ctx  context.Context // street 2's caller
		id   string          // street 1's
		own  context.Context // street 1's caller, who still reaches it
	}{
		{"GetTimeline", func(ctx context.Context, id string) (string, error) {
			events, _, err := db.GetTimeline(ctx, id)
			return itoa(len(events)), err
		}, two, one.report, as(admin())},
		{"SuggestDispatch", func(ctx context.Context, id string) (string, error) {
			_, err := db.SuggestDispatch(ctx, id)
			return "", err
		}, two, one.report, as(admin())},
		{"GetSubject", func(ctx context.Context, id string) (string, error) {
			f, err := db.GetSubject(ctx, id)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(len(f.Reports), len(f.Patrols)), nil
		}, two, one.subject, as(admin())},
		{"OpenPhoto", func(ctx context.Context, id string) (string, error) {
			_, r, err := db.OpenPhoto(ctx, id)
			if err == nil {
				r.Close()
			}
			return "", err
		}, two, one.photo, as(admin())},
		{"UploadStatus", func(ctx context.Context, id string) (string, error) {
			st, err := db.UploadStatus(ctx, id)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(st.Committed, st.Size, st.Complete), nil
		}, two, one.photo, as(admin())},
		{"UploadStatus of a photo only declared", func(ctx context.Context, id string) (string, error) {
			st, err := db.UploadStatus(ctx, id)
			if err != nil {
				return "", err
			}
			return fmt.Sprint(st.Committed, st.Size, st.Complete), nil
		}, two, one.declared, as(admin())},
		{"UserNames", func(ctx context.Context, id string) (string, error) {
			names, err := db.UserNames(ctx, []string{id})
			return names[id], err
		}, two, one.worker.ID, as(admin())},
		{"a report about the subject", func(ctx context.Context, id string) (string, error) {
			r := newReport(inC)
			if gridinspect.ActorFrom(ctx).Street() == 1 {
				r = newReport(inA)
			}
			r.SubjectID = id
			_, _, err := db.SubmitReport(ctx, r)
			return "", err
		}, two, one.subject, as(worker(gridA))},
		{"a report after the patrol", func(ctx context.Context, id string) (string, error) {
			r := newReport(inC)
			if gridinspect.ActorFrom(ctx).Street() == 1 {
				r = newReport(inA)
			}
			r.PatrolID = id
			_, _, err := db.SubmitReport(ctx, r)
			return "", err
		}, twoWorker, one.patrol, as(worker(gridA))},
		{"a case dispatched to the user", func(ctx context.Context, id string) (string, error) {
			rep := case2.ID
			if gridinspect.ActorFrom(ctx).Street() == 1 {
				rep = one.report
			}
			_, _, err := db.Act(ctx, assign(rep, id), gridinspect.Online)
			return "", err
		}, two, one.everyGrid.ID, as(admin())},
		{"a rule dispatching to the user", func(ctx context.Context, id string) (string, error) {
			_, err := db.SetRoutingRule(ctx, &gridinspect.RoutingRule{Name: "全部安全隐患", Category: gridinspect.CategorySafetyHazard,
				AssigneeID: id, DeadlineDays: 3})
			return "", err
		}, two, one.everyGrid.ID, as(admin())},
		{"a subject with the credit code", func(ctx context.Context, code string) (string, error) {
			loc := inC
			if gridinspect.ActorFrom(ctx).Street() == 1 {
				loc = inA
			}
			_, err := db.CreateSubject(ctx, &gridinspect.Subject{ID: newID(), Kind: gridinspect.SubjectKindEnterprise,
				Name: "另一家", Location: loc, CreditCode: code})
			return "", err
		}, two, one.creditCode, nil}, // street 1 has it: the answer there is "taken"
		{"a notice prefix of another kind", func(ctx context.Context, prefix string) (string, error) {
			_, err := db.SetNoticePrefix(ctx, gridinspect.NoticePrefix{Kind: gridinspect.NoticeEnforcement, Prefix: prefix})
			return "", err
		}, two, one.prefix, nil}, // street 1 has it for another kind: "taken"
		{"DeleteRoutingRule", func(ctx context.Context, id string) (string, error) {
			return "", db.DeleteRoutingRule(ctx, id)
		}, two, one.rule, as(admin())},
		{"RevokeTokens", func(ctx context.Context, id string) (string, error) {
			n, err := db.RevokeTokens(ctx, id)
			return itoa(n), err
		}, two, one.worker.ID, as(admin())},
	} {
		t.Run(c.name, func(t *testing.T) {
			none := newID()
			switch c.name {
			case "a subject with the credit code":
				none = unusedCreditCode
			case "a notice prefix of another kind":
				none = "南街执字"
			}
			other, want := answer(c.call(c.ctx, c.id)), answer(c.call(c.ctx, none))
			if other != want {
				t.Errorf("street 2 with street 1's %s: %s; want the answer for none: %s", c.id, other, want)
			}
			if c.own == nil {
				return
			}
			if got, err := c.call(c.own, c.id); err != nil {
				t.Errorf("street 1 with its own %s: %s", c.id, answer(got, err))
			}
		})
	}
}

// What street 2 lists, pulls or is due holds nothing of street 1's, and
// street 1 still lists its own.
func TestStreets_ListsAndPullsHoldOnlyTheStreetsOwn(t *testing.T) {
	db := MustOpenDB(t)
	worker1, admin2, _ := twoStreets(t, db)
	one := mustStreetOne(t, db, worker1)

	for _, c := range []struct {
		name string
		list func(ctx context.Context) ([]string, error) // ids, or what stands for them
		want string                                      // street 1's, which it lists
		own  context.Context
	}{
		{"ListSubjects", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListSubjects(ctx, gridinspect.SubjectFilter{})
			return ids(l, func(s *gridinspect.Subject) string { return s.ID }), err
		}, one.subject, as(admin())},
		{"ListSubjects by credit code", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListSubjects(ctx, gridinspect.SubjectFilter{Query: one.creditCode})
			return ids(l, func(s *gridinspect.Subject) string { return s.ID }), err
		}, one.subject, as(admin())},
		{"ListPatrols", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListPatrols(ctx, gridinspect.PatrolFilter{})
			return ids(l, func(p *gridinspect.Patrol) string { return p.ID }), err
		}, one.patrol, as(admin())},
		{"ListPatrols of the subject", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListPatrols(ctx, gridinspect.PatrolFilter{SubjectID: one.subject})
			return ids(l, func(p *gridinspect.Patrol) string { return p.ID }), err
		}, one.patrol, as(admin())},
		{"ListRoutingRules", func(ctx context.Context) ([]string, error) {
			l, err := db.ListRoutingRules(ctx)
			return ids(l, func(r *gridinspect.RoutingRule) string { return r.ID }), err
		}, one.rule, as(admin())},
		{"ListPatrolSchedules", func(ctx context.Context) ([]string, error) {
			l, err := db.ListPatrolSchedules(ctx, nil)
			return ids(l, func(s *gridinspect.PatrolSchedule) string { return s.GridID }), err
		}, gridA, as(supervisor())},
		{"ListDuePatrols", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListDuePatrols(ctx, nil, time.Time{})
			return ids(l, func(d *gridinspect.DuePatrol) string { return d.Schedule.GridID }), err
		}, gridA, as(supervisor())},
		{"ListQuarantine", func(ctx context.Context) ([]string, error) {
			l, _, err := db.ListQuarantine(ctx, "", 0, "")
			return ids(l, func(q *gridinspect.Quarantined) string { return q.DeviceID }), err
		}, "phone-1", as(admin())},
		{"NoticePrefixes", func(ctx context.Context) ([]string, error) {
			l, err := db.NoticePrefixes(ctx)
			return ids(l, func(p gridinspect.NoticePrefix) string { return p.Prefix }), err
		}, one.prefix, as(admin())},
		{"Pull", func(ctx context.Context) ([]string, error) {
			page, err := db.Pull(ctx, "", gridinspect.PullLimits{})
			if err != nil {
				return nil, err
			}
			var out []string
			for _, ch := range page.Changes {
				switch {
				case ch.Subject != nil:
					out = append(out, ch.Subject.ID)
				case ch.Patrol != nil:
					out = append(out, ch.Patrol.ID)
				case ch.Report != nil:
					out = append(out, ch.Report.ID)
				}
			}
			return out, nil
		}, one.patrol, as(admin())},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := c.list(as(admin2))
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []string{one.report, one.photo, one.subject, one.patrol, one.rule, gridA, gridB, "phone-1", one.prefix} {
				if slices.Contains(got, id) {
					t.Errorf("street 2 is given street 1's %s (%v)", id, got)
				}
			}
			own, err := c.list(c.own)
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Contains(own, c.want) {
				t.Errorf("street 1 is not given its own %s (%v)", c.want, own)
			}
		})
	}
}

func ids[T any](l []T, id func(T) string) []string {
	out := make([]string, len(l))
	for i, x := range l {
		out[i] = id(x)
	}
	return out
}

// The writes of one group share the routing rules they read, each street
// its own: a group may hold writes of two streets, and the supervision job
// writes for every street in one transaction.
func TestStreets_AWriteGroupReadsEachStreetsOwnRoutingRules(t *testing.T) {
	db := MustOpenDB(t)
	worker1, admin2, gridC := twoStreets(t, db)
	rule1 := mustSetRule(t, db, autoRule(worker1.ID))
	worker2, err := db.CreateUser(as(admin2), newUser("wang.wu", gridC), testPassword)
	if err != nil {
		t.Fatal(err)
	}
	rule2, err := db.SetRoutingRule(as(admin2), &gridinspect.RoutingRule{Name: "南村安全隐患",
		Category: gridinspect.CategorySafetyHazard, GridID: gridC, AssigneeID: worker2.ID, DeadlineDays: 3, Automatic: true})
	if err != nil {
		t.Fatal(err)
	}
	before := routingRuleReads.Load()
	err = db.Write(context.Background(), func(tx *Tx) error {
		for _, c := range []struct {
			street int64
			want   string
		}{{1, rule1.ID}, {2, rule2.ID}, {1, rule1.ID}, {2, rule2.ID}} {
			rules, err := rulesIn(tx, c.street)
			if err != nil {
				return err
			}
			got := ids(rules, func(r *gridinspect.RoutingRule) string { return r.ID })
			if !slices.Equal(got, []string{c.want}) {
				t.Errorf("street %d's rules read in the group: %v, want its own %s", c.street, got, c.want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if reads := routingRuleReads.Load() - before; reads != 2 {
		t.Errorf("the group read the rules %d times, want once per street (2)", reads)
	}
}
