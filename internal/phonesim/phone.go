package phonesim

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"golang.org/x/time/rate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/backoff"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/grpc/encoding/gzip"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	"github.com/gridinspect/gridinspect/internal/phonelink"
	pb "github.com/gridinspect/gridinspect/proto/gridinspect/v1"
)

// maxRecvBytes lets a page of reports or a push's answer through.
const maxRecvBytes = 16 << 20

// loginSlots bounds the logins in flight at once: each costs the server an
// argon2id hash of tens of MiB.
var loginSlots = make(chan struct{}, 2)

// client is a connection to gridd with a login: a phone's, or the
// supervisor's that checks them.
type client struct {
	conn     *grpc.ClientConn
	username string
	password string
	deviceID string

	mu    sync.Mutex
	token string
	user  *pb.User

	auth   pb.AuthServiceClient
	dir    pb.DirectoryServiceClient
	rep    pb.ReportServiceClient
	rect   pb.RectificationServiceClient
	sync   pb.SyncServiceClient
	retry  *retrier
	t      *tally
	faults *faults
	// pace spaces the account's calls under gridd's per-user limit; nil
	// for none.
	pace *rate.Limiter
}

// dial connects to the server. A phone reconnects quickly when the server
// comes back: at most a second between attempts.
func dial(cfg Config, t *tally, f *faults, a Account, extra ...grpc.DialOption) (*client, error) {
	c := &client{username: a.Username, password: a.Password, deviceID: newID(), t: t, faults: f}
	if cfg.RateLimit > 0 {
		// Two seconds' worth at once, as gridd's default burst allows.
		c.pace = rate.NewLimiter(rate.Limit(cfg.RateLimit), max(1, int(2*cfg.RateLimit)))
	}
	opts := []grpc.DialOption{
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithStatsHandler(sendWatch{}),
		grpc.WithConnectParams(grpc.ConnectParams{
			Backoff:           backoff.Config{BaseDelay: 50 * time.Millisecond, Multiplier: 1.6, Jitter: 0.2, MaxDelay: time.Second},
			MinConnectTimeout: 2 * time.Second,
		}),
		grpc.WithUserAgent("gridsim"),
		grpc.WithChainUnaryInterceptor(c.authUnary, c.paceUnary),
		grpc.WithChainStreamInterceptor(c.authStream, c.paceStream),
	}
	callOpts := []grpc.CallOption{grpc.MaxCallRecvMsgSize(maxRecvBytes)}
	if cfg.Gzip {
		callOpts = append(callOpts, grpc.UseCompressor(gzip.Name))
	}
	opts = append(opts, grpc.WithDefaultCallOptions(callOpts...))
	opts = append(opts, extra...)
	conn, err := grpc.NewClient(cfg.Server, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", cfg.Server, err)
	}
	c.conn = conn
	c.auth = pb.NewAuthServiceClient(conn)
	c.dir = pb.NewDirectoryServiceClient(conn)
	c.rep = pb.NewReportServiceClient(conn)
	c.rect = pb.NewRectificationServiceClient(conn)
	c.sync = pb.NewSyncServiceClient(conn)
	c.retry = &retrier{t: t, jitter: f, relogin: c.login}
	return c, nil
}

func (c *client) close() { _ = c.conn.Close() }

func (c *client) withToken(ctx context.Context) context.Context {
	c.mu.Lock()
	token := c.token
	c.mu.Unlock()
	if token == "" {
		return ctx
	}
	return metadata.AppendToOutgoingContext(ctx, "authorization", "Bearer "+token)
}

// authUnary sends the token with every call; with Login too, where it
// proves that this device logged in as the user before, so that someone
// else's guesses at the username do not lock the phone out.
func (c *client) authUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	return invoker(c.withToken(ctx), method, req, reply, cc, opts...)
}

func (c *client) authStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	return streamer(c.withToken(ctx), desc, cc, method, opts...)
}

// paceUnary waits for the account's pace before a call. Login is not
// paced: gridd's per-user limit does not count it.
func (c *client) paceUnary(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
	if method != pb.AuthService_Login_FullMethodName {
		if err := c.wait(ctx); err != nil {
			return err
		}
	}
	return invoker(ctx, method, req, reply, cc, opts...)
}

// paceStream waits for the account's pace before opening a stream, and
// before each message after the first: gridd counts each against the
// per-user limit.
func (c *client) paceStream(ctx context.Context, desc *grpc.StreamDesc, cc *grpc.ClientConn, method string, streamer grpc.Streamer, opts ...grpc.CallOption) (grpc.ClientStream, error) {
	if err := c.wait(ctx); err != nil {
		return nil, err
	}
	s, err := streamer(ctx, desc, cc, method, opts...)
	if err != nil || c.pace == nil {
		return s, err
	}
	return &pacedStream{ClientStream: s, c: c}, nil
}

// pacedStream waits for the account's pace before each message it sends
// after the first, which the stream's opening paid for.
type pacedStream struct {
	grpc.ClientStream
	c    *client
	sent int
}

func (s *pacedStream) SendMsg(m any) error {
	if s.sent++; s.sent > 1 {
		if err := s.c.wait(s.Context()); err != nil {
			return err
		}
	}
	return s.ClientStream.SendMsg(m)
}

// wait waits for the account's next call to be due; a wait cut short
// answers as the call would have (CANCELED or DEADLINE_EXCEEDED).
func (c *client) wait(ctx context.Context) error {
	if c.pace == nil {
		return nil
	}
	if err := c.pace.Wait(ctx); err != nil {
		if ctx.Err() != nil {
			return status.FromContextError(ctx.Err()).Err()
		}
		return status.Errorf(codes.DeadlineExceeded, "gridsim: the next call is due after the deadline: %v", err)
	}
	return nil
}

// login logs in, retrying while the server is away or busy.
func (c *client) login(ctx context.Context) error {
	r := &retrier{t: c.t, jitter: c.faults, login: true} // no relogin inside a login
	return r.do(ctx, "log in as "+c.username, func(ctx context.Context) error {
		select {
		case loginSlots <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-loginSlots }()
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		defer cancel()
		resp, err := c.auth.Login(actx, &pb.LoginRequest{Username: c.username, Password: c.password, DeviceId: c.deviceID})
		if err != nil {
			return err
		}
		c.mu.Lock()
		c.token, c.user = resp.GetToken(), resp.GetUser()
		c.mu.Unlock()
		return nil
	})
}

// call runs one unary call with retries and a bound per attempt.
func call[Req, Resp any](ctx context.Context, c *client, what string, f func(context.Context, Req, ...grpc.CallOption) (Resp, error), req Req) (Resp, error) {
	var resp Resp
	err := c.retry.do(ctx, what, func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		defer cancel()
		var err error
		resp, err = f(actx, req)
		return err
	})
	return resp, err
}

// phone is one simulated device: a worker's phone.
type phone struct {
	*client
	n   int // 1 … len(cfg.Accounts)
	cfg Config
	rng *rand.Rand
	w   *world
	day *day

	// outbox holds what the server has not acknowledged yet.
	outbox []*pb.Mutation
	// firstOutcome is each mutation's first answer other than DUPLICATE.
	firstOutcome map[string]pb.MutationOutcome
	// final is each mutation's last answer, for the tally.
	final map[string]*pb.MutationResult
	// pulled are the reports and patrols the phone's pull brought back.
	pulled map[string]bool
	// due are the patrols its schedules want, from the pull's last page.
	due []*pb.DuePatrol

	// linkCounter counts its bytes through --link; wire is its evening
	// sync's share of them. resentPhotoBytes are photo bytes sent again
	// after a broken upload; resumedPhotos the uploads that went on from
	// the bytes the server held, restartedPhotos those begun again from the
	// first byte because the server held none of what was sent.
	linkCounter      *phonelink.Counter
	wire             Wire
	resentPhotoBytes int64
	resumedPhotos    int
	restartedPhotos  int
	// firstChunksResent are uploads begun again from the first byte
	// when no more than their first stream had been sent.
	firstChunksResent int

	// uploadQueue takes the photos to upload during syncAll; queued are
	// those already queued.
	uploadQueue chan *photo
	queued      map[string]bool

	// began and ended bound its evening sync and pull.
	began, ended time.Time
	// samples are the latencies of its Push calls and photo uploads.
	samples struct {
		sync.Mutex
		pushes, uploads []time.Duration
	}
}

// noteResend counts photo bytes sent again after a broken upload, and
// whether the upload went back to its first byte.
// A photo sent again from 0 with no more than its first stream's bytes
// sent lost only those (firstOnly); one sent again from 0 after more is
// the waste the first stream prevents (restarted).
func (p *phone) noteResend(bytes int64, fromZero, firstOnly bool) {
	p.samples.Lock()
	defer p.samples.Unlock()
	p.resentPhotoBytes += bytes
	switch {
	case fromZero && firstOnly:
		p.firstChunksResent++
	case fromZero:
		p.restartedPhotos++
		p.t.problem(&p.t.restarted, "device %d: a photo upload went back to its first byte after more than its first chunk was sent", p.n)
	default:
		p.resumedPhotos++
	}
}

// sample keeps one latency.
func (p *phone) sample(to *[]time.Duration, d time.Duration) {
	p.samples.Lock()
	*to = append(*to, d)
	p.samples.Unlock()
}

func newPhone(cfg Config, t *tally, n int) (*phone, error) {
	f := newFaults(cfg.FaultRate, cfg.Seed, n)
	a := cfg.Accounts[n-1]
	var extra []grpc.DialOption
	var counter *phonelink.Counter
	switch {
	case cfg.Link != nil:
		extra = append(extra, grpc.WithContextDialer(cfg.Link.Dialer(a.Username)))
		counter = cfg.Link.Phone(a.Username)
	case cfg.Dialer != nil:
		extra = append(extra, grpc.WithContextDialer(cfg.Dialer(a.Username)))
	}
	c, err := dial(cfg, t, f, a, extra...)
	if err != nil {
		return nil, err
	}
	return &phone{
		client: c, n: n, cfg: cfg, linkCounter: counter,
		rng:          rand.New(rand.NewPCG(cfg.Seed, uint64(n))),
		firstOutcome: map[string]pb.MutationOutcome{},
		final:        map[string]*pb.MutationResult{},
	}, nil
}

// prepare logs in while the phone still has signal and learns its grid,
// the grid's subjects and the cases it may act on.
func (p *phone) prepare(ctx context.Context) error {
	if err := p.login(ctx); err != nil {
		return err
	}
	who, err := call(ctx, p.client, "who am I", p.auth.WhoAmI, &pb.WhoAmIRequest{})
	if err != nil {
		return err
	}
	u := who.GetUser()
	if u.GetRole() != pb.Role_ROLE_WORKER || len(u.GetGridIds()) == 0 {
		return fmt.Errorf("%s is not a grid worker with a grid (role %v, grids %v): run gridd with --demo",
			p.username, u.GetRole(), u.GetGridIds())
	}
	w := &world{userID: u.GetId()}
	grids, err := call(ctx, p.client, "list grids", p.dir.ListGrids, &pb.ListGridsRequest{PageSize: 500})
	if err != nil {
		return err
	}
	for _, g := range grids.GetGrids() {
		if g.GetId() == u.GetGridIds()[0] {
			w.grid = g
		}
	}
	if w.grid == nil {
		return fmt.Errorf("%s: grid %s not among those listed", p.username, u.GetGridIds()[0])
	}
	if w.area, err = newArea(w.grid); err != nil {
		return err
	}
	var subjects []*pb.Subject
	for token := ""; ; {
		page, err := call(ctx, p.client, "list subjects", p.dir.ListSubjects, &pb.ListSubjectsRequest{
			GridIds: []string{w.grid.GetId()}, PageSize: 500, PageToken: token,
		})
		if err != nil {
			return err
		}
		subjects = append(subjects, page.GetSubjects()...)
		if token = page.GetNextPageToken(); token == "" {
			break
		}
	}
	w.subjects = subjectsByKind(subjects)
	mine, err := p.listReports(ctx, &pb.ListReportsRequest{AssigneeId: w.userID, OpenOnly: true})
	if err != nil {
		return err
	}
	for _, r := range mine {
		if s := r.GetStatus(); s == pb.ReportStatus_REPORT_STATUS_ASSIGNED || s == pb.ReportStatus_REPORT_STATUS_RECTIFYING {
			w.assigned = append(w.assigned, r)
		}
	}
	open, err := p.listReports(ctx, &pb.ListReportsRequest{GridIds: []string{w.grid.GetId()}, OpenOnly: true, PageSize: 50})
	if err != nil {
		return err
	}
	for _, r := range open {
		if r.GetAssigneeId() != w.userID {
			w.open = append(w.open, r)
		}
	}
	returned, err := p.listReports(ctx, &pb.ListReportsRequest{GridIds: []string{w.grid.GetId()}, ReturnedOnly: true})
	if err != nil {
		return err
	}
	for _, r := range returned {
		if r.GetReporterId() == w.userID {
			w.returned = append(w.returned, r)
		}
	}
	p.w = w
	return nil
}

// listReports returns every report matching req (or, with a page size
// set, its first page).
func (p *phone) listReports(ctx context.Context, req *pb.ListReportsRequest) ([]*pb.Report, error) {
	var out []*pb.Report
	for {
		page, err := call(ctx, p.client, "list reports", p.rep.ListReports, req)
		if err != nil {
			return nil, err
		}
		out = append(out, page.GetReports()...)
		if page.GetNextPageToken() == "" || req.GetPageSize() != 0 {
			return out, nil
		}
		req = proto.CloneOf(req)
		req.PageToken = page.GetNextPageToken()
	}
}

// record plays the day offline.
func (p *phone) record(start, end time.Time) error {
	d, err := recordDay(p.rng, p.w, start, end, p.cfg.dayShape())
	if err != nil {
		return fmt.Errorf("%s: record the day: %w", p.username, err)
	}
	p.day = d
	p.outbox = append([]*pb.Mutation(nil), d.outbox...)
	return nil
}

// syncAll pushes the outbox and uploads the photos. A photo's upload
// starts as soon as the push that carries its report (or supplement) is
// acknowledged, while later batches are pushed, and up to
// Config.UploadsInFlight photos go at once on the phone's connection:
// one upload's last round trip (its final chunk going through the
// server's commit and the answer coming back) overlaps the next one's
// bytes, so the link does not idle between photos.
func (p *phone) syncAll(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	queue := make(chan *photo, len(p.day.photos))
	p.queued = map[string]bool{}
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	fail := func(err error) {
		mu.Lock()
		if firstErr == nil {
			firstErr = err
		}
		mu.Unlock()
		cancel()
	}
	if pr := p.cfg.Progress; pr != nil {
		pr.uploading.Add(1)
		defer pr.uploading.Add(-1)
	}
	for range max(1, p.cfg.UploadsInFlight) {
		wg.Go(func() {
			for ph := range queue {
				if ctx.Err() != nil {
					continue // drain: the sync has failed
				}
				began := time.Now()
				if err := p.uploadPhoto(ctx, ph); err != nil {
					fail(err)
					continue
				}
				p.sample(&p.samples.uploads, time.Since(began))
				ph.done = true
				p.cfg.Progress.add(1)
			}
		})
	}
	p.uploadQueue = queue
	err := p.pushAll(ctx)
	if err != nil {
		fail(err)
	} else {
		// Photos no acknowledged mutation carried (one refused, say) go
		// last, as before there was a queue.
		for _, ph := range p.day.photos {
			p.enqueue(ph)
		}
	}
	close(queue)
	wg.Wait()
	p.uploadQueue = nil
	return firstErr
}

// enqueue queues a photo for upload once.
func (p *phone) enqueue(ph *photo) {
	if ph == nil || p.queued[ph.id] {
		return
	}
	p.queued[ph.id] = true
	p.uploadQueue <- ph
}

// acknowledged queues the photos an acknowledged mutation carries: the
// server now holds the report they belong to.
func (p *phone) acknowledged(m *pb.Mutation) {
	if p.uploadQueue == nil {
		return
	}
	var ids []string
	switch k := m.GetKind().(type) {
	case *pb.Mutation_SubmitReport:
		ids = k.SubmitReport.GetReport().GetPhotoIds()
	case *pb.Mutation_SupplementReport:
		ids = k.SupplementReport.GetPhotoIds()
	}
	for _, id := range ids {
		p.enqueue(p.day.photoByID(id))
	}
}

// pushAll pushes the outbox in batches until the server has acknowledged
// all of it.
func (p *phone) pushAll(ctx context.Context) error {
	if pr := p.cfg.Progress; pr != nil {
		pr.pushing.Add(1)
		defer pr.pushing.Add(-1)
	}
	stalled := 0
	for len(p.outbox) > 0 {
		batch := p.outbox[:min(p.cfg.Batch, len(p.outbox))]
		resp, err := p.pushBatch(ctx, batch)
		if err != nil {
			return err
		}
		if p.acknowledge(batch, resp) == 0 {
			// The server answered "retry" for the head of the batch.
			if stalled++; stalled > maxServerErrors {
				return fmt.Errorf("push from seq %d: acknowledged nothing %d times", batch[0].GetDeviceSeq(), stalled)
			}
			select {
			case <-ctx.Done():
				return fmt.Errorf("push from seq %d: %w", batch[0].GetDeviceSeq(), ctx.Err())
			case <-time.After(time.Duration(stalled) * maxBackoff / 4):
			}
			continue
		}
		stalled = 0
		if p.faults.strike(shareDuplicateSend) {
			if err := p.sendAgain(ctx, batch); err != nil {
				return err
			}
		}
	}
	return nil
}

// pushBatch pushes a batch until the server answers it. Now and then the
// answer is lost on purpose (the call is cut after its request went out),
// or two copies of the batch go at once.
func (p *phone) pushBatch(ctx context.Context, batch []*pb.Mutation) (*pb.PushResponse, error) {
	if p.faults.strike(shareDuplicateSend * shareTwinSend) {
		p.t.duplicateSends.Add(1)
		var wg sync.WaitGroup
		resps, errs := make([]*pb.PushResponse, 2), make([]error, 2)
		for i := range 2 {
			wg.Go(func() { resps[i], errs[i] = p.push(ctx, batch) })
		}
		wg.Wait()
		for i := range 2 {
			if errs[i] != nil {
				return nil, errs[i]
			}
		}
		p.note(batch, resps[0])
		p.note(batch, resps[1])
		return resps[0], nil
	}
	resp, err := p.push(ctx, batch)
	if err != nil {
		return nil, err
	}
	p.note(batch, resp)
	return resp, nil
}

// push sends a batch until an answer arrives, injecting lost answers.
func (p *phone) push(ctx context.Context, batch []*pb.Mutation) (*pb.PushResponse, error) {
	req := &pb.PushRequest{DeviceId: p.deviceID, Mutations: batch}
	var resp *pb.PushResponse
	injected := 0
	err := p.retry.do(ctx, fmt.Sprintf("push %d mutations from seq %d", len(batch), batch[0].GetDeviceSeq()), func(ctx context.Context) error {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		defer cancel()
		cut := injected < maxInjectedPerOp && p.faults.strike(shareCutPush)
		if cut {
			injected++
			actx, cancel = cutAfterSend(actx, p.faults.delay(maxCutDelay))
			defer cancel()
		}
		began := time.Now()
		// Mutations are text and numbers: gzip halves them or better,
		// whatever --gzip says of the other calls.
		r, err := p.sync.Push(actx, req, grpc.UseCompressor(gzip.Name))
		if err == nil && !cut {
			p.sample(&p.samples.pushes, time.Since(began))
		}
		if cut {
			// Whatever came back, the phone never read it: it does not know
			// whether the batch applied.
			p.t.cutPushes.Add(1)
			return errInjected
		}
		if err != nil {
			return err
		}
		resp = r
		return nil
	})
	return resp, err
}

// sendAgain pushes an acknowledged batch again: every mutation must come
// back DUPLICATE (or, for one refused before, as refused), never applied a
// second time.
func (p *phone) sendAgain(ctx context.Context, batch []*pb.Mutation) error {
	p.t.duplicateSends.Add(1)
	resp, err := p.push(ctx, batch)
	if err != nil {
		return err
	}
	p.note(batch, resp)
	return nil
}

// note records the answers of a push: a mutation answered APPLIED or
// CONFLICT after it had been applied (or kept as a conflict) once is
// counted as duplicated.
func (p *phone) note(batch []*pb.Mutation, resp *pb.PushResponse) {
	seqs := map[string]int64{}
	for _, m := range batch {
		seqs[m.GetMutationId()] = m.GetDeviceSeq()
	}
	for _, r := range resp.GetResults() {
		id := r.GetMutationId()
		if _, ok := seqs[id]; !ok {
			p.t.problem(&p.t.protocolErrors, "device %d: a push answered mutation %s, which it did not carry", p.n, id)
			continue
		}
		switch o := r.GetOutcome(); o {
		case pb.MutationOutcome_MUTATION_OUTCOME_APPLIED:
			if first, ok := p.firstOutcome[id]; ok {
				p.t.problem(&p.t.duplicated, "device %d: mutation %s (seq %d) answered APPLIED again after %v: applied twice",
					p.n, id, seqs[id], first)
			}
			p.firstOutcome[id] = o
			p.final[id] = r
		case pb.MutationOutcome_MUTATION_OUTCOME_CONFLICT, pb.MutationOutcome_MUTATION_OUTCOME_REJECTED:
			// Sent again, these come back as they were the first time;
			// whether a conflict was kept twice, the timeline tells.
			if first, ok := p.firstOutcome[id]; ok && first == pb.MutationOutcome_MUTATION_OUTCOME_APPLIED {
				p.t.problem(&p.t.protocolErrors, "device %d: mutation %s (seq %d) answered %v after APPLIED",
					p.n, id, seqs[id], o)
			}
			if _, ok := p.firstOutcome[id]; !ok {
				p.firstOutcome[id] = o
			}
			p.final[id] = r
		case pb.MutationOutcome_MUTATION_OUTCOME_DUPLICATE:
			if _, ok := p.final[id]; !ok {
				p.final[id] = r
			}
		default:
			// Not acknowledged: it failed on the server's side and must be
			// sent again.
			p.t.serverErrors.Add(1)
		}
	}
}

// acknowledge checks a push's answer and deletes from the outbox what the
// server acknowledged: every mutation it answered, and everything up to the
// highest device_seq it says it holds.
func (p *phone) acknowledge(batch []*pb.Mutation, resp *pb.PushResponse) int {
	results := resp.GetResults()
	if len(results) != len(batch) {
		p.t.problem(&p.t.protocolErrors, "device %d: a push of %d mutations got %d results", p.n, len(batch), len(results))
	}
	answered := map[string]bool{}
	retry := false
	for i, r := range results {
		if i < len(batch) && (r.GetMutationId() != batch[i].GetMutationId() || r.GetDeviceSeq() != batch[i].GetDeviceSeq()) {
			p.t.problem(&p.t.protocolErrors, "device %d: result %d is for %s seq %d, want %s seq %d (results in device_seq order)",
				p.n, i, r.GetMutationId(), r.GetDeviceSeq(), batch[i].GetMutationId(), batch[i].GetDeviceSeq())
		}
		if r.GetOutcome() == pb.MutationOutcome_MUTATION_OUTCOME_UNSPECIFIED {
			retry = true
			continue
		}
		answered[r.GetMutationId()] = true
	}
	last := batch[len(batch)-1].GetDeviceSeq()
	if resp.GetHighestDeviceSeq() < last && !retry {
		p.t.problem(&p.t.protocolErrors, "device %d: answered a batch up to seq %d but says it holds up to %d",
			p.n, last, resp.GetHighestDeviceSeq())
	}
	kept := p.outbox[:0:0]
	deleted := 0
	for _, m := range p.outbox {
		if answered[m.GetMutationId()] || m.GetDeviceSeq() <= resp.GetHighestDeviceSeq() {
			deleted++
			p.acknowledged(m)
			continue
		}
		kept = append(kept, m)
	}
	p.outbox = kept
	p.cfg.Progress.add(deleted)
	return deleted
}

// Pulling.
const (
	// pullPageSize is small, so that a day's pull takes several pages.
	pullPageSize = 50
	// maxPullPages bounds a pull that would not end.
	maxPullPages = 10000
	// sharePull is the share of --fault-rate of pulls whose answer is lost.
	shareCutPull = 0.5
)

// pullAll pulls the phone's scope from the start in small pages, as a
// phone does once it has pushed, and keeps the ids of the reports and
// patrols it received. Now and then a page's answer is lost, and the same
// cursor is asked again.
func (p *phone) pullAll(ctx context.Context) error {
	p.pulled = map[string]bool{}
	cursor, resets := "", 0
	for pages := 0; ; pages++ {
		if pages >= maxPullPages {
			return fmt.Errorf("pull: still more after %d pages", pages)
		}
		var resp *pb.PullResponse
		injected := 0
		err := p.retry.do(ctx, "pull", func(ctx context.Context) error {
			actx, cancel := context.WithTimeout(ctx, attemptTimeout)
			defer cancel()
			r, err := p.sync.Pull(actx, &pb.PullRequest{Cursor: cursor, PageSize: pullPageSize})
			if err != nil {
				return err
			}
			if injected < maxInjectedPerOp && p.faults.strike(shareCutPull) {
				injected++
				p.t.cutPulls.Add(1)
				return errInjected
			}
			resp = r
			return nil
		})
		if err != nil {
			return err
		}
		if resp.GetResetRequired() {
			// The cursor came from this very database a moment ago.
			p.t.problem(&p.t.protocolErrors, "device %d: pull: reset required for a cursor of the same database", p.n)
			if resets++; resets > 1 || cursor == "" {
				return fmt.Errorf("pull: reset required again")
			}
			cursor, p.pulled = "", map[string]bool{}
			continue
		}
		for _, c := range resp.GetChanges() {
			switch e := c.GetEntity().(type) {
			case *pb.Change_Report:
				p.pulled[e.Report.GetReport().GetId()] = true
			case *pb.Change_Patrol:
				p.pulled[e.Patrol.GetId()] = true
			case *pb.Change_Removal:
				delete(p.pulled, e.Removal.GetId())
			}
		}
		if !resp.GetHasMore() {
			p.due = resp.GetDuePatrols()
			return nil
		}
		if len(resp.GetDuePatrols()) > 0 {
			p.t.problem(&p.t.protocolErrors, "device %d: pull: due patrols on a page with more to come", p.n)
		}
		if len(resp.GetChanges()) == 0 || resp.GetNextCursor() == cursor {
			return fmt.Errorf("pull: has_more with an empty page or the same cursor")
		}
		cursor = resp.GetNextCursor()
	}
}
