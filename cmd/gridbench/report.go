package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/gridinspect/gridinspect/store"
)

// The results, and the markdown they are printed as.

// results is everything one run measured.
type results struct {
	Date    time.Time
	Command string
	Server  string
	Env     environment
	Submit  []submitRow
	Push    *pushResult
	Queries []queryRow
	Plans   []planSet
	Export  []exportRow
	Starts  []serverStart
	Storm   *stormResult
	Engines *enginesResult
	Notes   []string

	// FirstPull is the firstpull phase (firstpull.go).
	FirstPull *firstPullResult
}

// serverStart is a server started for some phases, and its memory once
// it was ready.
type serverStart struct {
	Data    string
	Reports int
	RSS     int64
	ReadyIn time.Duration
}

// ms formats a latency in milliseconds, with the precision it deserves.
func ms(d time.Duration) string {
	if d <= 0 {
		return "–"
	}
	m := float64(d) / float64(time.Millisecond)
	switch {
	case m < 10:
		return fmt.Sprintf("%.2f ms", m)
	case m < 100:
		return fmt.Sprintf("%.1f ms", m)
	case m < 10000:
		return fmt.Sprintf("%.0f ms", m)
	}
	return fmt.Sprintf("%.1f s", m/1000)
}

// count formats a number with thousands separators.
func count(n float64) string {
	s := fmt.Sprintf("%.0f", n)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

func size(reports int) string {
	if reports < 0 {
		return "remote"
	}
	return count(float64(reports))
}

// writeMarkdown prints the results as markdown tables.
func (r *results) writeMarkdown(w io.Writer, cfg config) error {
	var b strings.Builder
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	p("## gridbench, %s\n\n", r.Date.UTC().Format("2006-01-02 15:04 MST"))
	p("- command: `%s`\n", r.Command)
	p("- server: %s; plaintext on loopback, per-user request limit off\n", r.Server)
	e := r.Env
	p("- machine: %d CPUs (%s), Linux %s, databases on %s\n", e.CPUs, e.CPUModel, e.Kernel, e.FileSystem)
	p("- versions: %s, grpc-go %s, mattn/go-sqlite3 %s (SQLite %s)\n", e.Go, e.GRPC, e.Driver, e.SQLite)
	if e.PostgreSQL != "" {
		p("- PostgreSQL %s (engines phase)\n", e.PostgreSQL)
	}
	p("- load average (1, 5, 15 min): %s at the start, %s at the end\n", e.LoadStart, e.LoadEnd)
	if len(r.Submit) > 0 || r.Push != nil {
		p("- steps: %v warm-up + %v measured per step; connections per step: min(callers, %d)\n", cfg.warmup, cfg.duration, maxConns)
		p("- reports submitted and pushed were observed up to %v before they were sent\n", cfg.observedIn)
	}
	p("\n")

	if len(r.Submit) > 0 {
		p("### SubmitReport against Echo (%d-byte payload), same server, connections and token\n\n", cfg.payload)
		p("| callers | Echo calls/s | Echo p50 | Echo p99 | SubmitReport calls/s | Submit p50 | Submit p99 | Submit ÷ Echo | peak RSS (Echo / Submit) |\n")
		p("|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
		for _, s := range r.Submit {
			p("| %d | %s | %s | %s | %s | %s | %s | **%.2f** | %s / %s |\n", s.Callers,
				count(s.Echo.PerSecond()), ms(s.Echo.P50), ms(s.Echo.P99),
				count(s.Submit.PerSecond()), ms(s.Submit.P50), ms(s.Submit.P99), s.Ratio(), mib(s.EchoRSS), mib(s.SubmitRSS))
		}
		p("\n")
	}
	if ps := r.Push; ps != nil {
		p("### Sync Push (batches of %d submit_report mutations, one device) against raw batched inserts\n\n", ps.BatchSize)
		p("| what | batches × rows | rows/s | batch p50 | batch p99 | Push ÷ this | peak RSS |\n")
		p("|---|---:|---:|---:|---:|---:|---:|\n")
		pushRSS := mib(ps.RSS)
		for _, x := range []struct {
			what string
			run  batchRun
			rss  string
		}{
			{"Push over gRPC (mutations/s)", ps.Push, pushRSS},
			{"raw: one report-shaped row per mutation, primary key only", ps.Raw, "(in gridbench)"},
			{"raw ×4: report, event, change and ledger rows per mutation (mutations/s)", ps.Raw4, "(in gridbench)"},
			{"raw, the server's schema: the same four rows into a copy of the server's database as the push began, every index (mutations/s)", ps.RawSchema, "(in gridbench)"},
		} {
			p("| %s | %d × %d | %s | %s | %s | **%.2f** | %s |\n", x.what, ps.Batches, ps.BatchSize,
				count(x.run.PerSecond()), ms(x.run.P50), ms(x.run.P99), ps.Push.Ratio(x.run), x.rss)
		}
		if ps.NotApplied > 0 {
			p("\n%d mutations were not APPLIED.\n", ps.NotApplied)
		}
		p("\n")
	}
	if len(r.Queries) > 0 {
		p("### Queries, after warm-up (one caller unless the query says)\n\n")
		p("| reports | query | via | calls | p50 | p99 | max | mean | peak RSS | answer |\n")
		p("|---:|---|---|---:|---:|---:|---:|---:|---:|---|\n")
		for _, q := range r.Queries {
			p("| %s | %s | %s | %d | %s | %s | %s | %s | %s | %s |\n", size(q.Reports), q.Query, q.Via, q.Calls,
				ms(q.P50), ms(q.P99), ms(q.Max), ms(q.Mean), mib(q.RSS), q.Result)
		}
		p("\n")
	}
	if len(r.Export) > 0 {
		p("### Export of every report, bytes discarded by the client\n\n")
		p("| reports | format | rows | bytes | time | rows/s | peak RSS |\n")
		p("|---:|---|---:|---:|---:|---:|---:|\n")
		for _, x := range r.Export {
			if x.Skipped != "" {
				p("| %s | %s | – | – | – | – | %s (not measured: %s) |\n", size(x.Reports), x.Format, mib(x.RSS), x.Skipped)
				continue
			}
			p("| %s | %s | %s | %s | %s | %s | %s |\n", size(x.Reports), x.Format, count(float64(x.Rows)),
				count(float64(x.Bytes)), ms(x.Elapsed), count(float64(x.Rows)/x.Elapsed.Seconds()), mib(x.RSS))
		}
		p("\n")
	}
	if r.FirstPull != nil {
		r.FirstPull.write(&b)
		p("\n")
	}
	if r.Storm != nil {
		r.Storm.writeMarkdown(p)
	}
	if r.Engines != nil {
		r.Engines.writeMarkdown(p, cfg)
	}
	if len(r.Starts) > 0 {
		p("### Servers started\n\n")
		p("| data | reports | ready in | RSS when ready |\n|---|---:|---:|---:|\n")
		for _, s := range r.Starts {
			p("| %s | %s | %s | %s |\n", s.Data, size(s.Reports), ms(s.ReadyIn), mib(s.RSS))
		}
		p("\n")
	}
	for _, ps := range r.Plans {
		p("### Query plans, %s reports\n\n", size(ps.Reports))
		writePlans := func(title string, plans []store.QueryPlan) {
			p("%s:\n\n", title)
			for _, q := range plans {
				calls := ""
				if q.Calls > 1 {
					calls = fmt.Sprintf(" (run %d times)", q.Calls)
				}
				if q.Elapsed > 0 {
					calls += fmt.Sprintf(" — %s", ms(q.Elapsed))
				}
				p("```\n%s%s\n", abbreviate(q.SQL, 400), calls)
				for _, l := range q.Plan {
					p("  %s\n", l)
				}
				p("```\n")
			}
			p("\n")
		}
		writePlans("ListReports (open safety hazards, one grid, newest 50)", ps.List)
		for i, sp := range ps.Summaries {
			if i == 0 {
				writePlans("GetSummary ("+sp.Period+", whole street): every query it runs, and the time it took "+
					"(run in gridbench, second run)", sp.Plans)
				continue
			}
			p("GetSummary (%s): the same queries, and the time each took:\n\n", sp.Period)
			for _, q := range sp.Plans {
				p("- %s: `%s`\n", ms(q.Elapsed), abbreviate(q.SQL, 90))
			}
			p("\n")
		}
	}
	if len(r.Notes) > 0 {
		p("### Notes\n\n")
		for _, n := range r.Notes {
			p("- %s\n", n)
		}
		p("\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// abbreviate shortens s to about n bytes, at a space, saying how long it
// was: the summary's queries run to kilobytes, and their plans are what
// matter.
func abbreviate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	cut := strings.LastIndexByte(s[:n], ' ')
	if cut < n/2 {
		cut = n
	}
	return fmt.Sprintf("%s … (%d characters)", s[:cut], len(s))
}
