import Foundation
import HTTPTypes
import Hummingbird
import Ledger
import Planning
import TimeSeries

/// A value read from a file, read again only when the file's modification time or size changes (the plan,
/// its forecasts and the policy backtest are rewritten by a re-plan, and read on every page).
final class FileCache<Value: Sendable>: @unchecked Sendable {
  private let read: @Sendable (String) throws -> Value
  private var cached: [String: (modified: Date, size: Int, value: Value)] = [:]
  private let lock = NSLock()

  init(read: @escaping @Sendable (String) throws -> Value) { self.read = read }

  /// The file's value, read off the event loops when it changed.
  func value(_ path: String) async throws -> Value {
    try await blocking {
      let attributes = try? FileManager.default.attributesOfItem(atPath: path)
      let modified = attributes?[.modificationDate] as? Date ?? .distantPast
      let size = (attributes?[.size] as? NSNumber)?.intValue ?? -1
      if let hit = self.lock.withLock({ self.cached[path] }), hit.modified == modified, hit.size == size { return hit.value }
      let value = try self.read(path)
      self.lock.withLock { self.cached[path] = (modified, size, value) }
      return value
    }
  }
}

/// The plan the server offers buyers (`replenish serve --plan DIR`): the folder `replenish plan` wrote,
/// read again whenever its po_suggestions.json changes.
final class PlanSource: Sendable {
  let folder: String?
  private let file = FileCache { path in try PurchaseReleasing.readPlan(folder: (path as NSString).deletingLastPathComponent) }

  init(folder: String?) { self.folder = folder }

  /// The current plan; 404 `NO_PLAN` when the server has none, 503 `PLAN_UNREADABLE` when its file is bad
  /// (the operator's problem, not the client's).
  func current() async throws -> PurchasePlan {
    guard let folder else {
      throw Problem(status: 404, code: "NO_PLAN", title: "No plan", detail: "this server offers no plan; start it with --plan DIR (the folder `replenish plan` wrote)")
    }
    do {
      return try await file.value((folder as NSString).appendingPathComponent("po_suggestions.json"))
    } catch {
      throw Problem(status: 503, code: "PLAN_UNREADABLE", title: "The plan cannot be read", detail: "\(error)")
    }
  }

  /// The current plan, which must be `id`: a buyer acting on an older plan is told to reload.
  func plan(_ id: String) async throws -> PurchasePlan {
    let plan = try await current()
    guard plan.planID == id else {
      throw Problem(status: 409, code: "PLAN_SUPERSEDED", title: "Not the current plan",
                    detail: "plan \(JSONFields.excerpt(id)) is not the current plan \(plan.planID); read GET /v1/plans/current again")
    }
    return plan
  }
}

/// How a release request chooses its lines.
enum ReleaseScope: String, CaseIterable, Sendable { case all, supplier, lines }

extension StockAPI {
  func planRoutes(_ router: RouteTable) {
    router.get("/v1/plans/current") { request, _ in
      _ = try await self.authenticate(request, .inventoryRead)
      let plan = try await self.plans.current()
      let ledger = self.ledger
      let released = try await blocking { try ledger.releases(planID: plan.planID) }
      return Self.response(PlanBody(plan, released: released))
    }
    router.post("/v1/plans/{plan}/releases") { request, context in
      try await self.release(request, planID: try context.parameters.require("plan"))
    }
    router.get("/v1/plans/{plan}/purchase-orders/{po}") { request, context in
      _ = try await self.authenticate(request, .inventoryRead)
      let plan = try await self.plans.plan(try context.parameters.require("plan"))
      let po = try context.parameters.require("po")
      let q = try Query(request, allowed: ["format"])
      let ledger = self.ledger
      let released = try await blocking { try ledger.releases(planID: plan.planID) }.filter { $0.release.po == po }
      guard let document = PurchaseReleasing.documents(plan: plan, released: released).first else {
        throw Problem(status: 404, code: "UNKNOWN_PO", title: "No such purchase order", detail: "plan \(plan.planID) has no released lines on PO \(JSONFields.excerpt(po))")
      }
      switch q["format"] ?? "html" {
      case "html": return Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: document.html)))
      case "csv": return Response(status: .ok, headers: [.contentType: "text/csv; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: document.csv)))
      case let other: throw Problem.query("format", other, "html or csv")
      }
    }
  }

  /// `POST /v1/plans/{plan}/releases`: `{select: all|supplier|lines, supplier?, lines?: [{line_id, quantity?}]}`.
  /// Each line is ordered once whoever releases it; the released lines are recorded with the key's channel.
  func release(_ request: Request, planID: String) async throws -> Response {
    var request = request
    let principal = try await authenticate(request, .inventoryWrite)
    let key = try Self.idempotencyKey(request)
    let (bytes, json) = try await body(&request)
    var f = try JSONFields(json, pointer: "")
    let scope = try f.choice("select", ReleaseScope.self)!
    var selection = PurchaseReleasing.Selection.all
    var edits: [String: Int] = [:]
    var pointers: [String: String] = [:]
    switch scope {
    case .all: break
    case .supplier: selection = .supplier(try f.string("supplier")!)
    case .lines:
      let lines = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
        let id = try l.string("line_id")!
        let quantity = try l.integer("quantity", required: false, in: 1...maximumEventQuantity)
        return (l.pointer, id, quantity)
      }!
      for (pointer, id, quantity) in lines {
        pointers[id] = pointer
        if let quantity { edits[id] = quantity }
      }
      selection = .lines(lines.map(\.1))
    }
    try f.finish()
    let plan = try await plans.plan(planID)
    let releases: [PurchaseRelease]
    do {
      releases = try PurchaseReleasing.releases(plan: plan, selection: selection, edits: edits, releasedBy: principal.channel)
    } catch {
      let pointer = error.line.flatMap { pointers[$0] }.map { $0 + (error.kind == .invalidQuantity ? "/quantity" : "/line_id") } ?? (scope == .supplier ? "/supplier" : "")
      var p = Problem(BodyError(kind: error.kind == .invalidQuantity ? .invalidQuantity : .invalidValue, pointer: pointer, value: error.value, message: error.message))
      p.code = error.kind.rawValue
      throw p
    }
    let submitted = WriteRequest(source: principal.channel, key: key, fingerprint: Self.fingerprint(request, bytes), events: [], atomicity: .perEvent,
                                 releases: releases) { outcome in Self.renderRelease(planID: plan.planID, outcome) }
    return try await submit(submitted) { stored in if stored.appliedEvents > 0 { self.metrics.released(lines: stored.appliedEvents) } }
  }

  /// 201 when a line was ordered now, 200 when every line had been released before, 409
  /// `RELEASE_REFUSED` (with each refused line) when nothing was ordered and the ledger refused a line.
  static func renderRelease(planID: String, _ outcome: WriteOutcome) -> StoredResponse {
    let results = outcome.releases.map(ReleaseResult.init)
    let releasedNow = results.filter { $0.status == "released" }.count
    let refused = results.filter { $0.status == "refused" }
    if releasedNow == 0, let first = refused.first {
      var p = Problem(status: 409, code: "RELEASE_REFUSED", title: "Release refused",
                      detail: "\(refused.count) of \(results.count) lines refused, none released now; first: \(first.lineID): \(first.detail ?? "")")
      p.errors = refused.map { Problem.Item(pointer: "/lines", code: $0.code ?? "REFUSED", detail: "\($0.lineID): \($0.detail ?? "")", value: $0.lineID) }
      return stored(p)
    }
    let body = ReleaseResponse(planID: planID, results: results, inventoryLevels: outcome.levels)
    return StoredResponse(status: releasedNow > 0 ? 201 : 200, body: json(body), appliedEvents: releasedNow)
  }
}

struct ReleaseResult: Encodable {
  var lineID: String
  var status: String
  var po: String?
  var quantity: Int?
  var suggestedQuantity: Int?
  var adjustment: String?
  var releasedBy: String?
  var releasedAt: String?
  var code: String?
  var detail: String?

  init(_ outcome: ReleaseOutcome) {
    lineID = outcome.lineID
    switch outcome {
    case .released(let r), .alreadyReleased(let r):
      if case .released = outcome { status = "released" } else { status = "already_released" }
      (po, quantity, suggestedQuantity, adjustment) = (r.release.po, r.release.quantity, r.release.suggestedQuantity, r.release.adjustment)
      (releasedBy, releasedAt) = (r.release.releasedBy, LedgerText.iso(r.releasedAt))
    case .refused(_, let error):
      status = "refused"
      (code, detail) = (error.code.rawValue.uppercased(), error.message)
    }
  }

  enum CodingKeys: String, CodingKey {
    case lineID = "line_id", status, po, quantity, suggestedQuantity = "suggested_quantity", adjustment, releasedBy = "released_by"
    case releasedAt = "released_at", code, detail
  }
}

struct ReleaseResponse: Encodable {
  var planID: String
  var results: [ReleaseResult]
  var inventoryLevels: [InventoryLevel]
  enum CodingKeys: String, CodingKey { case planID = "plan_id", results, inventoryLevels = "inventory_levels" }
}

/// The plan as buyers see it: every line with its derivation and what was released.
struct PlanBody: Encodable {
  struct Line: Encodable {
    var lineID: String
    var po: String
    var supplier: String
    var sku: String
    var description: String
    var location: String
    var abcClass: String
    var status: String
    var quantity: Int
    var unitCost: Double?
    var lineValue: Double
    var priority: Double
    var expectedArrival: String
    var position: Double
    var demandPerDay: Double
    var forecastOverExposure: Double
    var sigmaExposure: Double
    var safetyStock: Double
    var reorderPoint: Double
    var orderUpTo: Double
    var quantileMethod: String
    var rounding: String
    var expectedShortageUnits: Double
    var moq: Int
    var casePack: Int
    var orderMultiple: Int
    var notes: [String]
    var released: ReleaseResult?

    enum CodingKeys: String, CodingKey {
      case lineID = "line_id", po, supplier, sku, description, location, abcClass = "class", status, quantity, unitCost = "unit_cost", lineValue = "line_value"
      case priority, expectedArrival = "expected_arrival", position, demandPerDay = "demand_per_day", forecastOverExposure = "forecast_over_exposure"
      case sigmaExposure = "sigma_exposure", safetyStock = "safety_stock", reorderPoint = "reorder_point", orderUpTo = "order_up_to"
      case quantileMethod = "quantile_method", rounding, expectedShortageUnits = "expected_shortage_units", moq, casePack = "case_pack"
      case orderMultiple = "order_multiple", notes, released
    }
  }

  var planID: String
  var asOf: String
  var budget: Double?
  var spend: Double
  var lines: [Line]
  enum CodingKeys: String, CodingKey { case planID = "plan_id", asOf = "as_of", budget, spend, lines }

  init(_ plan: PurchasePlan, released: [ReleaseRecord]) {
    let byLine = Dictionary(released.map { ($0.release.lineID, $0) }, uniquingKeysWith: { a, _ in a })
    (planID, asOf, budget, spend) = (plan.planID, plan.asOf, plan.budget, plan.spend)
    lines = PurchaseReleasing.lines(of: plan).map { p in
      let l = p.line
      let r = byLine[l.lineID]
      return Line(
        lineID: l.lineID, po: p.po, supplier: l.supplier, sku: l.sku, description: l.description, location: l.location, abcClass: l.abc.rawValue,
        status: r == nil ? l.status.rawValue : "released", quantity: Int(l.quantity.rounded()), unitCost: l.unitCost, lineValue: l.lineValue, priority: l.priority,
        expectedArrival: CivilDate(dayNumber: l.expectedArrivalDay).description, position: l.position, demandPerDay: l.demandPerDay,
        forecastOverExposure: l.exposureDemand, sigmaExposure: l.sigmaExposure, safetyStock: l.safetyStock, reorderPoint: l.reorderPoint, orderUpTo: l.orderUpTo,
        quantileMethod: l.quantileMethod, rounding: l.rounding, expectedShortageUnits: l.expectedShortageUnits, moq: l.moq, casePack: l.casePack,
        orderMultiple: l.orderMultiple, notes: l.notes, released: r.map { ReleaseResult(.alreadyReleased($0)) })
    }
  }
}
