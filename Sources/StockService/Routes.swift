import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Logging
import Workspace

extension StockAPI {
  /// Every route of the service. The contract is `Sources/StockService/openapi.yaml`; a test checks that the two list the
  /// same operations.
  func router() -> Router<StockRequestContext> { routes().router }

  /// The router and the (method, path) of every route on it, as registered.
  func routes() -> RouteTable {
    let router = RouteTable()
    router.router.add(middleware: ProblemMiddleware(metrics: metrics, routes: router))

    router.get("/health") { _, _ in Self.response(["status": "ok"]) }
    router.get("/ready") { _, _ in
      let ledger = self.ledger
      _ = try await blocking { try ledger.lastChangeSeq() }
      return Self.response(["status": "ready"])
    }
    router.get("/metrics") { _, _ in
      Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"], body: .init(byteBuffer: ByteBuffer(bytes: self.metrics.exposition())))
    }
    router.get("/openapi.yaml") { _, _ in
      Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
    }

    // Orders (a channel's own).
    router.post("/v1/orders") { request, context in
      try await self.write(request, context: context, scope: .ordersWrite) { body, _ in try WritePlans.createOrder(body) }
    }
    router.get("/v1/orders/{order}") { request, context in
      let principal = try await self.authenticate(request, .inventoryRead)
      return Self.response(try await self.ownOrder(try context.parameters.require("order"), channel: principal.channel))
    }
    router.post("/v1/orders/{order}/cancel") { request, context in
      let id = try context.parameters.require("order")
      return try await self.write(request, context: context, scope: .ordersWrite) { body, principal in
        try WritePlans.cancelOrder(body, order: try await self.ownOrder(id, channel: principal.channel))
      }
    }
    router.post("/v1/orders/{order}/shipments") { request, context in
      let id = try context.parameters.require("order")
      return try await self.write(request, context: context, scope: .ordersWrite) { body, _ in try WritePlans.shipOrder(body, order: id) }
    }
    router.post("/v1/orders/{order}/returns") { request, context in
      let id = try context.parameters.require("order")
      return try await self.write(request, context: context, scope: .ordersWrite) { body, _ in try WritePlans.returnOrder(body, order: id) }
    }

    // Purchasing, receiving, moving and counting stock.
    router.post("/v1/purchase-orders") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.openPurchaseOrder(body) }
    }
    router.post("/v1/purchase-orders/{po}/cancel") { request, context in
      let po = try context.parameters.require("po")
      return try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.cancelPurchaseOrder(body, po: po) }
    }
    router.post("/v1/receipts") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.receive(body) }
    }
    router.post("/v1/transfers") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.shipTransfer(body) }
    }
    router.post("/v1/transfers/{transfer}/receipts") { request, context in
      let transfer = try context.parameters.require("transfer")
      return try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.receiveTransfer(body, transfer: transfer) }
    }
    router.post("/v1/cycle-counts") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.count(body) }
    }
    router.post("/v1/adjustments") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.adjust(body) }
    }
    router.post("/v1/inspections") { request, context in
      try await self.write(request, context: context, scope: .inventoryWrite) { body, _ in try WritePlans.inspect(body) }
    }

    // What channels read.
    router.get("/v1/inventory-levels") { request, _ in
      try await self.levels(request, principal: try await self.authenticate(request, .inventoryRead))
    }
    router.get("/v1/availability") { request, _ in
      try await self.availability(request, principal: try await self.authenticate(request, .inventoryRead))
    }
    router.get("/v1/changes") { request, _ in
      try await self.changes(request, principal: try await self.authenticate(request, .inventoryRead))
    }

    // Webhooks (a channel's own subscriptions).
    router.post("/v1/webhooks") { request, _ in try await self.subscribe(request) }
    router.get("/v1/webhooks") { request, _ in
      let principal = try await self.authenticate(request, .webhooksManage)
      let ledger = self.ledger
      let list = try await blocking { try ledger.subscriptions(channel: principal.isAdmin ? nil : principal.channel) }
      return Self.response(SubscriptionList(webhooks: list.map { SubscriptionBody($0, showSecret: false) }))
    }
    router.delete("/v1/webhooks/{id}") { request, context in
      let principal = try await self.authenticate(request, .webhooksManage)
      let id = try context.parameters.require("id")
      let ledger = self.ledger
      guard try await blocking({ try ledger.deleteSubscription(id: id, channel: principal.isAdmin ? nil : principal.channel) }) else { throw Problem.unknownSubscription(id) }
      return Response(status: .noContent)
    }
    router.post("/v1/webhooks/{id}/enable") { request, context in
      let principal = try await self.authenticate(request, .webhooksManage)
      _ = try Self.idempotencyKey(request)
      let id = try context.parameters.require("id")
      let ledger = self.ledger
      guard let s = try await blocking({ try ledger.enableSubscription(id: id, channel: principal.isAdmin ? nil : principal.channel) }) else { throw Problem.unknownSubscription(id) }
      return Self.response(SubscriptionBody(s, showSecret: false))
    }
    router.post("/v1/webhooks/{id}/replay") { request, context in try await self.replay(request, id: try context.parameters.require("id")) }

    // Channels (admin).
    router.get("/v1/channels") { request, _ in
      _ = try await self.authenticate(request, .admin)
      let ledger = self.ledger
      return Self.response(ChannelList(channels: try await blocking { try ledger.channels() }.map(ChannelBody.init)))
    }
    router.put("/v1/channels/{channel}") { request, context in try await self.putChannel(request, name: try context.parameters.require("channel")) }

    // The plan buyers release purchase orders from, and the workspace people use in a browser.
    planRoutes(router)
    workspaceRoutes(router)
    return router
  }

  // MARK: Webhook and channel handlers

  func subscribe(_ request: Request) async throws -> Response {
    var request = request
    let principal = try await authenticate(request, .webhooksManage)
    let key = try Self.idempotencyKey(request)
    var f = try JSONFields(try await body(&request).json, pointer: "")
    let url = try f.string("url", maximumBytes: 2048)!
    let topics = try f.choices("topics", ChangeTopic.self)
    try f.finish()
    guard let parsed = URLComponents(string: url), ["http", "https"].contains(parsed.scheme?.lowercased() ?? ""), parsed.host?.isEmpty == false else {
      throw Problem(BodyError(kind: .invalidValue, pointer: "/url", value: JSONFields.excerpt(url), message: "/url \(JSONFields.excerpt(url)): expected an absolute http:// or https:// URL"))
    }
    // The subscription's id is derived from the channel and the Idempotency-Key: a retry finds it.
    let id = "wh_" + String(APIKeys.hash(principal.channel + "\u{0}" + key).prefix(16))
    let ledger = self.ledger
    let existing = try await blocking { try ledger.subscriptions(channel: principal.channel).first { $0.id == id } }
    if let existing {
      guard existing.url == url, existing.topics == topics else {
        throw Problem(status: 422, code: "IDEMPOTENCY_KEY_REUSED", title: "Idempotency-Key reused", detail: "Idempotency-Key \(JSONFields.excerpt(key)) created a different subscription")
      }
      var r = Self.response(SubscriptionBody(existing, showSecret: true), status: .created)
      r.headers[HTTPField.Name("Idempotent-Replayed")!] = "true"
      return r
    }
    let channel = principal.channel
    let created = try await blocking { try ledger.addSubscription(id: id, channel: channel, url: url, secret: WebhookSignature.newSecret(), topics: topics) }
    return Self.response(SubscriptionBody(created, showSecret: true), status: .created)
  }

  func replay(_ request: Request, id: String) async throws -> Response {
    var request = request
    let principal = try await authenticate(request, .webhooksManage)
    _ = try Self.idempotencyKey(request)
    var f = try JSONFields(try await body(&request).json, pointer: "")
    let from = try f.time("from", required: true)!
    let to = try f.time("to", required: true)!
    try f.finish()
    guard from <= to else { throw Problem(BodyError(kind: .invalidValue, pointer: "/to", value: LedgerText.iso(to), message: "/to is before /from; expected from ≤ to")) }
    let ledger = self.ledger
    guard let queued = try await blocking({ try ledger.replay(subscription: id, channel: principal.isAdmin ? nil : principal.channel, from: from, to: to) }) else {
      throw Problem.unknownSubscription(id)
    }
    return Self.response(["queued": queued], status: .accepted)
  }

  func putChannel(_ request: Request, name: String) async throws -> Response {
    var request = request
    _ = try await authenticate(request, .admin)
    var f = try JSONFields(try await body(&request).json, pointer: "")
    let buffer = try f.integer("buffer", required: false, in: 0...maximumEventQuantity) ?? 0
    let percent = try f.integer("buffer_percent", required: false, in: 0...100, what: "a percentage") ?? 0
    let cap = try f.integer("cap", required: false, nullable: true, in: 0...maximumEventQuantity)
    try f.finish()
    let allocation = ChannelAllocation(name: name, buffer: buffer, bufferPercent: percent, cap: cap)
    let ledger = self.ledger
    try await blocking { try ledger.defineChannel(allocation) }
    return Self.response(ChannelBody(allocation))
  }
}

/// A router that remembers what was registered on it, so a test can hold the routes against the
/// OpenAPI document.
final class RouteTable: @unchecked Sendable {
  typealias Handler = @Sendable (Request, StockRequestContext) async throws -> Response
  let router = Router(context: StockRequestContext.self)
  private(set) var operations: [(method: String, path: String)] = []

  func get(_ path: String, _ handler: @escaping Handler) { on(.get, path, handler) }
  func post(_ path: String, _ handler: @escaping Handler) { on(.post, path, handler) }
  func put(_ path: String, _ handler: @escaping Handler) { on(.put, path, handler) }
  func delete(_ path: String, _ handler: @escaping Handler) { on(.delete, path, handler) }

  private(set) var pages: [(method: String, path: String)] = []

  /// A page of the browser workspace (HTML, outside the API contract): an error is shown as a page
  /// with its status, not as problem+json.
  func page(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
    pages.append((method.rawValue, path))
    router.on(RouterPath(path), method: method) { request, context in
      do {
        return try await handler(request, context)
      } catch let p as Problem {
        return Self.page(p)
      } catch let e as LedgerError {
        return Self.page(Problem(e))
      }
    }
  }

  static func page(_ p: Problem) -> Response {
    var response = StockAPI.html(MessagePage(title: p.title, message: p.detail, user: nil, csrf: nil).html(), status: .init(code: p.status))
    if let after = p.retryAfter { response.headers[.retryAfter] = "\(after)" }
    return response
  }

  private func on(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
    operations.append((method.rawValue, path))
    router.on(RouterPath(path), method: method, use: handler)
  }

  /// The methods registered for a request path (`{name}` matches one segment), for `405` + `Allow`.
  func methods(matching path: String) -> [String] {
    let segments = path.split(separator: "/", omittingEmptySubsequences: true)
    return (operations + pages).filter { op in
      let template = op.path.split(separator: "/", omittingEmptySubsequences: true)
      return template.count == segments.count && zip(template, segments).allSatisfy { t, s in t.hasPrefix("{") || t == s }
    }.map(\.method)
  }
}

extension Problem {
  static func unknownSubscription(_ id: String) -> Problem {
    Problem(status: 404, code: "UNKNOWN_SUBSCRIPTION", title: "Unknown webhook subscription", detail: "no subscription \(JSONFields.excerpt(id)) of this channel")
  }
}

struct SubscriptionBody: Encodable {
  var id: String
  var channel: String
  var url: String
  var topics: [String]
  var status: String
  var consecutiveFailures: Int
  var createdAt: String
  var disabledReason: String?
  var secret: String?

  init(_ s: WebhookSubscription, showSecret: Bool) {
    (id, channel, url, topics, status) = (s.id, s.channel, s.url, s.topics.map(\.rawValue), s.status.rawValue)
    (consecutiveFailures, createdAt, disabledReason) = (s.consecutiveFailures, LedgerText.iso(s.createdAt), s.disabledReason)
    secret = showSecret ? s.secret : nil
  }

  enum CodingKeys: String, CodingKey {
    case id, channel, url, topics, status, consecutiveFailures = "consecutive_failures", createdAt = "created_at", disabledReason = "disabled_reason", secret
  }
}

struct SubscriptionList: Encodable { var webhooks: [SubscriptionBody] }

struct ChannelBody: Encodable {
  var channel: String
  var buffer: Int
  var bufferPercent: Int
  var cap: Int?
  init(_ a: ChannelAllocation) { (channel, buffer, bufferPercent, cap) = (a.name, a.buffer, a.bufferPercent, a.cap) }
  enum CodingKeys: String, CodingKey { case channel, buffer, bufferPercent = "buffer_percent", cap }
}

struct ChannelList: Encodable { var channels: [ChannelBody] }

/// Turns every error into `application/problem+json` (Hummingbird's own 404s and 413s included), records
/// the request's metrics, and logs one line per request with its id — never its headers (keys stay out
/// of logs). An unexpected error is a 500 with the request id, logged in full.
struct ProblemMiddleware: RouterMiddleware {
  typealias Context = StockRequestContext
  let metrics: ServiceMetrics
  let routes: RouteTable

  func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
    let start = ContinuousClock.now
    var response: Response
    do {
      response = try await next(request, context)
    } catch let p as Problem {
      response = Self.response(p)
    } catch let e as BodyError {
      response = Self.response(Problem(e))
    } catch let e as LedgerError {
      response = Self.response(Problem(e))
    } catch let e as any HTTPResponseError {
      let allowed = e.status == .notFound ? routes.methods(matching: request.uri.path) : []
      let status = Int(e.status.code)
      if !allowed.isEmpty {
        // The path exists, the method does not (RFC 9110 §15.5.6: 405 with the methods it has).
        response = Self.response(Problem(status: 405, code: "METHOD_NOT_ALLOWED", title: "Method not allowed",
                                         detail: "\(request.method.rawValue) \(request.uri.path): expected \(allowed.joined(separator: ", "))"))
        response.headers[.allow] = allowed.joined(separator: ", ")
      } else {
        let code = status == 404 ? "NOT_FOUND" : status == 405 ? "METHOD_NOT_ALLOWED" : status == 413 ? "BODY_TOO_LARGE" : "HTTP_\(status)"
        response = Self.response(Problem(status: status, code: code, title: e.status.reasonPhrase, detail: "\(request.method.rawValue) \(request.uri.path): \(e.status.reasonPhrase.lowercased())"))
      }
    } catch {
      let id = context.logger[metadataKey: "hb.request.id"]?.description ?? "-"
      context.logger.error("unexpected error: \(error)")
      response = Self.response(Problem(status: 500, code: "INTERNAL", title: "Internal error", detail: "request \(id) failed unexpectedly; the server log has the cause"))
    }
    let elapsed = ContinuousClock.now - start
    let route = context.endpointPath ?? "unmatched"
    metrics.request(route: route, method: request.method.rawValue, status: Int(response.status.code), duration: elapsed)
    context.logger.info("\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(Int(elapsed.milliseconds * 1000)) µs")
    return response
  }

  static func response(_ p: Problem) -> Response {
    var headers: HTTPFields = [.contentType: "application/problem+json"]
    if let after = p.retryAfter { headers[.retryAfter] = "\(after)" }
    return Response(status: .init(code: p.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: StockAPI.json(p))))
  }
}
