import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Planning
import Policy
import TimeSeries
import Workspace

/// People's sessions: an API key exchanged at `/ui/login` for a random session token (the cookie holds
/// the token, the server its SHA-256 and the key's hash, so a revoked key ends its sessions within the
/// key cache's 5 s). Each session has a CSRF token every form must send back, and a one-time notice.
final class Sessions: @unchecked Sendable {
  struct Session {
    var keyHash: String
    var csrf: String
    var expires: Date
    var notice: String?
  }

  static let cookie = "replenish_session"
  static let lifetime: TimeInterval = 12 * 3600
  private var sessions: [String: Session] = [:]
  private let lock = NSLock()

  /// A new session for a key; returns the cookie value.
  func create(keyHash: String) -> String {
    let token = Self.randomToken()
    lock.withLock {
      let now = Date()
      if sessions.count > 10_000 { sessions = sessions.filter { $0.value.expires > now } }
      sessions[APIKeys.hash(token)] = Session(keyHash: keyHash, csrf: Self.randomToken(), expires: now.addingTimeInterval(Self.lifetime))
    }
    return token
  }

  func session(_ token: String) -> Session? {
    lock.withLock {
      guard let s = sessions[APIKeys.hash(token)], s.expires > Date() else { return nil }
      return s
    }
  }

  func end(_ token: String) { lock.withLock { _ = sessions.removeValue(forKey: APIKeys.hash(token)) } }

  func setNotice(_ token: String, _ notice: String) { lock.withLock { sessions[APIKeys.hash(token)]?.notice = notice } }

  /// The notice, once.
  func takeNotice(_ token: String) -> String? {
    lock.withLock {
      let hash = APIKeys.hash(token)
      defer { sessions[hash]?.notice = nil }
      return sessions[hash]?.notice
    }
  }

  static func randomToken() -> String {
    var generator = SystemRandomNumberGenerator()
    return (0..<32).map { _ in String(format: "%02x", UInt8.random(in: 0...255, using: &generator)) }.joined()
  }

  /// The session token from a `Cookie` header.
  static func token(_ request: Request) -> String? {
    guard let header = request.headers[.cookie] else { return nil }
    for part in header.split(separator: ";") {
      let pair = part.trimmingCharacters(in: .whitespaces).split(separator: "=", maxSplits: 1)
      if pair.count == 2, pair[0] == cookie, pair[1].utf8.count == 64 { return String(pair[1]) }
    }
    return nil
  }
}

/// A form body (`application/x-www-form-urlencoded`): names to values, percent-decoded, `+` as space.
/// A name given twice, bytes that are not UTF-8 or a malformed escape are refused.
enum FormBody {
  static func parse(_ bytes: [UInt8]) throws -> [String: String] {
    var out: [String: String] = [:]
    for pair in bytes.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true) {
      let parts = pair.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
      guard let name = decode(parts[0]), let value = decode(parts.count > 1 ? parts[1] : []) else {
        throw Problem(status: 400, code: "MALFORMED_FORM", title: "Malformed form", detail: "the form body is not valid application/x-www-form-urlencoded UTF-8")
      }
      guard out[name] == nil else { throw Problem(status: 400, code: "MALFORMED_FORM", title: "Malformed form", detail: "form field \(name.debugDescription) appears twice") }
      out[name] = value
    }
    return out
  }

  static func decode(_ bytes: ArraySlice<UInt8>) -> String? {
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var i = bytes.startIndex
    while i < bytes.endIndex {
      let b = bytes[i]
      if b == UInt8(ascii: "+") {
        out.append(0x20)
      } else if b == UInt8(ascii: "%") {
        guard bytes.distance(from: i, to: bytes.endIndex) >= 3, let hi = hex(bytes[i + 1]), let lo = hex(bytes[i + 2]) else { return nil }
        out.append(hi << 4 | lo)
        i += 2
      } else {
        out.append(b)
      }
      i += 1
    }
    return String(validating: out, as: UTF8.self)
  }

  static func hex(_ b: UInt8) -> UInt8? {
    switch b {
    case UInt8(ascii: "0")...UInt8(ascii: "9"): b - UInt8(ascii: "0")
    case UInt8(ascii: "a")...UInt8(ascii: "f"): b - UInt8(ascii: "a") + 10
    case UInt8(ascii: "A")...UInt8(ascii: "F"): b - UInt8(ascii: "A") + 10
    default: nil
    }
  }
}

/// Who is using the workspace: the session and the principal of its key.
struct Visitor {
  var token: String
  var session: Sessions.Session
  var principal: Principal
}

extension StockAPI {
  /// The browser workspace: server-rendered pages over the same ledger and plan the API serves.
  func workspaceRoutes(_ router: RouteTable) {
    router.page(.get, "/") { request, _ in
      Self.redirect(await self.visitor(request) == nil ? "/ui/login" : "/ui/buyer")
    }
    router.page(.get, "/ui/login") { _, _ in Self.html(LoginPage().html()) }
    router.page(.post, "/ui/login") { request, _ in
      var request = request
      let form = try await self.form(&request)
      guard let key = form["key"]?.trimmingCharacters(in: .whitespaces), !key.isEmpty else {
        return Self.html(LoginPage(error: "Enter your API key.").html(), status: .unprocessableContent)
      }
      guard let principal = try await self.keys.principal(for: key) else {
        return Self.html(LoginPage(error: "This key is not known or has been revoked.").html(), status: .unauthorized)
      }
      guard principal.allows(.inventoryRead) else {
        return Self.html(LoginPage(error: "This key cannot read inventory (it needs the inventory:read scope).").html(), status: .forbidden)
      }
      let token = self.sessions.create(keyHash: APIKeys.hash(key))
      var response = Self.redirect("/ui/buyer")
      response.headers[.setCookie] = "\(Sessions.cookie)=\(token); Path=/; HttpOnly; SameSite=Strict; Max-Age=\(Int(Sessions.lifetime))"
      return response
    }
    router.page(.post, "/ui/logout") { request, _ in
      if let (visitor, _) = try await self.posted(request) { self.sessions.end(visitor.token) }
      var response = Self.redirect("/ui/login")
      response.headers[.setCookie] = "\(Sessions.cookie)=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0"
      return response
    }
    router.page(.get, "/ui/buyer") { request, _ in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      let q = try Query(request, allowed: ["class", "supplier", "state", "deferred", "priority"], emptyAsAbsent: true)
      var filter = BuyerPage.Filter()
      filter.abc = q["class"]
      filter.supplier = q["supplier"]
      if let text = q["priority"] {
        guard let p = Double(text), p.isFinite, p >= 0 else { throw Problem.query("priority", text, "a number ≥ 0") }
        filter.minimumPriority = p
      }
      if let state = q["state"] {
        guard let s = LineState(rawValue: state) else { throw Problem.query("state", state, LineState.allCases.map(\.rawValue).joined(separator: ", ")) }
        filter.state = s
      }
      var page = try await self.buyerPage(visitor)
      page.filter = filter
      if let deferred = q["deferred"] {
        guard deferred == "all" else { throw Problem.query("deferred", deferred, "all") }
        page.deferredShown = nil
      }
      return Self.html(page.html())
    }
    router.page(.post, "/ui/lines") { request, _ in
      guard let (visitor, form) = try await self.posted(request) else { return Self.redirect("/ui/login") }
      return try await self.lineAction(visitor, form: form)
    }
    router.page(.post, "/ui/release") { request, _ in
      guard let (visitor, form) = try await self.posted(request) else { return Self.redirect("/ui/login") }
      guard visitor.principal.allows(.inventoryWrite) else { throw Problem.missingScope(.inventoryWrite) }
      let plan = try await self.plans.current()
      let ledger = self.ledger
      let decisions = try await blocking { try ledger.decisions(planID: plan.planID) }
      guard let po = form["po"], let order = plan.orders.first(where: { $0.id == po }) else {
        throw Problem(status: 422, code: "UNKNOWN_PO", title: "Unknown purchase order", detail: "the plan has no suggested PO \(JSONFields.excerpt(form["po"] ?? ""))")
      }
      let approved = order.lines.filter { decisions[$0.lineID]?.kind == .approved }
      let ids = approved.map(\.lineID)
      guard !ids.isEmpty else {
        self.sessions.setNotice(visitor.token, "No approved lines on \(po) to release.")
        return Self.redirect("/ui/buyer")
      }
      var edits: [String: Int] = [:]
      var adjustments: [String: String] = [:]
      for line in approved {
        edits[line.lineID] = decisions[line.lineID]!.quantity
        adjustments[line.lineID] = decisions[line.lineID]!.adjustment
      }
      return try await self.releaseFromPage(visitor, plan: plan, selection: .lines(ids), edits: edits, adjustments: adjustments)
    }
    router.page(.get, "/ui/plan-run") { request, _ in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      guard self.planRuns.available else {
        throw Problem(status: 404, code: "REPLAN_UNAVAILABLE", title: "Re-planning is not offered", detail: Self.replanUnavailable)
      }
      return Self.html(PlanRunPage(status: self.planRunStatus(), canStart: visitor.principal.allows(.inventoryWrite), user: visitor.principal.channel,
                                   csrf: visitor.session.csrf).html())
    }
    router.page(.post, "/ui/plan-run") { request, _ in
      guard let (visitor, _) = try await self.posted(request) else { return Self.redirect("/ui/login") }
      guard visitor.principal.allows(.inventoryWrite) else { throw Problem.missingScope(.inventoryWrite) }
      guard self.planRuns.available else { throw Problem(status: 404, code: "REPLAN_UNAVAILABLE", title: "Re-planning is not offered", detail: Self.replanUnavailable) }
      // A run already going is not started twice (a double click, two planners): its page is shown.
      _ = self.planRuns.start(by: visitor.principal.channel)
      return Self.redirect("/ui/plan-run")
    }
    router.page(.get, "/ui/planner") { request, _ in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      return Self.html(self.plannerPage(visitor).html())
    }
    router.page(.post, "/ui/planner") { request, _ in
      guard let (visitor, posted) = try await self.posted(request) else { return Self.redirect("/ui/login") }
      guard visitor.principal.allows(.inventoryRead) else { throw Problem.missingScope(.inventoryRead) }
      let (scenario, form) = ScenarioForm.parse(posted)
      guard let scenario else {
        var page = self.plannerPage(visitor)
        page.form = form
        return Self.html(page.html(), status: .unprocessableContent)
      }
      guard let id = self.scenarios.submit(scenario, by: visitor.principal.channel) else {
        throw Problem(status: 409, code: "SCENARIOS_UNAVAILABLE", title: "Scenarios are not available", detail: Self.scenariosUnavailable)
      }
      return Self.redirect("/ui/planner/\(id)")
    }
    router.page(.get, "/ui/planner/{id}") { request, context in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      let id = try context.parameters.require("id")
      guard let job = self.scenarios.job(id) else {
        throw Problem(status: 404, code: "UNKNOWN_SCENARIO", title: "Unknown scenario", detail: "no scenario \(JSONFields.excerpt(id)) on this server")
      }
      return Self.html(ScenarioJobPage(job: job, user: visitor.principal.channel, csrf: visitor.session.csrf).html())
    }
    router.page(.get, "/ui/analyst") { request, _ in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      let q = try Query(request, allowed: ["as_of", "from", "to"], emptyAsAbsent: true)
      var day: Int?
      if let text = q["as_of"] {
        guard let date = CivilDate(iso: text) else { throw Problem.query("as_of", text, "a date such as 2011-11-30") }
        day = date.dayNumber
      }
      for name in ["from", "to"] {
        if let v = q[name], !["A", "B", "C", "-"].contains(v) { throw Problem.query(name, v, "A, B, C or - (not classified)") }
      }
      let cache = self.planData
      let asOf = day
      guard cache.available else {
        return Self.html(MessagePage(title: "Classes", message: "this server classifies nothing: start it with --config plan.toml (the plan's history and items), or use `replenish classify`",
                                     user: visitor.principal.channel, csrf: visitor.session.csrf).html(), status: .notFound)
      }
      let page: AnalystPage
      do {
        page = try await blocking { () throws -> AnalystPage in
          guard let now = try cache.classes(asOf: asOf) else { throw Problem(status: 404, code: "NO_CLASSES", title: "No classes", detail: "not available") }
          let date = CivilDate(dayNumber: now.asOf)
          let previousDay = CivilDate(year: date.year, month: date.month, day: 1)!.dayNumber - 1
          let before = try cache.classes(asOf: previousDay)?.classes ?? []
          let previous = before.map { PreviousClass(sku: $0.sku, abc: $0.abc, xyz: $0.xyz, share: $0.share, rank: $0.rank) }
          return AnalystPage(asOf: now.asOf, previousAsOf: previousDay, current: now.classes, transition: ClassTransition(previous: previous, current: now.classes),
                             user: visitor.principal.channel, csrf: visitor.session.csrf)
        }
      } catch let problem as PlanJob.Problem {
        throw Problem(status: 422, code: "INVALID_AS_OF", title: "No classes for that date", detail: problem.description)
      } catch let problem as Problem {
        throw problem
      } catch {
        throw Problem(status: 503, code: "PLAN_DATA_UNREADABLE", title: "The plan's data cannot be read", detail: "\(error)")
      }
      var shown = page
      (shown.from, shown.to) = (q["from"], q["to"])
      return Self.html(shown.html())
    }
    router.page(.get, "/ui/sku") { request, _ in
      guard let visitor = await self.visitor(request) else { return Self.redirect("/ui/login") }
      let q = try Query(request, allowed: ["sku"])
      guard let sku = q["sku"] else { throw Problem.query("sku", "", "a SKU") }
      return try await self.skuPage(visitor, sku: sku)
    }
    router.page(.get, "/ui/plans/{plan}/purchase-orders/{po}") { request, context in
      guard await self.visitor(request) != nil else { return Self.redirect("/ui/login") }
      let plan = try await self.plans.plan(try context.parameters.require("plan"))
      let po = try context.parameters.require("po")
      let ledger = self.ledger
      let released = try await blocking { try ledger.releases(planID: plan.planID) }.filter { $0.release.po == po }
      guard let document = PurchaseReleasing.documents(plan: plan, released: released).first else {
        throw Problem(status: 404, code: "UNKNOWN_PO", title: "No such purchase order", detail: "plan \(plan.planID) has no released lines on PO \(JSONFields.excerpt(po))")
      }
      return Self.html(document.html)
    }
  }

  static let scenariosUnavailable =
    "this server runs no scenarios: start it with --config plan.toml (the plan's history, items and settings) to let planners run them here, or use `replenish scenario`"

  static let replanUnavailable = "this server does not re-plan: start it with --plan DIR and --config plan.toml, or run `replenish plan`"

  func planRunStatus() -> PlanRunStatus {
    guard let run = planRuns.current else { return PlanRunStatus(state: .idle) }
    var status = PlanRunStatus(state: PlanRunStatus.State(rawValue: run.state.rawValue) ?? .failed)
    (status.startedBy, status.step, status.done, status.total, status.summary) = (run.startedBy, run.step, run.done, run.total, run.summary)
    return status
  }

  func plannerPage(_ visitor: Visitor) -> PlannerPage {
    PlannerPage(jobs: scenarios.all, user: visitor.principal.channel, csrf: visitor.session.csrf, unavailable: scenarios.available ? nil : Self.scenariosUnavailable)
  }

  /// The session's visitor, if the cookie names a live session whose key is still valid.
  func visitor(_ request: Request) async -> Visitor? {
    guard let token = Sessions.token(request), let session = sessions.session(token),
      let principal = try? await keys.principal(hash: session.keyHash)
    else { return nil }
    return Visitor(token: token, session: session, principal: principal)
  }

  /// A form posted from a page: its visitor and fields, the form's CSRF token checked (403 if it does not
  /// match the session's); nil without a session (the page redirects to the login).
  func posted(_ request: Request) async throws -> (Visitor, [String: String])? {
    var request = request
    guard let visitor = await visitor(request) else { return nil }
    let form = try await form(&request)
    guard form["csrf"] == visitor.session.csrf else { throw Problem.csrf }
    return (visitor, form)
  }

  func form(_ request: inout Request) async throws -> [String: String] {
    if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/x-www-form-urlencoded") {
      throw Problem(status: 415, code: "UNSUPPORTED_MEDIA_TYPE", title: "Unsupported body type", detail: "Content-Type \(type.debugDescription); expected application/x-www-form-urlencoded")
    }
    return try FormBody.parse(try await collect(&request))
  }

  func buyerPage(_ visitor: Visitor, error: BuyerPage.FormError? = nil) async throws -> BuyerPage {
    let plan = try await plans.current()
    let ledger = self.ledger
    let (released, decisions) = try await blocking { (try ledger.releases(planID: plan.planID), try ledger.decisions(planID: plan.planID)) }
    var page = BuyerPage(plan: plan, released: Dictionary(released.map { ($0.release.lineID, $0) }, uniquingKeysWith: { a, _ in a }), decisions: decisions,
                         user: visitor.principal.channel, csrf: visitor.session.csrf, canWrite: visitor.principal.allows(.inventoryWrite))
    page.notice = sessions.takeNotice(visitor.token)
    page.error = error
    if planRuns.available { page.planRun = planRunStatus() }
    return page
  }

  /// A line's form: approve or defer at a quantity, or release it now. A bad quantity re-renders the page
  /// with the message at the line (422) and changes nothing.
  func lineAction(_ visitor: Visitor, form: [String: String]) async throws -> Response {
    guard visitor.principal.allows(.inventoryWrite) else { throw Problem.missingScope(.inventoryWrite) }
    let plan = try await plans.current()
    let lineID = form["line_id"] ?? ""
    let typed = (form["quantity"] ?? "").trimmingCharacters(in: .whitespaces)
    let all = PurchaseReleasing.lines(of: plan)
    guard let planLine = all.first(where: { $0.line.lineID == lineID }) else {
      var page = try await buyerPage(visitor, error: BuyerPage.FormError(lineID: lineID, value: typed, message: "line \(JSONFields.excerpt(lineID)) is not in the current plan; the page may be out of date"))
      page.notice = nil
      return Self.html(page.html(), status: .unprocessableContent)
    }
    func refuse(_ message: String) async throws -> Response {
      let page = try await buyerPage(visitor, error: BuyerPage.FormError(lineID: lineID, value: typed, message: message))
      return Self.html(page.html(), status: .unprocessableContent)
    }
    let action = form["action"] ?? ""
    guard ["approve", "defer", "release"].contains(action) else { return try await refuse("unknown action \(JSONFields.excerpt(action)); expected approve, defer or release") }
    guard !typed.isEmpty, typed.utf8.count <= 19, typed.dropFirst(typed.hasPrefix("-") ? 1 : 0).allSatisfy({ $0.isASCII && $0.isNumber }),
      let quantity = Int(typed)
    else {
      return try await refuse("quantity \(JSONFields.excerpt(typed)): expected a whole number of units, such as \(Int(planLine.line.quantity.rounded()))")
    }
    let rounded: (quantity: Int, adjustment: String)
    do {
      rounded = try PurchaseReleasing.edited(quantity, line: planLine.line)
    } catch {
      return try await refuse(error.message)
    }
    let ledger = self.ledger
    switch action {
    case "release":
      return try await releaseFromPage(visitor, plan: plan, selection: .lines([lineID]), edits: [lineID: quantity])
    default:
      let decision = LineDecision(planID: plan.planID, lineID: lineID, kind: action == "approve" ? .approved : .deferred, quantity: rounded.quantity,
                                  adjustment: rounded.adjustment, decidedBy: visitor.principal.channel)
      let earlier = try await blocking { try ledger.decide(decision) }
      if let earlier {
        sessions.setNotice(visitor.token, "\(lineID) was released by \(earlier.release.releasedBy) already (\(earlier.release.quantity) units); nothing changed.")
      } else {
        sessions.setNotice(visitor.token, "\(lineID) \(action == "approve" ? "approved at \(rounded.quantity)" : "deferred")\(rounded.adjustment.isEmpty ? "" : " — \(rounded.adjustment)").")
      }
      return Self.redirect("/ui/buyer#line-\(anchor(lineID))")
    }
  }

  /// Releases lines through the group committer (as the API does) and tells the outcome on the next page.
  /// `adjustments`: what an approval recorded (the quantity typed and its rounding), kept on the release.
  func releaseFromPage(_ visitor: Visitor, plan: PurchasePlan, selection: PurchaseReleasing.Selection, edits: [String: Int],
                       adjustments: [String: String] = [:]) async throws -> Response {
    var releases: [PurchaseRelease]
    do {
      releases = try PurchaseReleasing.releases(plan: plan, selection: selection, edits: edits, releasedBy: visitor.principal.channel)
      for k in releases.indices {
        if let approved = adjustments[releases[k].lineID], !approved.isEmpty { releases[k].adjustment = approved }
      }
    } catch {
      let page = try await buyerPage(visitor, error: BuyerPage.FormError(lineID: error.line ?? "", value: error.value, message: error.message))
      return Self.html(page.html(), status: .unprocessableContent)
    }
    let request = WriteRequest(source: visitor.principal.channel, key: "ui-" + Sessions.randomToken(), fingerprint: "ui", events: [], atomicity: .perEvent,
                               releases: releases) { outcome in Self.renderRelease(planID: plan.planID, outcome) }
    let notice: String
    switch await committer.submit(request) {
    case .completed(let stored, _):
      if stored.appliedEvents > 0 { metrics.released(lines: stored.appliedEvents) }
      let results = (try? JSONSerialization.jsonObject(with: Data(stored.body.utf8))) as? [String: Any]
      let problemDetail = results?["detail"] as? String
      let lines = (results?["results"] as? [[String: Any]]) ?? []
      let described = lines.map { r -> String in
        let id = r["line_id"] as? String ?? ""
        switch r["status"] as? String {
        case "released": return "\(id): \(r["quantity"] as? Int ?? 0) ordered on \(r["po"] as? String ?? "")"
        case "already_released": return "\(id): already released by \(r["released_by"] as? String ?? "") (\(r["quantity"] as? Int ?? 0)), nothing changed"
        default: return "\(id): refused — \(r["detail"] as? String ?? "")"
        }
      }
      notice = described.isEmpty ? "Nothing released: \(problemDetail ?? "refused")" : "Released — " + described.joined(separator: "; ") + "."
    case .keyReused(let message):
      notice = "Nothing released: \(message)"
    case .unavailable(let error):
      throw Problem(error)
    }
    sessions.setNotice(visitor.token, notice)
    return Self.redirect("/ui/buyer")
  }

  func skuPage(_ visitor: Visitor, sku: String) async throws -> Response {
    let ledger = self.ledger
    let plan = try? await plans.current()
    let (positions, orders, movements, released) = try await blocking {
      // A SKU the ledger does not know may still be in the plan (an item not yet stocked).
      let positions: [Position]
      do { positions = try ledger.positions(sku: sku, location: nil, asOf: nil) } catch let e as LedgerError where e.code == .unknownSKU { positions = [] }
      return (positions, try ledger.purchaseOrderLines(sku: sku), try ledger.recentHistory(sku: sku, limit: 50),
              try plan.map { try ledger.releases(planID: $0.planID) } ?? [])
    }
    let planLines = plan.map { PurchaseReleasing.lines(of: $0).filter { $0.line.sku == sku }.map { ($0.po, $0.line) } } ?? []
    guard !positions.isEmpty || !planLines.isEmpty || !movements.isEmpty else {
      return Self.html(MessagePage(title: "Unknown SKU", message: "No SKU \(sku) in the ledger or the plan.", user: visitor.principal.channel, csrf: visitor.session.csrf).html(),
                       status: .notFound)
    }
    var page = SKUPage(sku: sku, positions: positions, planLines: planLines, released: Dictionary(released.map { ($0.release.lineID, $0) }, uniquingKeysWith: { a, _ in a }),
                       purchaseOrders: orders, movements: movements, user: visitor.principal.channel, csrf: visitor.session.csrf)
    if let folder = settings.planFolder, planData.available {
      do {
        let forecasts = try await forecastCache.value((folder as NSString).appendingPathComponent("forecasts.csv"))[sku] ?? []
        let data = planData
        page.charts = try await blocking { try data.inputs().map { PlanCharts.skuForecasts(inputs: $0, forecasts: forecasts, sku: sku) } ?? [] }
      } catch {
        page.chartNote = "the chart could not be drawn: \(error)"
      }
    } else {
      page.chartNote = "charts need the plan's history: start the server with --config plan.toml"
    }
    if let backtest = settings.backtestFile {
      do {
        page.service = try await backtestCache.value(backtest)[sku] ?? []
      } catch {
        page.serviceNote = "the policy backtest could not be read: \(error)"
      }
    } else {
      page.serviceNote = "no policy backtest: give the plan configuration a [report] backtest (the file `replenish simulate --out` writes)"
    }
    return Self.html(page.html())
  }

  static func html(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
    Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store",
                                       HTTPField.Name("Content-Security-Policy")!: "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'"],
             body: .init(byteBuffer: ByteBuffer(string: text)))
  }

  static func redirect(_ location: String) -> Response {
    Response(status: .seeOther, headers: [.location: location, .cacheControl: "no-store"])
  }
}

extension Problem {
  static let csrf = Problem(status: 403, code: "CSRF_TOKEN_INVALID", title: "Form expired", detail: "the form's token does not match this session; reload the page and try again")
}
