import Foundation
import Hummingbird
import Ledger
import Planning
import Logging
import ServiceLifecycle

/// How `replenish serve` runs.
public struct ServerSettings: Sendable {
  /// Loopback by default; `0.0.0.0` or `::` to listen on every interface.
  public var host = "127.0.0.1"
  /// 0 picks a free port (printed when listening).
  public var port = 8080
  /// A larger body is refused with 413 before it is read.
  public var maximumBodyBytes = 1 << 20
  /// Requests a second per API key (token bucket, bursts of twice that); 0 turns the limit off.
  public var rateLimitPerSecond = 2000.0
  /// How long a write's stored response answers retries with the same Idempotency-Key.
  public var idempotencyRetention: Duration = .seconds(24 * 3600)
  /// At most this many requests share one SQLite transaction.
  public var maximumGroupCommit = 256
  public var webhooks = WebhookPolicy()
  /// The folder `replenish plan` wrote, whose suggestions buyers release (`/v1/plans/…`); nil: none.
  public var planFolder: String?
  /// Reads the plan's inputs as they are now (history, items, the ledger's positions, settings) for the
  /// workspace's scenarios, classes and SKU history; the command line builds it from the plan
  /// configuration (the service reads no configuration files). nil: those pages are not offered.
  public var planInputs: (@Sendable () throws -> PlanInputs)?
  /// The latest policy backtest per SKU (`replenish simulate --out`, the config's `[report] backtest`): the SKU
  /// page shows promised vs achieved service from it; nil: not shown.
  public var backtestFile: String?
  /// Runs the whole plan and writes it into `planFolder` (progress: step, done, total), returning a summary;
  /// nil: re-planning from the workspace is not offered.
  public var planRunner: (@Sendable (@escaping @Sendable (String, Int, Int) -> Void) throws -> String)?

  public init() {}
}

/// The stock-truth service: the router over the ledger, the group-commit writer, the webhook worker
/// and the retention sweeper, run under swift-service-lifecycle (SIGTERM/SIGINT: stop accepting, finish
/// the requests in flight, commit what is queued, stop the workers).
public enum StockServer {
  /// The application for `ledger`; `onListening` gets the bound port.
  public static func application(ledger: LedgerStore, settings: ServerSettings, logger: Logger,
                                 onListening: @escaping @Sendable (Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let metrics = ServiceMetrics()
    let committer = GroupCommitter(ledger: ledger, maximumBatch: settings.maximumGroupCommit) { metrics.batch(size: $0) }
    let api = StockAPI(ledger: ledger, committer: committer, metrics: metrics, settings: settings)
    var app = Application(
      router: api.router(),
      configuration: .init(address: .hostname(settings.host, port: settings.port), serverName: "replenish"),
      onServerRunning: { channel in await onListening(channel.localAddress?.port ?? settings.port) },
      logger: logger)
    app.addServices(
      Checkpointing(ledger: ledger, logger: logger),
      WriterDrain(committer: committer),
      WebhookDeliveryService(ledger: ledger, policy: settings.webhooks, metrics: metrics, logger: logger),
      RetentionSweeper(ledger: ledger, retention: settings.idempotencyRetention, logger: logger))
    return app
  }
}

/// Waits for shutdown, then lets the writer commit what is queued (after the HTTP server has stopped
/// taking requests: services stop in the reverse order of their start, the server first).
struct WriterDrain: Service {
  let committer: GroupCommitter
  func run() async throws {
    try? await gracefulShutdown()
    committer.drain()
  }
}

/// Checkpoints the WAL in the background while the server runs (`WALCheckpointer`), so that the writer
/// does not stop for them; stopped after the writer has drained (services stop in reverse order).
struct Checkpointing: Service {
  let ledger: LedgerStore
  let logger: Logger

  func run() async throws {
    let logger = self.logger
    let checkpointer = try ledger.checkpointInBackground { error in logger.warning("no WAL checkpoint for 10 s: \(error)") }
    try? await gracefulShutdown()
    checkpointer?.stop()
  }
}

/// Deletes request records older than the Idempotency-Key retention window, hourly.
struct RetentionSweeper: Service {
  let ledger: LedgerStore
  let retention: Duration
  let logger: Logger

  func run() async throws {
    while !Task.isShuttingDownGracefully && !Task.isCancelled {
      let cutoff = currentMillis() - Int64(retention.milliseconds)
      let ledger = self.ledger
      do {
        let n = try await blocking { try ledger.purgeRequestRecords(olderThan: cutoff) }
        if n > 0 { logger.info("deleted \(n) request records past the idempotency retention") }
      } catch {
        logger.warning("request records not swept: \(error)")
      }
      _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(3600)) }
    }
  }
}
