import Prometheus

/// The service's Prometheus metrics (`GET /metrics`, text exposition format): requests and their latency
/// per route, reservations and refusals by reason, group-commit batch sizes, the outbox's lag and webhook
/// deliveries. One registry per server (not the process-global metrics system), so tests can run several.
final class ServiceMetrics: Sendable {
  let registry = PrometheusCollectorRegistry()
  private static let latencyBuckets: [Duration] = [
    .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
    .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .seconds(5),
  ]

  func request(route: String, method: String, status: Int, duration: Duration) {
    registry.makeCounter(
      descriptor: .init(namespace: "replenish", metricName: "http_requests", unitName: "total", helpText: "HTTP requests by route, method and status"),
      labels: [("route", route), ("method", method), ("status", "\(status)")]
    ).increment()
    registry.makeDurationHistogram(
      descriptor: .init(namespace: "replenish", metricName: "http_request_duration", unitName: "seconds", helpText: "HTTP request latency by route"),
      labels: [("route", route), ("method", method)], buckets: Self.latencyBuckets
    ).record(duration)
  }

  /// Units reserved for orders (order lines applied).
  func reserved(lines: Int) {
    registry.makeCounter(descriptor: .init(namespace: "replenish", metricName: "reservations", unitName: "total", helpText: "Order lines reserved"))
      .increment(by: Int64(lines))
  }

  func released(lines: Int) {
    registry.makeCounter(descriptor: .init(namespace: "replenish", metricName: "po_lines_released", unitName: "total", helpText: "Suggested PO lines released into the ledger"))
      .increment(by: Int64(lines))
  }

  /// A refused event or request, by the ledger's reason code.
  func refused(_ code: String) {
    registry.makeCounter(
      descriptor: .init(namespace: "replenish", metricName: "refusals", unitName: "total", helpText: "Refused events and requests by reason"),
      labels: [("reason", code)]
    ).increment()
  }

  func batch(size: Int) {
    registry.makeValueHistogram(
      descriptor: .init(namespace: "replenish", metricName: "group_commit_batch", unitName: "requests", helpText: "Write requests per SQLite transaction"),
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256]
    ).record(Double(size))
  }

  func outbox(pending: Int, oldestSeconds: Double) {
    registry.makeGauge(descriptor: .init(namespace: "replenish", metricName: "outbox_pending", unitName: "deliveries", helpText: "Webhook deliveries waiting"))
      .set(Double(pending))
    registry.makeGauge(descriptor: .init(namespace: "replenish", metricName: "outbox_lag", unitName: "seconds", helpText: "Age of the oldest undelivered change"))
      .set(oldestSeconds)
  }

  func delivery(succeeded: Bool) {
    registry.makeCounter(
      descriptor: .init(namespace: "replenish", metricName: "webhook_deliveries", unitName: "total", helpText: "Webhook delivery attempts by result"),
      labels: [("result", succeeded ? "delivered" : "failed")]
    ).increment()
  }

  func exposition() -> [UInt8] { registry.emitToBuffer() }
}
