package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonelink"
	"github.com/gridinspect/gridinspect/internal/phonesim"
	"github.com/gridinspect/gridinspect/store"
)

// stormPhase runs the storm on a street of its own and adds its table to
// the results.
func (b *bench) stormPhase(ctx context.Context, work string) error {
	s := b.cfg.storm
	if b.cfg.server != "" {
		return errors.New("storm: needs a server gridbench starts (its street and photo folder): drop --server")
	}
	st, err := prepareStorm(ctx, work, s, b.cfg.seed, b.logf)
	if err != nil {
		return err
	}
	t0 := time.Now()
	t, err := b.server.start(ctx, st.dir)
	if err != nil {
		return err
	}
	start := serverStart{Data: fmt.Sprintf("storm street, %d grids", s.phones), Reports: st.reports, ReadyIn: time.Since(t0)}
	if t.pid != 0 {
		start.RSS, _, _ = readMemory(t.pid)
	}
	b.res.Starts = append(b.res.Starts, start)
	b.logf("server ready at %s (%s) in %v", t.addr, t.kind, start.ReadyIn.Round(time.Millisecond))
	res := &stormResult{Settings: s, Phones: s.phones, Desks: s.desks, ServerIsMine: t.kind == "in-process"}
	b.res.Storm = res
	err = b.storm(ctx, t, st, res)
	return errors.Join(err, t.stop())
}

// storm runs the phones and the desks against t, then the disk's and
// the burst's figures.
func (b *bench) storm(ctx context.Context, t *target, st *stormStreet, res *stormResult) error {
	s := b.cfg.storm
	cfg := phonesim.Config{
		Server:     t.addr,
		Supervisor: phonesim.Account{Username: st.supervisor, Password: st.password},
		FaultRate:  s.faultRate, Seed: b.cfg.seed, Stderr: b.log,
	}
	day := phonesim.Days["field"]
	day.Reports, day.Patrols, day.PhotosPerReport, day.Actions = s.reports, s.patrols, s.photosPerReport(), s.actions
	day.PhotoMinBytes, day.PhotoMaxBytes = int(s.photoMin), int(s.photoMax)
	cfg.SetDay(day)
	for _, w := range st.workers {
		cfg.Accounts = append(cfg.Accounts, phonesim.Account{Username: w, Password: st.password})
	}
	if lc, ok := s.linkConfig(); ok {
		link, err := phonelink.Start(t.addr, lc)
		if err != nil {
			return err
		}
		defer link.Close()
		cfg.Link = link
		res.LinkCap = float64(s.phones) * float64(lc.UpKbps) * 1000 / 8
	}
	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConns()

	// The phones log in while they have signal, learn their grids and
	// record their days offline; the storm begins when the first of them
	// is told its start delay, once every one has recorded its day. From
	// then the server's process and photo folder are sampled, and the
	// desks refresh, until the phones' run is over (their checks of the
	// server included); the figures are cut at the last phone's end.
	stopProfile, err := b.profile("storm", true)
	if err != nil {
		return err
	}
	stormCtx, endStorm := context.WithCancel(ctx)
	defer endStorm()
	var (
		once      sync.Once
		began     time.Time
		procs     func() []procSample
		photos    func() []storedSample
		desks     *deskCalls
		waitDesks = func() {}
		deskErr   error
	)
	delays := make([]time.Duration, s.phones)
	for i := range delays {
		if s.spread > 0 {
			delays[i] = rand.N(s.spread)
		}
	}
	cfg.StartDelay = func(i int) time.Duration {
		once.Do(func() {
			began = time.Now()
			procs = watchProcess(stormCtx, t.pid, 250*time.Millisecond)
			photos = watchPhotos(stormCtx, st.photoDir, time.Second)
			if len(st.desks) > 0 {
				desks, waitDesks, deskErr = runDesks(stormCtx, conns[0], st.desks, st.password, s.deskEvery)
			}
			b.logf("storm: %d phones start within %v over %s", s.phones, s.spread, s.link)
		})
		return delays[i]
	}
	b.logf("storm: %d phones log in and record their days", s.phones)
	phonesCtx, cancelPhones := context.WithTimeout(ctx, s.timeout)
	out, err := phonesim.Run(phonesCtx, cfg)
	cancelPhones()
	endStorm()
	stopProfile()
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	waitDesks()
	if deskErr != nil {
		return fmt.Errorf("storm: desks: %w", deskErr)
	}
	if procs == nil {
		return fmt.Errorf("storm: no phone got to its evening sync: %s", out.Line())
	}
	res.Started = began

	// The phones.
	end := began
	var syncs []time.Duration
	for _, p := range out.Phones {
		if p.Err != nil {
			res.Failures = append(res.Failures, fmt.Sprintf("%s: %v", p.Username, p.Err))
			continue
		}
		if p.Done.IsZero() {
			continue
		}
		res.Finished++
		syncs = append(syncs, p.Done.Sub(p.Began))
		end = maxTime(end, p.Done)
	}
	if res.Finished < res.Phones {
		end = time.Now() // the phones' run ended without them
	}
	res.LastDone = end.Sub(began)
	sy := summarizeLatencies(syncs)
	res.SyncP50, res.SyncMax = sy.P50, sy.Max
	res.Push, res.Upload = summarizeLatencies(out.PushLatencies()), summarizeLatencies(out.UploadLatencies())
	res.Reports, res.Photos, res.Actions, res.Patrols = int(out.Reports), int(out.Photos), int(out.Actions), int(out.Patrols)
	res.Mutations = int(out.Mutations)
	res.Lost, res.Duplicated = int(out.Missing+out.Unsynced), int(out.Duplicated)
	res.Verdict, res.OK = out.Line(), out.OK()
	if !res.OK {
		b.note("storm: the phones' check failed: " + res.Verdict)
	}

	// The server, up to the last phone's end.
	res.PeakRSS, res.CPUUser, res.CPUSys, res.Wall = processUntil(procs(), end)
	if desks != nil {
		res.DeskList, res.DeskMap = summarizeLatencies(until(desks.list, end)), summarizeLatencies(until(desks.mapPages, end))
		res.DeskDashboard, res.DeskGrid = summarizeLatencies(until(desks.dashboard, end)), summarizeLatencies(until(desks.grids, end))
		res.DeskErrors = len(until(desks.errors, end))
		if desks.firstErr != nil {
			res.DeskFirstErr = desks.firstErr.Error()
		}
	}
	b.logf("storm: the last phone was done after %v; desks' case list p50 %v p99 %v; %s", res.LastDone.Round(time.Millisecond),
		res.DeskList.P50, res.DeskList.P99, res.Verdict)

	// Photo rates: the storm's, from the photo folder's growth up to the
	// last phone's end.
	var samples []storedSample
	for _, x := range photos() {
		if !x.at.After(end) {
			samples = append(samples, x)
		}
	}
	rate, from, to := busiest(samples, s.window)
	res.StormRate, res.StretchFrom, res.StretchTo = rate, from.Sub(began), to.Sub(began)
	total, sizes, err := photoBytes(st.photoDir)
	if err != nil {
		return err
	}
	res.PhotoBytes, res.PhotoFiles = total, len(sizes)
	if first, last, ok := storedSpan(samples); ok && last.Sub(first) > 0 {
		res.StormMean = float64(samples[len(samples)-1].bytes-samples[0].bytes) / last.Sub(first).Seconds()
	}
	if len(sizes) == 0 {
		b.note("storm: no photo was stored; no photo rates")
		return nil
	}

	// The disk's own figure: the same sizes, as many writers as phones.
	b.logf("storm: bare write+fsync of %d files", len(sizes))
	var sum int64
	for _, n := range sizes {
		sum += n
	}
	// Each timing starts with no dirty pages left by the one before it:
	// their writeback competed with whatever came next.
	// The bare and sink files go once the timing is over (see bareWrite).
	for _, d := range []string{"bare-before", "bare-after", "sink"} {
		defer os.RemoveAll(filepath.Join(st.dir, d))
	}
	syscall.Sync()
	cpu := ownCPU()
	res.BareElapsed, err = bareWrite(ctx, filepath.Join(st.dir, "bare-before"), sizes, s.phones)
	res.BareCPU = cpu()
	if err != nil {
		return fmt.Errorf("storm: bare write: %w", err)
	}
	res.BareRate = float64(sum) / res.BareElapsed.Seconds()
	res.BurstBytes = sum

	if !s.burst {
		return nil
	}
	made := newBurstPhotos(sizes)
	// The burst starts on a server of its own: the storm's server is
	// still making thumbnails of the storm's photos (at most a quarter of
	// a core, but 9-11 % of the burst's samples), which is the storm's
	// work, not the burst's.
	b.logf("storm: restarting the server for the burst")
	if err := t.stop(); err != nil {
		return err
	}
	nt, err := b.server.start(ctx, st.dir)
	if err != nil {
		return err
	}
	*t = *nt // the caller stops it
	b.logf("storm: burst of %d photos over loopback", len(sizes))
	n := len(st.workers)
	bconns, closeB, err := dialPool(t.addr, min(n, 64), dialOptions()...)
	if err != nil {
		return err
	}
	defer closeB()
	var u0, s0 time.Duration
	var w0 store.WriterStats
	// The profile, like the CPU figure, starts with the clock: the
	// uploaders' logins before it (argon2id) were a third of its samples.
	stop, profErr := func() {}, error(nil)
	syscall.Sync()
	res.BurstElapsed, err = burst(ctx, bconns, st.workers, st.password, made, int(s.burstChunk), func() {
		b.logf("storm: burst: the uploaders are logged in; the clock starts")
		stop, profErr = b.profile("storm-burst", true)
		if t.pid != 0 {
			u0, s0, _ = readCPU(t.pid)
		}
		w0 = writerStats(t)
	})
	stop()
	if profErr != nil {
		return profErr
	}
	if t.writer != nil {
		w := writerStats(t)
		b.logf("storm: burst: the writer committed %d times for %d writes, busy %.0f%% of the time",
			w.Commits-w0.Commits, w.Writes-w0.Writes, 100*(w.Busy-w0.Busy).Seconds()/res.BurstElapsed.Seconds())
	}
	if err != nil {
		return fmt.Errorf("storm: %w", err)
	}
	if t.pid != 0 {
		if u1, s1, err := readCPU(t.pid); err == nil {
			res.BurstCPU = u1 - u0 + s1 - s0
		}
	}
	res.BurstUploader = n
	res.BurstRate = float64(sum) / res.BurstElapsed.Seconds()

	b.logf("storm: the same uploads to gRPC sinks, receiving only, then storing")
	syscall.Sync()
	cpu = ownCPU()
	res.SinkReceiveElapsed, err = sinkBurst(ctx, "", n, made, int(s.burstChunk))
	res.SinkReceiveCPU = cpu()
	if err != nil {
		return fmt.Errorf("storm: receiving sink: %w", err)
	}
	syscall.Sync()
	cpu = ownCPU()
	res.SinkStoreElapsed, err = sinkBurst(ctx, filepath.Join(st.dir, "sink"), n, made, int(s.burstChunk))
	res.SinkStoreCPU = cpu()
	if err != nil {
		return fmt.Errorf("storm: storing sink: %w", err)
	}

	b.logf("storm: bare write+fsync again, after the burst")
	syscall.Sync()
	cpu = ownCPU()
	res.BareAfterElapsed, err = bareWrite(ctx, filepath.Join(st.dir, "bare-after"), sizes, s.phones)
	res.BareAfterCPU = cpu()
	if err != nil {
		return fmt.Errorf("storm: bare write: %w", err)
	}
	res.BareRate = float64(sum) / min(res.BareElapsed, res.BareAfterElapsed).Seconds()
	return nil
}

// ownCPU starts counting gridbench's own CPU time (user + sys) and
// returns what reads it: bare's and the sinks' work, uploaders included,
// is done in this process.
func ownCPU() func() time.Duration {
	u0, s0, err := readCPU(os.Getpid())
	return func() time.Duration {
		u1, s1, err2 := readCPU(os.Getpid())
		if err != nil || err2 != nil {
			return 0
		}
		return u1 - u0 + s1 - s0
	}
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

// storedSpan is when the first and the last photo bytes were seen stored.
func storedSpan(samples []storedSample) (first, last time.Time, ok bool) {
	if len(samples) < 2 {
		return first, last, false
	}
	base, end := samples[0].bytes, samples[len(samples)-1].bytes
	for i, x := range samples {
		if x.bytes > base && first.IsZero() {
			first = samples[max(i-1, 0)].at
		}
		if x.bytes == end && last.IsZero() {
			last = x.at
		}
	}
	return first, last, !first.IsZero() && !last.IsZero()
}
