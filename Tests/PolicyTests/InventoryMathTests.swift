import CSV
import Statistics
import Foundation
import Testing
import TestSupport

@testable import Policy

/// Rows of `Fixtures/stockpyl_reference.csv` (stockpyl 1.0.2; see `stockpyl-fixtures.py`).
struct StockpylCase {
  let function: String
  let inputs: [String: Double]
  let outputs: [String: Double]

  static let all: [StockpylCase] = {
    let url = Bundle.module.url(forResource: "Fixtures/stockpyl_reference", withExtension: "csv")!
    let text = try! String(contentsOf: url, encoding: .utf8)
    func parse(_ s: String) -> [String: Double] {
      Dictionary(uniqueKeysWithValues: s.split(separator: ";").map { pair in
        let kv = pair.split(separator: "=")
        return (String(kv[0]), Double(kv[1])!)
      })
    }
    return text.split(separator: "\n").dropFirst().map { line in
      let f = line.split(separator: ",", maxSplits: 2).map(String.init)
      return StockpylCase(function: f[0], inputs: parse(f[1]), outputs: parse(f[2]))
    }
  }()

  static func of(_ function: String) -> [StockpylCase] { all.filter { $0.function == function } }
}

func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-6) -> Bool { abs(a - b) <= tolerance * max(1, abs(b)) }

@Suite("Inventory arithmetic against stockpyl 1.0.2 (tolerance 1e-6 relative)")
struct InventoryMathTests {
  @Test("EOQ quantity and cost")
  func eoq() {
    for c in StockpylCase.of("eoq") {
      let (q, cost) = InventoryMath.economicOrderQuantity(orderCost: c.inputs["K"]!, holdingCost: c.inputs["h"]!, demandRate: c.inputs["demand_rate"]!)
      #expect(close(q, c.outputs["Q"]!) && close(cost, c.outputs["cost"]!), "\(c.inputs)")
    }
    #expect(StockpylCase.of("eoq").count == 4)
  }

  @Test("Standard normal loss and its inverse (fill-rate safety factor)")
  func normalLoss() {
    for c in StockpylCase.of("standard_normal_loss") {
      let (l, lBar) = InventoryMath.standardNormalLoss(c.inputs["z"]!)
      #expect(close(l, c.outputs["loss"]!, 1e-7) && abs(lBar - c.outputs["complementary"]!) < 1e-7, "z = \(c.inputs["z"]!)")
      #expect(abs(InventoryMath.inverseStandardNormalLoss(l) - c.inputs["z"]!) < 1e-6)
    }
    // Silver, Pyke & Thomas table: G(k) = 0.0833 at k = 1.00.
    #expect(abs(InventoryMath.standardNormalLoss(1).loss - 0.0833) < 5e-5)
  }

  @Test("Poisson loss")
  func poissonLoss() {
    for c in StockpylCase.of("poisson_loss") {
      let (n, nBar) = InventoryMath.poissonLoss(Int(c.inputs["x"]!), mean: c.inputs["mean"]!)
      #expect(abs(n - c.outputs["loss"]!) < 1e-9 && abs(nBar - c.outputs["complementary"]!) < 1e-9, "\(c.inputs)")
    }
  }

  @Test("Newsvendor base-stock levels, normal and Poisson")
  func newsvendor() {
    for c in StockpylCase.of("newsvendor_normal") {
      let (s, cost) = InventoryMath.newsvendorNormal(holdingCost: c.inputs["h"]!, stockoutCost: c.inputs["p"]!, mean: c.inputs["mean"]!, sd: c.inputs["sd"]!)
      #expect(close(s, c.outputs["S"]!) && close(cost, c.outputs["cost"]!), "\(c.inputs)")
    }
    for c in StockpylCase.of("newsvendor_poisson") {
      let (s, cost) = InventoryMath.newsvendorPoisson(holdingCost: c.inputs["h"]!, stockoutCost: c.inputs["p"]!, mean: c.inputs["mean"]!)
      #expect(Double(s) == c.outputs["S"]! && close(cost, c.outputs["cost"]!), "\(c.inputs)")
    }
  }

  @Test("(r, Q): EOQ + safety stock approximation and the exact Poisson optimum (Federgruen–Zheng)")
  func reorderPointQuantity() {
    for c in StockpylCase.of("rq_eoqss") {
      let (r, q) = InventoryMath.reorderPointEOQSS(holdingCost: c.inputs["h"]!, stockoutCost: c.inputs["p"]!, orderCost: c.inputs["K"]!,
                                                   demandRate: c.inputs["mean"]!, demandSD: c.inputs["sd"]!, leadTime: c.inputs["L"]!)
      #expect(close(r, c.outputs["r"]!) && close(q, c.outputs["Q"]!), "\(c.inputs)")
    }
    for c in StockpylCase.of("rq_poisson_exact") {
      let (r, q, g) = InventoryMath.optimalReorderPointPoisson(holdingCost: c.inputs["h"]!, stockoutCost: c.inputs["p"]!, orderCost: c.inputs["K"]!,
                                                              demandRate: c.inputs["mean"]!, leadTime: c.inputs["L"]!)
      #expect(Double(r) == c.outputs["r"]! && Double(q) == c.outputs["Q"]! && close(g, c.outputs["cost"]!), "\(c.inputs): got \(r), \(q), \(g)")
    }
  }

  @Test("(s, S) for Poisson demand: Zheng–Federgruen optimum and cost")
  func sS() {
    for c in StockpylCase.of("ss_poisson_exact") {
      let (s, S, g) = InventoryMath.optimalSSPoisson(holdingCost: c.inputs["h"]!, stockoutCost: c.inputs["p"]!, orderCost: c.inputs["K"]!, mean: c.inputs["mean"]!)
      #expect(Double(s) == c.outputs["s"]! && Double(S) == c.outputs["S"]! && close(g, c.outputs["cost"]!), "\(c.inputs): got \(s), \(S), \(g)")
    }
  }
}

@Suite("Safety stock and reorder policies")
struct PolicyCalculatorTests {
  func demand(_ d: Double, _ sigma: Double, pattern: DemandPattern = .smooth) -> DemandEstimate {
    DemandEstimate(sku: "X", periodDays: 7, meanPerPeriod: d, sigmaPerPeriod: sigma, sigmaSource: "test", pattern: pattern)
  }

  @Test("Cycle service: SS = z·√(E·σ² + d²·σ_L²); ROP = d·E + SS (hand-checked)")
  func cycleService() {
    var item = Item(sku: "X")
    item.leadTimeDays = 14
    item.reviewPeriodDays = 7
    item.leadTimeSDDays = 7
    item.safetyStockMethod = .cycleService
    let r = PolicyCalculator.compute(item: item, demand: demand(100, 20), serviceLevel: 0.95, serviceLevelSource: "test")
    // E = 3 weeks; σ_L = 1 week → σ_E = √(3·400 + 10000·1) = √11200 = 105.830…
    #expect(abs(r.sigmaExposure - 11200.0.squareRoot()) < 1e-9)
    #expect(abs(r.safetyStock - 1.6448536269514722 * 11200.0.squareRoot()) < 1e-6)
    #expect(abs(r.reorderPoint - (300 + r.safetyStock)) < 1e-9)
    #expect(r.orderQuantity == 100 && r.orderUpTo == r.reorderPoint + 100)
  }

  @Test("Fill rate: k solves G(k) = Q(1 − β)/σ (Q = 1000, σ = 100, β = 0.99 → G(k) = 0.1, k ≈ 0.902; table G(0.90) = 0.1004)")
  func fillRate() {
    var item = Item(sku: "X")
    item.leadTimeDays = 7
    item.reviewPeriodDays = 0
    item.safetyStockMethod = .fillRate
    item.moq = 1000
    let r = PolicyCalculator.compute(item: item, demand: demand(10, 100), serviceLevel: 0.99, serviceLevelSource: "test")
    // G(k) = 1000 · 0.01 / 100 = 0.1 → k = 0.9024 (Silver, Pyke & Thomas table B.1: G(0.90) = 0.1004).
    #expect(r.orderQuantity == 1000)
    #expect(abs(InventoryMath.standardNormalLoss(r.safetyFactor!).loss - 0.1) < 1e-9)
    #expect(abs(r.safetyFactor! - 0.9024) < 5e-4)
  }

  @Test("EOQ with MOQ, case pack and order multiple rounding")
  func rounding() {
    var item = Item(sku: "X")
    item.orderCost = 50
    item.unitCost = 4
    item.holdingCostRate = 0.25
    item.casePack = 12
    item.orderMultiple = 8
    item.moq = 30
    let r = PolicyCalculator.compute(item: item, demand: demand(20, 5), serviceLevel: 0.95, serviceLevelSource: "test")
    let annual = 20 * 365.25 / 7
    #expect(abs(r.economicOrderQuantity! - (2 * 50 * annual / 1).squareRoot()) < 1e-9)  // h = 0.25·4 = 1
    // EOQ = √(2·50·1043.57) = 323.05 → ⌈323.05⌉ = 324 ≥ MOQ 30 → next multiple of lcm(12, 8) = 24: 336.
    #expect(r.orderQuantity == 336)
    #expect(PolicyCalculator.roundOrderQuantity(5, item: item) == 48)  // MOQ 30 → 48
  }

  @Test("Distribution method for intermittent demand uses the exposure-demand quantile")
  func distribution() {
    var item = Item(sku: "X")
    item.leadTimeDays = 14
    item.reviewPeriodDays = 7
    item.safetyStockMethod = .distribution
    var d = demand(0.5, 1, pattern: .intermittent)
    d.exposureDemand = ExposureDemand(periods: 3, mean: 1.5, quantiles: [(0.9, 3), (0.95, 4), (0.99, 6)], method: "distribution")
    let r = PolicyCalculator.compute(item: item, demand: d, serviceLevel: 0.95, serviceLevelSource: "test")
    #expect(r.safetyStockMethod == .distribution && r.safetyStock == 2.5 && r.reorderPoint == 4)
  }
}

@Suite("ABC/XYZ classification")
struct ClassificationTests {
  @Test("ABC by value at 80/95 %, XYZ by CV, service level by cell")
  func small() {
    let inputs = [
      ClassificationInput(sku: "a", value: 500, units: 50, periodDemand: [10, 10, 10, 10, 10]),
      ClassificationInput(sku: "b", value: 300, units: 30, periodDemand: [0, 0, 30, 0, 0]),
      ClassificationInput(sku: "c", value: 150, units: 15, periodDemand: [2, 4, 3, 3, 3]),
      ClassificationInput(sku: "d", value: 50, units: 5, periodDemand: [1, 0, 2, 1, 1]),
      ClassificationInput(sku: "e", value: -20, units: -2, periodDemand: [0, 0, 0, 0, 0]),
    ]
    let classes = Dictionary(uniqueKeysWithValues: Classifier().classify(inputs).map { ($0.sku, $0) })
    #expect(classes["a"]!.cell == ClassCell("AX") && classes["b"]!.cell == ClassCell(.A, .Z))  // 50 %, 80 % cumulative
    #expect(classes["c"]!.cell == ClassCell(.B, .X) && classes["d"]!.abc == .C && classes["e"]!.cell.description == "CZ")
    #expect(classes.abcClass(of: "never-sold") == .new)
    #expect(classes["a"]!.serviceLevel == 0.99 && classes["e"]!.serviceLevel == 0.90)
    #expect(abs(classes["b"]!.cv! - 2) < 1e-12)  // sd 12 / mean 6
  }

  @Test("Online Retail net revenue at 80/95 %: A 840 / B 979 / C 2,088 as in the data set notes")
  func onlineRetail() throws {
    let text = try String(contentsOfFile: notebooksData("online_retail_sku_summary.csv"), encoding: .utf8)
    var lines = text.split(separator: "\n").map(String.init)
    let header = splitCSV(lines.removeFirst())
    let skuColumn = header.firstIndex(of: "unique_id")!, valueColumn = header.firstIndex(of: "net_revenue")!
    let inputs = lines.map { line -> ClassificationInput in
      let f = splitCSV(line)
      return ClassificationInput(sku: f[skuColumn], value: Double(f[valueColumn])!, units: 0, periodDemand: [])
    }
    let classes = Classifier().classify(inputs)
    let counts = Dictionary(grouping: classes, by: \.abc).mapValues(\.count)
    #expect(counts[.A] == 840 && counts[.B] == 979 && counts[.C] == 2088, "\(counts)")
  }

  @Test("Transitions: counts, value and the reason for each move")
  func transitions() {
    let previous = [
      PreviousClass(sku: "a", abc: .B, share: 0.1, rank: 3), PreviousClass(sku: "b", abc: .B, share: 0.1, rank: 2),
      PreviousClass(sku: "z", abc: .C, share: 0.01, rank: 9),
    ]
    let current = Classifier().classify([
      ClassificationInput(sku: "a", value: 700, units: 1, periodDemand: [1]),
      ClassificationInput(sku: "b", value: 200, units: 1, periodDemand: [1]),
      ClassificationInput(sku: "n", value: 100, units: 1, periodDemand: [1]),
    ])
    let t = ClassTransition(previous: previous, current: current)
    #expect(t.counts[.B]?[.A]?.skus == 1 && t.counts[.B]?[.B]?.skus == 1 && t.counts[nil]?[.C]?.skus == 1 && t.counts[.C]?[nil]?.skus == 1)
    #expect(t.counts[.B]?[.A]?.value == 700)
    #expect(t.moves.count == 3)
    #expect(t.moves.first { $0.sku == "a" }!.reason.contains("rank 3 → 1"))
  }
}

@Suite("Item master defaults")
struct ItemMasterTests {
  @Test("Lead times learned from past receipts fill only defaulted items (mean and sample SD of ≥ 3 receipts)")
  func learnedLeadTimes() {
    var fromSupplier = Item(sku: "S")
    fromSupplier.leadTimeDays = 21
    fromSupplier.leadTimeSource = "supplier"
    var master = ItemMaster(items: [Item(sku: "X"), fromSupplier, Item(sku: "Y")])
    let changed = master.learnLeadTimes(from: [("X", 10), ("X", 14), ("X", 18), ("S", 3), ("S", 3), ("S", 3), ("Y", 5), ("Z", 7), ("Z", 9), ("Z", 11)])
    #expect(changed == ["X", "Z"])
    let x = master.item(sku: "X", location: nil)
    #expect(x.leadTimeDays == 14 && x.leadTimeSDDays == 4 && x.leadTimeSource == "ledger (3 receipts)")
    #expect(master.item(sku: "S", location: nil).leadTimeDays == 21)  // the supplier's value wins
    #expect(master.item(sku: "Y", location: nil).leadTimeDays == ItemMaster.defaultLeadTimeDays)  // one receipt is not enough
    #expect(master.item(sku: "Z", location: nil).leadTimeDays == 9)
  }

  @Test("Reading items: supplier defaults, documented defaults, and located errors")
  func reading() throws {
    let suppliers = temporaryFile("supplier,lead_time_days,review_period_days\nS1,21,14\n", name: "suppliers.csv")
    let items = temporaryFile("sku,supplier,moq,case_pack,service_level\nA,S1,10,6,0.97\nB,,,,\n", name: "items.csv")
    let master = try ItemMaster.read(items: items, suppliers: suppliers)
    let a = master.item(sku: "A", location: nil), b = master.item(sku: "B", location: nil)
    #expect(a.leadTimeDays == 21 && a.reviewPeriodDays == 14 && a.leadTimeSource == "supplier" && a.moq == 10 && a.casePack == 6 && a.serviceLevel == 0.97)
    #expect(b.leadTimeDays == 14 && b.reviewPeriodDays == 7 && b.moq == 1 && b.serviceLevel == nil)
    for (text, column) in [("sku,service_level\nA,1.2\n", "service_level"), ("sku,moq\nA,1.5\n", "moq"), ("sku,supplier\nA,NOPE\n", "supplier"), ("sku,colour\nA,red\n", "colour")] {
      do {
        _ = try ItemMaster.read(items: temporaryFile(text, name: "items.csv"), suppliers: suppliers)
        Issue.record("\(text) was accepted")
      } catch {
        #expect(error.columnName == column && error.description.contains("items.csv:"), "\(error)")
      }
    }
  }
}

@Suite("Master-file numbers follow the sales-history reader's rules")
struct MasterNumberTests {
  @Test("Hex, separators, NaN and inf are refused in items.csv too")
  func refused() {
    for bad in ["0x10", "1,5", "nan", "inf", "1e400", "12 "] {
      #expect(throws: CSVError.self, "\(bad)") {
        _ = try ItemMaster.read(items: temporaryFile("sku,unit_cost\nA,\"\(bad)\"\n", name: "items.csv"))
      }
    }
    #expect((try? ItemMaster.read(items: temporaryFile("sku,unit_cost\nA,1e2\n", name: "items.csv")))?.item(sku: "A", location: nil).unitCost == 100)
  }

  @Test("A SKU listed twice for one location, and a supplier missing from the supplier file, are refused with their row")
  func duplicatesAndSuppliers() throws {
    let twice = temporaryFile("sku,location\nA,WH\nB,WH\nA,WH\n", name: "items.csv")
    let duplicate = #expect(throws: CSVError.self) { try ItemMaster.read(items: twice) }
    #expect(duplicate?.line == 4 && duplicate?.description.contains("SKU listed twice for location 'WH'") == true, "\(String(describing: duplicate))")
    // The same SKU at two locations is two rows, not a duplicate.
    #expect(try ItemMaster.read(items: temporaryFile("sku,location\nA,WH\nA,WH2\n", name: "items.csv")).items.count == 2)
    let suppliers = temporaryFile("supplier\nS1\n", name: "suppliers.csv")
    let unknown = #expect(throws: CSVError.self) {
      try ItemMaster.read(items: temporaryFile("sku,supplier\nA,S1\nB,S9\n", name: "items.csv"), suppliers: suppliers)
    }
    #expect(unknown?.line == 3 && unknown?.value == "S9", "\(String(describing: unknown))")
  }
}

@Suite("Calibrated reorder point (undershoot of s at the ordering review)")
struct CalibratedReorderPointTests {
  func estimate(_ d: Double, meanSquares: [Double]) -> DemandEstimate {
    DemandEstimate(sku: "X", periodDays: 7, meanPerPeriod: d, sigmaPerPeriod: 0, sigmaSource: "test",
                   errorProfile: ForecastErrorProfile(meanSquares: meanSquares, forecastSums: meanSquares.indices.map { d * Double($0 + 1) }, origins: 26, source: "test"))
  }

  /// 10 a week exactly, lead time 14 days, weekly review. Q = 10: after an order the position is s + 10,
  /// a week later s — an order with no undershoot, which must cover the 20 units until it arrives: s = 20
  /// (the (L+R) rule's 30 carries a week too much). Case pack 12: positions s + 12 → s + 2 → s − 8, an
  /// undershoot of 8 every time: s = 28.
  @Test("Constant demand: s = lead-time demand + the undershoot, worked by hand")
  func constantDemand() {
    var item = Item(sku: "X")
    item.leadTimeDays = 14
    let r = PolicyCalculator.compute(item: item, demand: estimate(10, meanSquares: [0, 0, 0]), serviceLevel: 0.95, serviceLevelSource: "test")
    #expect(r.safetyStockMethod == .calibrated && r.reorderPoint == 20 && r.orderUpTo == 30 && r.safetyStock == 0, "\(r.reorderPoint) \(r.quantileMethod)")
    item.casePack = 12
    let packed = PolicyCalculator.compute(item: item, demand: estimate(10, meanSquares: [0, 0, 0]), serviceLevel: 0.95, serviceLevelSource: "test")
    #expect(packed.reorderPoint == 28 && packed.orderUpTo == 40 && packed.quantileMethod.contains("undershoot"), "\(packed.reorderPoint)")
    item.policy = .RS
    let rs = PolicyCalculator.compute(item: item, demand: estimate(10, meanSquares: [0, 0, 0]), serviceLevel: 0.95, serviceLevelSource: "test")
    #expect(rs.orderUpTo == 30, "R,S covers lead time + review: \(rs.orderUpTo)")
  }

  /// A slow mover under (R,S): 0.5 a week, errors with Poisson spread (MSE of x-week sums = 0.5·x, no
  /// bias), lead time 14 days, weekly review, so Y = demand over 3 weeks ~ Poisson(1.5):
  /// P(Y ≤ 2) = e^−1.5·(1 + 1.5 + 1.125) = 0.80885, P(Y ≤ 3) = 0.80885 + e^−1.5·0.5625 = 0.93436,
  /// P(Y ≤ 4) = 0.93436 + e^−1.5·0.2109375 = 0.98142. A target of 0.90 takes S = 3, which gives 0.934 —
  /// no whole unit gives 0.90 — and 0.95 takes S = 4 (0.981); the derivation says so.
  @Test("Whole units: the cycle service the reorder point promises is the demand's CDF at it, at or above the target")
  func promisedCycleService() {
    var item = Item(sku: "X")
    item.leadTimeDays = 14
    item.policy = .RS
    let slow = estimate(0.5, meanSquares: [0.5, 1.0, 1.5])
    let e = exp(-1.5)
    for (target, S, promise) in [(0.90, 3.0, e * (1 + 1.5 + 1.125 + 0.5625)), (0.95, 4.0, e * (1 + 1.5 + 1.125 + 0.5625 + 0.2109375))] {
      let r = PolicyCalculator.compute(item: item, demand: slow, serviceLevel: target, serviceLevelSource: "test")
      #expect(r.orderUpTo == S, "\(r.orderUpTo) \(r.quantileMethod)")
      #expect(abs((r.promisedCycleService ?? 0) - promise) < 1e-9, "\(String(describing: r.promisedCycleService)) vs \(promise)")
      #expect(r.quantileMethod.hasSuffix(String(format: "s = %d gives cycle service %.3f", Int(S), promise)), "\(r.quantileMethod)")
    }
    // The normal rule promises its target and says nothing more.
    item.safetyStockMethod = .cycleService
    let normal = PolicyCalculator.compute(item: item, demand: slow, serviceLevel: 0.9, serviceLevelSource: "test")
    #expect(normal.promisedCycleService == nil && !normal.quantileMethod.contains("gives cycle service"))
  }

  @Test("A discrete demand's cumulative probability on its grid")
  func cumulativeProbability() {
    let d = DiscreteDemand(unit: 2, pmf: [0.25, 0.5, 0.25])
    #expect(d.cumulativeProbability(atMost: -1) == 0 && d.cumulativeProbability(atMost: 0) == 0.25 && d.cumulativeProbability(atMost: 1.9) == 0.25)
    #expect(d.cumulativeProbability(atMost: 2) == 0.75 && d.cumulativeProbability(atMost: 4) == 1 && d.cumulativeProbability(atMost: 100) == 1)
  }

  @Test("Undershoot: U = X when ordering every review, the renewal limit P(X > u)/E[X] for a wide gap, mass 1")
  func undershoot() {
    let x = DiscreteDemand.matchingMoments(mean: 6, variance: 6)
    #expect(ReorderUndershoot.distribution(reviewDemand: x, gap: 0) == x)
    let exact = ReorderUndershoot.distribution(reviewDemand: x, gap: Double(4 * x.pmf.count))  // the renewal recursion
    let limit = ReorderUndershoot.distribution(reviewDemand: x, gap: Double(4 * x.pmf.count + 1))  // the equilibrium formula
    #expect(abs(exact.pmf.reduce(0, +) - 1) < 1e-12 && abs(limit.pmf.reduce(0, +) - 1) < 1e-12)
    for u in 0..<min(exact.pmf.count, limit.pmf.count) { #expect(abs(exact.pmf[u] - limit.pmf[u]) < 1e-6) }
    // E[U] = (E[X²] − E[X]) / (2E[X]) for the lattice renewal: (6 + 36 − 6) / 12 = 3.
    #expect(abs(limit.mean - 3) < 1e-6, "\(limit.mean)")
  }

  @Test("Count distribution by moments: Poisson and negative binomial means, variances and quantiles")
  func discreteDemand() {
    let p = DiscreteDemand.matchingMoments(mean: 18, variance: 18)
    #expect(abs(p.mean - 18) < 1e-6 && abs(p.variance - 18) < 1e-5)
    #expect(p.quantile(0.9) == 24)  // R: qpois(0.9, 18) = 24
    let nb = DiscreteDemand.matchingMoments(mean: 10, variance: 60)
    #expect(abs(nb.mean - 10) < 1e-4 && abs(nb.variance - 60) < 1e-2, "\(nb.mean) \(nb.variance)")
    #expect(nb.quantile(0.95) == 25)  // R: qnbinom(0.95, size = 2, mu = 10) = 25
    let large = DiscreteDemand.matchingMoments(mean: 50_000, variance: 4e6)
    #expect(large.unit > 1 && abs(large.mean - 50_000) / 50_000 < 1e-3 && abs(large.variance.squareRoot() - 2000) / 2000 < 0.02)
  }
}
