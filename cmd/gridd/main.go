// Command gridd is the gridinspect server: it opens the database in its
// data folder (creating it on first run), serves the gRPC API, and shuts
// down cleanly on SIGINT or SIGTERM. With --restore it instead unpacks a
// backup (made by gridctl backup) into a new data folder, and exits.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/gridinspect/gridinspect"
	"github.com/gridinspect/gridinspect/internal/demo"
	"github.com/gridinspect/gridinspect/internal/holidays"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
	"github.com/gridinspect/gridinspect/web"
)

// Defaults of the flags.
const (
	DefaultListen  = "127.0.0.1:50051"
	DefaultHTTP    = "127.0.0.1:8080"
	DefaultDataDir = "gridinspect-data"
	// DatabaseFile is the database's name inside the data folder; photos
	// live in a folder beside it.
	DatabaseFile = store.DatabaseFile
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "gridd:", err)
		os.Exit(1)
	}
}

// config is what the flags say.
type config struct {
	listen     string
	http       string // the HTTP/JSON API's address; "": none
	dataDir    string
	database   string // a database URL (postgres://…, sqlite:PATH); "": the file in dataDir
	photos     string // the photo folder; "": beside the SQLite file
	demo       bool
	reflection bool
	logLevel   slog.Level
	tlsCert    string
	tlsKey     string
	insecure   bool
	restore    string // a backup archive to restore instead of serving
	// afterRestore makes the PostgreSQL database --database, just put
	// back by pg_restore, a database of its own, instead of serving.
	afterRestore bool
	rateLimit    float64 // calls per second per user; 0: no limit
	rateBurst    int
	metrics      string     // address to serve Prometheus metrics on; "": none
	cors         originList // origins whose pages may call the HTTP API
	mapTiles     string     // the web desk map's tile URL template; "": plain background
	// superviseEvery is how often overdue cases are escalated to
	// supervision (督办); 0: never.
	superviseEvery time.Duration
	// district is --district-user's command (district.go).
	district districtCommand
	// street is --add-street and --name-street: add or name a street and
	// exit (street.go).
	street streetConfig
}

// databaseURL is the database cfg names: --database, or else the SQLite
// file in --data.
func (c config) databaseURL() string {
	if c.database != "" {
		return c.database
	}
	return "sqlite:" + filepath.Join(c.dataDir, DatabaseFile)
}

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("gridd", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.listen, "listen", DefaultListen, "address to serve gRPC on")
	fs.StringVar(&c.http, "http", DefaultHTTP, "address to serve the HTTP/JSON API on (same TLS as gRPC); empty: none")
	fs.StringVar(&c.dataDir, "data", DefaultDataDir, "folder holding the database and photos (created if missing)")
	fs.StringVar(&c.database, "database", "", "database `URL`: postgres://user:password@host/db (several gridd may share it; needs --photos) or sqlite:PATH; empty: the SQLite file in --data")
	fs.StringVar(&c.photos, "photos", "", "photo `FOLDER`, shared by every gridd of a PostgreSQL database; empty: beside the SQLite file")
	fs.BoolVar(&c.demo, "demo", false, "seed a demo street (ten grids, subjects, sample cases); safe to repeat")
	fs.BoolVar(&c.reflection, "reflection", true, "register gRPC reflection so grpcurl needs no .proto files")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: DEBUG, INFO, WARN or ERROR")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) to serve TLS 1.2+ with; needs --tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key of --tls-cert")
	fs.BoolVar(&c.insecure, "insecure", false, "allow plaintext on a non-loopback address (tokens and data travel unencrypted)")
	fs.StringVar(&c.restore, "restore", "", "restore the backup archive `FILE` (from gridctl backup) into --data, which must be new or empty, and exit without serving")
	fs.BoolVar(&c.afterRestore, "after-restore", false, "after pg_restore (or a point-in-time recovery) of --database postgres://…: give it a new instance id so every phone syncs afresh, log everyone out, check --photos holds its photos, and exit without serving; every gridd of it must be stopped")
	fs.Float64Var(&c.rateLimit, "rate-limit", server.DefaultRequestsPerSecond,
		"calls per second each user may make for long (Login, health and reflection aside); 0 turns the limit off")
	fs.IntVar(&c.rateBurst, "rate-burst", server.DefaultRequestBurst, "calls each user may make in a burst before --rate-limit holds them back")
	fs.StringVar(&c.metrics, "metrics", "", "address to serve Prometheus metrics on, at /metrics (TLS as gRPC); empty: none")
	fs.StringVar(&c.mapTiles, "map-tiles", "", "http(s) tile URL `TEMPLATE` ({z}/{x}/{y}, {s} for a subdomain) of the web desk map's background, in WGS-84/CGCS2000 (e.g. 天地图's, with its tk key; never GCJ-02 tiles); empty: grid boundaries on a plain background, no internet needed")
	fs.Var(&c.cors, "cors-origin", "let pages of `ORIGIN` (https://host[:port]) call the HTTP API with bearer tokens (CORS); repeat it or give a comma-separated list")
	fs.DurationVar(&c.superviseEvery, "supervise-every", store.DefaultSuperviseEvery,
		"how often to escalate cases past their deadline to supervision (督办), each once per deadline, as the system; 0: never")
	c.district.register(fs)
	c.street.register(fs)
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if err := c.street.check(c); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return c, errors.New("--tls-cert and --tls-key go together")
	}
	if c.restore != "" && c.demo {
		return c, errors.New("--restore and --demo do not go together: restore, then start gridd on the restored folder")
	}
	if isPostgres(c.database) && c.photos == "" {
		return c, errors.New("--database postgres://… needs --photos: a folder every gridd of that database shares")
	}
	if c.afterRestore && (!isPostgres(c.database) || c.restore != "" || c.demo) {
		return c, errors.New("--after-restore goes with --database postgres://… and --photos only: a SQLite backup is restored with --restore")
	}
	if c.restore != "" && c.database != "" {
		return c, errors.New("--restore restores a SQLite backup into --data; give --data, not --database")
	}
	if c.rateLimit < 0 || math.IsNaN(c.rateLimit) || math.IsInf(c.rateLimit, 0) {
		return c, fmt.Errorf("--rate-limit %v: want a number of calls per second, or 0 for no limit", c.rateLimit)
	}
	if len(c.cors) > 0 && c.http == "" {
		return c, errors.New("--cors-origin needs the HTTP API: give --http")
	}
	if c.mapTiles != "" {
		// Checked here, so a typo stops gridd at once with the flag named,
		// not at the first page of the map.
		if _, err := web.TileSource(c.mapTiles); err != nil {
			return c, fmt.Errorf("--map-tiles: %w", err)
		}
		if c.http == "" {
			return c, errors.New("--map-tiles needs the web desk: give --http")
		}
	}
	if c.superviseEvery < 0 {
		return c, fmt.Errorf("--supervise-every %v: want a positive interval, or 0 for never", c.superviseEvery)
	}
	if c.rateLimit > 0 && c.rateBurst < 1 {
		return c, fmt.Errorf("--rate-burst %d: want at least 1", c.rateBurst)
	}
	if err := c.district.check(c); err != nil {
		return c, err
	}
	return c, nil
}

// originList is the value of --cors-origin: origins, each checked when
// the flag is read.
type originList []string

func (l *originList) String() string { return strings.Join(*l, ",") }

func (l *originList) Set(v string) error {
	for _, o := range strings.Split(v, ",") {
		canon, err := server.ParseOrigin(strings.TrimSpace(o))
		if err != nil {
			return err
		}
		*l = append(*l, canon)
	}
	return nil
}

// requestLimit is the per-user request limit the flags ask for.
func (c config) requestLimit() server.Limit {
	if c.rateLimit == 0 {
		return server.NoRequestLimit
	}
	return server.Limit{Burst: c.rateBurst, Every: max(time.Duration(float64(time.Second)/c.rateLimit), 1)}
}

// isPostgres reports whether a --database URL names a PostgreSQL database.
func isPostgres(url string) bool {
	return strings.HasPrefix(url, "postgres://") || strings.HasPrefix(url, "postgresql://")
}

// restoreBackup unpacks the backup archive cfg.restore into cfg.dataDir,
// offline: store.Restore refuses a folder that is not empty, so it never
// overwrites a database, let alone one a server is using.
func restoreBackup(cfg config, stdout io.Writer) error {
	f, err := os.Open(cfg.restore)
	if err != nil {
		return fmt.Errorf("restore: %w", err)
	}
	defer f.Close()
	// The file itself, not a buffer over it: Restore reads an archive of
	// format 1 (manifest last) only from something it can seek.
	m, err := store.Restore(f, cfg.dataDir)
	if err != nil {
		return fmt.Errorf("restore %s: %w", cfg.restore, err)
	}
	fmt.Fprintf(stdout, "已将备份 %s 恢复到 %s\n", cfg.restore, cfg.dataDir)
	fmt.Fprintf(stdout, "  备份时间 %s（北京时间），数据库 %s，结构版本 %d\n",
		m.CreatedAt.In(gridinspect.ChinaZone).Format("2006-01-02 15:04:05"), m.InstanceID, m.SchemaVersion)
	fmt.Fprintf(stdout, "  案件 %d 件，事件 %d 条，巡查 %d 次，照片 %d 张\n", m.Reports, m.Events, m.Patrols, m.Photos)
	if n := len(m.MissingPhotos) + len(m.DamagedPhotos); n > 0 {
		fmt.Fprintf(stdout, "  注意：备份时服务器上有 %d 个照片文件缺失或损坏\n", n)
	}
	fmt.Fprintln(stdout, "所有登录均已失效：每个人需重新登录，手机需从头同步")
	fmt.Fprintf(stdout, "启动服务：gridd --data %s\n", cfg.dataDir)
	return nil
}

// afterRestore makes the PostgreSQL database cfg.database, just put back
// by pg_restore, a database of its own (store.AfterRestore) and says what
// it holds.
func afterRestore(ctx context.Context, cfg config, log *slog.Logger, stdout io.Writer) error {
	r, err := store.AfterRestore(ctx, cfg.database, store.Options{Logger: log, PhotoDir: cfg.photos})
	if err != nil {
		return fmt.Errorf("after restore of %s: %w", store.RedactURL(cfg.database), err)
	}
	fmt.Fprintf(stdout, "恢复后处理完成：数据库 %s 的新实例号 %s（原为 %s），结构版本 %d\n",
		store.RedactURL(cfg.database), r.InstanceID, r.OldInstanceID, r.SchemaVersion)
	fmt.Fprintf(stdout, "  案件 %d 件，事件 %d 条，巡查 %d 次，照片 %d 张\n", r.Reports, r.Events, r.Patrols, r.Photos)
	if n := len(r.MissingPhotos); n > 0 {
		fmt.Fprintf(stdout, "  注意：照片文件夹 %s 缺少 %d 张照片的文件（照片文件夹应在 pg_dump 之后复制），例如 %s\n",
			cfg.photos, n, strings.Join(r.MissingPhotos[:min(n, 5)], "、"))
	}
	fmt.Fprintln(stdout, "所有登录均已失效：每个人需重新登录，手机需从头同步")
	fmt.Fprintf(stdout, "启动服务：gridd --database %s --photos %s\n", store.RedactURL(cfg.database), cfg.photos)
	return nil
}

// isLoopback reports whether addr (host:port) can only be reached from
// this machine.
func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// transport returns the TLS configuration both APIs and the metrics serve
// with, or nil
// for plaintext, which is refused off loopback unless --insecure says
// otherwise.
func transport(cfg config, log *slog.Logger) (*tls.Config, error) {
	if cfg.tlsCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.tlsCert, cfg.tlsKey)
		if err != nil {
			return nil, fmt.Errorf("load TLS certificate: %w", err)
		}
		return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
	}
	if err := checkMetricsPlaintext(cfg, log); err != nil {
		return nil, err
	}
	for _, addr := range []string{cfg.listen, cfg.http} {
		if addr == "" || isLoopback(addr) {
			continue
		}
		if !cfg.insecure {
			return nil, fmt.Errorf("refusing to serve plaintext on %s, which is not a loopback address: "+
				"give --tls-cert and --tls-key, or --insecure if something else encrypts the link", addr)
		}
		log.Warn("INSECURE: serving plaintext on a non-loopback address; bearer tokens, passwords and "+
			"reports cross the network unencrypted", "listen", addr)
	}
	return nil, nil
}

// serveHTTP serves the HTTP/JSON API on cfg.http until its Shutdown,
// sending what ends it on served.
func serveHTTP(cfg config, srv *server.Server, tlsConfig *tls.Config, log *slog.Logger, stdout io.Writer, served chan<- error) (*http.Server, error) {
	handler, err := srv.HTTPHandler()
	if err != nil {
		return nil, err
	}
	lis, err := net.Listen("tcp", cfg.http)
	if err != nil {
		return nil, fmt.Errorf("listen for HTTP: %w", err)
	}
	web := &http.Server{
		Handler:           handler,
		TLSConfig:         tlsConfig,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	scheme := "http"
	if tlsConfig != nil {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "HTTP/JSON API on %s://%s\n", scheme, lis.Addr())
	log.Info("serving HTTP", "addr", lis.Addr().String(), "tls", tlsConfig != nil, "cors_origins", []string(cfg.cors))
	go func() {
		var err error
		if tlsConfig != nil {
			err = web.ServeTLS(lis, "", "")
		} else {
			err = web.Serve(lis)
		}
		if errors.Is(err, http.ErrServerClosed) {
			return
		}
		served <- fmt.Errorf("serve HTTP: %w", err)
	}()
	return web, nil
}

// AdminPasswordFile is where the first run leaves the admin's password,
// readable by the server's user only.
const AdminPasswordFile = "admin-password.txt"

// firstRun creates the admin account on an empty database, prints its
// password once and leaves it in a 0600 file in the data folder.
func firstRun(ctx context.Context, db *store.DB, dataDir string, stdout io.Writer) error {
	password, created, err := db.EnsureAdmin(ctx)
	if err != nil || !created {
		return err
	}
	path := filepath.Join(dataDir, AdminPasswordFile)
	_ = os.Remove(path) // a stale file of an older database: O_EXCL below must create it afresh, 0600
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("write admin password: %w", err)
	}
	_, werr := fmt.Fprintf(f, "username: admin\npassword: %s\n", password)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return fmt.Errorf("write admin password: %w", werr)
	}
	fmt.Fprintf(stdout, "first run: created account \"admin\" with password %s\n", password)
	fmt.Fprintf(stdout, "  (also in %s, readable only by you; log in and change it)\n", path)
	// A new database starts with the official working-day calendar the
	// binary carries, so deadlines in working days are right from the
	// first day; later years the admin adds (gridctl calendar set).
	sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())
	years, err := holidays.Seed(sys, db)
	if err != nil {
		return fmt.Errorf("first run: %w", err)
	}
	fmt.Fprintf(stdout, "first run: loaded China's official holidays and 调休 workdays of %v (gridctl calendar list)\n", years)
	return nil
}

// run serves until ctx is done. Everything it opens it closes.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))
	if cfg.restore != "" {
		return restoreBackup(cfg, stdout)
	}
	if cfg.afterRestore {
		return afterRestore(ctx, cfg, log, stdout)
	}
	if cfg.district.given() {
		return setDistrictStreets(ctx, cfg, log, stdout)
	}
	if cfg.street.add {
		return addStreet(ctx, cfg, log, stdout)
	}
	if cfg.street.rename.set {
		return nameStreet(ctx, cfg, log, stdout)
	}

	if err := os.MkdirAll(cfg.dataDir, 0o750); err != nil {
		return fmt.Errorf("create data folder: %w", err)
	}
	tlsConfig, err := transport(cfg, log)
	if err != nil {
		return err
	}
	rules := gridinspect.DefaultRules
	if cfg.demo {
		rules = demo.Rules(rules) // demo accounts share the short password "demo"
	}
	dbURL := cfg.databaseURL()
	db, err := store.OpenURL(dbURL, store.Options{Logger: log, Rules: rules, PhotoDir: cfg.photos, DashboardMaxAge: store.DefaultDashboardMaxAge})
	if err != nil {
		return fmt.Errorf("open database %s: %w", store.RedactURL(dbURL), err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := db.Close(closeCtx); err != nil {
			log.Error("close database", "err", err)
		}
	}()
	log.Info("database open", "database", store.RedactURL(dbURL))

	if err := firstRun(ctx, db, cfg.dataDir, stdout); err != nil {
		return err
	}
	if cfg.demo {
		sys := gridinspect.NewContext(ctx, gridinspect.SystemActor())
		st, err := demo.Seed(sys, demo.Services{Directory: db, Reports: db, Users: db, Settings: db, Routing: db, Schedules: db, Calendar: db,
			Rectification: db}, time.Now())
		if err != nil {
			return fmt.Errorf("seed demo data: %w", err)
		}
		log.Info("demo street ready", "grids", st.Grids, "users", st.Users, "subjects", st.Subjects,
			"reports", st.Reports, "patrols", st.Patrols)
		fmt.Fprintf(stdout, "demo accounts (demo only!): supervisor, worker01 … worker10, password %q\n", demo.Password)
	}

	if cfg.superviseEvery > 0 {
		// Escalation is written whether or not anyone is looking; it
		// stops before the database closes (defers run last first).
		superviseCtx, stopSupervising := context.WithCancel(ctx)
		supervised := make(chan struct{})
		go func() {
			defer close(supervised)
			db.RunSupervision(superviseCtx, cfg.superviseEvery)
		}()
		defer func() {
			stopSupervising()
			<-supervised
		}()
	}

	lis, err := net.Listen("tcp", cfg.listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	serving := server.Serve(db)
	serving.Logger, serving.Reflection = log, cfg.reflection
	limit := cfg.requestLimit()
	serving.RequestLimit = &limit
	if cfg.metrics != "" {
		serving.Metrics = server.NewMetrics()
		stopMetrics, err := serveMetrics(cfg.metrics, tlsConfig, serving.Metrics, db, stdout, log)
		if err != nil {
			lis.Close()
			return err
		}
		defer stopMetrics()
	}
	serving.CORSOrigins = cfg.cors
	serving.MapTiles = cfg.mapTiles
	serving.TLS = tlsConfig
	srv := server.New(serving)
	served := make(chan error, 2)
	var web *http.Server
	if cfg.http != "" {
		if web, err = serveHTTP(cfg, srv, tlsConfig, log, stdout, served); err != nil {
			_ = lis.Close()
			srv.Shutdown(context.Background())
			return err
		}
	}
	// Printed last: whoever waits for it may call both APIs.
	fmt.Fprintf(stdout, "listening on %s\n", lis.Addr())
	log.Info("listening", "addr", lis.Addr().String(), "rate_limit", cfg.rateLimit, "rate_burst", cfg.rateBurst)
	go func() { served <- srv.Serve(lis) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down: draining in-flight calls")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), server.DefaultShutdownTimeout)
	defer cancel()
	if web != nil {
		// HTTP first: its calls ride the gRPC server in-process.
		if err := web.Shutdown(shutdownCtx); err != nil {
			log.Warn("HTTP shutdown", "err", err)
		}
	}
	srv.Shutdown(shutdownCtx)
	if err := <-served; err != nil && !errors.Is(err, net.ErrClosed) {
		return err
	}
	log.Info("stopped")
	return nil
}
