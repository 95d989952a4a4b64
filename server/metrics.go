package server

import (
	"context"

	grpcprom "github.com/grpc-ecosystem/go-grpc-middleware/providers/prometheus"
	"github.com/prometheus/client_golang/prometheus"
	"google.golang.org/grpc"
)

// LatencyBuckets are the upper bounds, in seconds, of the histogram of
// calls' handling time: from a read answered from the cache (1 ms) to a
// large Push or a slow disk (10 s). Longer calls (an export, an upload
// on a slow link) fall in the histogram's +Inf bucket.
var LatencyBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}

// Metrics counts the calls a Server serves, by service, method and code,
// and times them: Prometheus' usual gRPC server metrics
// (grpc_server_started_total, grpc_server_handled_total,
// grpc_server_handling_seconds, grpc_server_msg_received_total,
// grpc_server_msg_sent_total), with a label "protocol" telling a call
// made over gRPC ("grpc") from one made over HTTP/JSON ("http"). Give it to Config.Metrics and register it
// with a Prometheus registry. Calls are counted whatever becomes of them:
// refused by authentication, by the request limit or by a bound, or
// ended by a panic (as INTERNAL).
//
// Series appear as calls are made: they are not made ahead for every
// method and code, which would add some thousand series to each scrape.
type Metrics struct {
	calls *grpcprom.ServerMetrics
}

// NewMetrics returns the metrics of a server, at zero.
func NewMetrics() *Metrics {
	return &Metrics{calls: grpcprom.NewServerMetrics(
		grpcprom.WithServerHandlingTimeHistogram(grpcprom.WithHistogramBuckets(LatencyBuckets)),
		grpcprom.WithContextLabels("protocol"),
	)}
}

// protocolLabel says which of the two APIs a call came through: the
// gateway's calls arrive over its in-process connection.
func protocolLabel(ctx context.Context) prometheus.Labels {
	if _, ok := gatewayClientHost(ctx); ok {
		return prometheus.Labels{"protocol": "http"}
	}
	return prometheus.Labels{"protocol": "grpc"}
}

// Describe implements prometheus.Collector.
func (m *Metrics) Describe(ch chan<- *prometheus.Desc) { m.calls.Describe(ch) }

// Collect implements prometheus.Collector.
func (m *Metrics) Collect(ch chan<- prometheus.Metric) { m.calls.Collect(ch) }

func (m *Metrics) unary() grpc.UnaryServerInterceptor {
	return m.calls.UnaryServerInterceptor(grpcprom.WithLabelsFromContext(protocolLabel))
}

func (m *Metrics) stream() grpc.StreamServerInterceptor {
	return m.calls.StreamServerInterceptor(grpcprom.WithLabelsFromContext(protocolLabel))
}
