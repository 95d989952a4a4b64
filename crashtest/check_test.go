//go:build unix

package crashtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// listPageSize is the largest page ListReports and ListPatrols give.
const listPageSize = 500

// maxTimelines bounds the timelines the check reads: every report sent
// more than once, up to this many, then a random sample of the rest.
const maxTimelines = 150

// snapshot is the ids on the server, by how many times each is listed.
type snapshot struct {
	reports, patrols map[string]int
}

// listAll lists every report and patrol the supervisor sees, paging
// through them all.
func listAll(ctx context.Context, sup *phone) (snapshot, error) {
	s := snapshot{reports: map[string]int{}, patrols: map[string]int{}}
	req := &pb.ListReportsRequest{PageSize: listPageSize}
	for {
		var page *pb.ListReportsResponse
		err := sup.retry(ctx, "list reports", &sup.f.other, func(ctx context.Context) error {
			var err error
			page, err = sup.rep.ListReports(ctx, req)
			return err
		})
		if err != nil {
			return s, fmt.Errorf("list reports: %w", err)
		}
		for _, r := range page.GetReports() {
			s.reports[r.GetId()]++
		}
		if page.GetNextPageToken() == "" {
			break
		}
		req = proto.CloneOf(req)
		req.PageToken = page.GetNextPageToken()
	}
	preq := &pb.ListPatrolsRequest{PageSize: listPageSize}
	for {
		var page *pb.ListPatrolsResponse
		err := sup.retry(ctx, "list patrols", &sup.f.other, func(ctx context.Context) error {
			var err error
			page, err = sup.rep.ListPatrols(ctx, preq)
			return err
		})
		if err != nil {
			return s, fmt.Errorf("list patrols: %w", err)
		}
		for _, p := range page.GetPatrols() {
			s.patrols[p.GetId()]++
		}
		if page.GetNextPageToken() == "" {
			break
		}
		preq = proto.CloneOf(preq)
		preq.PageToken = page.GetNextPageToken()
	}
	return s, nil
}

// verdict is what the set check found: the ids lost, unexpected and
// duplicated, each with what the API and the database said of it.
type verdict struct {
	lost, unexpected, duplicated faults
	// problems are the rest: a demo id gone, a broken hash chain, a
	// ledger row that does not match, an anomaly a phone saw.
	problems  []string
	timelines int // timelines read
	ledger    int // ledger rows of the phones' mutations
}

// faults holds, by id, what is wrong with it.
type faults map[string][]string

func (f *faults) add(id, format string, args ...any) {
	if *f == nil {
		*f = faults{}
	}
	(*f)[id] = append((*f)[id], fmt.Sprintf(format, args...))
}

// lines returns one line per id, sorted.
func (f faults) lines() []string {
	var out []string
	for id, why := range f {
		out = append(out, id+": "+strings.Join(why, "; "))
	}
	slices.Sort(out)
	return out
}

func (v *verdict) problem(format string, args ...any) {
	v.problems = append(v.problems, fmt.Sprintf(format, args...))
}

// checkAPI judges what the supervisor lists against the history: every
// acknowledged id is listed (lost = 0), every listed id was sent by a
// phone or seeded by the demo (unexpected = 0), none is listed twice, the
// demo's own ids are all still there, and the timelines of the reports
// sent more than once (and of a sample of the others) hold exactly one
// submission.
func checkAPI(ctx context.Context, v *verdict, sup *phone, items map[string]*item, demo snapshot, rng *rand.Rand) error {
	now, err := listAll(ctx, sup)
	if err != nil {
		return err
	}
	listed := func(k kind) map[string]int {
		if k == kindReport {
			return now.reports
		}
		return now.patrols
	}
	for _, k := range []kind{kindReport, kindPatrol} {
		seeded := demo.reports
		if k == kindPatrol {
			seeded = demo.patrols
		}
		for id, n := range listed(k) {
			it := items[id]
			switch {
			case n > 1:
				v.duplicated.add(id, "API: %s listed %d times", k, n)
			case it == nil && seeded[id] == 0:
				v.unexpected.add(id, "API: %s listed, but no phone sent it and the demo did not seed it", k)
			case it != nil && it.kind != k:
				v.unexpected.add(id, "API: %s listed, but it was sent as a %s", k, it.kind)
			}
		}
		for id := range seeded {
			if listed(k)[id] == 0 {
				v.problem("API: the demo's %s %s is gone", k, id)
			}
		}
	}
	var retried, rest []string
	for id, it := range items {
		if !it.acked {
			continue
		}
		if listed(it.kind)[id] == 0 {
			why := "not listed"
			if it.kind == kindReport {
				why += fmt.Sprintf(", GetReport: %v", getReportCode(ctx, sup, id))
			}
			v.lost.add(id, "API: %s acknowledged (%s) but %s", it.kind, it.describe(), why)
			continue
		}
		if it.kind == kindReport {
			if it.attempts > 1 {
				retried = append(retried, id)
			} else {
				rest = append(rest, id)
			}
		}
	}
	slices.Sort(retried)
	slices.Sort(rest)
	rng.Shuffle(len(rest), func(i, j int) { rest[i], rest[j] = rest[j], rest[i] })
	sample := append(retried, rest...)[:min(maxTimelines, len(retried)+len(rest))]
	for _, id := range sample {
		var tl *pb.GetTimelineResponse
		err := sup.retry(ctx, "timeline of "+id, &sup.f.other, func(ctx context.Context) error {
			var err error
			tl, err = sup.rect.GetTimeline(ctx, &pb.GetTimelineRequest{ReportId: id})
			return err
		})
		if err != nil {
			v.problem("API: timeline of report %s: %v", id, err)
			continue
		}
		v.timelines++
		submitted := 0
		for _, e := range tl.GetEvents() {
			if e.GetType() == pb.EventType_EVENT_TYPE_REPORT_SUBMITTED {
				submitted++
			}
		}
		switch {
		case submitted != 1:
			v.duplicated.add(id, "API: report (%s): %d REPORT_SUBMITTED events on its timeline, want 1", items[id].describe(), submitted)
		case len(tl.GetEvents()) != 1:
			v.duplicated.add(id, "API: report (%s): %d events on its timeline, want only its submission", items[id].describe(), len(tl.GetEvents()))
		}
		if !tl.GetChainIntact() {
			v.problem("API: report %s: the timeline's hash chain is broken", id)
		}
	}
	return nil
}

// getReportCode returns the code GetReport answers for id, to tell an id
// missing from the listing from one missing from the server.
func getReportCode(ctx context.Context, sup *phone, id string) codes.Code {
	err := sup.retry(ctx, "get report "+id, &sup.f.other, func(ctx context.Context) error {
		_, err := sup.rep.GetReport(ctx, &pb.GetReportRequest{Id: id})
		return err
	})
	return status.Code(err)
}

// describe says how an id travelled, for a failure message.
func (it *item) describe() string {
	via := "SubmitReport"
	if it.mutationID != "" {
		via = fmt.Sprintf("Push mutation %s seq %d", it.mutationID, it.deviceSeq)
	}
	return fmt.Sprintf("%s by %s, %d requests, %d answered stored now, %d stored before, watermark %v",
		via, it.device, it.attempts, it.applied, it.already, it.byWatermark)
}

// checkDB judges the database, read-only, against the history: the same
// set check as checkAPI on the tables, then exactly one submission event
// and one change row for every report and patrol of the phones, and a
// ledger in which each pushed mutation is recorded once, APPLIED, for the
// report or patrol it carried, from its own device.
func checkDB(ctx context.Context, v *verdict, path string, items map[string]*item, demo snapshot, photos map[string]int) error {
	db, err := openReadOnly(path)
	if err != nil {
		return err
	}
	defer db.Close()

	ids := func(query string) (map[string]int, error) {
		rows, err := db.QueryContext(ctx, query)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", query, err)
		}
		defer rows.Close()
		out := map[string]int{}
		for rows.Next() {
			var id string
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				return nil, fmt.Errorf("%s: %w", query, err)
			}
			out[id] += n
		}
		return out, rows.Err()
	}
	reports, err := ids("SELECT id, 1 FROM reports")
	if err != nil {
		return err
	}
	patrols, err := ids("SELECT id, 1 FROM patrols")
	if err != nil {
		return err
	}
	submissions, err := ids("SELECT report_id, count(*) FROM events WHERE type = 1 GROUP BY report_id")
	if err != nil {
		return err
	}
	events, err := ids("SELECT report_id, count(*) FROM events GROUP BY report_id")
	if err != nil {
		return err
	}
	changes, err := ids("SELECT entity_type || ' ' || entity_id, count(*) FROM changes " +
		"WHERE entity_type IN ('report', 'patrol') GROUP BY entity_type, entity_id")
	if err != nil {
		return err
	}

	for _, k := range []kind{kindReport, kindPatrol} {
		table, seeded := reports, demo.reports
		if k == kindPatrol {
			table, seeded = patrols, demo.patrols
		}
		for id := range table {
			if it := items[id]; (it == nil || it.kind != k) && seeded[id] == 0 {
				v.unexpected.add(id, "DB: %s stored, but no phone sent it as a %s and the demo did not seed it", k, k)
			}
		}
		for id, it := range items {
			if it.kind != k {
				continue
			}
			if table[id] == 0 {
				if it.acked {
					v.lost.add(id, "DB: %s acknowledged but not stored", k)
				}
				continue
			}
			// One change row per report or patrol, and one more for each
			// photo of the report completed (its missing_photo_ids changed).
			if n, want := changes[string(k)+" "+id], 1+photos[id]; n != want {
				v.duplicated.add(id, "DB: %s (%s) has %d change rows, want %d", k, it.describe(), n, want)
			}
			if k == kindReport {
				if n := submissions[id]; n != 1 {
					v.duplicated.add(id, "DB: report has %d submission events, want 1", n)
				}
				if n := events[id]; n != 1 {
					v.duplicated.add(id, "DB: report has %d events, want only its submission", n)
				}
			}
		}
	}

	// The ledger.
	byMut := map[string]*item{}
	for _, it := range items {
		if it.mutationID != "" {
			byMut[it.mutationID] = it
		}
	}
	rows, err := db.QueryContext(ctx, `SELECT mutation_id, device_id, device_seq, outcome,
		coalesce(report_id, ''), coalesce(patrol_id, '') FROM mutations`)
	if err != nil {
		return fmt.Errorf("read the ledger: %w", err)
	}
	defer rows.Close()
	inLedger := map[string]bool{}
	perEntity := map[string]int{}
	for rows.Next() {
		var mid, device, reportID, patrolID string
		var seq int64
		var outcome int
		if err := rows.Scan(&mid, &device, &seq, &outcome, &reportID, &patrolID); err != nil {
			return fmt.Errorf("read the ledger: %w", err)
		}
		it := byMut[mid]
		if it == nil {
			v.unexpected.add("mutation "+mid, "DB: in the ledger (device %s seq %d), but no phone sent it", device, seq)
			continue
		}
		v.ledger++
		inLedger[mid] = true
		entity := reportID
		if it.kind == kindPatrol {
			entity = patrolID
		}
		perEntity[entity]++
		switch {
		case outcome != int(pb.MutationOutcome_MUTATION_OUTCOME_APPLIED):
			v.problem("DB: ledger: mutation %s (%s %s) has outcome %v, want APPLIED", mid, it.kind, it.id, pb.MutationOutcome(outcome))
		case entity != it.id:
			v.problem("DB: ledger: mutation %s names %s %q, want %s", mid, it.kind, entity, it.id)
		case device != it.deviceID || seq != it.deviceSeq:
			v.problem("DB: ledger: mutation %s is from device %s seq %d, want %s seq %d", mid, device, seq, it.deviceID, it.deviceSeq)
		}
		stored := reports[it.id]
		if it.kind == kindPatrol {
			stored = patrols[it.id]
		}
		if outcome == int(pb.MutationOutcome_MUTATION_OUTCOME_APPLIED) && stored == 0 {
			v.lost.add(it.id, "DB: the ledger says mutation %s applied, but the %s is not stored", mid, it.kind)
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read the ledger: %w", err)
	}
	for mid, it := range byMut {
		stored := reports[it.id]
		if it.kind == kindPatrol {
			stored = patrols[it.id]
		}
		switch {
		case !inLedger[mid] && it.acked:
			v.lost.add(it.id, "DB: mutation %s acknowledged but not in the ledger", mid)
		case !inLedger[mid] && stored > 0:
			v.problem("DB: %s %s is stored, but its mutation %s is not in the ledger: the effect committed without its ledger row",
				it.kind, it.id, mid)
		}
		if n := perEntity[it.id]; n > 1 {
			v.duplicated.add(it.id, "DB: %d mutations in the ledger name this %s, want 1", n, it.kind)
		}
	}
	return nil
}
