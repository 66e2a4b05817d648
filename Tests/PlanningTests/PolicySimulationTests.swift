import Foundation
import CSV
import Forecasting
import Testing
import TestSupport
import TimeSeries

@testable import Planning
@testable import Policy

/// A policy with the numbers given (weekly periods, no lead-time variability).
func policy(s: Double, S: Double, leadDays: Double, reviewDays: Double = 7, kind: ReorderPolicyKind = .sS, q: Double = 1, demand: Double = 10) -> PolicyResult {
  PolicyResult(
    sku: "X", location: nil, policy: kind, periodDays: 7, demandPerPeriod: demand, sigmaPerPeriod: 0, sigmaSource: "test", leadTimeDays: leadDays,
    leadTimeSDDays: 0, reviewPeriodDays: reviewDays, exposureDays: leadDays + reviewDays, exposureDemand: demand * (leadDays + reviewDays) / 7, sigmaExposure: 0, serviceLevel: 0.95,
    serviceLevelSource: "test", safetyStockMethod: .cycleService, safetyFactor: nil, safetyStock: 0, reorderPoint: s, orderUpTo: S,
    economicOrderQuantity: nil, orderQuantity: q, moq: 1, casePack: 1, orderMultiple: 1, notes: [])
}

@Suite("Policy replay (hand-worked)")
struct PolicySimulationTests {
  /// Demand 10 a week, s = 20, S = 40, lead time 7 days, start with 40 on hand; reviews at each week's end,
  /// an order placed at the end of week t is due on day 7(t+1) + 7, the start of week t + 2:
  /// week 0: 40 → 30 (position 30 > 20); week 1: → 20, position 20 ≤ 20 → order 20, due at the start of
  /// week 3; week 2: → 10 (position 30); week 3: +20 → 30 → 20 → order 20 (due week 5) … orders in weeks
  /// 1, 3, 5, 7, 9; arrivals in weeks 3, 5, 7, 9: the first starts the first cycle, three close one.
  @Test("Constant demand, no stock-out: orders every other week, fill rate 1")
  func steady() {
    let r = PolicySimulation.run(policy: policy(s: 20, S: 40, leadDays: 7), item: Item(sku: "X"), demand: Array(repeating: 10, count: 10), seed: 1)
    #expect(r.fillRate == 1 && r.stockOutPeriods == 0 && r.cycleServiceLevel == 1 && r.inStockRate == 1)
    #expect(r.orders == 5 && r.unitsOrdered == 100)
    #expect(r.cycles == 3)
  }

  /// s = 5 is too low for 21 days of lead time at 10 a week: worked week by week.
  /// weeks 0–3: 40 → 0; end of week 3: position 0 ≤ 5 → order 40, due day 28 + 21 = 49 (start of week 7);
  /// weeks 4, 5, 6: short 10 each (backorder 30); week 7: +40, clear 30 → 10 → 0, order 40 due day 77
  /// (start of week 11); weeks 8–10 short; week 11: +40 → 10 → 0, closing the cycle begun in week 7, which
  /// stocked out. Served from stock: 40 + 10 + 10 of 120.
  @Test("A reorder point below lead-time demand: stock-outs, backorders served first, one failed cycle")
  func short() {
    let r = PolicySimulation.run(policy: policy(s: 5, S: 40, leadDays: 21), item: Item(sku: "X"), demand: Array(repeating: 10, count: 12), seed: 1)
    #expect(r.demand == 120)
    #expect(r.stockOutPeriods == 6)
    #expect(r.servedFromStock == 60)
    #expect(r.cycles == 1 && r.cyclesWithStockOut == 1)
    #expect(abs(r.inStockRate - 0.5) < 1e-12)
  }

  /// The case: 10 a week, 14 days of lead time, weekly review, min 10 / max 40. When the position
  /// reaches 10 (one week of cover) an order of 30 is placed; it arrives two weeks later, so every 3-week
  /// cycle has one week short: fill rate 2/3, no cycle without a stock-out.
  @Test("Min/max covering one week against a two-week lead time: fill rate 2/3, every cycle short")
  func minMaxShort() {
    var p = policy(s: 10, S: 40, leadDays: 14, kind: .minMax)
    p.orderQuantity = 30
    let r = PolicySimulation.run(policy: p, item: Item(sku: "X"), demand: Array(repeating: 10, count: 62), seed: 1)
    // Weeks 0–2 from the starting 40, then 20 cycles of 3 weeks: 1 week short in each from week 4 on.
    #expect(r.stockOutPeriods == 20)
    #expect(abs(r.fillRate - (620 - 200) / 620) < 1e-12)
    #expect(r.cycles > 15 && r.cyclesWithStockOut == r.cycles)
  }

  /// No stock at the start and one large order at the end of period 0: everything demanded before it
  /// arrives — the first P + L days — goes unserved, and nothing after. Weekly (P = 7) and monthly
  /// (P = 365.25/12) periods, lead times of 7, 14 and 21 days: the arrival falls at a period boundary
  /// (weekly) or inside a month, whose demand before the arrival day is served only from stock on hand.
  @Test("An order placed at the end of period 0 arrives L days later, inside a period if need be",
        arguments: [7.0, 365.25 / 12], [7.0, 14, 21])
  func arrivalDay(periodDays: Double, leadDays: Double) {
    var p = policy(s: 0, S: 1000, leadDays: leadDays, reviewDays: periodDays, kind: .RS)
    p.periodDays = periodDays
    let perPeriod = 30.0, n = 6
    var state = PolicySimulation.State(onHand: 0, seed: 1)
    PolicySimulation.advance(&state, policy: p, item: Item(sku: "X"), demand: [perPeriod])
    #expect(state.pipeline.count == 1 && abs(state.pipeline[0].dueDay - (periodDays + leadDays)) < 1e-12)
    var never = policy(s: -1e9, S: 0, leadDays: leadDays, reviewDays: periodDays)  // orders nothing more
    never.periodDays = periodDays
    PolicySimulation.advance(&state, policy: never, item: Item(sku: "X"), demand: Array(repeating: perPeriod, count: n - 1))
    let r = state.finish()
    let unserved = perPeriod * (periodDays + leadDays) / periodDays
    #expect(abs(r.servedFromStock - (perPeriod * Double(n) - unserved)) < 1e-9)
    #expect(r.stockOutPeriods == Int(((periodDays + leadDays) / periodDays - 1e-9).rounded(.up)))
  }

  @Test("Lead-time draws are seeded: the same seed gives the same replay, another seed may not")
  func seeded() {
    var p = policy(s: 20, S: 40, leadDays: 14)
    p.leadTimeSDDays = 7
    let demand = (0..<60).map { Double(($0 * 7) % 23) }
    let a = PolicySimulation.run(policy: p, item: Item(sku: "X"), demand: demand, seed: 5)
    let b = PolicySimulation.run(policy: p, item: Item(sku: "X"), demand: demand, seed: 5)
    #expect(a.servedFromStock == b.servedFromStock && a.cycles == b.cycles && a.unitsOrdered == b.unitsOrdered)
    let others = (6..<16).map { PolicySimulation.run(policy: p, item: Item(sku: "X"), demand: demand, seed: UInt64($0)).servedFromStock }
    #expect(others.contains { $0 != a.servedFromStock })
  }

  @Test("A replay can switch policy mid-way without resetting stock (re-planning)")
  func replan() {
    var state = PolicySimulation.State(onHand: 40, seed: 1)
    PolicySimulation.advance(&state, policy: policy(s: 20, S: 40, leadDays: 7), item: Item(sku: "X"), demand: Array(repeating: 10, count: 3))
    // Week 0: 40 → 30; week 1: 30 → 20, position 20 ≤ 20 → order 20 due at the start of week 3; week 2: → 10.
    #expect(state.period == 3 && state.onHand == 10 && state.result.orders == 1 && state.pipeline.count == 1)
    // The new policy (s = 0) orders nothing while the stock carried over lasts: week 3: +20 → 30 → 20; week 4: → 10.
    PolicySimulation.advance(&state, policy: policy(s: 0, S: 10, leadDays: 7), item: Item(sku: "X"), demand: Array(repeating: 10, count: 2))
    #expect(state.onHand == 10 && state.result.orders == 1 && state.pipeline.isEmpty)
    let r = state.finish()
    #expect(r.periods == 5 && r.demand == 50 && r.servedFromStock == 50)
  }
}

@Suite("Scenario multipliers")
struct ScenarioTests {
  @Test("Month, category and SKU multipliers compose; lead-time shocks by supplier or for all")
  func multipliers() {
    var spec = ScenarioSpec(name: "peak")
    spec.demandMultiplier = 1.1
    spec.monthMultipliers = [12: 1.4]
    spec.categoryMultipliers = ["christmas": 1.5]
    spec.skuMultipliers = ["A": 2]
    spec.leadTimeShiftDays = ["S1": 14, "*": 2]
    let december = CivilDate(year: 2011, month: 12, day: 5)!.dayNumber, june = CivilDate(year: 2011, month: 6, day: 6)!.dayNumber
    #expect(abs(spec.multiplier(sku: "A", category: "christmas", day: december) - 1.1 * 1.4 * 1.5 * 2) < 1e-12)
    #expect(abs(spec.multiplier(sku: "B", category: "everyday", day: june) - 1.1) < 1e-12)
    var pricier = ScenarioSpec(name: "price")
    pricier.priceMultiplier = 1.1
    pricier.priceElasticity = -1.5
    #expect(abs(pricier.multiplier(sku: "B", category: "", day: june) - pow(1.1, -1.5)) < 1e-12)  // 0.867
    var item = Item(sku: "A")
    item.supplier = "S1"
    item.leadTimeDays = 7
    item.category = "christmas"
    let demand = SeriesDemand(
      series: 0, key: SeriesKey(sku: "A"), estimate: DemandEstimate(sku: "A", periodDays: 7, meanPerPeriod: 10, sigmaPerPeriod: 2, sigmaSource: "t"),
      model: "t", forecast: Forecast(model: "t", mean: Array(repeating: 10, count: 6), fitted: [], residuals: []), historyLength: 0, fallback: nil)
    let week = Frequency.week.period(containing: december)
    let (scaled, shifted) = spec.adjust(demand, item: item, frequency: .week, firstForecastPeriod: week)
    #expect(shifted.leadTimeDays == 21)
    #expect(abs(scaled.forecast!.mean[0] - 10 * 1.1 * 1.4 * 1.5 * 2) < 1e-9)
    var other = item
    other.supplier = "S2"
    #expect(spec.adjust(demand, item: other, frequency: .week, firstForecastPeriod: week).1.leadTimeDays == 9)
  }
}

@Suite("Promised vs achieved from a backtest file")
struct ServiceAchievedFileTests {
  static let header = "sku,location,class,service_level,safety_stock_method,quantile_method,reorder_point,order_up_to,test_periods,demand,served_from_stock,fill_rate,cycles,cycles_with_stockout,cycle_service_level,stockout_periods,in_stock_rate,avg_on_hand,unit_cost,orders,demand_ratio,new_peak"

  /// Two C SKUs: 10 cycles promised 0.95 and 30 promised 0.91, so the class's promise pooled over cycles is
  /// (9.5 + 27.3) / 40 = 0.92; 3 of the 40 cycles stocked out: achieved 0.925 against a target of 0.90.
  @Test("The whole-unit promise is pooled over cycles like the achieved figure; older files without it read as before")
  func pooledPromise() throws {
    let rows = """
      C1,WH,CX,0.9,calibrated,q,1,3,24,10,9,0.9,10,1,0.9,1,0.95,2,1,10,1.000,0,0.95
      C2,WH,CZ,0.9,calibrated,q,1,3,24,40,38,0.95,30,2,0.9333,2,0.92,2,1,30,1.000,0,0.91
      """
    let with = try ServiceAchieved.read(path: temporaryFile(Self.header + ",promised_cycle_service\n" + rows + "\n", name: "backtest.csv"))
    let c = try #require(with.rows.first { $0.abc == .C })
    #expect(c.cycles == 40 && c.cyclesWithStockOut == 3 && abs(c.cycleServiceLevel - 0.925) < 1e-12 && abs(c.target - 0.9) < 1e-12)
    #expect(abs((c.promisedCycleService ?? 0) - 0.92) < 1e-12, "\(String(describing: c.promisedCycleService))")
    let older = rows.split(separator: "\n").map { $0.split(separator: ",").dropLast().joined(separator: ",") }.joined(separator: "\n")
    let without = try ServiceAchieved.read(path: temporaryFile(Self.header + "\n" + older + "\n", name: "backtest-old.csv"))
    #expect(without.rows.first?.promisedCycleService == nil && without.rows.first?.cycles == 40)
    // A promise outside [0, 1] is refused with its line and column.
    let bad = #expect(throws: CSVError.self) {
      try ServiceAchieved.read(path: temporaryFile(Self.header + ",promised_cycle_service\nC1,WH,CX,0.9,calibrated,q,1,3,24,10,9,0.9,10,1,0.9,1,0.95,2,1,10,1.000,0,1.5\n", name: "backtest-bad.csv"))
    }
    #expect(bad?.line == 2 && bad?.columnName == "promised_cycle_service", "\(String(describing: bad))")
  }
}
