import Foundation
import Policy
import Sampling

/// Replays real demand under a computed policy and measures what a buyer would have experienced.
///
/// Time runs in days; period t covers days [t·P, (t+1)·P) (P = the period length: 1, 7 or 30.44 days),
/// and its demand D_t is spread evenly over it.
/// ```
/// start: on hand = order-up-to level S (s + Q), nothing on order
/// each period t: serve D_t from on hand in order of time (unserved demand is backordered and served first
///   when stock arrives); an order due inside the period is received at its due day, so the part of D_t
///   before it is served only from the stock on hand; at the end of a review period (every R periods,
///   R ≥ 1) if the inventory position (on hand − backorders + on order) ≤ s, order up to S (s,S / R,S /
///   min-max) or n·Q (s,Q), rounded as the item requires. An order placed at the end of period t with lead
///   time L days (drawn from N(L, σ_L), seeded, at least 0) is due on day (t+1)·P + L: after L days of
///   demand, never earlier.
/// fill rate (Type II)        = Σ demand served from stock on arrival / Σ demand
/// cycle service (Type I)     = share of replenishment cycles (from one order's arrival to the next)
///                               with no unserved demand; the stretch before the first arrival (stock
///                               set, not ordered) is not a cycle, nor is the unfinished last one
///                               (censored: counting it only when it already stocked out would bias
///                               the measure down, counting it always would bias it up)
/// in-stock rate (per period) = share of periods with no unserved demand
/// ```
/// Reference: Silver, Pyke & Thomas (2017) §7.2 (service measures); the replay is the "policy backtest":
/// the policy is computed from data before the window and never sees it.
public struct PolicySimulation: Sendable {
  public struct Result: Sendable {
    public var periods: Int
    public var demand: Double
    public var servedFromStock: Double
    public var cycles: Int
    public var cyclesWithStockOut: Int
    public var stockOutPeriods: Int
    public var averageOnHand: Double
    public var orders: Int
    public var unitsOrdered: Double
    public var fillRate: Double { demand > 0 ? servedFromStock / demand : 1 }
    public var cycleServiceLevel: Double { cycles > 0 ? 1 - Double(cyclesWithStockOut) / Double(cycles) : 1 }
    /// Share of periods without a stock-out (what "in stock %" means in most tools).
    public var inStockRate: Double { periods > 0 ? 1 - Double(stockOutPeriods) / Double(periods) : 1 }
  }

  /// An order on its way: due on day `dueDay` of the replay (day 0 = the first replayed period's start).
  public typealias Arrival = (dueDay: Double, qty: Double)

  /// The state carried from one period to the next, so that a replay can switch to a re-planned policy
  /// without resetting stock.
  public struct State: Sendable {
    public var onHand: Double
    public var backorder: Double
    public var pipeline: [Arrival]
    public var period = 0
    var inCycle = false
    var cycleHadStockOut = false
    var onHandSum = 0.0
    var rng: SeededGenerator
    public var result = Result(periods: 0, demand: 0, servedFromStock: 0, cycles: 0, cyclesWithStockOut: 0, stockOutPeriods: 0,
                               averageOnHand: 0, orders: 0, unitsOrdered: 0)

    public init(onHand: Double, backorder: Double = 0, pipeline: [Arrival] = [], seed: UInt64) {
      self.onHand = onHand
      self.backorder = backorder
      self.pipeline = pipeline
      rng = SeededGenerator(seed: seed)
    }

    /// Closes the books: complete cycles only (the open one is censored).
    public mutating func finish() -> Result {
      var r = result
      r.periods = period
      r.averageOnHand = period > 0 ? onHandSum / Double(period) : 0
      return r
    }

    /// Receives everything due on or before `day`: a replenishment cycle ends and the next begins.
    mutating func receive(upTo day: Double) {
      var arrived = 0.0
      pipeline.removeAll { if $0.dueDay <= day { arrived += $0.qty; return true }; return false }
      guard arrived > 0 else { return }
      if inCycle {
        result.cycles += 1
        if cycleHadStockOut { result.cyclesWithStockOut += 1 }
      }
      inCycle = true
      cycleHadStockOut = false
      onHand += arrived
      let clear = min(onHand, backorder)
      onHand -= clear
      backorder -= clear
    }

    /// Serves `d` units from on hand; returns whether some went unserved.
    mutating func serve(_ d: Double) -> Bool {
      guard d > 0 else { return false }
      result.demand += d
      let served = min(onHand, d)
      result.servedFromStock += served
      onHand -= served
      // Below a millionth of a unit is rounding of the split, not a stock-out.
      guard d - served > 1e-9 else { return false }
      backorder += d - served
      cycleHadStockOut = true
      return true
    }
  }

  /// Advances `state` through `demand` under `policy`.
  public static func advance(_ state: inout State, policy: PolicyResult, item: Item, demand: some Collection<Double>) {
    let p = policy.periodDays
    let review = max(1, Int((policy.reviewPeriodDays / p).rounded()))
    for value in demand {
      let t = state.period
      let start = Double(t) * p, end = start + p
      // Demand (NaN = censored period: nothing known, nothing served), spread evenly over the period and
      // split at the arrivals inside it.
      let d = value.isNaN ? 0 : max(0, value)
      var cursor = start
      var short = false
      while true {
        state.receive(upTo: cursor)
        let next = state.pipeline.lazy.map(\.dueDay).filter { $0 < end }.min()
        let until = next ?? end
        if state.serve(d * (until - cursor) / p) { short = true }
        cursor = until
        if next == nil { break }
      }
      if short { state.result.stockOutPeriods += 1 }
      state.onHandSum += state.onHand
      // Review at the period's end.
      if (t + 1) % review == 0 {
        let position = state.onHand - state.backorder + state.pipeline.reduce(0) { $0 + $1.qty }
        if position <= policy.reorderPoint || (policy.policy == .RS && position < policy.orderUpTo), policy.exposureDemand > 0 || position < 0 {
          var qty: Double
          if policy.policy == .sQ {
            let n = max(1, ((policy.reorderPoint - position) / policy.orderQuantity).rounded(.down) + 1)
            qty = n * policy.orderQuantity
          } else {
            qty = PolicyCalculator.roundOrderQuantity(policy.orderUpTo - position, item: item)
          }
          let lead = max(0, policy.leadTimeDays + policy.leadTimeSDDays * state.rng.normal())
          state.pipeline.append((end + lead, qty))
          state.result.orders += 1
          state.result.unitsOrdered += qty
        }
      }
      state.period += 1
    }
  }

  /// `initialOnHand` (default: the order-up-to level), `initialBackorders` and `initialPipeline`
  /// (quantity due on a day of the replay) start the replay from a known state, e.g. the ledger's.
  public static func run(policy: PolicyResult, item: Item, demand: [Double], seed: UInt64, initialOnHand: Double? = nil,
                         initialBackorders: Double = 0, initialPipeline: [Arrival] = []) -> Result {
    var state = State(onHand: initialOnHand ?? policy.orderUpTo.rounded(.up), backorder: initialBackorders, pipeline: initialPipeline, seed: seed)
    advance(&state, policy: policy, item: item, demand: demand)
    return state.finish()
  }
}
