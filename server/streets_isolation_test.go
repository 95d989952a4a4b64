package server_test

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	rpb "google.golang.org/grpc/reflection/grpc_reflection_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/gridinspect/gridinspect"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

// Streets are tenants (docs/tenants.md): one database holds several, and
// each is isolated from the others exactly as a grid is from a worker of
// another grid. This file holds the isolation test: every RPC, called by
// every user of street 2 with street 1's ids.

// Two streets in one database: street 1 is the harness's (grids A and B,
// admin1, super, supera, workera, workerb); street 2 is made with
// CreateStreet, and its admin makes its grids C and D and its users.
var (
	street2GridC = "01900000-0000-7000-8000-00000000002c"
	street2GridD = "01900000-0000-7000-8000-00000000002d"
	inStreet2    = &pb.Location{Latitude: 30.505, Longitude: 107.505, AccuracyMeters: 8, Address: "乙街道南街3号"}
)

// street2Users are the users of street 2 that call every RPC.
var street2Users = []string{"worker2", "super2", "admin2"}

// twoStreets is the database of the isolation test.
type twoStreets struct {
	*authHarness // street 1's accounts are the harness's; street 2's are added to its maps
	// s1 are street 1's objects the calls name.
	s1 struct {
		reported, assigned, rectifying, pending, closed, rejected, returned string // cases by status
		photo, partial                                                      string // a complete photo of reported, one half uploaded
		patrol, subject, rule                                               string
		device, mutation, action, cursor                                    string // workera's: its device, a mutation it pushed, an action, its pull cursor
		// spare are ids of street 1 that only calls creating something
		// with them are given: street 2 may come to hold the same id
		// (ids are the clients'), which is then no secret any more.
		spare struct{ grid, report, subject, patrol, rule, photo, listed, named string }
	}
	// s2 are street 2's own objects.
	s2 struct {
		report, photo, subject, patrol string
	}
	passwords map[string]string // of street 2's users
	// secrets are what no answer to a user of street 2 may hold: every
	// id of street 1's rows, its names and its texts.
	secrets []string
}

// street1Texts are texts only street 1's rows hold.
// (Grid names are a street's own: street 2 may name a grid 红星村 too.)
var street1Texts = []string{"甲街道办事处", "金石社区", "甲街备用", "灭火器过期", "甲街长山矿坑", "甲街巡查记录", "甲街危房", "甲街规建办",
	"甲街安告", "甲街照片", `"admin1"`, `"super"`, `"supera"`, `"workera"`, `"workerb"`}

// street1Photo is the content of street 1's photo: its bytes are a
// secret too.
var street1Photo = []byte("\xFF\xD8\xFF\xE0甲街照片 of street one")

func newTwoStreets(t *testing.T) *twoStreets {
	t.Helper()
	a := newAuthHarness(t, func(c *server.Config) {
		// The test makes bursts of calls as one user; the per-user limit
		// has tests of its own.
		c.Reflection, c.RequestLimit = true, &server.NoRequestLimit
	})
	s := &twoStreets{authHarness: a, passwords: map[string]string{}}
	ctx := context.Background()
	as1 := func(user string) context.Context { return bearer(ctx, a.tokens[user]) }

	// Street 1: cases in every status, a photo and half of another, a
	// patrol, a subject, a routing rule, a schedule, a notice with the
	// street's prefix, a device that pushed (one mutation applied, one
	// quarantined) and pulled.
	s.s1.reported = a.caseIn(gridinspect.StatusReported)
	s.s1.assigned = a.caseIn(gridinspect.StatusAssigned)
	s.s1.rectifying = a.caseIn(gridinspect.StatusRectifying)
	s.s1.pending = a.caseIn(gridinspect.StatusPendingVerification)
	s.s1.closed = a.caseIn(gridinspect.StatusClosed)
	s.s1.rejected = a.caseIn(gridinspect.StatusRejected)
	s.s1.returned = a.returnedCase()
	s.s1.photo = a.mustUploadPhoto("workera", s.s1.reported, street1Photo)
	s.s1.spare.grid, s.s1.spare.report, s.s1.spare.listed = gridB, a.caseIn(gridinspect.StatusReported), a.caseIn(gridinspect.StatusReported)
	s.s1.spare.photo = a.mustUploadPhoto("workera", s.s1.spare.report, append([]byte("spare "), street1Photo...))
	s.s1.spare.named = a.mustUploadPhoto("workera", s.s1.spare.report, append([]byte("named "), street1Photo...))
	s.s1.partial = s.uploadHalf(as1("workera"), s.s1.reported)
	sub, err := a.dirs.CreateSubject(as1("super"), &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: newID(),
		Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: "甲街长山矿坑", GridId: gridA}})
	if err != nil {
		t.Fatal(err)
	}
	s.s1.subject = sub.GetSubject().GetId()
	s.s1.spare.subject = newID()
	if _, err := a.dirs.CreateSubject(as1("super"), &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: s.s1.spare.subject,
		Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: "甲街备用场所", GridId: gridA}}); err != nil {
		t.Fatal(err)
	}
	start := a.clock.Now().Add(-2 * time.Hour)
	p, err := a.reports.SubmitPatrol(as1("workera"), &pb.SubmitPatrolRequest{Patrol: &pb.Patrol{Id: newID(),
		Kind: pb.PatrolKind_PATROL_KIND_SAFETY, GridId: gridA, SubjectId: s.s1.subject, Participants: 2,
		StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(time.Hour)), Notes: "甲街巡查记录"}})
	if err != nil {
		t.Fatal(err)
	}
	s.s1.patrol = p.GetPatrol().GetId()
	s.s1.spare.patrol = s.s1.patrol // only the call that creates one with it is given it
	routing := pb.NewRoutingServiceClient(a.conn)
	rule, err := routing.SetRoutingRule(as1("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: newID(), Name: "甲街危房",
		Category: pb.Category_CATEGORY_DANGEROUS_HOUSE, GridId: gridA, AssigneeId: a.ids["workera"], ResponsibleUnit: "甲街规建办"}})
	if err != nil {
		t.Fatal(err)
	}
	s.s1.rule = rule.GetRule().GetId()
	spare, err := routing.SetRoutingRule(as1("admin1"), &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: newID(), Name: "甲街备用规则",
		Category: pb.Category_CATEGORY_OTHER, ResponsibleUnit: "甲街规建办"}})
	if err != nil {
		t.Fatal(err)
	}
	s.s1.spare.rule = spare.GetRule().GetId()
	if _, err := pb.NewPatrolScheduleServiceClient(a.conn).SetPatrolSchedule(as1("supera"), &pb.SetPatrolScheduleRequest{
		Schedule: &pb.PatrolSchedule{SubjectId: s.s1.subject, Period: pb.PatrolPeriod_PATROL_PERIOD_WEEK}}); err != nil {
		t.Fatal(err)
	}
	if _, err := pb.NewAdminServiceClient(a.conn).SetNoticePrefix(as1("admin1"), &pb.SetNoticePrefixRequest{
		Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, Prefix: "甲街安告"}); err != nil {
		t.Fatal(err)
	}
	rect := pb.NewRectificationServiceClient(a.conn)
	s.s1.action = newID()
	if _, err := rect.IssueNotice(as1("super"), &pb.IssueNoticeRequest{ActionId: s.s1.action, ReportId: s.s1.assigned,
		Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE}); err != nil {
		t.Fatal(err)
	}
	s.s1.device, s.s1.mutation = a.devices["workera"], newID()
	syncc := pb.NewSyncServiceClient(a.conn)
	r := a.hazard()
	pushed, err := syncc.Push(as1("workera"), &pb.PushRequest{DeviceId: s.s1.device, Mutations: []*pb.Mutation{
		{MutationId: s.s1.mutation, DeviceSeq: 1, Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}},
		// A worker may not assign: quarantined.
		{MutationId: newID(), DeviceSeq: 2, Kind: &pb.Mutation_AssignReport{AssignReport: &pb.AssignReportRequest{
			ActionId: newID(), ReportId: r.GetId(), AssigneeId: a.ids["workera"]}}},
	}})
	if err != nil || len(pushed.GetResults()) != 2 || pushed.GetResults()[1].GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_REJECTED {
		t.Fatalf("street 1's push = %v, %v; want applied, then rejected", pushed, err)
	}
	pull, err := syncc.Pull(as1("workera"), &pb.PullRequest{})
	if err != nil {
		t.Fatal(err)
	}
	s.s1.cursor = pull.GetNextCursor()
	// Street 1's name is its own too: WhoAmI names the caller's street.
	if err := a.db.NameStreet(ctx, 1, "甲街道办事处"); err != nil {
		t.Fatal(err)
	}

	// Street 2: its admin from CreateStreet, who makes its grids and its
	// worker and supervisor; a case with a photo, a patrol, a subject, a
	// push.
	street, password, err := a.db.CreateStreet(ctx, "乙街道", "admin2")
	if err != nil || street != 2 {
		t.Fatalf("create street = %d, %v; want street 2", street, err)
	}
	login := func(username, password string) {
		t.Helper()
		resp, err := a.auth.Login(ctx, &pb.LoginRequest{Username: username, Password: password, DeviceId: newID()})
		if err != nil {
			t.Fatalf("login %s: %v", username, err)
		}
		a.tokens[username], s.passwords[username] = resp.GetToken(), password
		me, err := a.auth.WhoAmI(bearer(ctx, resp.GetToken()), &pb.WhoAmIRequest{})
		if err != nil {
			t.Fatal(err)
		}
		a.ids[username], a.devices[username] = me.GetUser().GetId(), me.GetDeviceId()
	}
	login("admin2", password)
	as2 := func(user string) context.Context { return bearer(ctx, a.tokens[user]) }
	for _, g := range []struct {
		id, name string
		lng      float64
	}{{street2GridC, "乙一村", 107.50}, {street2GridD, "乙二社区", 107.51}} {
		if _, err := a.dirs.CreateGrid(as2("admin2"), &pb.CreateGridRequest{Grid: &pb.Grid{Id: g.id, Name: g.name,
			Kind: pb.GridKind_GRID_KIND_VILLAGE, Boundary: square(30.50, g.lng, 30.51, g.lng+0.01)}}); err != nil {
			t.Fatalf("street 2's admin creates grid %s: %v", g.name, err)
		}
	}
	for _, u := range []*pb.User{
		{Username: "super2", DisplayName: "乙主管", Role: pb.Role_ROLE_SUPERVISOR, AllGrids: true},
		{Username: "worker2", DisplayName: "乙网格员", Role: pb.Role_ROLE_WORKER, GridIds: []string{street2GridC}},
	} {
		if _, err := a.dirs.CreateUser(as2("admin2"), &pb.CreateUserRequest{User: u, Password: testPassword}); err != nil {
			t.Fatalf("street 2's admin creates %s: %v", u.GetUsername(), err)
		}
		login(u.GetUsername(), testPassword)
	}
	s.s2.report = s.submit2(as2("worker2"), newID()).GetId()
	s.s2.photo = a.mustUploadPhoto("worker2", s.s2.report, []byte("\xFF\xD8\xFF\xE0乙街照片"))
	sub2, err := a.dirs.CreateSubject(as2("super2"), &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: newID(),
		Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: "乙街砖厂", GridId: street2GridC}})
	if err != nil {
		t.Fatal(err)
	}
	s.s2.subject = sub2.GetSubject().GetId()
	p2, err := a.reports.SubmitPatrol(as2("worker2"), &pb.SubmitPatrolRequest{Patrol: s.patrol2(street2GridC)})
	if err != nil {
		t.Fatal(err)
	}
	s.s2.patrol = p2.GetPatrol().GetId()
	if resp, err := syncc.Push(as2("worker2"), &pb.PushRequest{DeviceId: a.devices["worker2"], Mutations: []*pb.Mutation{
		{MutationId: newID(), DeviceSeq: 1, Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: s.report2(newID())}}},
	}}); err != nil || resp.GetResults()[0].GetOutcome() != pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
		t.Fatalf("street 2's push = %v, %v", resp, err)
	}

	// Every id of street 1's rows that street 2's rows do not hold too
	// (the system's, say) is a secret.
	uuids := regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`)
	mine := map[string]bool{}
	for _, id := range uuids.FindAllString(streetRows(t, a.db.Path(), 2), -1) {
		mine[id] = true
	}
	for _, id := range uuids.FindAllString(streetRows(t, a.db.Path(), 1), -1) {
		// The system's actor acts in every street.
		if !mine[id] && !slices.Contains(s.secrets, id) && id != gridinspect.SystemUserID {
			s.secrets = append(s.secrets, id)
		}
	}
	if len(s.secrets) < 30 {
		t.Fatalf("street 1's rows hold only %d ids", len(s.secrets))
	}
	s.secrets = append(s.secrets, street1Texts...)
	return s
}

// report2 returns a case of street 2's grid C.
func (s *twoStreets) report2(id string) *pb.Report {
	return &pb.Report{Id: id, Category: pb.Category_CATEGORY_SAFETY_HAZARD, Severity: pb.Severity_SEVERITY_GENERAL,
		Description: "乙街道：配电箱门锁损坏", Location: inStreet2, GridId: street2GridC, ObservedAt: timestamppb.New(s.clock.Now().Add(-time.Hour)),
		Details: &pb.Report_SafetyHazard{SafetyHazard: &pb.SafetyHazardDetails{
			HazardKind: pb.HazardKind_HAZARD_KIND_ELECTRICAL, PlaceKind: pb.PlaceKind_PLACE_KIND_OTHER}}}
}

// submit2 submits a case of street 2 as ctx's user.
func (s *twoStreets) submit2(ctx context.Context, id string) *pb.Report {
	s.t.Helper()
	resp, err := s.reports.SubmitReport(ctx, &pb.SubmitReportRequest{Report: s.report2(id)})
	if err != nil {
		s.t.Fatalf("submit street 2's case: %v", err)
	}
	return resp.GetReport()
}

func (s *twoStreets) patrol2(grid string) *pb.Patrol {
	start := s.clock.Now().Add(-time.Hour)
	return &pb.Patrol{Id: newID(), Kind: pb.PatrolKind_PATROL_KIND_SAFETY, GridId: grid, Participants: 1,
		StartedAt: timestamppb.New(start), EndedAt: timestamppb.New(start.Add(time.Hour))}
}

// case2 returns a new case of street 2 brought to status by its system
// actor, for a call of street 2's users to act on.
func (s *twoStreets) case2(status gridinspect.Status) string {
	s.t.Helper()
	r := s.report2(newID())
	r.RectifiedOnSpot = status == gridinspect.StatusPendingVerification
	if _, err := s.reports.SubmitReport(bearer(context.Background(), s.tokens["worker2"]), &pb.SubmitReportRequest{Report: r}); err != nil {
		s.t.Fatal(err)
	}
	sys := gridinspect.SystemActor()
	sys.StreetID = 2
	ctx := gridinspect.NewContext(context.Background(), sys)
	act := func(typ gridinspect.EventType, data gridinspect.EventData) {
		if _, _, err := s.db.Act(ctx, &gridinspect.Action{ID: newID(), ReportID: r.GetId(), Type: typ, Data: data}, gridinspect.Online); err != nil {
			s.t.Fatalf("bring street 2's case to %s: %v", status, err)
		}
	}
	if status == gridinspect.StatusAssigned {
		act(gridinspect.EventReportAssigned, gridinspect.EventData{Assignment: &gridinspect.Assignment{AssigneeID: s.ids["worker2"]}})
	}
	return r.GetId()
}

// uploadHalf declares a photo of reportID twice the smallest chunk in
// size, sends its first half and returns the photo's id.
func (s *twoStreets) uploadHalf(ctx context.Context, reportID string) string {
	s.t.Helper()
	data := bytes.Repeat([]byte("甲街半张照片"), 2*server.MinPhotoChunkBytes/len("甲街半张照片")+1)
	sum := sha256.Sum256(data)
	id := newID()
	stream, err := pb.NewSyncServiceClient(s.conn).UploadPhoto(ctx)
	if err != nil {
		s.t.Fatal(err)
	}
	for _, msg := range []*pb.UploadPhotoRequest{
		{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{PhotoId: id, ReportId: reportID,
			Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)), ContentType: "image/jpeg"}}},
		{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: data[:server.MinPhotoChunkBytes]}}},
	} {
		if err := stream.Send(msg); err != nil {
			s.t.Fatal(err)
		}
	}
	if resp, err := stream.CloseAndRecv(); err != nil || resp.GetComplete() {
		s.t.Fatalf("half an upload = %v, %v", resp, err)
	}
	return id
}

// streetRows returns every row of street's in every table that has a
// street_id (tokens without the time they were last used, which moves on
// every call), and its counter row: what no call of another street may
// change.
func streetRows(t testing.TB, path string, street int64) string {
	t.Helper()
	return dumpRows(t, path, `SELECT m.name FROM sqlite_master AS m WHERE m.type = 'table'
		AND EXISTS (SELECT 1 FROM pragma_table_info(m.name) WHERE name = 'street_id') ORDER BY 1`,
		`SELECT table_name FROM information_schema.columns
		WHERE table_schema = current_schema() AND column_name = 'street_id' ORDER BY 1`,
		func(table string) string {
			if table == "tokens" {
				return fmt.Sprintf("SELECT id, user_id, device_id, created_at, expires_at, revoked_at FROM tokens WHERE street_id = %d", street)
			}
			return fmt.Sprintf("SELECT * FROM %s WHERE street_id = %d", table, street)
		}, fmt.Sprintf("SELECT * FROM streets WHERE id = %d", street))
}

// dumpRows returns the rows of the database at path (a SQLite file, or
// DB.Path on PostgreSQL) that the queries first, then query of each table
// that tablesSQLite or tablesPostgres lists, find.
func dumpRows(t testing.TB, path, tablesSQLite, tablesPostgres string, query func(table string) string, first ...string) string {
	t.Helper()
	db, done := openReadOnly(t, path)
	defer done()
	tablesSQL := tablesSQLite
	if strings.HasPrefix(path, "postgres://") {
		tablesSQL = tablesPostgres
	}
	queries := first
	for _, table := range tableRows(t, db, tablesSQL) {
		queries = append(queries, query(strings.TrimSpace(table)))
	}
	var b strings.Builder
	for _, q := range queries {
		fmt.Fprintf(&b, "== %s\n", q)
		b.WriteString(strings.Join(tableRows(t, db, q), ""))
	}
	return b.String()
}

// openReadOnly opens the database at path (a SQLite file, or DB.Path on
// PostgreSQL) for reading beside the store; done closes it.
func openReadOnly(t testing.TB, path string) (db *sql.DB, done func()) {
	t.Helper()
	if strings.HasPrefix(path, "postgres://") {
		return pgSnapshotConn(t, path), func() {} // kept for the test
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	return db, func() { db.Close() }
}

// count returns how many rows of table street holds.
func (s *twoStreets) count(table string, street int64) int64 {
	s.t.Helper()
	db, done := openReadOnly(s.t, s.db.Path())
	defer done()
	var n int64
	if err := db.QueryRow(fmt.Sprintf("SELECT count(*) FROM %s WHERE street_id = %d", table, street)).Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

// tableRows returns the rows query finds, a line each, sorted: some tables
// have no rowid to order by.
func tableRows(t testing.TB, db *sql.DB, query string) []string {
	t.Helper()
	rows, err := db.Query(query)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var lines []string
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		for i, v := range vals {
			if s, ok := v.([]byte); ok && !bytes.ContainsRune(s, 0) {
				vals[i] = string(s) // a text column read as bytes: its ids may be searched
			}
		}
		lines = append(lines, fmt.Sprintln(vals...))
	}
	if err := rows.Err(); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	slices.Sort(lines)
	return lines
}

// isolationCall is one way of calling an RPC as a user of street 2 with
// an id of street 1.
type isolationCall struct {
	// what names the id of street 1 the call is given, e.g. "a case".
	what string
	// other is street 1's id; "" for a call that names none (a list, say),
	// whose answer is only searched for street 1's rows.
	other string
	// none is an id that names nothing, for the answer other must get
	// (default: a new UUID).
	none string
	// call makes the call as ctx's user with id.
	call func(ctx context.Context, id string) (proto.Message, error)
	// reuse says that the call creates something with id: street 1's id
	// may make it in street 2, or be refused as taken (AlreadyExists) or
	// as another grid's (PermissionDenied, NotFound), never be answered
	// with street 1's row or fail otherwise.
	reuse bool
	// echoed says that the call keeps id in street 2's rows as given (a
	// photo a case expects, a case a patrol produced): from then on
	// street 2's answers may echo it.
	echoed bool
	// differs says that two successful answers differ anyway (they
	// create something new each time); only their codes are compared.
	differs bool
	// check, if set, says what else is wrong with a successful answer.
	check func(user string, m proto.Message) string
	// want, if set, is what a successful answer must hold: street 2's
	// own rows are listed still.
	want string
	// session makes each call with a new login of the user (the call
	// ends its session).
	session bool
	// alone says there is no id that names nothing to compare with (a
	// cursor): check says what the answer must be.
	alone bool
}

// isoOne returns a single call of an RPC.
func isoOne(c isolationCall) []isolationCall { return []isolationCall{c} }

// isoUnary adapts a unary RPC whose request is made from the id.
func isoUnary[Req proto.Message, Resp proto.Message](f func(context.Context, Req, ...grpc.CallOption) (Resp, error), req func(id string) Req) func(context.Context, string) (proto.Message, error) {
	return func(ctx context.Context, id string) (proto.Message, error) {
		resp, err := f(ctx, req(id))
		if err != nil {
			return nil, err
		}
		return resp, nil
	}
}

// isoAnswers is a server stream's answers, in one message for the scan.
type isoAnswers struct {
	msgs []proto.Message
	raw  []byte // every bytes field's content, joined
}

// isoStreamAll adapts a server-streaming RPC: its answers, all of them.
func isoStreamAll[Req proto.Message, Resp any](f func(context.Context, Req, ...grpc.CallOption) (grpc.ServerStreamingClient[Resp], error), req func(id string) Req) func(context.Context, string) (*isoAnswers, error) {
	return func(ctx context.Context, id string) (*isoAnswers, error) {
		s, err := f(ctx, req(id))
		if err != nil {
			return nil, err
		}
		c := &isoAnswers{}
		for {
			m, err := s.Recv()
			if err == io.EOF {
				return c, nil
			}
			if err != nil {
				return c, err
			}
			msg := any(m).(proto.Message)
			c.msgs = append(c.msgs, msg)
			c.raw = append(c.raw, bytesFields(msg.ProtoReflect())...)
		}
	}
}

// bytesFields returns the content of m's bytes fields, which protojson would
// show in base64, where no secret can be found.
func bytesFields(m protoreflect.Message) []byte {
	var out []byte
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		switch {
		case fd.IsList():
			for i := 0; i < v.List().Len(); i++ {
				if fd.Kind() == protoreflect.MessageKind {
					out = append(out, bytesFields(v.List().Get(i).Message())...)
				}
			}
		case fd.IsMap():
		case fd.Kind() == protoreflect.BytesKind:
			out = append(out, v.Bytes()...)
		case fd.Kind() == protoreflect.MessageKind:
			out = append(out, bytesFields(v.Message())...)
		}
		return true
	})
	return out
}

// answerText is what an answer says, for the search for street 1's
// secrets: the message as JSON, the content of its bytes (a backup is
// unpackedArchive), and the error's status with its details.
func answerText(m proto.Message, err error) string {
	var b strings.Builder
	if c, ok := m.(*isoStreamAnswer); ok {
		for _, msg := range c.c.msgs {
			j, _ := protojson.Marshal(msg)
			b.Write(j)
		}
		b.Write(unpackedArchive(c.c.raw))
	} else if m != nil {
		j, _ := protojson.Marshal(m)
		b.Write(j)
		b.Write(bytesFields(m.ProtoReflect()))
	}
	if err != nil {
		j, _ := protojson.Marshal(status.Convert(err).Proto())
		b.Write(j)
	}
	return b.String()
}

// unpackedArchive returns data, and if it is a gzip-compressed tar archive (a
// backup), the content of its files too.
func unpackedArchive(data []byte) []byte {
	zr, err := gzip.NewReader(bytes.NewReader(data))
	if err != nil {
		return data
	}
	out := slices.Clone(data)
	tr := tar.NewReader(zr)
	for {
		if _, err := tr.Next(); err != nil {
			return out
		}
		content, _ := io.ReadAll(tr)
		out = append(out, content...)
	}
}

// isoStreamAnswer wraps a server stream's answers as one proto.Message for
// the table; only answerText and compare look inside.
type isoStreamAnswer struct {
	proto.Message
	c *isoAnswers
}

func isoStream[Req proto.Message, Resp any](f func(context.Context, Req, ...grpc.CallOption) (grpc.ServerStreamingClient[Resp], error), req func(id string) Req) func(context.Context, string) (proto.Message, error) {
	all := isoStreamAll(f, req)
	return func(ctx context.Context, id string) (proto.Message, error) {
		c, err := all(ctx, id)
		if c == nil {
			return nil, err
		}
		return &isoStreamAnswer{Message: &pb.EchoResponse{}, c: c}, err
	}
}

// uploadAs declares a photo (id) of report, and sends data unless nil.
func uploadAs(c pb.SyncServiceClient, ctx context.Context, photo, report string, data []byte) (*pb.UploadPhotoResponse, error) {
	s, err := c.UploadPhoto(ctx)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	_ = s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Header{Header: &pb.PhotoHeader{
		PhotoId: photo, ReportId: report, Sha256: hex.EncodeToString(sum[:]), SizeBytes: int64(len(data)), ContentType: "image/jpeg"}}})
	if data != nil {
		_ = s.Send(&pb.UploadPhotoRequest{Part: &pb.UploadPhotoRequest_Chunk{Chunk: &pb.PhotoChunk{Data: data}}})
	}
	return s.CloseAndRecv()
}

// isolationCalls are the calls of every RPC with street 1's ids.
func (s *twoStreets) isolationCalls() map[string][]isolationCall {
	conn := s.conn
	reports, dirs, auth := pb.NewReportServiceClient(conn), pb.NewDirectoryServiceClient(conn), pb.NewAuthServiceClient(conn)
	rect, syncc, stats := pb.NewRectificationServiceClient(conn), pb.NewSyncServiceClient(conn), pb.NewStatsServiceClient(conn)
	admin, routing, schedules := pb.NewAdminServiceClient(conn), pb.NewRoutingServiceClient(conn), pb.NewPatrolScheduleServiceClient(conn)
	calendar := pb.NewCalendarServiceClient(conn)
	s1 := s.s1
	now := s.clock.Now()
	from, to := timestamppb.New(now.AddDate(0, -6, 0)), timestamppb.New(now.Add(time.Hour))
	seq := int64(100)
	notices := 0 // street 2's, of this year
	// unique returns a name no call made before.
	names := 0
	unique := func(prefix string) string {
		names++
		return fmt.Sprintf("%s%d", prefix, names)
	}
	// newSquare returns a grid's boundary that no other grid overlaps.
	squares := 0
	newSquare := func() []*pb.Polygon {
		squares++
		lat := 30.60 + 0.002*float64(squares)
		return square(lat, 107.50, lat+0.001, 107.501)
	}
	// device is the device of the session of ctx.
	device := func(ctx context.Context) string {
		me, err := auth.WhoAmI(ctx, &pb.WhoAmIRequest{})
		if err != nil {
			s.t.Fatal(err)
		}
		return me.GetDeviceId()
	}
	// push pushes one mutation on ctx's own device; the answer is its
	// result, without the mutation's own id and number, which differ
	// from call to call.
	push := func(ctx context.Context, m *pb.Mutation) (proto.Message, error) {
		seq++
		if m.MutationId == "" {
			m.MutationId = newID()
		}
		m.DeviceSeq = seq
		resp, err := syncc.Push(ctx, &pb.PushRequest{DeviceId: device(ctx), Mutations: []*pb.Mutation{m}})
		if err != nil {
			return nil, err
		}
		res := resp.GetResults()[0]
		res.MutationId, res.DeviceSeq = "", 0
		return res, nil
	}
	// atMost checks a count of a statistics answer against how many rows
	// of table street 2 holds.
	atMost := func(what string, got int64, table string) string {
		if n := s.count(table, 2); got > n {
			return fmt.Sprintf("%s counts %d, street 2 holds %d", what, got, n)
		}
		return ""
	}
	rectify := func(what, status string, call func(ctx context.Context, id string) (proto.Message, error)) []isolationCall {
		return isoOne(isolationCall{what: what, other: status, call: call})
	}
	return map[string][]isolationCall{
		"/gridinspect.v1.AdminService/Backup": isoOne(isolationCall{what: "the whole database",
			call: isoStream(admin.Backup, func(string) *pb.BackupRequest { return &pb.BackupRequest{} })}),
		"/gridinspect.v1.AdminService/Echo": isoOne(isolationCall{what: "nothing",
			call: isoUnary(admin.Echo, func(string) *pb.EchoRequest { return &pb.EchoRequest{Payload: []byte("ping")} })}),
		"/gridinspect.v1.AdminService/GetNoticeSettings": isoOne(isolationCall{what: "the notice prefixes",
			call: isoUnary(admin.GetNoticeSettings, func(string) *pb.GetNoticeSettingsRequest { return &pb.GetNoticeSettingsRequest{} })}),
		"/gridinspect.v1.AdminService/SetNoticePrefix": isoOne(isolationCall{what: "its own prefix",
			call: isoUnary(admin.SetNoticePrefix, func(string) *pb.SetNoticePrefixRequest {
				return &pb.SetNoticePrefixRequest{Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, Prefix: "乙街安告"}
			})}),

		"/gridinspect.v1.AuthService/Login": isoOne(isolationCall{what: "street 1's username, a wrong password", other: "workera",
			none: "nobody" + newID()[:4],
			call: isoUnary(auth.Login, func(u string) *pb.LoginRequest {
				return &pb.LoginRequest{Username: u, Password: "wrong password", DeviceId: newID()}
			})}),
		"/gridinspect.v1.AuthService/Logout": isoOne(isolationCall{what: "its own session", session: true,
			call: isoUnary(auth.Logout, func(string) *pb.LogoutRequest { return &pb.LogoutRequest{} })}),
		"/gridinspect.v1.AuthService/WhoAmI": isoOne(isolationCall{what: "itself",
			call: isoUnary(auth.WhoAmI, func(string) *pb.WhoAmIRequest { return &pb.WhoAmIRequest{} })}),
		"/gridinspect.v1.AuthService/RevokeTokens": isoOne(isolationCall{what: "street 1's worker", other: s.ids["workera"],
			call: isoUnary(auth.RevokeTokens, func(id string) *pb.RevokeTokensRequest { return &pb.RevokeTokensRequest{UserId: id} })}),

		// The calendar is the state's, the database's (migration 0023):
		// every street reads the same, and an admin of any street sets it
		// for all (see the report of issue 17).
		"/gridinspect.v1.CalendarService/ListCalendarExceptions": isoOne(isolationCall{what: "the state's calendar",
			call: isoUnary(calendar.ListCalendarExceptions, func(string) *pb.ListCalendarExceptionsRequest {
				return &pb.ListCalendarExceptionsRequest{Year: 2026}
			})}),
		"/gridinspect.v1.CalendarService/SetCalendarExceptions": isoOne(isolationCall{what: "the state's calendar",
			call: isoUnary(calendar.SetCalendarExceptions, func(string) *pb.SetCalendarExceptionsRequest {
				return &pb.SetCalendarExceptionsRequest{Year: 2026, Exceptions: []*pb.CalendarException{
					{Date: "2026-10-01", Kind: pb.DayKind_DAY_KIND_HOLIDAY, Name: "国庆节"}}}
			})}),
		"/gridinspect.v1.CalendarService/CountWorkingDays": isoOne(isolationCall{what: "the state's calendar",
			call: isoUnary(calendar.CountWorkingDays, func(string) *pb.CountWorkingDaysRequest {
				return &pb.CountWorkingDaysRequest{From: "2026-09-30", To: "2026-10-09"}
			})}),
		"/gridinspect.v1.CalendarService/AddWorkingDays": isoOne(isolationCall{what: "the state's calendar",
			call: isoUnary(calendar.AddWorkingDays, func(string) *pb.AddWorkingDaysRequest {
				return &pb.AddWorkingDaysRequest{From: "2026-09-30", WorkingDays: 5}
			})}),

		"/gridinspect.v1.DirectoryService/CreateGrid": {
			{what: "street 1's grid id", other: s1.spare.grid, reuse: true, differs: true,
				call: isoUnary(dirs.CreateGrid, func(id string) *pb.CreateGridRequest {
					return &pb.CreateGridRequest{Grid: &pb.Grid{Id: id, Name: unique("乙新村"), Boundary: newSquare()}}
				})},
			{what: "street 1's grid name", other: "红星村", none: "乙村" + newID()[:4], differs: true,
				call: isoUnary(dirs.CreateGrid, func(name string) *pb.CreateGridRequest {
					return &pb.CreateGridRequest{Grid: &pb.Grid{Id: newID(), Name: name, Boundary: newSquare()}}
				})},
		},
		"/gridinspect.v1.DirectoryService/GetGrid": isoOne(isolationCall{what: "street 1's grid", other: gridA,
			call: isoUnary(dirs.GetGrid, func(id string) *pb.GetGridRequest { return &pb.GetGridRequest{Id: id} })}),
		"/gridinspect.v1.DirectoryService/ListGrids": isoOne(isolationCall{what: "its grids", want: street2GridC,
			call: isoUnary(dirs.ListGrids, func(string) *pb.ListGridsRequest { return &pb.ListGridsRequest{} })}),
		"/gridinspect.v1.DirectoryService/SetGridOrder": isoOne(isolationCall{what: "street 1's grid", other: gridA,
			call: isoUnary(dirs.SetGridOrder, func(id string) *pb.SetGridOrderRequest { return &pb.SetGridOrderRequest{Id: id, Order: 1} })}),
		"/gridinspect.v1.DirectoryService/CreateUser": isoOne(isolationCall{what: "street 1's grid", other: gridA, differs: true,
			call: isoUnary(dirs.CreateUser, func(id string) *pb.CreateUserRequest {
				return &pb.CreateUserRequest{Password: testPassword, User: &pb.User{Username: "u" + strings.ReplaceAll(newID()[24:], "-", ""),
					Role: pb.Role_ROLE_WORKER, GridIds: []string{id}}}
			})}),
		"/gridinspect.v1.DirectoryService/GetUser": isoOne(isolationCall{what: "street 1's worker", other: s.ids["workera"],
			call: isoUnary(dirs.GetUser, func(id string) *pb.GetUserRequest { return &pb.GetUserRequest{Id: id} })}),
		"/gridinspect.v1.DirectoryService/ListUsers": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(dirs.ListUsers, func(id string) *pb.ListUsersRequest { return &pb.ListUsersRequest{GridId: id} })},
			{what: "its users", want: s.ids["worker2"],
				call: isoUnary(dirs.ListUsers, func(string) *pb.ListUsersRequest { return &pb.ListUsersRequest{} })},
		},
		"/gridinspect.v1.DirectoryService/UpdateUser": {
			{what: "street 1's worker", other: s.ids["workera"],
				call: isoUnary(dirs.UpdateUser, func(id string) *pb.UpdateUserRequest {
					return &pb.UpdateUserRequest{User: &pb.User{Id: id, DisplayName: "乙改名"}, UpdateFields: []string{"display_name"}}
				})},
			{what: "street 1's grid given to its worker", other: gridA,
				call: isoUnary(dirs.UpdateUser, func(id string) *pb.UpdateUserRequest {
					return &pb.UpdateUserRequest{User: &pb.User{Id: s.ids["worker2"], GridIds: []string{street2GridC, id}}, UpdateFields: []string{"grid_ids"}}
				})},
		},
		"/gridinspect.v1.DirectoryService/DisableUser": isoOne(isolationCall{what: "street 1's worker", other: s.ids["workerb"],
			call: isoUnary(dirs.DisableUser, func(id string) *pb.DisableUserRequest { return &pb.DisableUserRequest{Id: id} })}),
		"/gridinspect.v1.DirectoryService/CreateSubject": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(dirs.CreateSubject, func(id string) *pb.CreateSubjectRequest {
					return &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: newID(), Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: unique("乙工地"), GridId: id}}
				})},
			{what: "street 1's subject id", other: s1.spare.subject, reuse: true, differs: true,
				call: isoUnary(dirs.CreateSubject, func(id string) *pb.CreateSubjectRequest {
					return &pb.CreateSubjectRequest{Subject: &pb.Subject{Id: id, Kind: pb.SubjectKind_SUBJECT_KIND_SITE, Name: unique("乙工地"), GridId: street2GridC}}
				})},
		},
		"/gridinspect.v1.DirectoryService/GetSubject": isoOne(isolationCall{what: "street 1's subject", other: s1.subject,
			call: isoUnary(dirs.GetSubject, func(id string) *pb.GetSubjectRequest { return &pb.GetSubjectRequest{Id: id} })}),
		"/gridinspect.v1.DirectoryService/ListSubjects": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(dirs.ListSubjects, func(id string) *pb.ListSubjectsRequest { return &pb.ListSubjectsRequest{GridIds: []string{id}} })},
			{what: "its subjects", want: s.s2.subject,
				call: isoUnary(dirs.ListSubjects, func(string) *pb.ListSubjectsRequest { return &pb.ListSubjectsRequest{} })},
		},

		"/gridinspect.v1.ReportService/SubmitReport": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(reports.SubmitReport, func(id string) *pb.SubmitReportRequest {
					r := s.report2(newID())
					r.GridId, r.Location = id, inA
					return &pb.SubmitReportRequest{Report: r}
				})},
			{what: "a place in street 1's grid, no grid named", other: "", differs: true,
				call: isoUnary(reports.SubmitReport, func(string) *pb.SubmitReportRequest {
					r := s.report2(newID())
					r.GridId, r.Location = "", inA
					return &pb.SubmitReportRequest{Report: r}
				})},
			{what: "street 1's subject", other: s1.subject,
				call: isoUnary(reports.SubmitReport, func(id string) *pb.SubmitReportRequest {
					r := s.report2(newID())
					r.SubjectId = id
					return &pb.SubmitReportRequest{Report: r}
				})},
			{what: "street 1's photo", other: s1.spare.named, echoed: true, differs: true,
				call: isoUnary(reports.SubmitReport, func(id string) *pb.SubmitReportRequest {
					r := s.report2(newID())
					r.PhotoIds = []string{id}
					return &pb.SubmitReportRequest{Report: r}
				}),
				check: func(_ string, m proto.Message) string {
					if !slices.Contains(m.(*pb.SubmitReportResponse).GetReport().GetMissingPhotoIds(), s1.spare.named) {
						return "street 1's photo counts as street 2's case's, not as missing"
					}
					return ""
				}},
			{what: "street 1's case id", other: s1.spare.report, reuse: true, differs: true,
				call: isoUnary(reports.SubmitReport, func(id string) *pb.SubmitReportRequest { return &pb.SubmitReportRequest{Report: s.report2(id)} })},
		},
		"/gridinspect.v1.ReportService/GetReport": isoOne(isolationCall{what: "street 1's case", other: s1.reported,
			call: isoUnary(reports.GetReport, func(id string) *pb.GetReportRequest { return &pb.GetReportRequest{Id: id} })}),
		"/gridinspect.v1.ReportService/ListReports": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(reports.ListReports, func(id string) *pb.ListReportsRequest { return &pb.ListReportsRequest{GridIds: []string{id}} })},
			{what: "street 1's subject", other: s1.subject,
				call: isoUnary(reports.ListReports, func(id string) *pb.ListReportsRequest { return &pb.ListReportsRequest{SubjectId: id} })},
			{what: "street 1's worker as assignee", other: s.ids["workera"],
				call: isoUnary(reports.ListReports, func(id string) *pb.ListReportsRequest { return &pb.ListReportsRequest{AssigneeId: id} })},
			{what: "its cases", want: s.s2.report,
				call: isoUnary(reports.ListReports, func(string) *pb.ListReportsRequest { return &pb.ListReportsRequest{} })},
		},
		"/gridinspect.v1.ReportService/SubmitPatrol": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(reports.SubmitPatrol, func(id string) *pb.SubmitPatrolRequest { return &pb.SubmitPatrolRequest{Patrol: s.patrol2(id)} })},
			{what: "street 1's subject", other: s1.subject,
				call: isoUnary(reports.SubmitPatrol, func(id string) *pb.SubmitPatrolRequest {
					p := s.patrol2(street2GridC)
					p.SubjectId = id
					return &pb.SubmitPatrolRequest{Patrol: p}
				})},
			// A patrol lists the cases its phone says it produced, as
			// given: street 2 holds the id from then on.
			{what: "street 1's case in its patrol", other: s1.spare.listed, echoed: true, differs: true,
				call: isoUnary(reports.SubmitPatrol, func(id string) *pb.SubmitPatrolRequest {
					p := s.patrol2(street2GridC)
					p.ReportIds = []string{id}
					return &pb.SubmitPatrolRequest{Patrol: p}
				})},
			{what: "street 1's patrol id", other: s1.spare.patrol, reuse: true, differs: true,
				call: isoUnary(reports.SubmitPatrol, func(id string) *pb.SubmitPatrolRequest {
					p := s.patrol2(street2GridC)
					p.Id = id
					return &pb.SubmitPatrolRequest{Patrol: p}
				})},
		},
		"/gridinspect.v1.ReportService/ListPatrols": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(reports.ListPatrols, func(id string) *pb.ListPatrolsRequest { return &pb.ListPatrolsRequest{GridIds: []string{id}} })},
			{what: "street 1's subject", other: s1.subject,
				call: isoUnary(reports.ListPatrols, func(id string) *pb.ListPatrolsRequest { return &pb.ListPatrolsRequest{SubjectId: id} })},
			{what: "its patrols", want: s.s2.patrol,
				call: isoUnary(reports.ListPatrols, func(string) *pb.ListPatrolsRequest { return &pb.ListPatrolsRequest{} })},
		},

		"/gridinspect.v1.RectificationService/AssignReport": {
			{what: "street 1's case", other: s1.reported,
				call: isoUnary(rect.AssignReport, func(id string) *pb.AssignReportRequest {
					return &pb.AssignReportRequest{ActionId: newID(), ReportId: id, AssigneeId: s.ids["worker2"]}
				})},
			{what: "street 1's worker as assignee of its case", other: s.ids["workera"],
				call: isoUnary(rect.AssignReport, func(id string) *pb.AssignReportRequest {
					return &pb.AssignReportRequest{ActionId: newID(), ReportId: s.case2(gridinspect.StatusReported), AssigneeId: id}
				})},
		},
		"/gridinspect.v1.RectificationService/RejectReport": rectify("street 1's case", s1.reported,
			isoUnary(rect.RejectReport, func(id string) *pb.RejectReportRequest {
				return &pb.RejectReportRequest{ActionId: newID(), ReportId: id, Reason: pb.RejectionReason_REJECTION_REASON_INVALID}
			})),
		"/gridinspect.v1.RectificationService/RecordProgress": {
			{what: "street 1's case", other: s1.assigned,
				call: isoUnary(rect.RecordProgress, func(id string) *pb.RecordProgressRequest {
					return &pb.RecordProgressRequest{ActionId: newID(), ReportId: id}
				})},
			// A photo of street 1 named on street 2's own case is one that
			// has not arrived: it must not become street 2's to fetch.
			{what: "street 1's photo on its own case", other: s1.spare.named, echoed: true, differs: true,
				call: isoUnary(rect.RecordProgress, func(id string) *pb.RecordProgressRequest {
					return &pb.RecordProgressRequest{ActionId: newID(), ReportId: s.case2(gridinspect.StatusAssigned), PhotoIds: []string{id}}
				})},
		},
		"/gridinspect.v1.RectificationService/IssueNotice": {
			{what: "street 1's case", other: s1.assigned,
				call: isoUnary(rect.IssueNotice, func(id string) *pb.IssueNoticeRequest {
					return &pb.IssueNoticeRequest{ActionId: newID(), ReportId: id, Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE}
				})},
			// Street 2 numbers its notices from 1, after none of street 1's.
			{what: "its own case",
				call: isoUnary(rect.IssueNotice, func(string) *pb.IssueNoticeRequest {
					return &pb.IssueNoticeRequest{ActionId: newID(), ReportId: s.case2(gridinspect.StatusAssigned), Kind: pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE}
				}),
				check: func(_ string, m proto.Message) string {
					notices++
					if n := m.(*pb.IssueNoticeResponse).GetEvent().GetNotice(); n.GetSequence() != int32(notices) {
						return fmt.Sprintf("street 2's notice %d of the year is numbered %d (%s)", notices, n.GetSequence(), n.GetNumber())
					}
					return ""
				}},
		},
		"/gridinspect.v1.RectificationService/RecordInterview": rectify("street 1's case", s1.assigned,
			isoUnary(rect.RecordInterview, func(id string) *pb.RecordInterviewRequest {
				return &pb.RecordInterviewRequest{ActionId: newID(), ReportId: id, Interviewee: "乙某"}
			})),
		"/gridinspect.v1.RectificationService/SubmitRectification": rectify("street 1's case", s1.rectifying,
			isoUnary(rect.SubmitRectification, func(id string) *pb.SubmitRectificationRequest {
				return &pb.SubmitRectificationRequest{ActionId: newID(), ReportId: id}
			})),
		"/gridinspect.v1.RectificationService/VerifyRectification": rectify("street 1's case", s1.pending,
			isoUnary(rect.VerifyRectification, func(id string) *pb.VerifyRectificationRequest {
				return &pb.VerifyRectificationRequest{ActionId: newID(), ReportId: id, Passed: true}
			})),
		"/gridinspect.v1.RectificationService/RecordFollowUp": rectify("street 1's case", s1.closed,
			isoUnary(rect.RecordFollowUp, func(id string) *pb.RecordFollowUpRequest {
				return &pb.RecordFollowUpRequest{ActionId: newID(), ReportId: id}
			})),
		"/gridinspect.v1.RectificationService/CommentOnReport": {
			{what: "street 1's case", other: s1.rejected,
				call: isoUnary(rect.CommentOnReport, func(id string) *pb.CommentOnReportRequest {
					return &pb.CommentOnReportRequest{ActionId: newID(), ReportId: id, Note: "乙街评论"}
				})},
			{what: "street 1's action id, on its own case", other: s1.action, reuse: true, differs: true,
				call: isoUnary(rect.CommentOnReport, func(id string) *pb.CommentOnReportRequest {
					return &pb.CommentOnReportRequest{ActionId: id, ReportId: s.s2.report, Note: "乙街评论"}
				})},
		},
		"/gridinspect.v1.RectificationService/ExtendDeadline": rectify("street 1's case", s1.rectifying,
			isoUnary(rect.ExtendDeadline, func(id string) *pb.ExtendDeadlineRequest {
				return &pb.ExtendDeadlineRequest{ActionId: newID(), ReportId: id, NewDeadline: timestamppb.New(now.Add(90 * 24 * time.Hour)), Reason: "乙街延期"}
			})),
		"/gridinspect.v1.RectificationService/GetTimeline": rectify("street 1's case", s1.assigned,
			isoUnary(rect.GetTimeline, func(id string) *pb.GetTimelineRequest { return &pb.GetTimelineRequest{ReportId: id} })),
		"/gridinspect.v1.RectificationService/ReassignReport": {
			{what: "street 1's case", other: s1.rectifying,
				call: isoUnary(rect.ReassignReport, func(id string) *pb.ReassignReportRequest {
					return &pb.ReassignReportRequest{ActionId: newID(), ReportId: id, ResponsibleUnit: "乙街城建办", Reason: "乙街转派"}
				})},
			{what: "street 1's worker as assignee of its case", other: s.ids["workera"],
				call: isoUnary(rect.ReassignReport, func(id string) *pb.ReassignReportRequest {
					return &pb.ReassignReportRequest{ActionId: newID(), ReportId: s.case2(gridinspect.StatusAssigned), AssigneeId: id, Reason: "乙街转派"}
				})},
		},
		"/gridinspect.v1.RectificationService/UrgeReport": rectify("street 1's case", s1.assigned,
			isoUnary(rect.UrgeReport, func(id string) *pb.UrgeReportRequest {
				return &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "乙街催办"}
			})),
		"/gridinspect.v1.RectificationService/ReturnReport": rectify("street 1's case", s1.reported,
			isoUnary(rect.ReturnReport, func(id string) *pb.ReturnReportRequest {
				return &pb.ReturnReportRequest{ActionId: newID(), ReportId: id, Wants: []pb.ReturnWant{pb.ReturnWant_RETURN_WANT_PHOTO}}
			})),
		"/gridinspect.v1.RectificationService/SupplementReport": rectify("street 1's case", s1.returned,
			isoUnary(rect.SupplementReport, func(id string) *pb.SupplementReportRequest {
				return &pb.SupplementReportRequest{ActionId: newID(), ReportId: id, Address: "乙街补充"}
			})),

		"/gridinspect.v1.RoutingService/SetRoutingRule": {
			{what: "street 1's rule id", other: s1.spare.rule, reuse: true, differs: true,
				call: isoUnary(routing.SetRoutingRule, func(id string) *pb.SetRoutingRuleRequest {
					return &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: id, Name: "乙街规则", Category: pb.Category_CATEGORY_OTHER, ResponsibleUnit: "乙街综治办"}}
				})},
			{what: "street 1's grid", other: gridA, differs: true,
				call: isoUnary(routing.SetRoutingRule, func(id string) *pb.SetRoutingRuleRequest {
					return &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: newID(), Name: "乙街规则", Category: pb.Category_CATEGORY_ILLEGAL_CONSTRUCTION,
						GridId: id, ResponsibleUnit: "乙街综治办"}}
				})},
			{what: "street 1's worker as assignee", other: s.ids["workera"], differs: true,
				call: isoUnary(routing.SetRoutingRule, func(id string) *pb.SetRoutingRuleRequest {
					return &pb.SetRoutingRuleRequest{Rule: &pb.RoutingRule{Id: newID(), Name: "乙街规则", Category: pb.Category_CATEGORY_WATER_SOURCE_RISK,
						AssigneeId: id, ResponsibleUnit: "乙街综治办"}}
				})},
		},
		"/gridinspect.v1.RoutingService/ListRoutingRules": isoOne(isolationCall{what: "its rules",
			call: isoUnary(routing.ListRoutingRules, func(string) *pb.ListRoutingRulesRequest { return &pb.ListRoutingRulesRequest{} })}),
		"/gridinspect.v1.RoutingService/DeleteRoutingRule": isoOne(isolationCall{what: "street 1's rule", other: s1.rule,
			call: isoUnary(routing.DeleteRoutingRule, func(id string) *pb.DeleteRoutingRuleRequest { return &pb.DeleteRoutingRuleRequest{RuleId: id} })}),
		"/gridinspect.v1.RoutingService/SuggestDispatch": {
			{what: "street 1's case", other: s1.reported,
				call: isoUnary(routing.SuggestDispatch, func(id string) *pb.SuggestDispatchRequest { return &pb.SuggestDispatchRequest{ReportId: id} })},
			// Street 1's rule of dangerous houses in any grid must not be
			// suggested for street 2's case.
			{what: "its own case",
				call: isoUnary(routing.SuggestDispatch, func(string) *pb.SuggestDispatchRequest { return &pb.SuggestDispatchRequest{ReportId: s.s2.report} })},
		},

		"/gridinspect.v1.PatrolScheduleService/SetPatrolSchedule": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(schedules.SetPatrolSchedule, func(id string) *pb.SetPatrolScheduleRequest {
					return &pb.SetPatrolScheduleRequest{Schedule: &pb.PatrolSchedule{GridId: id, Period: pb.PatrolPeriod_PATROL_PERIOD_WEEK}}
				})},
			{what: "street 1's subject", other: s1.subject,
				call: isoUnary(schedules.SetPatrolSchedule, func(id string) *pb.SetPatrolScheduleRequest {
					return &pb.SetPatrolScheduleRequest{Schedule: &pb.PatrolSchedule{SubjectId: id, Period: pb.PatrolPeriod_PATROL_PERIOD_MONTH}}
				})},
		},
		"/gridinspect.v1.PatrolScheduleService/ListPatrolSchedules": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(schedules.ListPatrolSchedules, func(id string) *pb.ListPatrolSchedulesRequest {
					return &pb.ListPatrolSchedulesRequest{GridIds: []string{id}}
				})},
			{what: "its schedules",
				call: isoUnary(schedules.ListPatrolSchedules, func(string) *pb.ListPatrolSchedulesRequest { return &pb.ListPatrolSchedulesRequest{} })},
		},
		"/gridinspect.v1.PatrolScheduleService/DeletePatrolSchedule": isoOne(isolationCall{what: "street 1's subject", other: s1.subject,
			call: isoUnary(schedules.DeletePatrolSchedule, func(id string) *pb.DeletePatrolScheduleRequest {
				return &pb.DeletePatrolScheduleRequest{SubjectId: id}
			})}),
		"/gridinspect.v1.PatrolScheduleService/ListDuePatrols": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(schedules.ListDuePatrols, func(id string) *pb.ListDuePatrolsRequest { return &pb.ListDuePatrolsRequest{GridIds: []string{id}} })},
			{what: "its due patrols",
				call: isoUnary(schedules.ListDuePatrols, func(string) *pb.ListDuePatrolsRequest { return &pb.ListDuePatrolsRequest{} })},
		},

		"/gridinspect.v1.StatsService/GetSummary": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(stats.GetSummary, func(id string) *pb.GetSummaryRequest {
					return &pb.GetSummaryRequest{GridIds: []string{id}, From: from, To: to}
				})},
			{what: "its summary", want: street2GridC,
				call: isoUnary(stats.GetSummary, func(string) *pb.GetSummaryRequest { return &pb.GetSummaryRequest{From: from, To: to} }),
				check: func(_ string, m proto.Message) string {
					sum := m.(*pb.GetSummaryResponse).GetSummary()
					return atMost("cases", sum.GetLoop().GetReported(), "reports") + atMost(" patrols", sum.GetPatrols(), "patrols")
				}},
		},
		"/gridinspect.v1.StatsService/GetDashboard": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(stats.GetDashboard, func(id string) *pb.GetDashboardRequest { return &pb.GetDashboardRequest{GridIds: []string{id}} })},
			{what: "its dashboard", want: street2GridC,
				call: isoUnary(stats.GetDashboard, func(string) *pb.GetDashboardRequest { return &pb.GetDashboardRequest{} }),
				check: func(_ string, m proto.Message) string {
					return atMost("open cases", m.(*pb.GetDashboardResponse).GetTotal().GetOpen(), "reports")
				}},
		},
		"/gridinspect.v1.StatsService/ExportReports": {
			{what: "street 1's grid", other: gridA,
				call: isoStream(stats.ExportReports, func(id string) *pb.ExportReportsRequest {
					return &pb.ExportReportsRequest{Filter: &pb.ListReportsRequest{GridIds: []string{id}}, Format: pb.ExportFormat_EXPORT_FORMAT_CSV}
				})},
			{what: "its cases", want: "配电箱门锁损坏",
				call: isoStream(stats.ExportReports, func(string) *pb.ExportReportsRequest {
					return &pb.ExportReportsRequest{Format: pb.ExportFormat_EXPORT_FORMAT_CSV}
				})},
		},
		"/gridinspect.v1.StatsService/GetAppraisal": {
			{what: "street 1's grid", other: gridA,
				call: isoUnary(stats.GetAppraisal, func(id string) *pb.GetAppraisalRequest {
					return &pb.GetAppraisalRequest{GridIds: []string{id}, From: from, To: to}
				})},
			{what: "its appraisal", want: s.ids["worker2"],
				call: isoUnary(stats.GetAppraisal, func(string) *pb.GetAppraisalRequest { return &pb.GetAppraisalRequest{From: from, To: to} })},
		},

		"/gridinspect.v1.SyncService/Push": {
			{what: "street 1's device", other: s1.device,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					seq++
					return syncc.Push(ctx, &pb.PushRequest{DeviceId: id, Mutations: []*pb.Mutation{{MutationId: newID(), DeviceSeq: seq,
						Kind: &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{ActionId: newID(), ReportId: s.s2.report, Note: "乙街评论"}}}}})
				}},
			{what: "street 1's case in a mutation", other: s1.assigned,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					return push(ctx, &pb.Mutation{Kind: &pb.Mutation_UrgeReport{UrgeReport: &pb.UrgeReportRequest{ActionId: newID(), ReportId: id, Note: "乙街催办"}}})
				}},
			{what: "street 1's grid in a pushed case", other: gridA,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					r := s.report2(newID())
					r.GridId, r.Location = id, inA
					return push(ctx, &pb.Mutation{Kind: &pb.Mutation_SubmitReport{SubmitReport: &pb.SubmitReportRequest{Report: r}}})
				}},
			{what: "street 1's mutation id", other: s1.mutation, reuse: true, differs: true,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					return push(ctx, &pb.Mutation{MutationId: id, Kind: &pb.Mutation_CommentOnReport{CommentOnReport: &pb.CommentOnReportRequest{
						ActionId: newID(), ReportId: s.s2.report, Note: "乙街评论"}}})
				},
				check: func(_ string, m proto.Message) string {
					if m.(*pb.MutationResult).GetOutcome() == pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE {
						return "street 1's mutation id is answered as a duplicate"
					}
					return ""
				}},
		},
		"/gridinspect.v1.SyncService/Pull": {
			{what: "its changes", want: s.s2.report,
				call: isoUnary(syncc.Pull, func(string) *pb.PullRequest { return &pb.PullRequest{} })},
			{what: "street 1's cursor", other: s1.cursor, alone: true,
				call: isoUnary(syncc.Pull, func(c string) *pb.PullRequest { return &pb.PullRequest{Cursor: c} }),
				check: func(_ string, m proto.Message) string {
					if !m.(*pb.PullResponse).GetResetRequired() {
						return "street 1's cursor is not answered \"start again\" (reset_required)"
					}
					return ""
				}},
		},
		"/gridinspect.v1.SyncService/UploadPhoto": {
			{what: "street 1's case", other: s1.reported,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					return uploadAs(syncc, ctx, newID(), id, nil)
				}},
			{what: "street 1's photo id, on its own case", other: s1.spare.photo, reuse: true, differs: true,
				call: func(ctx context.Context, id string) (proto.Message, error) {
					return uploadAs(syncc, ctx, id, s.s2.report, street1Photo)
				}},
		},
		"/gridinspect.v1.SyncService/GetUploadStatus": {
			{what: "street 1's photo", other: s1.photo,
				call: isoUnary(syncc.GetUploadStatus, func(id string) *pb.GetUploadStatusRequest { return &pb.GetUploadStatusRequest{PhotoId: id} })},
			{what: "street 1's upload half done", other: s1.partial,
				call: isoUnary(syncc.GetUploadStatus, func(id string) *pb.GetUploadStatusRequest { return &pb.GetUploadStatusRequest{PhotoId: id} })},
		},
		"/gridinspect.v1.SyncService/GetThumbnail": isoOne(isolationCall{what: "street 1's photo", other: s1.photo,
			call: isoUnary(syncc.GetThumbnail, func(id string) *pb.GetThumbnailRequest { return &pb.GetThumbnailRequest{PhotoId: id} })}),
		"/gridinspect.v1.SyncService/DownloadPhoto": isoOne(isolationCall{what: "street 1's photo", other: s1.photo,
			call: isoStream(syncc.DownloadPhoto, func(id string) *pb.DownloadPhotoRequest { return &pb.DownloadPhotoRequest{PhotoId: id} })}),
		"/gridinspect.v1.SyncService/ListQuarantinedMutations": {
			{what: "street 1's device", other: s1.device,
				call: isoUnary(syncc.ListQuarantinedMutations, func(id string) *pb.ListQuarantinedMutationsRequest {
					return &pb.ListQuarantinedMutationsRequest{DeviceId: id}
				})},
			{what: "its quarantine",
				call: isoUnary(syncc.ListQuarantinedMutations, func(string) *pb.ListQuarantinedMutationsRequest {
					return &pb.ListQuarantinedMutationsRequest{}
				})},
		},
	}
}

// registeredRPCs returns the full names of the RPCs of the gridinspect
// services the server registered, asked of its reflection service, so
// that a new RPC, or a new service, needs a row of the isolation table.
func registeredRPCs(t *testing.T, conn grpc.ClientConnInterface) []string {
	t.Helper()
	s, err := rpb.NewServerReflectionClient(conn).ServerReflectionInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Send(&rpb.ServerReflectionRequest{MessageRequest: &rpb.ServerReflectionRequest_ListServices{ListServices: "*"}}); err != nil {
		t.Fatal(err)
	}
	resp, err := s.Recv()
	if err != nil {
		t.Fatal(err)
	}
	_ = s.CloseSend()
	var methods []string
	for _, svc := range resp.GetListServicesResponse().GetService() {
		name := svc.GetName()
		if strings.HasPrefix(name, "grpc.") {
			continue // health and reflection: no data of any street
		}
		d, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			t.Fatalf("registered service %s: %v", name, err)
		}
		sd := d.(protoreflect.ServiceDescriptor)
		for i := 0; i < sd.Methods().Len(); i++ {
			methods = append(methods, fmt.Sprintf("/%s/%s", name, sd.Methods().Get(i).Name()))
		}
	}
	slices.Sort(methods)
	return methods
}

// street1View is what street 1's own users see of it: its cases and their
// timelines, export, summary, pull, users, grids, subjects, patrols,
// rules, schedules, prefixes and quarantine, as its admin; and whether
// each of its users is still logged in.
func (s *twoStreets) street1View(t *testing.T) string {
	t.Helper()
	ctx := bearer(context.Background(), s.tokens["admin1"])
	conn := s.conn
	var b strings.Builder
	add := func(what string, m proto.Message, err error) {
		if err != nil {
			t.Fatalf("street 1's %s: %v", what, err)
		}
		j, _ := protojson.Marshal(m)
		fmt.Fprintf(&b, "== %s\n%s\n", what, j)
	}
	list, err := s.reports.ListReports(ctx, &pb.ListReportsRequest{PageSize: 500})
	add("cases", list, err)
	for _, r := range list.GetReports() {
		tl, err := pb.NewRectificationServiceClient(conn).GetTimeline(ctx, &pb.GetTimelineRequest{ReportId: r.GetId()})
		add("timeline of "+r.GetId(), tl, err)
	}
	export, err := isoStreamAll(pb.NewStatsServiceClient(conn).ExportReports, func(string) *pb.ExportReportsRequest {
		return &pb.ExportReportsRequest{Format: pb.ExportFormat_EXPORT_FORMAT_CSV}
	})(ctx, "")
	if err != nil {
		t.Fatalf("street 1's export: %v", err)
	}
	fmt.Fprintf(&b, "== export\n%s\n", export.raw)
	now := s.clock.Now()
	sum, err := pb.NewStatsServiceClient(conn).GetSummary(ctx, &pb.GetSummaryRequest{From: timestamppb.New(now.AddDate(0, -6, 0)), To: timestamppb.New(now.Add(time.Hour))})
	add("summary", sum, err)
	pull, err := pb.NewSyncServiceClient(conn).Pull(ctx, &pb.PullRequest{PageSize: 500})
	add("pull", pull, err)
	users, err := s.dirs.ListUsers(ctx, &pb.ListUsersRequest{})
	add("users", users, err)
	grids, err := s.dirs.ListGrids(ctx, &pb.ListGridsRequest{})
	add("grids", grids, err)
	subjects, err := s.dirs.ListSubjects(ctx, &pb.ListSubjectsRequest{})
	add("subjects", subjects, err)
	patrols, err := s.reports.ListPatrols(ctx, &pb.ListPatrolsRequest{})
	add("patrols", patrols, err)
	rules, err := pb.NewRoutingServiceClient(conn).ListRoutingRules(ctx, &pb.ListRoutingRulesRequest{})
	add("routing rules", rules, err)
	schedules, err := pb.NewPatrolScheduleServiceClient(conn).ListPatrolSchedules(ctx, &pb.ListPatrolSchedulesRequest{})
	add("schedules", schedules, err)
	prefixes, err := pb.NewAdminServiceClient(conn).GetNoticeSettings(ctx, &pb.GetNoticeSettingsRequest{})
	add("notice settings", prefixes, err)
	quarantine, err := pb.NewSyncServiceClient(conn).ListQuarantinedMutations(ctx, &pb.ListQuarantinedMutationsRequest{})
	add("quarantine", quarantine, err)
	for _, u := range accessUsers {
		_, err := s.auth.WhoAmI(bearer(context.Background(), s.tokens[u.username]), &pb.WhoAmIRequest{})
		fmt.Fprintf(&b, "== %s logged in: %v\n", u.username, status.Code(err))
	}
	return b.String()
}

// TestEveryRPCAnswersAnotherStreetsIDsAsIDsThatDoNotExist calls every RPC
// of every registered service as each user of street 2 (worker,
// supervisor, admin) with street 1's ids (cases, patrols, subjects, grids,
// users, photos, devices, mutations, cursors, rules) and wants the answer
// the same user gets for an id that names nothing (AIP-211: the same code
// and message), no id, name or text of street 1 in any answer, lists and
// pulls of street 2's rows only, and street 1's rows, and what its own
// users see of it, unchanged. On both engines (TestMain).
func TestEveryRPCAnswersAnotherStreetsIDsAsIDsThatDoNotExist(t *testing.T) {
	s := newTwoStreets(t)
	calls := s.isolationCalls()
	methods := registeredRPCs(t, s.conn)
	if len(methods) < 60 {
		t.Fatalf("the server registers only %d RPCs: %v", len(methods), methods)
	}
	for m := range calls {
		if !slices.Contains(methods, m) {
			t.Errorf("the isolation table names %s, which the server does not register", m)
		}
	}
	viewBefore := s.street1View(t)
	for _, m := range methods {
		rows, ok := calls[m]
		if !ok {
			t.Errorf("%s has no row in the isolation table: say how it is called with street 1's ids", m)
			continue
		}
		t.Run(strings.TrimPrefix(m, "/gridinspect.v1."), func(t *testing.T) {
			var problems []string
			before := streetRows(t, s.db.Path(), 1)
			for _, c := range rows {
				for _, user := range street2Users {
					if p := s.isolationProblem(c, user); p != "" {
						problems = append(problems, fmt.Sprintf("as %s, %s: %s", user, c.what, p))
					}
				}
			}
			if after := streetRows(t, s.db.Path(), 1); after != before {
				problems = append(problems, "street 1's rows changed:\n"+rowsDiff(before, after))
			}
			reportProblems(t, problems)
		})
	}
	t.Run(street1OwnView, func(t *testing.T) {
		var problems []string
		viewAfter := s.street1View(t)
		if viewAfter != viewBefore {
			problems = append(problems, "what street 1's users see of it changed:\n"+rowsDiff(viewBefore, viewAfter))
		}
		// Nor do street 1's users see anything of street 2.
		for _, x := range []string{street2GridC, street2GridD, "乙", s.ids["admin2"], s.ids["super2"], s.ids["worker2"], s.s2.report, s.s2.subject, s.s2.photo} {
			if strings.Contains(viewBefore, x) || strings.Contains(viewAfter, x) {
				problems = append(problems, fmt.Sprintf("what street 1's admin sees holds street 2's %s", x))
			}
		}
		reportProblems(t, problems)
	})
}

// street1OwnView names the check of what street 1's own users see.
const street1OwnView = "street 1's own view"

// reportProblems fails t with each of problems.
func reportProblems(t *testing.T, problems []string) {
	t.Helper()
	for _, p := range problems {
		t.Error(p)
	}
}

// isolationProblem makes call c as user of street 2, with street 1's id
// and with one that names nothing, and says what is wrong; "" if nothing.
func (s *twoStreets) isolationProblem(c isolationCall, user string) string {
	ctx := context.Background()
	token := s.tokens[user]
	if c.session {
		resp, err := s.auth.Login(ctx, &pb.LoginRequest{Username: user, Password: s.passwords[user], DeviceId: newID()})
		if err != nil {
			return fmt.Sprintf("login: %v", err)
		}
		token = resp.GetToken()
	}
	ctx = bearer(ctx, token)
	m, err := c.call(ctx, c.other)
	if (c.reuse || c.echoed) && err == nil {
		// Street 2 holds the id now too: it is no secret.
		s.secrets = slices.DeleteFunc(s.secrets, func(x string) bool { return x == c.other })
	}
	if p := s.leaks(answerText(m, err), c.other); p != "" {
		return p
	}
	if err == nil && c.want != "" && !strings.Contains(answerText(m, nil), c.want) {
		return fmt.Sprintf("the answer lacks street 2's own %s: %.300s", c.want, answerText(m, nil))
	}
	if err == nil && c.check != nil {
		if msg := c.check(user, m); msg != "" {
			return msg
		}
	}
	if c.other == "" || c.alone {
		return ""
	}
	none := c.none
	if none == "" {
		none = newID()
	}
	mNone, errNone := c.call(ctx, none)
	if p := s.leaks(answerText(mNone, errNone), none); p != "" {
		return "for an id that names nothing, " + p
	}
	code, codeNone := status.Code(err), status.Code(errNone)
	switch {
	case c.reuse && (code == codes.OK || code == codes.AlreadyExists || code == codes.PermissionDenied || code == codes.NotFound):
		// Made in street 2 (the answer holds nothing of street 1, as
		// searched above), or refused as an id taken or as another
		// grid's: nothing said.
		return ""
	case code != codeNone:
		return fmt.Sprintf("%v (%v); for an id that names nothing: %v (%v)", code, isoMessage(err), codeNone, isoMessage(errNone))
	case err != nil:
		if got, want := strings.ReplaceAll(answerText(nil, err), c.other, "<id>"), strings.ReplaceAll(answerText(nil, errNone), none, "<id>"); got != want {
			return fmt.Sprintf("%s; for an id that names nothing: %s", got, want)
		}
	case !c.differs:
		if got, want := strings.ReplaceAll(answerText(m, nil), c.other, "<id>"), strings.ReplaceAll(answerText(mNone, nil), none, "<id>"); got != want {
			return fmt.Sprintf("%.600s; for an id that names nothing: %.600s", got, want)
		}
	}
	return ""
}

// leaks says which of street 1's secrets text, an answer to a call given
// id, holds (id aside: the caller gave it); "" if none.
func (s *twoStreets) leaks(text, id string) string {
	if id != "" {
		text = strings.ReplaceAll(text, id, "<its id>")
	}
	var found []string
	for _, secret := range s.secrets {
		if strings.Contains(text, secret) {
			found = append(found, secret)
		}
	}
	if len(found) == 0 {
		return ""
	}
	// Where the first one is, as it may be deep in a long answer.
	at := strings.Index(text, found[0])
	return fmt.Sprintf("the answer holds street 1's %s: …%s…", strings.Join(found, ", "), text[max(0, at-300):min(len(text), at+200)])
}

func isoMessage(err error) string {
	if err == nil {
		return "ok"
	}
	var st interface{ GRPCStatus() *status.Status }
	if errors.As(err, &st) {
		return st.GRPCStatus().Message()
	}
	return err.Error()
}

// rowsDiff returns the lines of after not in before (+) and of before not
// in after (-), at most 40.
func rowsDiff(before, after string) string {
	b, a := strings.Split(before, "\n"), strings.Split(after, "\n")
	var out []string
	for _, l := range a {
		if !slices.Contains(b, l) {
			out = append(out, "+ "+l)
		}
	}
	for _, l := range b {
		if !slices.Contains(a, l) {
			out = append(out, "- "+l)
		}
	}
	if len(out) > 40 {
		out = append(out[:40], fmt.Sprintf("… and %d more", len(out)-40))
	}
	return strings.Join(out, "\n")
}
