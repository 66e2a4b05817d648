import Foundation
import Ledger
import Testing

@testable import Planning

/// Releasing a plan's lines: selection, the buyer's edits rounded by the line's order rules, the plan id,
/// and the PO documents. Hand-worked: line A suggests 24 with MOQ 10, case pack 12 and multiple 1 (step 12).
@Suite("Purchase release: selection, edits, documents")
struct PurchaseReleaseTests {
  static func line(_ sku: String, _ location: String = "WH", supplier: String = "S1", quantity: Double, moq: Int = 1, casePack: Int = 1,
                   multiple: Int = 1, status: SuggestedLine.Status = .suggested, cost: Double? = 2) -> SuggestedLine {
    SuggestedLine(
      sku: sku, location: location, supplier: supplier, abc: .A, quantity: quantity, unitCost: cost, unitCostSource: "item master",
      lineValue: quantity * (cost ?? 0), expectedArrivalDay: 20_000, position: 0, demandPerDay: 1, exposureDemand: 21, sigmaExposure: 3, safetyStock: 5,
      quantileMethod: "normal", reorderPoint: 26, orderUpTo: 40, rawNeed: quantity, coveredByTransfer: 0, rounding: "", expectedShortageUnits: 2,
      priority: 1, status: status, notes: [], description: "item \(sku)", moq: moq, casePack: casePack, orderMultiple: multiple)
  }

  static func plan() -> PurchasePlan {
    let s1 = [line("A", quantity: 24, moq: 10, casePack: 12), line("C", quantity: 18)]
    let s2 = [line("B", supplier: "S2", quantity: 100, cost: 1)]
    let orders = [
      SuggestedPurchaseOrder(id: "PO-2024-03-24-S1-WH", supplier: "S1", location: "WH", total: 84, minimumOrderValue: nil, lines: s1, notes: []),
      SuggestedPurchaseOrder(id: "PO-2024-03-24-S2-WH", supplier: "S2", location: "WH", total: 100, minimumOrderValue: 100, lines: s2, notes: []),
    ]
    let deferred = [line("D", supplier: "S1", quantity: 8, status: .deferredBudget), line("A", "WH2", quantity: 12, status: .deferredBudget)]
    return PurchasePlan(planID: PurchasePlanner.planID(asOf: "2024-03-24", orders: orders, deferred: deferred), asOf: "2024-03-24", orders: orders,
                        deferred: deferred, transfers: [], overstock: [], budget: 200, spend: 184)
  }

  @Test("An edit is rounded up to the MOQ, then to whole steps of lcm(case pack, multiple); 0 and above 10× are refused")
  func edits() throws {
    let a = Self.line("A", quantity: 24, moq: 10, casePack: 12)
    #expect(try PurchaseReleasing.edited(30, line: a) == (36, "buyer set 30 → 36 (MOQ 10, case pack 12, multiple 1; suggested 24)"))
    #expect(try PurchaseReleasing.edited(5, line: a).quantity == 12, "MOQ 10 first, then a case of 12")
    #expect(try PurchaseReleasing.edited(48, line: a) == (48, "buyer set 48 (suggested 24)"))
    #expect(try PurchaseReleasing.edited(24, line: a) == (24, ""), "the suggestion as it was: no adjustment")
    let multiple = Self.line("M", quantity: 12, casePack: 4, multiple: 6)
    #expect(try PurchaseReleasing.edited(13, line: multiple).quantity == 24, "lcm(4, 6) = 12")
    #expect(throws: PurchaseReleasing.Problem.self) { try PurchaseReleasing.edited(0, line: a) }
    #expect(try PurchaseReleasing.edited(240, line: a).quantity == 240)
    do {
      _ = try PurchaseReleasing.edited(241, line: a)
      Issue.record("241 > 10 × 24 must be refused")
    } catch {
      #expect(error.kind == .invalidQuantity && error.message.contains("at most 240"))
    }
  }

  @Test("Selections: all and supplier take suggested lines; lines by id or SKU take deferred ones too; edits follow their lines")
  func selections() throws {
    let plan = Self.plan()
    let all = try PurchaseReleasing.releases(plan: plan, selection: .all, releasedBy: "anna")
    #expect(all.map(\.lineID) == ["A@WH", "C@WH", "B@WH"])
    #expect(all.allSatisfy { $0.planID == plan.planID && $0.releasedBy == "anna" && $0.adjustment.isEmpty })
    #expect(all[0].po == "PO-2024-03-24-S1-WH" && all[0].quantity == 24 && all[0].unitCostMicros == 2_000_000)
    #expect(try PurchaseReleasing.releases(plan: plan, selection: .supplier("S2"), releasedBy: "anna").map(\.lineID) == ["B@WH"])
    let named = try PurchaseReleasing.releases(plan: plan, selection: .lines(["C", "D", "A@WH2"]), edits: ["D": 9], releasedBy: "ben")
    #expect(named.map(\.lineID) == ["C@WH", "D@WH", "A@WH2"])
    #expect(named[1].po == "PO-2024-03-24-S1-WH" && named[1].quantity == 9 && named[1].suggestedQuantity == 8 && named[1].adjustment == "buyer set 9 (suggested 8)")
    #expect(named[2].po == "PO-2024-03-24-S1-WH2", "a deferred line gets the PO of its supplier and ship-to")
    func problem(_ body: () throws -> Void) -> PurchaseReleasing.Problem.Kind? {
      do { try body() } catch { return (error as? PurchaseReleasing.Problem)?.kind }
      return nil
    }
    #expect(problem { _ = try PurchaseReleasing.releases(plan: plan, selection: .lines(["A"]), releasedBy: "x") } == .ambiguousLine)
    #expect(problem { _ = try PurchaseReleasing.releases(plan: plan, selection: .lines(["Z"]), releasedBy: "x") } == .unknownLine)
    #expect(problem { _ = try PurchaseReleasing.releases(plan: plan, selection: .supplier("S9"), releasedBy: "x") } == .unknownSupplier)
    #expect(problem { _ = try PurchaseReleasing.releases(plan: plan, selection: .lines(["C"]), edits: ["B": 5], releasedBy: "x") } == .unknownLine)
  }

  @Test("The plan id is the same for the same lines and changes with any quantity")
  func planID() {
    let plan = Self.plan()
    #expect(plan.planID.hasPrefix("plan-2024-03-24-") && plan.planID.count == "plan-2024-03-24-".count + 16)
    #expect(PurchasePlanner.planID(asOf: plan.asOf, orders: plan.orders, deferred: plan.deferred) == plan.planID)
    var changed = plan.orders
    changed[0].lines[1].quantity = 19
    #expect(PurchasePlanner.planID(asOf: plan.asOf, orders: changed, deferred: plan.deferred) != plan.planID)
    #expect(PurchasePlanner.planID(asOf: "2024-03-25", orders: plan.orders, deferred: plan.deferred) != plan.planID)
  }

  @Test("PO documents: one per PO from the release records, lines in SKU order, totals, HTML escaped")
  func documents() throws {
    var plan = Self.plan()
    plan.orders[0].lines[1].description = "Mug <large> & \"red\""
    let releases = try PurchaseReleasing.releases(plan: plan, selection: .all, edits: ["A@WH": 30], releasedBy: "anna")
    let records = releases.enumerated().map { ReleaseRecord(release: $1, releasedAt: 1_711_274_400_000, eventID: Int64($0 + 1)) }
    let documents = PurchaseReleasing.documents(plan: plan, released: records)
    #expect(documents.map(\.po) == ["PO-2024-03-24-S1-WH", "PO-2024-03-24-S2-WH"])
    let rows = documents[0].csv.split(separator: "\n")
    #expect(rows.count == 3)
    #expect(rows[1].hasPrefix("PO-2024-03-24-S1-WH,S1,WH,1,A,item A,36,2.00,72.00,"))
    #expect(rows[2].contains(",C,\"Mug <large> & \"\"red\"\"\",18,2.00,36.00,"))
    #expect(documents[0].html.contains("Mug &lt;large&gt; &amp; &quot;red&quot;") && documents[0].html.contains("<td class=n>108.00</td>"))
    #expect(documents[0].html.contains("buyer set 30 → 36"))
  }
}
