import ArgumentParser
import Foundation
import Ledger
import Logging
import Planning
import StockService

/// `replenish serve …`: the stock-truth HTTP service over the same ledger file the CLI uses.
struct ServeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "serve",
    abstract: "The stock-truth HTTP API sales channels sync against (orders, availability, change feed, webhooks).",
    discussion: """
      `replenish serve --db replenish.sqlite --port 8080` serves the ledger over HTTP (the contract is
      GET /openapi.yaml). Every caller needs an API key bound to a channel: define the channel with
      `replenish serve channel`, create a key with `replenish serve key create` (shown once). The CLI may
      write the same ledger while the server runs. SIGTERM or SIGINT stops it gracefully: requests in
      flight finish, queued writes commit.
      """,
    subcommands: [ServeRun.self, ServeChannel.self, ServeKey.self, ServeWebhookListen.self],
    defaultSubcommand: ServeRun.self
  )
}

struct ServeRun: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "run", abstract: "Run the server (the default).")

  @Option(name: .long, help: "Ledger database file (created when missing with --create).") var db = "replenish.sqlite"
  @Flag(name: .long, help: "Create the ledger if the file does not exist.") var create = false
  @Option(name: .long, help: "Address to listen on (loopback by default; 0.0.0.0 or :: for every interface).") var host = "127.0.0.1"
  @Option(name: .long, help: "Port (0 picks a free one; the chosen port is printed).") var port = 8080
  @Option(name: .customLong("rate-limit"), help: "Requests a second per API key (0: no limit).") var rateLimit = 2000.0
  @Option(name: .customLong("max-body-bytes"), help: "Largest request body accepted.") var maxBodyBytes = 1 << 20
  @Option(name: .customLong("idempotency-hours"), help: "How long a write's response answers retries of its Idempotency-Key.") var idempotencyHours = 24
  @Option(name: .customLong("webhook-retry-ms"), help: "First webhook retry delay; doubles per failure up to an hour.") var webhookRetryMs = 5000
  @Option(name: .customLong("webhook-timeout-ms"), help: "A receiver must answer a webhook within this; a delivery a server claimed is left to the others 2 × this + 5 s later if it died.")
  var webhookTimeoutMs = 10_000
  @Option(name: .customLong("webhook-max-failures"), help: "Consecutive failed deliveries before a subscription is disabled.") var webhookMaxFailures = 30
  @Option(name: .customLong("log-level"), help: "trace, debug, info, notice, warning, error or critical.") var logLevel = "info"
  @Option(name: .long, help: "The plan folder `replenish plan` wrote: buyers see and release its PO suggestions (/v1/plans/current).") var plan: String?
  @Option(name: .long, help: "The plan configuration (TOML, as for `replenish plan`): planners run scenarios from the workspace against it and this ledger.")
  var config: String?

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port \(port): expected 0–65535") }
    guard rateLimit >= 0 else { throw ValidationError("--rate-limit \(rateLimit): expected ≥ 0") }
    guard maxBodyBytes >= 1024 else { throw ValidationError("--max-body-bytes \(maxBodyBytes): expected ≥ 1024") }
    guard idempotencyHours >= 1 else { throw ValidationError("--idempotency-hours \(idempotencyHours): expected ≥ 1") }
    guard webhookRetryMs >= 1, webhookMaxFailures >= 1, webhookTimeoutMs >= 1 else {
      throw ValidationError("--webhook-retry-ms, --webhook-timeout-ms and --webhook-max-failures: expected ≥ 1")
    }
    guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level \(logLevel): expected trace, debug, info, notice, warning, error or critical") }
  }

  func run() throws {
    let ledger = try LedgerStore(path: db, create: create)
    var settings = ServerSettings()
    settings.host = host
    settings.port = port
    settings.rateLimitPerSecond = rateLimit
    settings.maximumBodyBytes = maxBodyBytes
    settings.idempotencyRetention = .seconds(idempotencyHours * 3600)
    settings.webhooks.baseDelay = .milliseconds(webhookRetryMs)
    settings.webhooks.maximumFailures = webhookMaxFailures
    settings.webhooks.timeout = .milliseconds(webhookTimeoutMs)
    if let plan {
      // Read once now, so that a wrong folder is a startup error rather than a 503 later.
      _ = try PurchaseReleasing.readPlan(folder: plan)
      settings.planFolder = plan
    }
    if let config {
      let db = self.db
      let arguments = ["--config", config, "--db", db]
      let resolved = try PlanOptions.parse(arguments).resolved()  // a bad configuration is a startup error
      settings.backtestFile = resolved.backtest
      settings.planInputs = { try PlanSetup(try PlanOptions.parse(arguments).resolved()).inputs }
      if let plan {
        // Re-planning from the workspace writes the plan folder this server offers.
        let planArguments = arguments + ["--out", plan]
        settings.planRunner = { progress in
          let (result, _) = try PlanCommand.plan(try PlanSetup(try PlanOptions.parse(planArguments).resolved()), progress: progress)
          let summary = result.summary
          return "plan \(result.purchase.planID): \(summary.lines) PO lines in \(result.purchase.orders.count) purchase orders, \(result.purchase.deferred.count) deferred or held"
        }
      }
    }
    var logger = Logger(label: "replenish.serve", factory: { label in StreamLogHandler.standardError(label: label) })
    logger.logLevel = Logger.Level(rawValue: logLevel)!
    let host = self.host
    let app = StockServer.application(ledger: ledger, settings: settings, logger: logger) { port in
      FileHandle.standardOutput.write(Data("replenish serve: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(port) (ledger \(ledger.path))\n".utf8))
    }
    let failure = RunResult()
    let done = DispatchSemaphore(value: 0)
    Task {
      do { try await app.runService() } catch { failure.set("\(error)") }
      done.signal()
    }
    done.wait()
    if let message = failure.message { throw ServeError(description: "the server stopped: \(message)") }
  }
}

/// What a server task reports back to the command's thread: its failure, and for the listener how many
/// deliveries verified.
final class RunResult: @unchecked Sendable {
  private(set) var message: String?
  private(set) var verified = 0
  private let lock = NSLock()
  func set(_ m: String) { lock.withLock { message = m } }
  func set(verified n: Int) { lock.withLock { verified = n } }
}

struct ServeError: ReportedError {
  var description: String
  var exitStatus: ExitStatus { .cannotCreate }
}

struct ServeChannel: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "channel", abstract: "Define a sales channel and what it may be shown: ATP − buffer − ⌈ATP·percent/100⌉, at most the cap.")
  @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"
  @Option(name: .long, help: "Channel name (shopify, amazon, wholesale …).") var name: String
  @Option(name: .long, help: "Units held back from the channel.") var buffer = 0
  @Option(name: .customLong("buffer-percent"), help: "Percent of ATP held back (rounded up).") var bufferPercent = 0
  @Option(name: .long, help: "Most units the channel is ever shown.") var cap: Int?

  func run() throws {
    let allocation = try ChannelAllocation.validated(name: name, buffer: buffer, bufferPercent: bufferPercent, cap: cap)
    try LedgerStore(path: db).defineChannel(allocation)
    print("channel \(name): buffer \(buffer), buffer_percent \(bufferPercent), cap \(cap.map(String.init) ?? "none")")
  }
}

struct ServeKey: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "key", abstract: "API keys: create (shown once), list, revoke.",
                                                  subcommands: [Create.self, List.self, Revoke.self])

  struct Create: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Create an API key for a channel; the key is printed once and stored only as a hash.")
    @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"
    @Option(name: .long, help: "The channel the key acts for (define it with `serve channel`).") var channel: String
    @Option(name: .long, help: "A scope (repeat): \(APIScope.allCases.map(\.rawValue).joined(separator: ", ")).") var scope: [String] = []

    func run() throws {
      var scopes = Set<APIScope>()
      for s in scope {
        guard let v = APIScope(rawValue: s) else { throw ValidationError("--scope \(s.debugDescription): expected one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))") }
        scopes.insert(v)
      }
      guard !scopes.isEmpty else { throw ValidationError("--scope: give at least one of \(APIScope.allCases.map(\.rawValue).joined(separator: ", "))") }
      let (id, key) = try APIKeys.create(on: try LedgerStore(path: db), channel: channel, scopes: scopes)
      FileHandle.standardError.write(Data("key \(id) for channel \(channel) (\(scopes.sorted().map(\.rawValue).joined(separator: ", "))); it is shown once:\n".utf8))
      print(key)
    }
  }

  struct List: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List keys (ids, channels, scopes; never the keys).")
    @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"
    func run() throws {
      for k in try LedgerStore(path: db, readOnly: true).apiKeys() {
        print("\(k.id)\t\(k.channel)\t\(k.scopes.sorted().map(\.rawValue).joined(separator: ","))\t\(LedgerText.iso(k.createdAt))\t\(k.revokedAt.map { "revoked " + LedgerText.iso($0) } ?? "live")")
      }
    }
  }

  struct Revoke: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Revoke a key by id (takes effect within 5 seconds).")
    @Option(name: .long, help: "Ledger database file.") var db = "replenish.sqlite"
    @Option(name: .long, help: "The key's id (the 8 characters after rk_).") var id: String
    func run() throws {
      guard try LedgerStore(path: db).revokeAPIKey(id: id) else { throw LedgerError(.invalidKey, "no live key \(id.debugDescription)") }
      print("revoked \(id)")
    }
  }
}

/// `replenish serve webhook-listen`: a local receiver that verifies deliveries as a connector must.
struct ServeWebhookListen: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "webhook-listen",
    abstract: "Receive webhooks on a local port, verify each signature and print the deliveries (a connector's endpoint, for trying a subscription).",
    discussion: """
      Prints "listening on http://HOST:PORT/hook", then one line per delivery: its webhook-id, "verified" or
      why not, and the body. Give the subscription's secret with --secret, or --secret-file (read at each
      delivery, so it can be written after subscribing with this listener's URL). Answers 204 to a verified
      delivery and 401 otherwise (the sender retries). Exits 0 after --count verified deliveries, 1 when
      --timeout-seconds passes first.
      """)
  @Option(name: .long, help: "Address to listen on.") var host = "127.0.0.1"
  @Option(name: .long, help: "Port (0 picks a free one; the chosen port is printed).") var port = 0
  @Option(name: .long, help: "The subscription's secret (whsec_…).") var secret: String?
  @Option(name: .customLong("secret-file"), help: "A file holding the secret, read at each delivery.") var secretFile: String?
  @Option(name: .long, help: "Stop after this many verified deliveries.") var count: Int?
  @Option(name: .customLong("timeout-seconds"), help: "Stop after this long.") var timeoutSeconds = 60

  func validate() throws {
    guard (0...65535).contains(port) else { throw ValidationError("--port \(port): expected 0–65535") }
    guard (secret == nil) != (secretFile == nil) else { throw ValidationError("give one of --secret and --secret-file") }
    if let secret, !secret.hasPrefix("whsec_") { throw ValidationError("--secret: expected the subscription's secret, whsec_ followed by base64") }
    if let count, count < 1 { throw ValidationError("--count \(count): expected ≥ 1") }
    guard timeoutSeconds >= 1 else { throw ValidationError("--timeout-seconds \(timeoutSeconds): expected ≥ 1") }
  }

  func run() throws {
    let (secret, file, host) = (self.secret, self.secretFile, self.host)
    let read: @Sendable () -> String? = {
      secret ?? file.flatMap { try? String(contentsOfFile: $0, encoding: .utf8) }?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
    let out = FileHandle.standardOutput
    let (count, timeout, port) = (self.count, Duration.seconds(timeoutSeconds), self.port)
    let result = RunResult()
    let done = DispatchSemaphore(value: 0)
    Task {
      do {
        let n = try await WebhookListener.run(
          host: host, port: port, secret: read, count: count, timeout: timeout,
          logger: Logger(label: "replenish.webhook-listen", factory: { _ in SwiftLogNoOpLogHandler() }),
          onListening: { p in out.write(Data("replenish serve webhook-listen: listening on http://\(host.contains(":") ? "[\(host)]" : host):\(p)/hook\n".utf8)) },
          onDelivery: { d in out.write(Data("\(d.id) \(d.problem.map { "REFUSED (\($0))" } ?? "verified") \(d.body)\n".utf8)) })
        result.set(verified: n)
      } catch { result.set("\(error)") }
      done.signal()
    }
    done.wait()
    if let message = result.message { throw ServeError(description: "the listener stopped: \(message)") }
    if let count, result.verified < count { throw ExitCode(1) }
  }
}

