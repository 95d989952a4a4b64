package server_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"math/rand/v2"
	"slices"
	"strconv"
	"testing"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// phone is a worker's device talking to the sync service.
type phone struct {
	l        *loop
	user     string
	deviceID string
	ctx      context.Context
	sync     pb.SyncServiceClient
	seq      int64
}

func (l *loop) phone(user string) *phone {
	l.t.Helper()
	ctx := l.as(user)
	me, err := l.auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
	if err != nil {
		l.t.Fatal(err)
	}
	return &phone{l: l, user: user, deviceID: me.GetDeviceId(), ctx: ctx, sync: pb.NewSyncServiceClient(l.conn)}
}

func (p *phone) mutation(set func(m *pb.Mutation)) *pb.Mutation {
	p.seq++
	m := &pb.Mutation{MutationId: newID(), DeviceSeq: p.seq}
	set(m)
	return m
}

func (p *phone) push(ms ...*pb.Mutation) *pb.PushResponse {
	p.l.t.Helper()
	resp, err := p.sync.Push(p.ctx, &pb.PushRequest{DeviceId: p.deviceID, Mutations: ms})
	if err != nil {
		p.l.t.Fatalf("push: %v", err)
	}
	return resp
}

func TestAPushedBatchGetsAResultPerMutation(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	closed := l.caseIn(gridinspect.StatusClosed)
	report := l.hazard()
	create := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: report}}
	})
	progressOnNew := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{ActionId: newID(), ReportId: report.GetId(), Note: "已拍照留存"}}
	})
	invalidOne := p.mutation(func(m *pb.Mutation) {
		bad := l.hazard()
		bad.Description = ""
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: bad}}
	})
	onClosed := p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_RecordProgress{RecordProgress: &pb.RecordProgressRequest{ActionId: newID(), ReportId: closed, Note: "企业已停产"}}
	})
	resp := p.push(create, progressOnNew, invalidOne, onClosed)
	want := []pb.MutationOutcome{
		pb.MutationOutcome_MUTATION_OUTCOME_APPLIED, pb.MutationOutcome_MUTATION_OUTCOME_APPLIED,
		pb.MutationOutcome_MUTATION_OUTCOME_REJECTED, pb.MutationOutcome_MUTATION_OUTCOME_CONFLICT,
	}
	for i, r := range resp.GetResults() {
		if r.GetOutcome() != want[i] {
			t.Errorf("mutation %d: %v (%s), want %v", i+1, r.GetOutcome(), r.GetReason(), want[i])
		}
	}
	if resp.GetHighestDeviceSeq() != 4 {
		t.Errorf("highest device seq %d, want 4", resp.GetHighestDeviceSeq())
	}
	if len(resp.GetResults()[2].GetFieldViolations()) == 0 {
		t.Error("the rejected mutation names no field")
	}
	if resp.GetResults()[3].GetReport().GetStatus() != pb.ReportStatus_REPORT_STATUS_CLOSED {
		t.Errorf("a conflict returns the current state; got %v", resp.GetResults()[3].GetReport())
	}
	// The same batch again: every one answered as before, nothing applied twice.
	again := p.push(create, progressOnNew, invalidOne, onClosed)
	for i, r := range again.GetResults() {
		if w := want[i]; r.GetOutcome() != w && !(w == pb.MutationOutcome_MUTATION_OUTCOME_APPLIED && r.GetOutcome() == pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE) {
			t.Errorf("re-sent mutation %d: %v, want %v again or DUPLICATE", i+1, r.GetOutcome(), w)
		}
	}
	q, err := p.sync.ListQuarantinedMutations(l.as("super"), &pb.ListQuarantinedMutationsRequest{})
	if err != nil || len(q.GetMutations()) != 1 || q.GetMutations()[0].GetMutation().GetMutationId() != invalidOne.GetMutationId() {
		t.Errorf("quarantine = %v, %v; want the rejected mutation", q, err)
	}
}

func TestAPushFromAnotherDeviceIsRefused(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	_, err := p.sync.Push(p.ctx, &pb.PushRequest{DeviceId: newID()})
	wantCode(t, err, codes.PermissionDenied)
}

func TestPullReturnsChangesInTheCallersGridsOnce(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	var mine []string
	for i := 0; i < 5; i++ {
		mine = append(mine, l.mustSubmitAs("workera", l.hazard()).GetId())
	}
	other := l.hazard()
	other.GridId, other.Location = gridB, inB
	l.mustSubmitAs("workerb", other)

	seen := map[string]int{}
	cursor := ""
	for i := 0; ; i++ {
		resp, err := p.sync.Pull(p.ctx, &pb.PullRequest{Cursor: cursor, PageSize: 2}, grpc.UseCompressor(gzip.Name))
		if err != nil {
			t.Fatalf("pull: %v", err)
		}
		for _, c := range resp.GetChanges() {
			if r := c.GetReport(); r != nil {
				seen[r.GetReport().GetId()]++
			}
		}
		cursor = resp.GetNextCursor()
		if !resp.GetHasMore() {
			break
		}
	}
	for _, id := range mine {
		if seen[id] != 1 {
			t.Errorf("report %s pulled %d times, want once", id, seen[id])
		}
	}
	if seen[other.GetId()] != 0 {
		t.Error("a report of grid B reached grid A's worker")
	}
	// A cursor changed inside its signature is refused. The character
	// changed is one of the signature's, and not the last: each of those
	// carries six whole bits, so the change always reaches the bytes. (The
	// last two replaced by "xx" could leave them as they were: when the
	// cursor ended in 'x' and a last character whose used bits match.)
	bad := []byte(cursor)
	i := len(bad) - 10
	if bad[i] == 'A' {
		bad[i] = 'B'
	} else {
		bad[i] = 'A'
	}
	_, err := p.sync.Pull(p.ctx, &pb.PullRequest{Cursor: string(bad)})
	wantCode(t, err, codes.InvalidArgument)
}

// TestNamingAnotherGridsPhotoIsAnsweredAsNamingNothing checks, online and
// through Push, that a report listing another grid's complete photo is
// told it is missing, exactly as it is told of an id that names nothing.
func TestNamingAnotherGridsPhotoIsAnsweredAsNamingNothing(t *testing.T) {
	l := newLoop(t)
	theirs := l.hazard()
	theirs.GridId, theirs.Location = gridB, inB
	foreign := l.mustUploadPhoto("workerb", l.mustSubmitAs("workerb", theirs).GetId(), []byte{0xFF, 0xD8, 0xFF, 0xE0, 9})
	unknown := newID()
	want := []string{foreign, unknown}
	report := func() *pb.Report {
		r := l.hazard()
		r.PhotoIds = []string{foreign, unknown}
		return r
	}

	online := l.mustSubmitAs("workera", report())
	if got := online.GetMissingPhotoIds(); !slices.Equal(got, want) {
		t.Errorf("SubmitReport: missing photos %v, want %v", got, want)
	}
	p := l.phone("workera")
	resp := p.push(p.mutation(func(m *pb.Mutation) {
		m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: report()}}
	}))
	if got := resp.GetResults()[0].GetReport().GetMissingPhotoIds(); !slices.Equal(got, want) {
		t.Errorf("Push: missing photos %v (%v), want %v", got, resp.GetResults()[0].GetOutcome(), want)
	}
	got, err := l.reports.GetReport(l.as("workera"), &pb.GetReportRequest{Id: online.GetId()})
	if err != nil {
		t.Fatal(err)
	}
	if got := got.GetReport().GetMissingPhotoIds(); !slices.Equal(got, want) {
		t.Errorf("GetReport: missing photos %v, want %v", got, want)
	}
}

// TestAReportNamingAnotherGridsPatrolIsRefusedAsItsSubjectWouldBe checks
// patrol_id online and through Push: another grid's patrol gets the answer
// another grid's subject gets, naming patrol_id; the worker's own patrol,
// and one not recorded yet, are kept.
func TestAReportNamingAnotherGridsPatrolIsRefusedAsItsSubjectWouldBe(t *testing.T) {
	l := newLoop(t)
	start := l.clock.Now().Add(-time.Hour)
	patrolIn := func(user, grid string) string {
		resp, err := l.reports.SubmitPatrol(l.as(user), &pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Id: newID(),
			Kind: pb.PatrolKind_PATROL_KIND_SAFETY, GridId: grid, Participants: 1,
			StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(time.Hour))}})
		if err != nil {
			t.Fatalf("submit patrol: %v", err)
		}
		return resp.GetPatrol().GetId()
	}
	theirs, mine := patrolIn("workerb", gridB), patrolIn("workera", gridA)
	sub, err := l.dirs.CreateSubject(l.as("super"), &pb.CreateSubjectRequest{Subject: &pb.Subject{
		Id: newID(), Kind: pb.SubjectKind_SUBJECT_KIND_HOUSEHOLD, Name: "李家", Location: inB}})
	if err != nil {
		t.Fatal(err)
	}
	withPatrol := func(id string) *pb.Report {
		r := l.hazard()
		r.PatrolId = id
		return r
	}
	withSubject := l.hazard()
	withSubject.SubjectId = sub.GetSubject().GetId()
	// What a violation of field says, as a status and as a Push result.
	type answer struct {
		code        codes.Code
		message     string
		field, desc string
	}
	online := func(r *pb.Report) answer {
		t.Helper()
		_, err := l.reports.SubmitReport(l.as("workera"), &pb.SubmitReportRequest{Report: r})
		st := wantCode(t, err, codes.InvalidArgument)
		a := answer{code: st.Code(), message: st.Message()}
		for _, d := range st.Details() {
			if br, ok := d.(*errdetails.BadRequest); ok && len(br.GetFieldViolations()) == 1 {
				a.field, a.desc = br.GetFieldViolations()[0].GetField(), br.GetFieldViolations()[0].GetDescription()
			}
		}
		return a
	}
	p := l.phone("workera")
	pushed := func(r *pb.Report) *pb.MutationResult {
		t.Helper()
		return p.push(p.mutation(func(m *pb.Mutation) {
			m.Kind = &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}
		})).GetResults()[0]
	}

	gotSubject := online(withSubject)
	if gotSubject.field != "report.subject_id" || gotSubject.desc != "no such subject" {
		t.Fatalf("another grid's subject: %+v", gotSubject)
	}
	want := gotSubject
	want.field, want.desc = "report.patrol_id", "no such patrol"
	if got := online(withPatrol(theirs)); got != want {
		t.Errorf("SubmitReport naming another grid's patrol: %+v, want %+v", got, want)
	}
	res := pushed(withPatrol(theirs))
	if v := res.GetFieldViolations(); res.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_REJECTED ||
		len(v) != 1 || v[0].GetField() != want.field || v[0].GetDescription() != want.desc {
		t.Errorf("Push naming another grid's patrol: %v %q %v, want REJECTED naming %s", res.GetOutcome(), res.GetReason(), v, want.field)
	}
	for _, id := range []string{mine, newID()} {
		if got := l.mustSubmitAs("workera", withPatrol(id)); got.GetPatrolId() != id {
			t.Errorf("SubmitReport: patrol_id %q, want %q", got.GetPatrolId(), id)
		}
		if res := pushed(withPatrol(id)); res.GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
			t.Errorf("Push naming patrol %s: %v %q", id, res.GetOutcome(), res.GetReason())
		}
	}
}

func TestAPhotoUploadResumesFromTheCommittedOffset(t *testing.T) {
	l := newLoop(t)
	p := l.phone("workera")
	data := make([]byte, 300<<10)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range data {
		data[i] = byte(rng.Uint32())
	}
	copy(data, []byte{0xFF, 0xD8, 0xFF, 0xE0})
	sum := sha256.Sum256(data)
	photoID := newID()
	r := l.hazard()
	r.PhotoIds = []string{photoID}
	rep := l.mustSubmitAs("workera", r)
	if len(rep.GetMissingPhotoIds()) != 1 {
		t.Fatalf("missing photos %v, want the one declared", rep.GetMissingPhotoIds())
	}
	header := &pb.PhotoHeader{PhotoId: photoID, Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)),
		ContentType: "image/jpeg", ReportId: r.GetId(), TakenAt: r.GetObservedAt(), Location: r.GetLocation()}
	upload := func(from, to int64) (*pb.UploadPhotoResponse, error) {
		s, err := p.sync.UploadPhoto(p.ctx)
		if err != nil {
			return nil, err
		}
		if err := s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: header}}); err != nil {
			return nil, err
		}
		for off := from; off < to; off += 64 << 10 {
			end := min(off+64<<10, to)
			if err := s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Offset: off, Data: data[off:end]}}}); err != nil {
				break
			}
		}
		return s.CloseAndRecv()
	}
	// The link drops after the first 128 KiB.
	if _, err := upload(0, 128<<10); err != nil {
		t.Fatalf("first part: %v", err)
	}
	st, err := p.sync.GetUploadStatus(p.ctx, &pb.GetUploadStatusRequest{PhotoId: photoID})
	if err != nil || st.GetCommittedBytes() != 128<<10 {
		t.Fatalf("status %v, %v; want 128 KiB committed", st, err)
	}
	// Resuming from the wrong place is refused with where to resume.
	_, err = upload(64<<10, int64(len(data)))
	s := wantCode(t, err, codes.FailedPrecondition)
	var committed string
	for _, d := range s.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok {
			committed = info.GetMetadata()["committed_bytes"]
		}
	}
	if committed != strconv.Itoa(128<<10) {
		t.Errorf("error details say %q committed, want %d", committed, 128<<10)
	}
	done, err := upload(128<<10, int64(len(data)))
	if err != nil || !done.GetComplete() {
		t.Fatalf("resume = %v, %v; want complete", done, err)
	}
	got, _ := l.reports.GetReport(l.as("workera"), &pb.GetReportRequest{Id: r.GetId()})
	if len(got.GetReport().GetMissingPhotoIds()) != 0 {
		t.Errorf("missing photos %v after the upload", got.GetReport().GetMissingPhotoIds())
	}
	dl, err := p.sync.DownloadPhoto(l.as("super"), &pb.DownloadPhotoRequest{PhotoId: photoID})
	if err != nil {
		t.Fatal(err)
	}
	var back bytes.Buffer
	for {
		msg, err := dl.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		back.Write(msg.GetChunk().GetData())
	}
	if !bytes.Equal(back.Bytes(), data) {
		t.Errorf("downloaded %d bytes that differ from the %d uploaded", back.Len(), len(data))
	}
	_, err = pb.NewSyncServiceClient(l.conn).DownloadPhoto(l.as("workerb"), &pb.DownloadPhotoRequest{PhotoId: photoID})
	if err == nil {
		// The error arrives with the first message of a server stream.
		dl2, _ := pb.NewSyncServiceClient(l.conn).DownloadPhoto(l.as("workerb"), &pb.DownloadPhotoRequest{PhotoId: photoID})
		_, err = dl2.Recv()
	}
	if status.Code(err) != codes.PermissionDenied {
		t.Errorf("another grid's worker downloading: %v, want PermissionDenied", err)
	}
}
