package phonesim

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/prototext"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	gi "github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// maxDetails bounds the problem lines written to stderr.
const maxDetails = 40

// Progress counts acknowledged mutations and completed photos against
// what the phones recorded; tests watch it to kill the server mid-sync.
type Progress struct {
	done, total atomic.Int64
	// pushing and uploading count the phones in each phase of the sync.
	pushing, uploading atomic.Int32
}

func (p *Progress) add(n int) {
	if p != nil {
		p.done.Add(int64(n))
	}
}

// Done is the mutations acknowledged and photos uploaded so far.
func (p *Progress) Done() int64 { return p.done.Load() }

// Total is the mutations and photos the phones recorded; 0 until they
// have all recorded their day.
func (p *Progress) Total() int64 { return p.total.Load() }

// Pushing is the number of phones pushing their outbox now.
func (p *Progress) Pushing() int { return int(p.pushing.Load()) }

// Uploading is the number of phones uploading photos now.
func (p *Progress) Uploading() int { return int(p.uploading.Load()) }

// tally is what a run counted: what was recorded, the faults injected,
// and what the check against the server found.
type tally struct {
	devices int

	mutations, reports, patrols, actions, photos atomic.Int64

	cutPushes, duplicateSends, cutUploads, wrongOffsets, cutPulls atomic.Int64
	retries, relogins, serverErrors                               atomic.Int64

	// From the check: recorded and acknowledged but not on the server;
	// stored (or applied) more than once; stored with other content; on the
	// server though never sent; photos whose bytes differ.
	missing, duplicated, mismatches, unexpected, hashMismatches atomic.Int64
	// conflicts are actions kept as conflicts; rejected, mutations refused.
	conflicts, rejected atomic.Int64
	// errors: a phone that gave up, an answer that breaks the protocol
	// (protocolErrors), committed photo data that went back (regressions).
	failures, protocolErrors, regressions atomic.Int64
	// unsynced are mutations and photos a phone that gave up still held.
	unsynced atomic.Int64
	// restarted are photo uploads sent again from their first byte after
	// more than their first chunk had gone out: the waste a resumable
	// upload exists to prevent.
	restarted atomic.Int64

	elapsed, syncElapsed time.Duration
	// accounts, phones (nil for one that failed to prepare) and phoneErrs
	// (why each gave up) are by account.
	accounts  []Account
	phones    []*phone
	phoneErrs []error

	mu      sync.Mutex
	stderr  io.Writer
	details int
	verbose bool
}

// logRetry says, with --verbose, why a call is tried again.
func (t *tally) logRetry(what string, attempt int, err error) {
	t.logf("retry %d of %s: %v", attempt, what, err)
}

// logf writes a line to stderr with --verbose.
func (t *tally) logf(format string, args ...any) {
	if !t.verbose {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	fmt.Fprintf(t.stderr, "gridsim: "+format+"\n", args...)
}

func newTally(cfg Config) *tally {
	w := cfg.Stderr
	if w == nil {
		w = io.Discard
	}
	return &tally{devices: len(cfg.Accounts), stderr: w, verbose: cfg.Verbose,
		accounts: cfg.Accounts, phones: make([]*phone, len(cfg.Accounts)), phoneErrs: make([]error, len(cfg.Accounts))}
}

// problem counts one problem in c and says what it was.
func (t *tally) problem(c *atomic.Int64, format string, args ...any) {
	c.Add(1)
	t.mu.Lock()
	defer t.mu.Unlock()
	t.details++
	switch {
	case t.details <= maxDetails:
		fmt.Fprintf(t.stderr, "gridsim: "+format+"\n", args...)
	case t.details == maxDetails+1:
		fmt.Fprintf(t.stderr, "gridsim: (more problems not shown)\n")
	}
}

func (t *tally) errors() int64 {
	return t.failures.Load() + t.protocolErrors.Load() + t.regressions.Load()
}

func (t *tally) ok() bool {
	return t.missing.Load() == 0 && t.duplicated.Load() == 0 && t.mismatches.Load() == 0 &&
		t.unexpected.Load() == 0 && t.hashMismatches.Load() == 0 && t.rejected.Load() == 0 &&
		t.errors() == 0 && t.unsynced.Load() == 0 && t.restarted.Load() == 0
}

// line is the verdict.
func (t *tally) line() string {
	word := "OK"
	if !t.ok() {
		word = "FAIL"
	}
	return fmt.Sprintf("gridsim: %s devices=%d mutations=%d reports=%d patrols=%d actions=%d photos=%d "+
		"faults: cut-pushes=%d duplicate-sends=%d cut-uploads=%d wrong-offsets=%d cut-pulls=%d retries=%d "+
		"elapsed=%.1fs sync=%.1fs missing=%d duplicated=%d hash-mismatches=%d mismatches=%d unexpected=%d "+
		"conflicts=%d rejected=%d unsynced=%d relogins=%d server-errors=%d errors=%d photos-restarted=%d",
		word, t.devices, t.mutations.Load(), t.reports.Load(), t.patrols.Load(), t.actions.Load(), t.photos.Load(),
		t.cutPushes.Load(), t.duplicateSends.Load(), t.cutUploads.Load(), t.wrongOffsets.Load(), t.cutPulls.Load(), t.retries.Load(),
		t.elapsed.Seconds(), t.syncElapsed.Seconds(), t.missing.Load(), t.duplicated.Load(), t.hashMismatches.Load(),
		t.mismatches.Load(), t.unexpected.Load(), t.conflicts.Load(), t.rejected.Load(), t.unsynced.Load(),
		t.relogins.Load(), t.serverErrors.Load(), t.errors(), t.restarted.Load())
}

// verifier checks, as the street's supervisor, what the phones recorded
// against what the server holds.
type verifier struct {
	c                *client
	t                *tally
	runStart         time.Time
	dayStart, dayEnd time.Time
}

func verify(ctx context.Context, cfg Config, t *tally, phones []*phone, runStart, dayStart, dayEnd time.Time) {
	f := newFaults(0, cfg.Seed, 0)
	c, err := dial(cfg, t, f, cfg.Supervisor)
	if err != nil {
		t.problem(&t.failures, "verify: %v", err)
		return
	}
	defer c.close()
	if err := c.login(ctx); err != nil {
		t.problem(&t.failures, "verify: %v", err)
		return
	}
	v := &verifier{c: c, t: t, runStart: runStart, dayStart: dayStart, dayEnd: dayEnd}
	var wg sync.WaitGroup
	for _, p := range phones {
		if p != nil {
			wg.Go(func() { v.device(ctx, p) })
		}
	}
	wg.Wait()
}

// ours reports whether id is a UUIDv7 made during this run.
func (v *verifier) ours(id string) bool {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 7 {
		return false
	}
	ms := int64(binary.BigEndian.Uint64(u[:8]) >> 16)
	return !time.UnixMilli(ms).Before(v.runStart)
}

// device checks one phone's day.
func (v *verifier) device(ctx context.Context, p *phone) {
	t, d, w := v.t, p.day, p.w
	// Only what the server acknowledged must be there.
	pending := map[string]bool{}
	for _, m := range p.outbox {
		t.unsynced.Add(1)
		switch k := m.GetKind().(type) {
		case *pb.Mutation_SubmitReport:
			pending[k.SubmitReport.GetReport().GetId()] = true
		case *pb.Mutation_SubmitPatrol:
			pending[k.SubmitPatrol.GetPatrol().GetId()] = true
		default:
			if a, ok := mutationAction(m); ok {
				pending[a] = true
			}
		}
	}
	for id, r := range p.final {
		if o := r.GetOutcome(); o == pb.MutationOutcome_MUTATION_OUTCOME_REJECTED ||
			(o == pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE && len(r.GetFieldViolations()) > 0) {
			t.problem(&t.rejected, "device %d: mutation %s rejected: %s %v", p.n, id, r.GetReason(), r.GetFieldViolations())
		}
	}

	// Reports, by id, with the content sent and every photo.
	sentReports := map[string]*pb.Report{}
	expected := map[string]map[string]pb.EventType{} // report → event id → type
	for _, r := range d.reports {
		sentReports[r.GetId()] = r
		if pending[r.GetId()] {
			continue
		}
		expected[r.GetId()] = map[string]pb.EventType{r.GetId(): pb.EventType_EVENT_TYPE_REPORT_SUBMITTED}
		got, err := call(ctx, v.c, "get report "+r.GetId(), v.c.rep.GetReport, &pb.GetReportRequest{Id: r.GetId()})
		if err != nil {
			t.problem(&t.missing, "device %d: report %s acknowledged but not found: %v", p.n, r.GetId(), err)
			continue
		}
		if diffs := v.compareReport(r, got.GetReport(), p); len(diffs) > 0 {
			t.problem(&t.mismatches, "device %d: report %s differs: %s", p.n, r.GetId(), strings.Join(diffs, "; "))
		}
		if p.pulled != nil && !p.pulled[r.GetId()] {
			t.problem(&t.missing, "device %d: report %s acknowledged but not in the phone's pull", p.n, r.GetId())
		}
		if m := got.GetReport().GetMissingPhotoIds(); len(m) > 0 && !p.photosPending(r) {
			t.problem(&t.missing, "device %d: report %s still misses photos %v, all uploaded", p.n, r.GetId(), m)
		}
	}
	for _, a := range d.actions {
		if pending[a.id] {
			continue
		}
		if expected[a.reportID] == nil {
			expected[a.reportID] = map[string]pb.EventType{}
		}
		expected[a.reportID][a.id] = a.typ
	}

	// Timelines: the submission and each action exactly once.
	for reportID, events := range expected {
		tl, err := call(ctx, v.c, "timeline of "+reportID, v.c.rect.GetTimeline, &pb.GetTimelineRequest{ReportId: reportID})
		if err != nil {
			t.problem(&t.missing, "device %d: timeline of report %s: %v", p.n, reportID, err)
			continue
		}
		if !tl.GetChainIntact() {
			t.problem(&t.mismatches, "device %d: report %s: the timeline's hash chain is broken", p.n, reportID)
		}
		seen := map[string]int{}
		for _, e := range tl.GetEvents() {
			seen[e.GetId()]++
			want, ok := events[e.GetId()]
			switch {
			case ok && e.GetType() != want:
				t.problem(&t.mismatches, "device %d: report %s: event %s is %v, want %v", p.n, reportID, e.GetId(), e.GetType(), want)
			case ok && seen[e.GetId()] == 1 && e.GetConflict():
				t.conflicts.Add(1)
				t.logf("device %d: report %s: %v %s kept as a conflict: %s", p.n, reportID, e.GetType(), e.GetId(), e.GetConflictReason())
			case !ok && e.GetActorId() == w.userID && v.ours(e.GetId()) && !pending[e.GetId()]:
				t.problem(&t.unexpected, "device %d: report %s: event %s (%v) was never sent", p.n, reportID, e.GetId(), e.GetType())
			}
		}
		for id, typ := range events {
			switch n := seen[id]; {
			case n == 0:
				t.problem(&t.missing, "device %d: report %s: %v %s acknowledged but not on the timeline", p.n, reportID, typ, id)
			case n > 1:
				t.problem(&t.duplicated, "device %d: report %s: %v %s is on the timeline %d times", p.n, reportID, typ, id, n)
			}
		}
	}

	// Reports of the day in the grid: none twice, none never sent.
	listed, err := v.listReports(ctx, w.grid.GetId())
	if err != nil {
		t.problem(&t.failures, "device %d: list reports: %v", p.n, err)
	}
	seen := map[string]int{}
	for _, r := range listed {
		seen[r.GetId()]++
		if sentReports[r.GetId()] == nil && r.GetReporterId() == w.userID && v.ours(r.GetId()) {
			t.problem(&t.unexpected, "device %d: report %s on the server was never sent", p.n, r.GetId())
		}
	}
	for id, n := range seen {
		if n > 1 && sentReports[id] != nil {
			t.problem(&t.duplicated, "device %d: report %s listed %d times", p.n, id, n)
		}
	}

	// Patrols of the day in the grid, by id.
	patrols, err := v.listPatrols(ctx, w.grid.GetId())
	if err != nil {
		t.problem(&t.failures, "device %d: list patrols: %v", p.n, err)
	}
	byID := map[string][]*pb.Patrol{}
	for _, pt := range patrols {
		byID[pt.GetId()] = append(byID[pt.GetId()], pt)
	}
	sentPatrols := map[string]bool{}
	for _, sent := range d.patrols {
		sentPatrols[sent.GetId()] = true
		if pending[sent.GetId()] {
			continue
		}
		if p.pulled != nil && !p.pulled[sent.GetId()] {
			t.problem(&t.missing, "device %d: patrol %s acknowledged but not in the phone's pull", p.n, sent.GetId())
		}
		switch got := byID[sent.GetId()]; len(got) {
		case 0:
			if err == nil {
				t.problem(&t.missing, "device %d: patrol %s acknowledged but not listed", p.n, sent.GetId())
			}
		case 1:
			if diffs := v.comparePatrol(sent, got[0], p); len(diffs) > 0 {
				t.problem(&t.mismatches, "device %d: patrol %s differs: %s", p.n, sent.GetId(), strings.Join(diffs, "; "))
			}
		default:
			t.problem(&t.duplicated, "device %d: patrol %s listed %d times", p.n, sent.GetId(), len(got))
		}
	}
	for id, got := range byID {
		if !sentPatrols[id] && got[0].GetReporterId() == w.userID && v.ours(id) {
			t.problem(&t.unexpected, "device %d: patrol %s on the server was never sent", p.n, id)
		}
	}

	if p.pulled != nil {
		v.checkDue(p, d, byID)
	}

	// Photos: each downloads whole with the hash declared.
	for _, ph := range d.photos {
		if !ph.done {
			t.unsynced.Add(1)
			continue
		}
		data, hdr, err := downloadPhotoRetrying(ctx, v.c, ph.id)
		if err != nil {
			t.problem(&t.missing, "device %d: photo %s uploaded but does not download: %v", p.n, ph.id, err)
			continue
		}
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != ph.sha256 || !bytes.Equal(data, ph.data()) {
			t.problem(&t.hashMismatches, "device %d: photo %s downloads as %d bytes with SHA-256 %s, sent %d bytes with %s",
				p.n, ph.id, len(data), got, ph.size, ph.sha256)
		} else if hdr.GetSha256() != ph.sha256 || hdr.GetSizeBytes() != ph.size || hdr.GetReportId() != ph.reportID {
			t.problem(&t.mismatches, "device %d: photo %s header says sha256 %s, %d bytes, report %s",
				p.n, ph.id, hdr.GetSha256(), hdr.GetSizeBytes(), hdr.GetReportId())
		}
	}
}

// photosPending reports whether some photo of r was never uploaded whole.
func (p *phone) photosPending(r *pb.Report) bool {
	for _, ph := range p.day.photos {
		if ph.reportID == r.GetId() && !ph.done {
			return true
		}
	}
	return false
}

// mutationAction returns the action id an action mutation carries.
func mutationAction(m *pb.Mutation) (string, bool) {
	type actionRequest interface{ GetActionId() string }
	var req actionRequest
	switch k := m.GetKind().(type) {
	case *pb.Mutation_RecordProgress:
		req = k.RecordProgress
	case *pb.Mutation_CommentOnReport:
		req = k.CommentOnReport
	case *pb.Mutation_SubmitRectification:
		req = k.SubmitRectification
	case *pb.Mutation_RecordFollowUp:
		req = k.RecordFollowUp
	case *pb.Mutation_SupplementReport:
		req = k.SupplementReport
	}
	if req == nil {
		return "", false
	}
	return req.GetActionId(), true
}

// clientFields keeps the fields of a report the phone sets and the server
// keeps as sent.
func clientFields(r *pb.Report) *pb.Report {
	return &pb.Report{
		Id: r.GetId(), Category: r.GetCategory(), Severity: r.GetSeverity(),
		Description: strings.TrimSpace(r.GetDescription()), SubjectId: r.GetSubjectId(),
		ObservedAt: r.GetObservedAt(), PhotoIds: r.GetPhotoIds(), RectifiedOnSpot: r.GetRectifiedOnSpot(),
		Details: r.GetDetails(), PatrolId: r.GetPatrolId(),
	}
}

// closeTo is the tolerance of a stored WGS-84 position: the server's datum
// conversion is exact to far below this (1e-6° is about 0.1 m).
const closeTo = 1e-6

func (v *verifier) compareReport(sent, got *pb.Report, p *phone) []string {
	var diffs []string
	if a, b := clientFields(sent), clientFields(got); !proto.Equal(a, b) {
		diffs = append(diffs, fmt.Sprintf("sent {%s}, stored {%s}", compact(a), compact(b)))
	}
	if got.GetGridId() != p.w.grid.GetId() {
		diffs = append(diffs, fmt.Sprintf("grid %s, want %s", got.GetGridId(), p.w.grid.GetId()))
	}
	if got.GetReporterId() != p.w.userID {
		diffs = append(diffs, fmt.Sprintf("reporter %s, want %s", got.GetReporterId(), p.w.userID))
	}
	truth := p.day.truth[sent.GetId()]
	l := got.GetLocation()
	if math.Abs(l.GetLatitude()-truth.Lat) > closeTo || math.Abs(l.GetLongitude()-truth.Lng) > closeTo {
		diffs = append(diffs, fmt.Sprintf("location (%.7f, %.7f), want (%.7f, %.7f) in WGS-84 (sent in %v)",
			l.GetLatitude(), l.GetLongitude(), truth.Lat, truth.Lng, sent.GetLocation().GetCoordinateSystem()))
	}
	if l.GetAddress() != sent.GetLocation().GetAddress() || l.GetAccuracyMeters() != sent.GetLocation().GetAccuracyMeters() {
		diffs = append(diffs, fmt.Sprintf("address %q ±%gm, want %q ±%gm", l.GetAddress(), l.GetAccuracyMeters(),
			sent.GetLocation().GetAddress(), sent.GetLocation().GetAccuracyMeters()))
	}
	if got.GetClockSkewFlagged() {
		diffs = append(diffs, "device clock flagged, but observed_at lies in the past")
	}
	return diffs
}

func (v *verifier) comparePatrol(sent, got *pb.Patrol, p *phone) []string {
	var diffs []string
	if got.GetKind() != sent.GetKind() || got.GetSubjectId() != sent.GetSubjectId() ||
		got.GetParticipants() != sent.GetParticipants() || got.GetNotes() != strings.TrimSpace(sent.GetNotes()) {
		diffs = append(diffs, fmt.Sprintf("kind %v subject %q participants %d notes %q, want %v %q %d %q",
			got.GetKind(), got.GetSubjectId(), got.GetParticipants(), got.GetNotes(),
			sent.GetKind(), sent.GetSubjectId(), sent.GetParticipants(), sent.GetNotes()))
	}
	if !sameTime(got.GetStartedAt(), sent.GetStartedAt()) || !sameTime(got.GetEndedAt(), sent.GetEndedAt()) {
		diffs = append(diffs, "start or end differs")
	}
	if got.GetGridId() != p.w.grid.GetId() {
		diffs = append(diffs, fmt.Sprintf("grid %s, want %s", got.GetGridId(), p.w.grid.GetId()))
	}
	if got.GetReporterId() != p.w.userID {
		diffs = append(diffs, fmt.Sprintf("reporter %s, want %s", got.GetReporterId(), p.w.userID))
	}
	a, b := slices.Clone(got.GetReportIds()), slices.Clone(sent.GetReportIds())
	slices.Sort(a)
	slices.Sort(b)
	if !slices.Equal(a, b) {
		diffs = append(diffs, fmt.Sprintf("report_ids %v, want %v", got.GetReportIds(), sent.GetReportIds()))
	}
	truth := p.day.tracks[sent.GetId()]
	if len(got.GetTrack()) != len(truth) {
		diffs = append(diffs, fmt.Sprintf("track of %d points, want %d", len(got.GetTrack()), len(truth)))
	} else {
		for i, pt := range got.GetTrack() {
			if math.Abs(pt.GetLatitude()-truth[i].Lat) > closeTo || math.Abs(pt.GetLongitude()-truth[i].Lng) > closeTo ||
				!sameTime(pt.GetRecordedAt(), sent.GetTrack()[i].GetRecordedAt()) {
				diffs = append(diffs, fmt.Sprintf("track point %d differs", i))
				break
			}
		}
	}
	return diffs
}

// checkDue checks the due patrols the phone pulled (巡查计划): each is
// of its grid, and none counts fewer patrols done than the phone's own
// stored patrols that count against it — a period the phone patrolled
// enough is not still due.
func (v *verifier) checkDue(p *phone, d *day, stored map[string][]*pb.Patrol) {
	t, grid := v.t, p.w.grid.GetId()
	for _, due := range p.due {
		s := due.GetSchedule()
		if s.GetGridId() != grid {
			t.problem(&t.unexpected, "device %d: pulled a due patrol of grid %s", p.n, s.GetGridId())
			continue
		}
		from, to := due.GetPeriodStart().AsTime(), due.GetPeriodEnd().AsTime()
		own := 0
		for _, sent := range d.patrols {
			got := stored[sent.GetId()]
			if len(got) != 1 {
				continue
			}
			pt := got[0]
			at := pt.GetStartedAt().AsTime()
			if pt.GetClockSkewFlagged() {
				at = pt.GetReceivedAt().AsTime()
			}
			kindOK := s.GetKind() == pb.PatrolKind_PATROL_KIND_UNSPECIFIED || s.GetKind() == pt.GetKind()
			targetOK := (s.GetSubjectId() != "" && pt.GetSubjectId() == s.GetSubjectId()) ||
				(s.GetSubjectId() == "" && pt.GetGridId() == s.GetGridId())
			if kindOK && targetOK && !at.Before(from) && at.Before(to) {
				own++
			}
		}
		if int32(own) > due.GetDone() {
			name := s.GetSubjectName()
			if name == "" {
				name = s.GetGridName()
			}
			t.problem(&t.mismatches, "device %d: due patrol of %s from %s to %s counts %d done; the phone stored %d against it",
				p.n, name, from.In(gi.ChinaZone).Format(time.DateOnly), to.In(gi.ChinaZone).Format(time.DateOnly), due.GetDone(), own)
		}
	}
}

func sameTime(a, b *timestamppb.Timestamp) bool { return a.AsTime().Equal(b.AsTime()) }

func compact(m proto.Message) string {
	return prototext.MarshalOptions{}.Format(m)
}

// listReports returns the reports of the day in a grid.
func (v *verifier) listReports(ctx context.Context, gridID string) ([]*pb.Report, error) {
	var out []*pb.Report
	req := &pb.ListReportsRequest{
		GridIds: []string{gridID}, PageSize: 500,
		ObservedAfter: timestamppb.New(v.dayStart), ObservedBefore: timestamppb.New(v.dayEnd),
	}
	for {
		page, err := call(ctx, v.c, "list reports", v.c.rep.ListReports, req)
		if err != nil {
			return out, err
		}
		out = append(out, page.GetReports()...)
		if page.GetNextPageToken() == "" {
			return out, nil
		}
		req = proto.CloneOf(req)
		req.PageToken = page.GetNextPageToken()
	}
}

// listPatrols returns the patrols of the day in a grid.
func (v *verifier) listPatrols(ctx context.Context, gridID string) ([]*pb.Patrol, error) {
	var out []*pb.Patrol
	req := &pb.ListPatrolsRequest{
		GridIds: []string{gridID}, PageSize: 500,
		StartedAfter: timestamppb.New(v.dayStart), StartedBefore: timestamppb.New(v.dayEnd),
	}
	for {
		page, err := call(ctx, v.c, "list patrols", v.c.rep.ListPatrols, req)
		if err != nil {
			return out, err
		}
		out = append(out, page.GetPatrols()...)
		if page.GetNextPageToken() == "" {
			return out, nil
		}
		req = proto.CloneOf(req)
		req.PageToken = page.GetNextPageToken()
	}
}

// downloadPhotoRetrying downloads a photo, retrying a broken link.
func downloadPhotoRetrying(ctx context.Context, c *client, id string) ([]byte, *pb.PhotoHeader, error) {
	var data []byte
	var hdr *pb.PhotoHeader
	err := c.retry.do(ctx, "download photo "+id, func(ctx context.Context) error {
		var err error
		data, hdr, err = downloadPhoto(ctx, c.sync, id)
		return err
	})
	return data, hdr, err
}
