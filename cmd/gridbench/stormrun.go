package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/gridinspect/gridinspect/internal/phonelink"
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
	addr := t.addr
	var link *phonelink.Link
	if lc, ok := s.linkConfig(); ok {
		var err error
		if link, err = phonelink.Start(t.addr, lc); err != nil {
			return err
		}
		defer link.Close()
		addr = link.Addr()
		res.LinkCap = float64(s.phones) * float64(lc.UpKbps) * 1000 / 8
	}

	// The phones log in while they have signal, learn their grids and
	// record their days offline: not part of the storm.
	b.logf("storm: %d phones log in and record their days", s.phones)
	fleet, err := newStormFleet(ctx, addr, link, st, s)
	if err != nil {
		return err
	}
	defer fleet.close()

	conns, closeConns, err := dialPool(t.addr, 1, dialOptions()...)
	if err != nil {
		return err
	}
	defer closeConns()

	// The storm.
	stormCtx, endStorm := context.WithCancel(ctx)
	defer endStorm()
	mem := watchMemory(t.pid)
	var cpu0u, cpu0s time.Duration
	if t.pid != 0 {
		cpu0u, cpu0s, _ = readCPU(t.pid)
	}
	photos := watchPhotos(stormCtx, st.photoDir, time.Second)
	var desks *deskCalls
	waitDesks := func() {}
	if len(st.desks) > 0 {
		if desks, waitDesks, err = runDesks(stormCtx, conns[0], st.desks, st.password, s.deskEvery); err != nil {
			return err
		}
	}
	began := time.Now()
	res.Started = began
	b.logf("storm: %d phones start within %v over %s", s.phones, s.spread, s.link)
	phonesCtx, cancelPhones := context.WithTimeout(ctx, s.timeout)
	fleet.run(phonesCtx, began, s.spread, res, b.logf)
	cancelPhones()
	res.Wall = time.Since(began)
	endStorm()
	waitDesks()
	samples := photos()
	res.PeakRSS = mem.peak()
	if t.pid != 0 {
		u, sy, err := readCPU(t.pid)
		if err == nil {
			res.CPUUser, res.CPUSys = u-cpu0u, sy-cpu0s
		}
	}
	if desks != nil {
		res.DeskRefreshes = desks.refreshes
		res.DeskList, res.DeskMap = summarizeLatencies(desks.list), summarizeLatencies(desks.mapPages)
		res.DeskDashboard, res.DeskGrid = summarizeLatencies(desks.dashboard), summarizeLatencies(desks.grids)
		res.DeskErrors = desks.errors
		if desks.firstErr != nil {
			res.DeskFirstErr = desks.firstErr.Error()
		}
	}
	b.logf("storm: the last phone was done after %v; desks' case list p50 %v p99 %v", res.LastDone.Round(time.Millisecond),
		res.DeskList.P50, res.DeskList.P99)

	// Photo rates: the storm's, from the photo folder's growth.
	rate, from, to := busiest(samples, s.window)
	res.StormRate, res.StretchFrom, res.StretchTo = rate, from.Sub(began), to.Sub(began)
	total, sizes, err := photoBytes(st.photoDir)
	if err != nil {
		return err
	}
	res.PhotoBytes, res.PhotoFiles = total, len(sizes)
	if first, last, ok := storedSpan(samples); ok && last.Sub(first) > 0 {
		res.StormMean = float64(total) / last.Sub(first).Seconds()
	}
	// The phones' checks, as the supervisor, of what the server holds.
	b.logf("storm: the phones check what the server holds")
	fleet.verify(ctx, res)

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
	res.BareElapsed, err = bareWrite(ctx, filepath.Join(st.dir, "bare"), sizes, s.phones)
	if err != nil {
		return fmt.Errorf("storm: bare write: %w", err)
	}
	res.BareRate = float64(sum) / res.BareElapsed.Seconds()

	if s.burst {
		b.logf("storm: burst of %d photos over loopback", len(sizes))
		n := min(len(st.workers), s.phones)
		bconns, closeB, err := dialPool(t.addr, n, dialOptions()...)
		if err != nil {
			return err
		}
		defer closeB()
		res.BurstElapsed, err = burst(ctx, bconns, st.workers[:n], st.password, sizes)
		if err != nil {
			return fmt.Errorf("storm: %w", err)
		}
		res.BurstBytes, res.BurstUploader = sum, n
		res.BurstRate = float64(sum) / res.BurstElapsed.Seconds()
	}
	_ = os.RemoveAll(filepath.Join(st.dir, "bare"))
	return nil
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
