// Package metrics serves gridd's figures to Prometheus: the calls the
// server serves (server.Metrics), the store's own figures (its writer,
// its files, its photos), and the Go runtime's and the process's.
//
// The store keeps plain numbers and knows nothing of Prometheus; this
// package reads them when scraped (a Collector), so nothing is pushed and
// an unscraped server pays only for keeping the numbers.
package metrics

import (
	"context"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// Store is what the collector reads; *store.DB has it.
type Store interface {
	WriterStats() store.WriterStats
	FileSizes() (store.FileSizes, error)
	PhotoUsage(ctx context.Context) (store.PhotoUsage, error)
}

// Path is where the metrics are served.
const Path = "/metrics"

// DefaultPhotoRefresh is how old the photo figures may be when scraped:
// adding up the photos reads every photo's row (0.3 s for three million),
// too much for every scrape, and they change slowly.
const DefaultPhotoRefresh = time.Minute

// photoReadTimeout bounds how long a scrape waits for the photo figures;
// Prometheus gives up on a scrape after 10 s by default.
const photoReadTimeout = 5 * time.Second

func desc(name, help string) *prometheus.Desc {
	return prometheus.NewDesc("gridinspect_store_"+name, help, nil, nil)
}

// The store's figures.
var (
	queueDesc      = desc("write_queue_length", "Writes waiting in the queue for the store's one writer.")
	groupDesc      = desc("write_group_size", "Writes per group the writer ran in one transaction (group commit); the count is the groups.")
	commitDesc     = desc("commit_seconds", "Time of each COMMIT of the writer, fsync included (failed ones too).")
	commitsDesc    = desc("commits_total", "Write transactions committed.")
	writesDesc     = desc("writes_total", "Writes served by the writer, committed or not.")
	busyDesc       = desc("writer_busy_seconds_total", "Time the writer spent serving groups, commits included.")
	databaseDesc   = desc("database_bytes", "Size of the database file.")
	walDesc        = desc("wal_bytes", "Size of the database's write-ahead log.")
	photosDesc     = desc("photos", "Complete photos (may be a refresh period old: a minute in gridd).")
	photoBytesDesc = desc("photo_bytes", "Sizes of the complete photos added up; identical content is stored once, so the photo folder may hold less (may be a refresh period old: a minute in gridd).")
)

// StoreCollector reads a store's figures when scraped.
type StoreCollector struct {
	db           Store
	photoRefresh time.Duration

	mu       sync.Mutex // held while the photo figures are read
	photos   store.PhotoUsage
	photosAt time.Time // when photos was read; zero if never
}

// NewStoreCollector returns a collector of db's figures, whose photo
// figures are read again when older than photoRefresh (0: on every
// scrape).
func NewStoreCollector(db Store, photoRefresh time.Duration) *StoreCollector {
	return &StoreCollector{db: db, photoRefresh: photoRefresh}
}

// Describe implements prometheus.Collector.
func (c *StoreCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{queueDesc, groupDesc, commitDesc, commitsDesc, writesDesc, busyDesc,
		databaseDesc, walDesc, photosDesc, photoBytesDesc} {
		ch <- d
	}
}

// Collect implements prometheus.Collector. A figure that cannot be read
// is reported as an error of the scrape, and the others are served.
func (c *StoreCollector) Collect(ch chan<- prometheus.Metric) {
	w := c.db.WriterStats()
	ch <- prometheus.MustNewConstMetric(queueDesc, prometheus.GaugeValue, float64(w.Queued))
	ch <- histogram(groupDesc, w.GroupSizes)
	ch <- histogram(commitDesc, w.CommitSeconds)
	ch <- prometheus.MustNewConstMetric(commitsDesc, prometheus.CounterValue, float64(w.Commits))
	ch <- prometheus.MustNewConstMetric(writesDesc, prometheus.CounterValue, float64(w.Writes))
	ch <- prometheus.MustNewConstMetric(busyDesc, prometheus.CounterValue, w.Busy.Seconds())

	if s, err := c.db.FileSizes(); err != nil {
		ch <- prometheus.NewInvalidMetric(databaseDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(databaseDesc, prometheus.GaugeValue, float64(s.Database))
		ch <- prometheus.MustNewConstMetric(walDesc, prometheus.GaugeValue, float64(s.WAL))
	}

	if u, err := c.photoUsage(); err != nil {
		ch <- prometheus.NewInvalidMetric(photoBytesDesc, err)
	} else {
		ch <- prometheus.MustNewConstMetric(photosDesc, prometheus.GaugeValue, float64(u.Photos))
		ch <- prometheus.MustNewConstMetric(photoBytesDesc, prometheus.GaugeValue, float64(u.Bytes))
	}
}

// photoUsage returns the photo figures, read again if they are too old.
// If reading fails, the last figures stand, if there are any.
func (c *StoreCollector) photoUsage() (store.PhotoUsage, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.photosAt.IsZero() && time.Since(c.photosAt) < c.photoRefresh {
		return c.photos, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), photoReadTimeout)
	defer cancel()
	u, err := c.db.PhotoUsage(ctx)
	if err != nil {
		if c.photosAt.IsZero() {
			return u, err
		}
		return c.photos, nil
	}
	c.photos, c.photosAt = u, time.Now()
	return u, nil
}

// histogram turns the store's snapshot of a distribution into a metric.
func histogram(d *prometheus.Desc, h store.Histogram) prometheus.Metric {
	buckets := make(map[float64]uint64, len(h.Bounds))
	for i, b := range h.Bounds {
		buckets[b] = h.Buckets[i]
	}
	return prometheus.MustNewConstHistogram(d, h.Count, h.Sum, buckets)
}

// NewRegistry returns a registry of the server's calls, db's figures
// (the photo figures read again when older than photoRefresh, e.g.
// DefaultPhotoRefresh), and the Go runtime's and the process's.
func NewRegistry(calls *server.Metrics, db Store, photoRefresh time.Duration) *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		calls,
		NewStoreCollector(db, photoRefresh),
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return reg
}

// Handler serves what g gathers at GET Path, in Prometheus' formats. A
// figure that cannot be read is logged and left out; the rest is served.
func Handler(g prometheus.Gatherer, log *slog.Logger) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+Path, promhttp.HandlerFor(g, promhttp.HandlerOpts{
		ErrorLog:      slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ErrorHandling: promhttp.ContinueOnError,
	}))
	return mux
}
