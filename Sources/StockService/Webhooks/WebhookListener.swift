import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// A receiver for trying a subscription out (`replenish serve webhook-listen`, what a connector's own
/// endpoint must do): each `POST` is checked as Standard Webhooks prescribes — the `webhook-signature`
/// holds `v1,<base64 HMAC-SHA256(secret, "id.timestamp.body")>` and `webhook-timestamp` is within five
/// minutes of now — answered 204 when it holds and 401 when it does not (the sender retries), and
/// reported. It stops after `count` verified deliveries, or at `timeout`.
public enum WebhookListener {
  public struct Delivery: Sendable {
    public var id: String
    public var timestamp: Int64
    public var body: String
    /// nil when the delivery verified; otherwise why not.
    public var problem: String?
  }

  /// How far a delivery's timestamp may be from now (replayed old deliveries are refused).
  public static let tolerance: Int64 = 300

  /// Checks one delivery's headers and body against `secret`; nil when it verifies.
  public static func problem(id: String?, timestamp: String?, signature: String?, body: String, secret: String, now: Int64) -> String? {
    guard let id, !id.isEmpty else { return "no webhook-id header" }
    guard let timestamp, let ts = Int64(timestamp) else { return "no or malformed webhook-timestamp header" }
    guard abs(now - ts) <= tolerance else { return "webhook-timestamp \(ts) is more than \(tolerance) s from now (\(now))" }
    guard let signature else { return "no webhook-signature header" }
    guard WebhookSignature.verify(id: id, timestamp: ts, body: body, secret: secret, header: signature) else {
      return "webhook-signature does not match the secret"
    }
    return nil
  }

  /// Serves until `count` deliveries verified (nil: until `timeout`). `secret` is asked per delivery, so it
  /// may be set after the listener started (the secret comes back when the subscription is created, and
  /// the subscription needs the listener's URL first). Returns how many deliveries verified.
  public static func run(host: String, port: Int, path: String = "/hook", secret: @escaping @Sendable () -> String?, count: Int?, timeout: Duration,
                         logger: Logger, onListening: @escaping @Sendable (Int) async -> Void,
                         onDelivery: @escaping @Sendable (Delivery) -> Void) async throws -> Int {
    let tally = Tally()
    let (reached, signal) = AsyncStream<Void>.makeStream()
    let router = Router()
    router.post(RouterPath(path)) { request, _ -> Response in
      var request = request
      let body = String(buffer: try await request.collectBody(upTo: 1 << 20))
      let header = { (name: String) in request.headers[HTTPField.Name(name)!] }
      let problem = secret().map {
        Self.problem(id: header("webhook-id"), timestamp: header("webhook-timestamp"), signature: header("webhook-signature"), body: body, secret: $0,
                     now: Int64(Date().timeIntervalSince1970))
      } ?? "no secret yet"
      onDelivery(Delivery(id: header("webhook-id") ?? "", timestamp: Int64(header("webhook-timestamp") ?? "") ?? 0, body: body, problem: problem))
      guard problem == nil else { return Response(status: .unauthorized) }
      if let count, tally.increment() >= count { signal.yield() }
      return Response(status: .noContent)
    }
    let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "replenish-webhook-listen"),
                          onServerRunning: { channel in await onListening(channel.localAddress?.port ?? port) }, logger: logger)
    try await withThrowingTaskGroup(of: Void.self) { group in
      group.addTask { try await app.runService() }
      group.addTask {
        await withTaskGroup(of: Void.self) { stop in
          stop.addTask { for await _ in reached { return } }
          stop.addTask { try? await Task.sleep(for: timeout) }
          await stop.next()
          stop.cancelAll()
        }
      }
      // Whichever ends first (the stop condition, or the server failing) ends the other.
      try await group.next()
      group.cancelAll()
    }
    return tally.value()
  }

  private final class Tally: @unchecked Sendable {
    private var n = 0
    private let lock = NSLock()
    func increment() -> Int { lock.withLock { n += 1; return n } }
    func value() -> Int { lock.withLock { n } }
  }
}
