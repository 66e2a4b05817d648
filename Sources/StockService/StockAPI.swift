import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Planning
import Logging

/// The request context: Hummingbird's core storage, nothing else (who is calling is decided per route).
public struct StockRequestContext: RequestContext {
  public var coreContext: CoreRequestContextStorage
  public init(source: ApplicationRequestContextSource) { coreContext = .init(source: source) }
}

/// The HTTP service's handlers: each reads its request, asks the ledger (writes through the group
/// committer, reads off the async threads) and answers with JSON or problem+json. No stock rule lives
/// here: what a request means is in `WritePlans`, what it does to stock in the `Ledger` target.
final class StockAPI: Sendable {
  let ledger: LedgerStore
  let committer: GroupCommitter
  let metrics: ServiceMetrics
  let limiter: RateLimiter
  let settings: ServerSettings
  let plans: PlanSource
  let sessions = Sessions()
  let scenarios: ScenarioJobs
  let planData: PlanData
  let planRuns: PlanRuns
  /// The plan's forecasts and the latest policy backtest, by SKU (the SKU page).
  let forecastCache = FileCache { path in try PlanCharts.forecasts(path: path) }
  let backtestCache = FileCache { path in try ServiceAchieved.rowsBySKU(path: path) }
  private let inFlight = InFlightKeys()
  let keys: KeyCache

  init(ledger: LedgerStore, committer: GroupCommitter, metrics: ServiceMetrics, settings: ServerSettings) {
    self.ledger = ledger
    self.committer = committer
    self.metrics = metrics
    self.settings = settings
    plans = PlanSource(folder: settings.planFolder)
    planData = PlanData(load: settings.planInputs)
    planRuns = PlanRuns(runner: settings.planRunner)
    scenarios = ScenarioJobs(runner: planData.scenarioRunner, folder: settings.planFolder.map { ($0 as NSString).appendingPathComponent("scenarios") })
    limiter = RateLimiter(rate: settings.rateLimitPerSecond, burst: max(1, settings.rateLimitPerSecond * 2))
    keys = KeyCache(ledger: ledger)
  }

  // MARK: Who is calling

  func authenticate(_ request: Request, _ scope: APIScope) async throws -> Principal {
    guard let key = APIKeys.bearer(request.headers[.authorization]), let principal = try await keys.principal(for: key) else {
      throw Problem.unauthenticated
    }
    guard principal.allows(scope) else { throw Problem.missingScope(scope) }
    if let wait = limiter.take(principal.keyID) {
      var p = Problem(status: 429, code: "RATE_LIMITED", title: "Too many requests",
                      detail: "this API key is limited to \(Int(settings.rateLimitPerSecond)) requests a second; retry after \(wait) s")
      p.retryAfter = wait
      throw p
    }
    return principal
  }

  /// The channel a request acts for: the key's own, or for an admin key the `channel` query parameter.
  func channel(_ principal: Principal, _ request: Request) throws -> String {
    if let asked = request.uri.queryParameters["channel"].map(String.init), asked != principal.channel {
      guard principal.isAdmin else { throw Problem(status: 403, code: "FORBIDDEN", title: "Not allowed for this key", detail: "a \(principal.channel) key cannot act for channel \(asked)") }
      return asked
    }
    return principal.channel
  }

  // MARK: Bodies

  func body(_ request: inout Request) async throws -> (bytes: [UInt8], json: JSONValue) {
    if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
      throw Problem(status: 415, code: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported body type", detail: "Content-Type \(type.debugDescription); expected application/json")
    }
    let bytes = try await collect(&request)
    guard !bytes.isEmpty else { throw Problem(BodyError(kind: .malformed, pointer: "", value: nil, message: "the body is empty; expected a JSON object")) }
    return (bytes, try JSONParser.parse(bytes))
  }

  /// The request body, at most `maximumBodyBytes` (413 beyond).
  func collect(_ request: inout Request) async throws -> [UInt8] {
    do {
      return Array(try await request.collectBody(upTo: settings.maximumBodyBytes).readableBytesView)
    } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
      throw Problem(status: 413, code: "BODY_TOO_LARGE", title: "Request body too large", detail: "the body exceeds \(settings.maximumBodyBytes) bytes")
    }
  }

  static func idempotencyKey(_ request: Request) throws -> String {
    guard var key = request.headers[HTTPField.Name("Idempotency-Key")!] else {
      throw Problem(status: 400, code: "IDEMPOTENCY_KEY_MISSING", title: "Idempotency-Key required",
                    detail: "every write needs an Idempotency-Key header (a unique string per operation, such as a UUID, reused on retries)")
    }
    if key.count >= 2, key.hasPrefix("\""), key.hasSuffix("\"") { key = String(key.dropFirst().dropLast()) }
    guard (1...200).contains(key.utf8.count), key.utf8.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) else {
      throw Problem(status: 400, code: "IDEMPOTENCY_KEY_INVALID", title: "Invalid Idempotency-Key",
                    detail: "Idempotency-Key \(JSONFields.excerpt(key)): expected 1–200 printable ASCII characters")
    }
    return key
  }

  // MARK: Writes

  /// One stock write: authenticate, read the Idempotency-Key and the body, plan the events, and submit them
  /// to the group committer; a retry with the same key gets the stored response.
  func write(_ request: Request, context: StockRequestContext, scope: APIScope,
             plan makePlan: (JSONValue, Principal) async throws -> WritePlan) async throws -> Response {
    var request = request
    let principal = try await authenticate(request, scope)
    let key = try Self.idempotencyKey(request)
    let (bytes, json) = try await body(&request)
    var plan = try await makePlan(json, principal)
    guard !plan.events.isEmpty else {
      throw Problem(status: 409, code: "NOTHING_TO_APPLY", title: "Nothing to apply", detail: "the request changes nothing (no open units on the lines named)")
    }
    for k in plan.events.indices {
      plan.events[k].event.source = principal.channel
      plan.events[k].event.key = "\(key)/\(k)"
    }
    let submitted = WriteRequest(source: principal.channel, key: key, fingerprint: Self.fingerprint(request, bytes), events: plan.events.map(\.event),
                                 atomicity: plan.atomicity, preconditions: plan.preconditions, order: plan.order, render: Self.render(plan))
    return try await submit(submitted) { stored in self.count(plan, stored) }
  }

  /// The digest that tells a retry (same method, path and body) from another request under the same key.
  static func fingerprint(_ request: Request, _ bytes: [UInt8]) -> String {
    var digest = SHA256()
    digest.update(data: Data("\(request.method.rawValue) \(request.uri.path)\n".utf8))
    digest.update(data: bytes)
    return APIKeys.hex(Array(digest.finalize()))
  }

  /// Submits a write to the group committer (409 while the same key is in flight) and answers with its
  /// stored response; `fresh` sees a response made now (not a replay).
  func submit(_ submitted: WriteRequest, fresh: (StoredResponse) -> Void = { _ in }) async throws -> Response {
    guard inFlight.insert(submitted.source, submitted.key) else {
      throw Problem(status: 409, code: "IDEMPOTENCY_KEY_IN_FLIGHT", title: "Request in progress",
                    detail: "a request with Idempotency-Key \(JSONFields.excerpt(submitted.key)) is still being processed; retry when it has answered")
    }
    defer { inFlight.remove(submitted.source, submitted.key) }
    switch await committer.submit(submitted) {
    case .completed(let stored, let replayed):
      if !replayed { fresh(stored) }
      var headers: HTTPFields = [.contentType: stored.status >= 400 ? "application/problem+json" : "application/json"]
      if replayed { headers[HTTPField.Name("Idempotent-Replayed")!] = "true" }
      return Response(status: .init(code: stored.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: stored.body)))
    case .keyReused(let message):
      throw Problem(status: 422, code: "IDEMPOTENCY_KEY_REUSED", title: "Idempotency-Key reused", detail: message)
    case .unavailable(let error):
      throw Problem(error)
    }
  }

  private func count(_ plan: WritePlan, _ stored: StoredResponse) {
    if stored.status < 300, plan.events.first?.event.kind == .reserve { metrics.reserved(lines: stored.appliedEvents) }
    if stored.status >= 400, let code = stored.refusalCode { metrics.refused(code) }
  }

  /// The response of a write, made inside its transaction (so that a replay returns it byte for byte).
  static func render(_ plan: WritePlan) -> @Sendable (WriteOutcome) -> StoredResponse {
    let pointers = plan.events.map(\.pointer)
    let success = plan.successStatus
    return { outcome in
      if let refusal = outcome.refusal {
        return stored(Problem(refusal))
      }
      let refused = zip(pointers, outcome.outcomes).filter { !$0.1.succeeded }
      if !outcome.committed {
        let first = refused.first?.1.error ?? LedgerError(.missingField, "nothing was applied")
        var p = Problem(first)
        p.errors = refused.map { Problem.Item(pointer: $0.0, code: ($0.1.error?.code.rawValue ?? "refused").uppercased(), detail: $0.1.error?.message ?? "refused") }
        if pointers.count > 1 {
          p.detail = "\(refused.count) of \(pointers.count) lines refused, nothing was applied; first: \(first.message)"
        }
        return stored(p)
      }
      let results = zip(pointers, outcome.outcomes).map { pointer, o in
        WriteResponse.Result(pointer: pointer, status: o.succeeded ? "applied" : "refused", eventID: o.eventID,
                             code: o.error?.code.rawValue.uppercased(), detail: o.error?.message)
      }
      let body = WriteResponse(results: results, order: outcome.order, inventoryLevels: outcome.levels)
      return StoredResponse(status: success, body: body.jsonText, appliedEvents: outcome.outcomes.filter(\.succeeded).count)
    }
  }

  static func stored(_ p: Problem) -> StoredResponse { StoredResponse(status: p.status, body: json(p), refusalCode: p.code) }

  private static let encoder: JSONEncoder = {
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return encoder
  }()

  static func json<T: Encodable>(_ value: T) -> String {
    String(decoding: (try? encoder.encode(value)) ?? Data("{}".utf8), as: UTF8.self)
  }

  static func response<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: json(value))))
  }

  // MARK: Orders

  /// The order as its channel sees it; another channel's order is reported as not found.
  func ownOrder(_ id: String, channel: String) async throws -> OrderState {
    let ledger = self.ledger
    guard let state = try await blocking({ try ledger.order(id) }), state.channel == channel else {
      throw Problem(status: 404, code: "UNKNOWN_ORDER", title: "Unknown order", detail: "order \(JSONFields.excerpt(id)) is not an order of channel \(channel)")
    }
    return state
  }

  // MARK: Reads

  func levels(_ request: Request, principal: Principal) async throws -> Response {
    let q = try Query(request, allowed: ["sku", "location", "group_by"])
    let sku = q["sku"], location = q["location"]
    let byRegion: Bool
    switch q["group_by"] ?? "location" {
    case "location": byRegion = false
    case "region": byRegion = true
    case let other: throw Problem.query("group_by", other, "location or region")
    }
    let ledger = self.ledger
    let positions = try await blocking { try ledger.positions(sku: sku, location: location, asOf: nil) }
    let shown = byRegion ? Position.byRegion(positions) : positions
    return Self.response(LevelsResponse(inventoryLevels: InventoryLevel.levels(shown)))
  }

  func availability(_ request: Request, principal: Principal) async throws -> Response {
    let q = try Query(request, allowed: ["sku", "channel"])
    let channelName = try channel(principal, request)
    let ledger = self.ledger
    let sku = q["sku"]
    let (allocation, positions) = try await blocking { (try ledger.channel(channelName), try ledger.positions(sku: sku, location: nil, asOf: nil)) }
    guard let allocation else { throw Problem(LedgerError(.unknownChannel, "channel \(channelName) is not defined")) }
    let rows = allocation.feed(positions).map { AvailabilityResponse.Row(sku: $0.sku, availableToSell: $0.available, available: $0.atp) }
    return Self.response(AvailabilityResponse(channel: allocation.name, buffer: allocation.buffer, bufferPercent: allocation.bufferPercent, cap: allocation.cap, availability: rows))
  }

  func changes(_ request: Request, principal: Principal) async throws -> Response {
    let q = try Query(request, allowed: ["after", "limit", "channel"])
    let after = try q.integer("after", default: 0, in: 0...Int(Int64.max))
    let limit = try q.integer("limit", default: 100, in: 1...1000)
    let channelName = try channel(principal, request)
    let ledger = self.ledger
    let (changes, allocation) = try await blocking { (try ledger.changes(after: Int64(after), channel: channelName, limit: limit), try ledger.channel(channelName)) }
    let items = changes.map { WebhookBody.render($0, allocation: allocation) }
    let next = changes.last?.seq ?? Int64(after)
    let body = "{\"changes\":[\(items.joined(separator: ","))],\"next_after\":\(next)}"
    return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: body)))
  }
}

/// Query parameters, strictly: unknown names are refused (a misspelt `skus=` would otherwise list everything).
struct Query {
  private var values: [String: String] = [:]

  /// `emptyAsAbsent`: a parameter with an empty value counts as not given (an HTML form's "all" choice).
  init(_ request: Request, allowed: Set<String>, emptyAsAbsent: Bool = false) throws {
    for (name, value) in request.uri.queryParameters {
      let n = String(name)
      guard allowed.contains(n) else { throw Problem.query(n, String(value), "no such parameter; accepted: \(allowed.sorted().joined(separator: ", "))") }
      let v = String(value)
      if emptyAsAbsent && v.isEmpty { continue }
      guard JSONFields.isText(v, maximumBytes: 255) else {
        throw Problem.query(n, v, "1–255 bytes of text without control characters")
      }
      guard values[n] == nil else { throw Problem.query(n, v, "the parameter once") }
      values[n] = v
    }
  }

  subscript(name: String) -> String? { values[name] }

  func integer(_ name: String, default d: Int, in range: ClosedRange<Int>) throws -> Int {
    guard let text = values[name] else { return d }
    guard let v = Int(text), range.contains(v) else { throw Problem.query(name, text, "a whole number from \(range.lowerBound) to \(range.upperBound)") }
    return v
  }
}

extension Problem {
  static func query(_ name: String, _ value: String, _ accepted: String) -> Problem {
    Problem(status: 400, code: "INVALID_QUERY", title: "Invalid query parameter", detail: "?\(name)=\(JSONFields.excerpt(value)): expected \(accepted)",
            errors: [Item(pointer: "?\(name)", code: "INVALID_QUERY", detail: "expected \(accepted)", value: value)])
  }
}

/// The body of a successful write.
struct WriteResponse: Encodable {
  struct Result: Encodable {
    var pointer: String
    var status: String
    var eventID: Int64
    var code: String?
    var detail: String?
    enum CodingKeys: String, CodingKey { case pointer, status, eventID = "event_id", code, detail }
  }
  var results: [Result]
  var order: OrderState?
  var inventoryLevels: [InventoryLevel]
  enum CodingKeys: String, CodingKey { case results, order, inventoryLevels = "inventory_levels" }

  /// What `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes, by hand: the writer thread
  /// renders every response inside its transaction (the stored response is part of the idempotency record).
  var jsonText: String {
    var out = JSONWriter(capacity: 256 * (inventoryLevels.count + 1) + 160 * (order?.lines.count ?? 0) + 96 * results.count)
    out.raw("{\"inventory_levels\":[")
    for (k, level) in inventoryLevels.enumerated() {
      if k > 0 { out.raw(",") }
      level.appendJSON(to: &out)
    }
    out.raw("]")
    if let order {
      out.raw(",\"order\":")
      order.appendJSON(to: &out)
    }
    out.raw(",\"results\":[")
    for (k, r) in results.enumerated() {
      out.raw(k > 0 ? ",{" : "{")
      if let code = r.code { out.raw("\"code\":"); out.string(code); out.raw(",") }
      if let detail = r.detail { out.raw("\"detail\":"); out.string(detail); out.raw(",") }
      out.raw("\"event_id\":"); out.int(Int(r.eventID))
      out.raw(",\"pointer\":"); out.string(r.pointer)
      out.raw(",\"status\":"); out.string(r.status)
      out.raw("}")
    }
    out.raw("]}")
    return out.text
  }
}

struct LevelsResponse: Encodable {
  var inventoryLevels: [InventoryLevel]
  enum CodingKeys: String, CodingKey { case inventoryLevels = "inventory_levels" }
}

struct AvailabilityResponse: Encodable {
  struct Row: Encodable {
    var sku: String
    var availableToSell: Int
    var available: Int
    enum CodingKeys: String, CodingKey { case sku, availableToSell = "available_to_sell", available }
  }
  var channel: String
  var buffer: Int
  var bufferPercent: Int
  var cap: Int?
  var availability: [Row]
  enum CodingKeys: String, CodingKey { case channel, buffer, bufferPercent = "buffer_percent", cap, availability }
}

/// Idempotency keys being processed now, per channel: a retry that arrives before the original has
/// answered gets 409 instead of waiting or applying twice.
final class InFlightKeys: @unchecked Sendable {
  private var keys = Set<String>()
  private let lock = NSLock()

  func insert(_ channel: String, _ key: String) -> Bool {
    lock.lock()
    defer { lock.unlock() }
    return keys.insert(channel + "\u{0}" + key).inserted
  }

  func remove(_ channel: String, _ key: String) {
    lock.lock()
    keys.remove(channel + "\u{0}" + key)
    lock.unlock()
  }
}

/// API keys looked up by hash, remembered for 5 seconds (so a revocation takes effect within 5 s).
final class KeyCache: @unchecked Sendable {
  private let ledger: LedgerStore
  private var cache: [String: (principal: Principal?, until: Double)] = [:]
  private let lock = NSLock()

  init(ledger: LedgerStore) { self.ledger = ledger }

  func principal(for key: String) async throws -> Principal? {
    try await principal(hash: APIKeys.hash(key))
  }

  /// The principal of a key by its hash (a workspace session keeps the hash, not the key).
  func principal(hash: String) async throws -> Principal? {
    let now = Date().timeIntervalSinceReferenceDate
    if let hit = lock.withLock({ cache[hash] }), hit.until > now { return hit.principal }
    let ledger = self.ledger
    let record = try await blocking { try ledger.apiKey(hash: hash) }
    let principal = record.map { Principal(keyID: $0.id, channel: $0.channel, scopes: $0.scopes) }
    lock.withLock {
      if cache.count > 10_000 { cache.removeAll() }
      cache[hash] = (principal, now + 5)
    }
    return principal
  }
}
