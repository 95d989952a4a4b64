package server_test

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/protobuf/types/known/timestamppb"

	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
	"github.com/gridinspect/gridinspect/server"
)

func TestTheSummaryCountsWhatHappenedInThePeriod(t *testing.T) {
	l := newLoop(t)
	spot := l.hazard()
	spot.RectifiedOnSpot = true
	onSpot := l.mustSubmitAs("workera", spot).GetId()
	if _, _, err := l.verify(true)(l.as("super"), onSpot); err != nil {
		t.Fatal(err)
	}
	open := l.mustSubmitAs("workera", l.hazard()).GetId()
	if _, _, err := l.notice(pb.NoticeKind_NOTICE_KIND_HAZARD_NOTICE, "")(l.as("super"), open); err != nil {
		t.Fatal(err)
	}
	stats := pb.NewStatsServiceClient(l.conn)
	period := &pb.GetSummaryRequest{From: timestamppb.New(l.clock.Now().AddDate(0, -1, 0)), To: timestamppb.New(l.clock.Now().Add(time.Hour))}
	resp, err := stats.GetSummary(l.as("super"), period)
	if err != nil {
		t.Fatal(err)
	}
	s := resp.GetSummary()
	if got := s.GetSafety(); got.GetHazardsFound() != 2 || got.GetRectifiedOnSpot() != 1 || got.GetHazardNotices() != 1 || got.GetHazardsRectified() != 1 {
		t.Errorf("safety = %v; want 2 found, 1 on the spot, 1 notice, 1 rectified", got)
	}
	if got := s.GetLoop(); got.GetReported() != 2 || got.GetClosed() != 1 || got.GetOpen() != 1 {
		t.Errorf("loop = %v; want 2 reported, 1 closed, 1 open", got)
	}
	// A period before anything happened counts nothing.
	before := &pb.GetSummaryRequest{From: timestamppb.New(l.clock.Now().AddDate(-1, 0, 0)), To: timestamppb.New(l.clock.Now().AddDate(0, -1, 0))}
	if resp, err := stats.GetSummary(l.as("super"), before); err != nil || resp.GetSummary().GetLoop().GetReported() != 0 {
		t.Errorf("an earlier period = %v, %v; want nothing reported", resp.GetSummary().GetLoop(), err)
	}
	_, err = stats.GetSummary(l.as("workera"), period)
	wantCode(t, err, codes.PermissionDenied)
	_, err = stats.GetSummary(l.as("super"), &pb.GetSummaryRequest{From: period.GetTo(), To: period.GetFrom()})
	wantCode(t, err, codes.InvalidArgument)
}

func TestReportsExportAsCSVWithABOMForExcel(t *testing.T) {
	l := newLoop(t)
	for i := 0; i < 3; i++ {
		l.mustSubmitAs("workera", l.hazard())
	}
	stream, err := pb.NewStatsServiceClient(l.conn).ExportReports(l.as("super"), &pb.ExportReportsRequest{
		Filter: &pb.ListReportsRequest{GridIds: []string{gridA}}, Format: pb.ExportFormat_EXPORT_FORMAT_CSV})
	if err != nil {
		t.Fatal(err)
	}
	var file bytes.Buffer
	var total, written int64
	var name string
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		file.Write(msg.GetData())
		if msg.GetFilename() != "" {
			name, total = msg.GetFilename(), msg.GetTotalRows()
		}
		written = msg.GetRowsWritten()
	}
	if total != 3 || written != 3 || name == "" {
		t.Errorf("total %d, written %d, file %q; want 3, 3 and a name", total, written, name)
	}
	data := file.Bytes()
	if !bytes.HasPrefix(data, []byte("\xef\xbb\xbf")) {
		t.Fatal("the CSV does not start with a UTF-8 BOM")
	}
	rows, err := csv.NewReader(bytes.NewReader(data[3:])).ReadAll()
	if err != nil {
		t.Fatalf("not RFC 4180: %v", err)
	}
	if len(rows) != 4 || rows[0][0] != "编号" {
		t.Errorf("%d rows, header %v; want a Chinese header and 3 reports", len(rows), rows[0])
	}
}

func TestAnXLSXExportSaysHowManyRowsAreDoneBeforeItsBytesCome(t *testing.T) {
	l := newLoop(t)
	for i := 0; i < 3; i++ {
		l.mustSubmitAs("workera", l.hazard())
	}
	defer server.SetExportProgressRows(1)()
	stream, err := pb.NewStatsServiceClient(l.conn).ExportReports(l.as("super"), &pb.ExportReportsRequest{
		Filter: &pb.ListReportsRequest{GridIds: []string{gridA}}, Format: pb.ExportFormat_EXPORT_FORMAT_XLSX})
	if err != nil {
		t.Fatal(err)
	}
	var msgs []*pb.ExportReportsResponse
	for {
		msg, err := stream.Recv()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, msg)
	}
	if len(msgs) == 0 || msgs[0].GetFilename() == "" || msgs[0].GetTotalRows() != 3 {
		t.Fatalf("the first message does not name the file and its 3 rows: %v", msgs)
	}
	// Before the workbook's first byte: a message for each row written.
	var before []int64
	var file bytes.Buffer
	last := int64(0)
	for _, m := range msgs {
		if m.GetRowsWritten() < last {
			t.Errorf("rows written went back from %d to %d", last, m.GetRowsWritten())
		}
		last = m.GetRowsWritten()
		if file.Len() == 0 && len(m.GetData()) == 0 {
			before = append(before, m.GetRowsWritten())
		}
		file.Write(m.GetData())
	}
	if !slices.Equal(before, []int64{1, 2, 3}) {
		t.Errorf("rows written said before the first byte: %v, want 1, 2, 3", before)
	}
	if last != 3 {
		t.Errorf("the last message says %d rows, want 3", last)
	}
	if _, err := zip.NewReader(bytes.NewReader(file.Bytes()), int64(file.Len())); err != nil {
		t.Errorf("not a workbook: %v", err)
	}
}

func TestTheAppraisalCountsEachWorkerForSupervisorsOnly(t *testing.T) {
	l := newLoop(t)
	spot := l.hazard()
	spot.RectifiedOnSpot = true
	onSpot := l.mustSubmitAs("workera", spot).GetId()
	if _, _, err := l.verify(true)(l.as("super"), onSpot); err != nil {
		t.Fatal(err)
	}
	l.mustSubmitAs("workera", l.hazard())
	stats := pb.NewStatsServiceClient(l.conn)
	period := &pb.GetAppraisalRequest{From: timestamppb.New(l.clock.Now().AddDate(0, -1, 0)), To: timestamppb.New(l.clock.Now().Add(time.Hour)),
		GridIds: []string{gridA}}
	resp, err := stats.GetAppraisal(l.as("super"), period)
	if err != nil {
		t.Fatal(err)
	}
	ap := resp.GetAppraisal()
	var mine *pb.WorkerAppraisal
	for _, w := range ap.GetWorkers() {
		if w.GetUserId() == l.ids["workera"] {
			mine = w
		}
	}
	if mine == nil || mine.GetRole() != pb.Role_ROLE_WORKER || !slices.Equal(mine.GetGridIds(), []string{gridA}) {
		t.Fatalf("workera's row = %v in %v", mine, ap.GetWorkers())
	}
	if f := mine.GetFigures(); f.GetReportsMade() != 2 || f.GetCasesHandled() != 1 || f.GetClosed() != 1 || f.GetDue() != 1 ||
		f.GetClosedOnTime() != 1 || f.GetOnTimeRate() != 1 {
		t.Errorf("workera = %v; want 2 made, 1 handled (on the spot), 1 closed on time", f)
	}
	if len(ap.GetGrids()) != 1 || ap.GetGrids()[0].GetGridId() != gridA || ap.GetGrids()[0].GetFigures().GetCasesHandled() != 2 {
		t.Errorf("grids = %v; want grid A with 2 cases handled", ap.GetGrids())
	}
	_, err = stats.GetAppraisal(l.as("workera"), period)
	wantCode(t, err, codes.PermissionDenied)
	_, err = stats.GetAppraisal(l.as("super"), &pb.GetAppraisalRequest{From: period.GetTo(), To: period.GetFrom()})
	wantCode(t, err, codes.InvalidArgument)
	_, err = stats.GetAppraisal(l.as("super"), &pb.GetAppraisalRequest{From: period.GetFrom()})
	wantCode(t, err, codes.InvalidArgument)
}

// TestHTTP_TheAppraisalIsAGetForSupervisors: GET /v1/appraisal through the
// gateway, with the period in the query as GET /v1/summary takes it.
func TestHTTP_TheAppraisalIsAGetForSupervisors(t *testing.T) {
	s := newHTTPServer(t, roomy, server.LoginLimits{PerUsername: roomy, PerAddress: roomy, PerUsernameAllAddresses: roomy})
	login := func(user string) string {
		code, _, body := s.do(t, "POST", "/v1/auth:login", "", `{"username":"`+user+`","password":"`+testPassword+`","deviceId":"`+newID()+`"}`)
		var resp struct{ Token string }
		if err := json.Unmarshal([]byte(body), &resp); code != http.StatusOK || err != nil {
			t.Fatalf("login %s: HTTP %d %s", user, code, body)
		}
		return resp.Token
	}
	const period = "/v1/appraisal?from=2024-01-01T00:00:00%2B08:00&to=2024-07-01T00:00:00%2B08:00"
	code, _, body := s.do(t, "GET", period, login("super"), "")
	var got struct {
		Appraisal struct {
			Workers []struct{ UserID, Role string }
			Grids   []struct{ GridID string }
		}
	}
	if err := json.Unmarshal([]byte(body), &got); code != http.StatusOK || err != nil {
		t.Fatalf("GET %s: HTTP %d %s", period, code, body)
	}
	if len(got.Appraisal.Workers) != 2 || got.Appraisal.Workers[0].Role != "ROLE_WORKER" ||
		len(got.Appraisal.Grids) != 2 || got.Appraisal.Grids[0].GridID != gridA {
		t.Errorf("the appraisal: %s", body)
	}
	if code, _, body := s.do(t, "GET", period, login("workera"), ""); code != http.StatusForbidden {
		t.Errorf("a worker's appraisal: HTTP %d %s", code, body)
	}
}
