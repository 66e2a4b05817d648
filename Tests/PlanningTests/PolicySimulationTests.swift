import Foundation
import Forecasting
import Testing
import TimeSeries

@testable import Planning
@testable import Policy

/// A policy with the numbers given (weekly periods, no lead-time variability).
func policy(s: Double, S: Double, leadDays: Double, reviewDays: Double = 7, kind: ReorderPolicyKind = .sS, q: Double = 1, demand: Double = 10) -> PolicyResult {
  PolicyResult(
    sku: "X", location: nil, policy: kind, periodDays: 7, demandPerPeriod: demand, sigmaPerPeriod: 0, sigmaSource: "test", leadTimeDays: leadDays,
    leadTimeSDDays: 0, reviewPeriodDays: reviewDays, exposureDays: leadDays + reviewDays, exposureDemand: 0, sigmaExposure: 0, serviceLevel: 0.95,
    serviceLevelSource: "test", safetyStockMethod: .cycleService, safetyFactor: nil, safetyStock: 0, reorderPoint: s, orderUpTo: S,
    economicOrderQuantity: nil, orderQuantity: q, moq: 1, casePack: 1, orderMultiple: 1, notes: [])
}

@Suite("Policy replay (hand-worked)")
struct PolicySimulationTests {
  /// Demand 10 a week, s = 20, S = 40, lead time 1 week, start with 40 on hand:
  /// week 0: 40 → 30 (position 30 > 20, no order); week 1: 30 → 20, position 20 ≤ 20 → order 20, due week 2;
  /// week 2: +20 → 40 → 30 … a cycle of 2 weeks, never short.
  @Test("Constant demand, no stock-out: orders every other week, fill rate 1")
  func steady() {
    let r = PolicySimulation.run(policy: policy(s: 20, S: 40, leadDays: 7), item: Item(sku: "X"), demand: Array(repeating: 10, count: 10), seed: 1)
    #expect(r.fillRate == 1 && r.stockOutPeriods == 0 && r.cycleServiceLevel == 1)
    #expect(r.orders == 5 && r.unitsOrdered == 100)
    #expect(r.cycles == 4)  // arrivals in weeks 2, 4, 6, 8 (the one ordered in week 9 arrives after the end)
  }

  /// s = 5 is too low for 3 weeks of lead time at 10 a week: worked week by week.
  /// week 0: 40 → 30; 1: 20; 2: 10; 3: 0 → position 0 ≤ 5 → order 40, due week 6;
  /// week 4: demand 10, on hand 0 → short 10; week 5: short 10 (backorder 20); week 6: +40, clear 20 → 20 → 10;
  /// fill rate = (30+… served) — 80 demanded in weeks 0–7, 60 served from stock on arrival.
  @Test("A reorder point below lead-time demand: stock-outs, backorders served first, one failed cycle")
  func short() {
    let r = PolicySimulation.run(policy: policy(s: 5, S: 40, leadDays: 21), item: Item(sku: "X"), demand: Array(repeating: 10, count: 8), seed: 1)
    #expect(r.demand == 80)
    #expect(r.stockOutPeriods == 2)
    #expect(r.servedFromStock == 60)
    #expect(r.cycles == 1 && r.cyclesWithStockOut == 1)
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
    // Week 0: 40 → 30; week 1: 30 → 20, position 20 ≤ 20 → order 20 due week 2; week 2: +20 → 40 → 30.
    #expect(state.period == 3 && state.onHand == 30 && state.result.orders == 1)
    // The new policy (s = 0) orders nothing while the stock carried over lasts: weeks 3 and 4 → 20 → 10.
    PolicySimulation.advance(&state, policy: policy(s: 0, S: 10, leadDays: 7), item: Item(sku: "X"), demand: Array(repeating: 10, count: 2))
    #expect(state.onHand == 10 && state.result.orders == 1)
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
