package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/gridinspect/gridinspect/internal/metrics"
	"github.com/gridinspect/gridinspect/server"
	"github.com/gridinspect/gridinspect/store"
)

// checkMetricsPlaintext refuses plaintext metrics off loopback unless
// --insecure says otherwise, as for gRPC: the metrics need no token, and
// tell who may look how busy the office is and which calls fail.
func checkMetricsPlaintext(cfg config, log *slog.Logger) error {
	if cfg.metrics == "" || isLoopback(cfg.metrics) {
		return nil
	}
	if !cfg.insecure {
		return fmt.Errorf("refusing to serve metrics in plaintext on %s, which is not a loopback address: "+
			"give --tls-cert and --tls-key, or --insecure if something else encrypts the link", cfg.metrics)
	}
	log.Warn("INSECURE: serving metrics in plaintext on a non-loopback address, to anyone who asks", "metrics", cfg.metrics)
	return nil
}

// serveMetrics serves the calls' metrics and db's figures on addr, at
// metrics.Path, with TLS if tlsConfig is set, until the returned stop is
// called.
func serveMetrics(addr string, tlsConfig *tls.Config, calls *server.Metrics, db *store.DB, stdout io.Writer, log *slog.Logger) (stop func(), err error) {
	lis, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen for metrics: %w", err)
	}
	scheme := "http"
	if tlsConfig != nil {
		lis, scheme = tls.NewListener(lis, tlsConfig), "https"
	}
	web := &http.Server{
		Handler:           metrics.Handler(metrics.NewRegistry(calls, db, metrics.DefaultPhotoRefresh), log),
		ReadHeaderTimeout: 10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		if err := web.Serve(lis); !errors.Is(err, http.ErrServerClosed) {
			log.Error("metrics stopped", "err", err)
		}
	}()
	fmt.Fprintf(stdout, "metrics on %s://%s%s\n", scheme, lis.Addr(), metrics.Path)
	log.Info("serving metrics", "addr", lis.Addr().String())
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := web.Shutdown(ctx); err != nil {
			_ = web.Close()
		}
		<-done
	}, nil
}
