import AsyncHTTPClient
import Crypto
import Foundation
import Ledger
import Logging
import NIOCore
import ServiceLifecycle

/// Standard Webhooks signatures (standardwebhooks.com): the secret is `whsec_` + base64 of 24 random
/// bytes; each delivery carries `webhook-id` (stable across retries), `webhook-timestamp` (Unix seconds)
/// and `webhook-signature: v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>`.
public enum WebhookSignature {
  public static func newSecret() -> String {
    var g = SystemRandomNumberGenerator()
    return "whsec_" + Data((0..<24).map { _ in UInt8.random(in: 0...255, using: &g) }).base64EncodedString()
  }

  /// The `webhook-signature` header value; nil when the secret is not a `whsec_` base64 secret.
  public static func sign(id: String, timestamp: Int64, body: String, secret: String) -> String? {
    guard secret.hasPrefix("whsec_"), let key = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
    let mac = HMAC<SHA256>.authenticationCode(for: Data("\(id).\(timestamp).\(body)".utf8), using: SymmetricKey(data: key))
    return "v1," + Data(mac).base64EncodedString()
  }

  /// Whether `header` (space-separated signatures) holds a valid v1 signature of the message.
  public static func verify(id: String, timestamp: Int64, body: String, secret: String, header: String) -> Bool {
    guard let expected = sign(id: id, timestamp: timestamp, body: body, secret: secret) else { return false }
    return header.split(separator: " ").contains { $0 == expected }
  }
}

/// How the delivery worker retries.
public struct WebhookPolicy: Sendable {
  /// The first retry's delay; each further one doubles, capped at `maximumDelay`, times a random 0.5–1.
  public var baseDelay: Duration = .seconds(5)
  public var maximumDelay: Duration = .seconds(3600)
  /// Consecutive failures after which a subscription is disabled (about a day with the defaults).
  public var maximumFailures = 30
  /// A receiver must answer within this (else the attempt failed).
  public var timeout: Duration = .seconds(10)
  /// How often the queue is looked at when idle.
  public var pollInterval: Duration = .milliseconds(200)

  public init() {}

  /// The delay before attempt `attempts + 1` after `attempts` failures (≥ 1).
  func delay(afterFailures attempts: Int, random: Double) -> Duration {
    let exponent = min(attempts - 1, 30)
    let raw = baseDelay * (1 << exponent)
    let capped = raw > maximumDelay ? maximumDelay : raw
    return capped * (0.5 + 0.5 * random)
  }
}

/// The webhook body: `{type, seq, timestamp, data}` with, for inventory changes, the channel's own
/// `available_to_sell` (its allocation rule applied to the SKU's ATP over every location).
enum WebhookBody {
  static func render(_ change: Change, allocation: ChannelAllocation?) -> String {
    var data = change.payload
    if change.topic == .inventoryLevels, let allocation, let total = skuAvailable(change.payload), data.hasSuffix("}") {
      data.removeLast()
      data += ",\"available_to_sell\":\(allocation.publishable(total)),\"channel\":\(jsonString(allocation.name))}"
    }
    return "{\"data\":\(data),\"seq\":\(change.seq),\"timestamp\":\"\(LedgerText.iso(change.at))\",\"type\":\"\(change.topic.rawValue)\"}"
  }

  static func skuAvailable(_ payload: String) -> Int? {
    guard let range = payload.range(of: "\"sku_available\":") else { return nil }
    return Int(payload[range.upperBound...].prefix { $0 == "-" || $0.isNumber })
  }

  static func jsonString(_ s: String) -> String {
    String(decoding: (try? JSONEncoder().encode(s)) ?? Data("\"\"".utf8), as: UTF8.self)
  }
}

/// Delivers queued changes to webhook subscriptions: at least once, in order per subscription (its
/// next change waits until the previous one is delivered), with exponential backoff and jitter, and
/// disables a subscription after `maximumFailures` consecutive failures. Runs as a lifecycle service
/// next to the HTTP server and stops on graceful shutdown.
final class WebhookDeliveryService: Service, Sendable {
  let ledger: LedgerStore
  let policy: WebhookPolicy
  let metrics: ServiceMetrics
  let logger: Logger

  init(ledger: LedgerStore, policy: WebhookPolicy, metrics: ServiceMetrics, logger: Logger) {
    self.ledger = ledger
    self.policy = policy
    self.metrics = metrics
    self.logger = logger
  }

  func run() async throws {
    var configuration = HTTPClient.Configuration()
    configuration.timeout = .init(connect: .seconds(5), read: .init(policy.timeout))
    configuration.redirectConfiguration = .disallow
    let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    await loop(client)
    try? await client.shutdown()
  }

  private func loop(_ client: HTTPClient) async {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let now = currentMillis()
      let due: [PendingDelivery]
      let channels: [String: ChannelAllocation]
      do {
        let ledger = self.ledger
        // The lease outlasts an attempt (timeout) with room for recording it; a server killed mid-attempt
        // leaves its deliveries to the others after it.
        let leaseUntil = now + Int64((policy.timeout * 2).milliseconds) + 5_000
        (due, channels) = try await blocking {
          (try ledger.claimDueDeliveries(now: now, limit: 64, leaseUntil: leaseUntil), Dictionary(uniqueKeysWithValues: try ledger.channels().map { ($0.name, $0) }))
        }
        let lag = try await blocking { try ledger.outboxLag(now: now) }
        metrics.outbox(pending: lag.pending, oldestSeconds: Double(lag.oldestMillis) / 1000)
      } catch {
        logger.error("webhook queue unreadable: \(error)")
        try? await Task.sleep(for: policy.pollInterval)
        continue
      }
      if due.isEmpty {
        try? await Task.sleep(for: policy.pollInterval)
        continue
      }
      await withTaskGroup(of: Void.self) { group in
        for delivery in due {
          group.addTask { await self.deliver(delivery, allocation: channels[delivery.subscription.channel], client: client) }
        }
      }
    }
  }

  private func deliver(_ d: PendingDelivery, allocation: ChannelAllocation?, client: HTTPClient) async {
    let body = WebhookBody.render(d.change, allocation: allocation)
    let id = "chg_\(d.change.seq)"
    let timestamp = currentMillis() / 1000
    var failure: String?
    if let signature = WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: d.subscription.secret) {
      var request = HTTPClientRequest(url: d.subscription.url)
      request.method = .POST
      request.headers.add(name: "content-type", value: "application/json")
      request.headers.add(name: "user-agent", value: "replenish-webhooks/1")
      request.headers.add(name: "webhook-id", value: id)
      request.headers.add(name: "webhook-timestamp", value: "\(timestamp)")
      request.headers.add(name: "webhook-signature", value: signature)
      request.body = .bytes(ByteBuffer(string: body))
      do {
        let response = try await client.execute(request, timeout: .init(policy.timeout))
        if !(200..<300).contains(Int(response.status.code)) { failure = "HTTP \(response.status.code)" }
        _ = try? await response.body.collect(upTo: 64 * 1024)
      } catch {
        failure = "\(error)"
      }
    } else {
      failure = "the subscription's secret is not a whsec_ secret"
    }
    metrics.delivery(succeeded: failure == nil)
    let attempts = d.attempts + 1
    let next = currentMillis() + Int64(policy.delay(afterFailures: attempts, random: Double.random(in: 0...1)).milliseconds)
    let ledger = self.ledger
    let maximum = policy.maximumFailures
    let error = failure
    do {
      try await blocking {
        try ledger.recordAttempt(delivery: d.id, subscription: d.subscription.id, delivered: error == nil, error: error, nextAt: next, maximumFailures: maximum)
      }
    } catch {
      logger.error("webhook delivery \(d.id) not recorded: \(error)")
    }
    if let failure { logger.info("webhook \(id) to subscription \(d.subscription.id) failed (attempt \(attempts)): \(failure)") }
  }
}

extension Duration {
  var milliseconds: Double { Double(components.seconds) * 1000 + Double(components.attoseconds) / 1e15 }
}

extension TimeAmount {
  init(_ d: Duration) { self = .nanoseconds(Int64(d.milliseconds * 1_000_000)) }
}
