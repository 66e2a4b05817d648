import Foundation
import HummingbirdTesting
import Ledger
import Testing

@testable import Planning
@testable import StockService

/// Releasing a plan's suggestions over HTTP (`/v1/plans/…`): the plan read, lines released once whoever
/// and however often they are released, edits rounded, bad input refused with nothing changed.
@Suite("Stock service: releasing plan lines")
struct PlanReleaseAPITests {
  static func line(_ sku: String, _ location: String = "WH1", supplier: String, quantity: Double, casePack: Int = 1,
                   status: SuggestedLine.Status = .suggested) -> SuggestedLine {
    SuggestedLine(
      sku: sku, location: location, supplier: supplier, abc: .A, quantity: quantity, unitCost: 2, unitCostSource: "item master", lineValue: quantity * 2,
      expectedArrivalDay: 20_000, position: 3, demandPerDay: 1, exposureDemand: 21, sigmaExposure: 3, safetyStock: 5, quantileMethod: "normal",
      reorderPoint: 26, orderUpTo: 40, rawNeed: quantity, coveredByTransfer: 0, rounding: "", expectedShortageUnits: 2, priority: 1, status: status,
      notes: [], description: "item \(sku)", moq: 1, casePack: casePack, orderMultiple: 1)
  }

  /// A@WH1 24 (case 12) and C@WH1 18 from S1, B@WH1 10 from S2, the kit K@WH1 4 from S3 (the ledger
  /// refuses to buy a kit), and C@WH2 6 deferred by the budget.
  static func writePlan(into folder: String) throws -> PurchasePlan {
    let orders = [
      SuggestedPurchaseOrder(id: "PO-2026-12-01-S1-WH1", supplier: "S1", location: "WH1", total: 84, minimumOrderValue: nil,
                             lines: [line("A", supplier: "S1", quantity: 24, casePack: 12), line("C", supplier: "S1", quantity: 18)], notes: []),
      SuggestedPurchaseOrder(id: "PO-2026-12-01-S2-WH1", supplier: "S2", location: "WH1", total: 20, minimumOrderValue: nil,
                             lines: [line("B", supplier: "S2", quantity: 10)], notes: []),
      SuggestedPurchaseOrder(id: "PO-2026-12-01-S3-WH1", supplier: "S3", location: "WH1", total: 8, minimumOrderValue: nil,
                             lines: [line("K", supplier: "S3", quantity: 4)], notes: []),
    ]
    let deferred = [line("C", "WH2", supplier: "S1", quantity: 6, status: .deferredBudget)]
    let plan = PurchasePlan(planID: PurchasePlanner.planID(asOf: "2026-12-01", orders: orders, deferred: deferred), asOf: "2026-12-01", orders: orders,
                            deferred: deferred, transfers: [], overstock: [], budget: 120, spend: 112)
    try PlanTables.json(plan).write(toFile: folder + "/po_suggestions.json", atomically: true, encoding: .utf8)
    return plan
  }

  @Test("Read the plan, release by line with an edit, by supplier and all; again changes nothing; documents per PO")
  func release() async throws {
    let f = try ServiceFixture().offering(planIn: { try Self.writePlan(into: $0) })
    defer { f.remove() }
    let plan = try PurchaseReleasing.readPlan(folder: f.folder)
    let releases = "/v1/plans/\(plan.planID)/releases"
    try await f.application().test(.router) { client in
      let current = try await client.call(.get, "/v1/plans/current", key: f.readOnly)
      #expect(current.status == 200 && current.json["plan_id"] as? String == plan.planID)
      let lines = current.json["lines"] as? [[String: Any]] ?? []
      #expect(lines.map { $0["line_id"] as? String } == ["A@WH1", "C@WH1", "B@WH1", "K@WH1", "C@WH2"])
      #expect(lines.last?["status"] as? String == "deferred-budget" && lines.last?["po"] as? String == "PO-2026-12-01-S1-WH2")

      // A channel key without inventory:write may read the plan but not release it.
      let denied = try await client.call(.post, releases, key: f.shopify, idempotency: "r-0", json: #"{"select":"all"}"#)
      #expect(denied.status == 403)

      // One line with an edit: 30 → 36 (case pack 12).
      let one = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-1",
                                      json: #"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":30}]}"#)
      #expect(one.status == 201, "\(one.text)")
      let result = (one.json["results"] as? [[String: Any]])?.first
      #expect(result?["status"] as? String == "released" && result?["quantity"] as? Int == 36 && result?["released_by"] as? String == "warehouse")
      #expect((result?["adjustment"] as? String)?.contains("30 → 36") == true)
      #expect(try f.incoming("A") == 36)
      let replay = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-1",
                                         json: #"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":30}]}"#)
      #expect(replay.status == 201 && replay.text == one.text && replay.headers[.init("Idempotent-Replayed")!] == "true")

      // A supplier: S1's suggested lines (A already released, C now); the deferred C@WH2 is not included.
      let s1 = try await client.call(.post, releases, key: f.admin, idempotency: "r-2", json: #"{"select":"supplier","supplier":"S1"}"#)
      #expect(s1.status == 201)
      #expect((s1.json["results"] as? [[String: Any]])?.map { $0["status"] as? String } == ["already_released", "released"])
      #expect(try f.incoming("A") == 36)
      #expect(try f.incoming("C") == 18)
      #expect(try f.incoming("C", "WH2") == 0)

      // The kit line alone: the ledger refuses it, nothing is released → 409 with the line.
      let kit = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-3", json: #"{"select":"lines","lines":[{"line_id":"K@WH1"}]}"#)
      #expect(kit.status == 409 && kit.code == "RELEASE_REFUSED" && kit.text.contains("KIT_NOT_ALLOWED"), "\(kit.text)")

      // All: B now, the kit refused again (a refusal is not recorded), A and C as before.
      let all = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-4", json: #"{"select":"all"}"#)
      #expect(all.status == 201)
      #expect((all.json["results"] as? [[String: Any]])?.map { $0["status"] as? String } == ["already_released", "already_released", "released", "refused"])
      #expect(try f.incoming("B") == 10)
      // Everything again under a new key: nothing changes, 200.
      let deferred = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-5", json: #"{"select":"lines","lines":[{"line_id":"C@WH2"}]}"#)
      #expect(deferred.status == 201)
      #expect(try f.incoming("C", "WH2") == 6)
      let again = try await client.call(.post, releases, key: f.warehouse, idempotency: "r-6", json: #"{"select":"lines","lines":[{"line_id":"A"},{"line_id":"B@WH1"}]}"#)
      #expect(again.status == 200, "\(again.text)")

      let after = try await client.call(.get, "/v1/plans/current", key: f.readOnly)
      let released = (after.json["lines"] as? [[String: Any]] ?? []).map { $0["status"] as? String }
      #expect(released == ["released", "released", "released", "suggested", "released"])

      let html = try await client.call(.get, "/v1/plans/\(plan.planID)/purchase-orders/PO-2026-12-01-S1-WH1", key: f.readOnly)
      #expect(html.status == 200 && html.contentType?.hasPrefix("text/html") == true && html.text.contains("<td class=n>36</td>"))
      let csv = try await client.call(.get, "/v1/plans/\(plan.planID)/purchase-orders/PO-2026-12-01-S1-WH1?format=csv", key: f.readOnly)
      #expect(csv.status == 200 && csv.text.split(separator: "\n").count == 3)
      let missing = try await client.call(.get, "/v1/plans/\(plan.planID)/purchase-orders/PO-9?format=csv", key: f.readOnly)
      #expect(missing.status == 404 && missing.code == "UNKNOWN_PO")
    }
    try #require(try f.ledger.verify().checks.allSatisfy { $0.violations == 0 })
  }

  @Test("Two buyers release the same line at once under different keys: it is ordered once")
  func concurrent() async throws {
    let f = try ServiceFixture().offering(planIn: { try Self.writePlan(into: $0) })
    defer { f.remove() }
    let plan = try PurchaseReleasing.readPlan(folder: f.folder)
    try await f.application().test(.router) { client in
      let replies = try await withThrowingTaskGroup(of: Reply.self) { group in
        for k in 0..<6 {
          group.addTask {
            try await client.call(.post, "/v1/plans/\(plan.planID)/releases", key: k.isMultiple(of: 2) ? f.warehouse : f.admin, idempotency: "c-\(k)",
                                  json: #"{"select":"lines","lines":[{"line_id":"C@WH1","quantity":\#(18 + k)}]}"#)
          }
        }
        var all: [Reply] = []
        for try await r in group { all.append(r) }
        return all
      }
      #expect(replies.filter { $0.status == 201 }.count == 1, "\(replies.map(\.text))")
      #expect(replies.filter { $0.status == 200 }.count == 5, "\(replies.map { "\($0.status) \($0.text.prefix(300))" })")
      let record = try f.ledger.releases(planID: plan.planID)
      #expect(record.count == 1)
      #expect(try f.incoming("C") == record.first?.release.quantity)
    }
  }

  @Test("Bad release input: each gets its own 4xx naming the field, and nothing changes")
  func badInput() async throws {
    let f = try ServiceFixture().offering(planIn: { try Self.writePlan(into: $0) })
    defer { f.remove() }
    let plan = try PurchaseReleasing.readPlan(folder: f.folder)
    let path = "/v1/plans/\(plan.planID)/releases"
    try await f.application().test(.router) { client in
      let cases: [(body: String, status: Int, code: String, pointer: String)] = [
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":0}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":-3}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":2.5}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":"12"}]}"#, 422, "INVALID_TYPE", "/lines/0/quantity"),
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","quantity":241}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"select":"lines","lines":[{"line_id":"ZZ@WH1"}]}"#, 422, "UNKNOWN_LINE", "/lines/0/line_id"),
        (#"{"select":"supplier","supplier":"S9"}"#, 422, "UNKNOWN_SUPPLIER", "/supplier"),
        (#"{"select":"everything"}"#, 422, "INVALID_VALUE", "/select"),
        (#"{"select":"all","lines":[]}"#, 422, "UNKNOWN_FIELD", "/lines"),
        (#"{"select":"lines","lines":[{"line_id":"A@WH1","qty":3}]}"#, 422, "UNKNOWN_FIELD", "/lines/0/qty"),
        (#"{"select":"all""#, 400, "MALFORMED_JSON", ""),
      ]
      for (k, c) in cases.enumerated() {
        let reply = try await client.call(.post, path, key: f.warehouse, idempotency: "bad-\(k)", json: c.body)
        #expect(reply.status == c.status && reply.code == c.code, "\(c.body) → \(reply.status) \(reply.text)")
        let pointer = (reply.json["errors"] as? [[String: Any]])?.first?["pointer"] as? String
        #expect(pointer == c.pointer, "\(c.body) → \(reply.text)")
      }
      let stale = try await client.call(.post, "/v1/plans/plan-2026-11-24-0000000000000000/releases", key: f.warehouse, idempotency: "stale", json: #"{"select":"all"}"#)
      #expect(stale.status == 409 && stale.code == "PLAN_SUPERSEDED")
      let noKey = try await client.call(.post, path, key: f.warehouse, json: #"{"select":"all"}"#)
      #expect(noKey.status == 400 && noKey.code == "IDEMPOTENCY_KEY_MISSING")
      #expect(try f.ledger.releases(planID: plan.planID).isEmpty)
      #expect(try f.incoming("A") == 0)
    }
  }

  @Test("Without --plan the plan endpoints answer 404 NO_PLAN")
  func noPlan() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let reply = try await client.call(.get, "/v1/plans/current", key: f.readOnly)
      #expect(reply.status == 404 && reply.code == "NO_PLAN" && reply.contentType == "application/problem+json")
    }
  }
}

extension ServiceFixture {
  /// Incoming units at a location (0 where the SKU has no position there yet).
  func incoming(_ sku: String, _ location: String = "WH1") throws -> Int {
    InventoryLevel.levels(try ledger.positions(sku: sku, location: nil, asOf: nil)).first { $0.location == location }?.incoming ?? 0
  }

  /// The fixture with a plan written into its folder and offered by the server (with the inputs that plan
  /// and its scenarios are computed from, when given).
  func offering(planIn write: (String) throws -> PurchasePlan, inputs: PlanInputs? = nil) throws -> ServiceFixture {
    var f = self
    _ = try write(folder)
    f.settings.planFolder = folder
    if let inputs { f.settings.planInputs = { inputs } }
    return f
  }
}
