import Foundation
import Policy
import Sampling

/// Replays real demand under a computed policy and measures what a buyer would have experienced.
///
/// ```
/// start: on hand = order-up-to level S (s + Q), nothing on order
/// each period t: receive orders due; serve demand D_t from on hand (unserved demand is backordered and
///   served first when stock arrives); at review periods (every R periods, R ≥ 1) if the inventory position
///   (on hand − backorders + on order) ≤ s, order up to S (s,S / R,S / min-max) or n·Q (s,Q), rounded as
///   the item requires; the order arrives after a lead time drawn from N(L, σ_L) (seeded), at least 0.
/// fill rate (Type II)        = Σ demand served from stock on arrival / Σ demand
/// cycle service (Type I)     = share of replenishment cycles (from one order's arrival to the next)
///                               with no stock-out period
/// stock-out periods          = periods with unserved demand
/// ```
/// Reference: Silver, Pyke & Thomas (2017) §7.2 (service measures); the replay is the "policy backtest"
/// of the issue: the policy is computed from data before the window and never sees it.
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
  }

  /// The state carried from one period to the next, so that a replay can switch to a re-planned policy
  /// without resetting stock.
  public struct State: Sendable {
    public var onHand: Double
    public var backorder: Double
    public var pipeline: [(due: Int, qty: Double)]
    public var period = 0
    var cycleHadStockOut = false
    var onHandSum = 0.0
    var rng: SeededGenerator
    public var result = Result(periods: 0, demand: 0, servedFromStock: 0, cycles: 0, cyclesWithStockOut: 0, stockOutPeriods: 0,
                               averageOnHand: 0, orders: 0, unitsOrdered: 0)

    public init(onHand: Double, backorder: Double = 0, pipeline: [(due: Int, qty: Double)] = [], seed: UInt64) {
      self.onHand = onHand
      self.backorder = backorder
      self.pipeline = pipeline
      rng = SeededGenerator(seed: seed)
    }

    /// Closes the books: an open cycle that had a stock-out counts as a failed cycle.
    public mutating func finish() -> Result {
      var r = result
      if cycleHadStockOut {
        r.cycles += 1
        r.cyclesWithStockOut += 1
      }
      r.periods = period
      r.averageOnHand = period > 0 ? onHandSum / Double(period) : 0
      return r
    }
  }

  /// Advances `state` through `demand` under `policy`.
  public static func advance(_ state: inout State, policy: PolicyResult, item: Item, demand: some Collection<Double>) {
    let p = policy.periodDays
    let review = max(1, Int((policy.reviewPeriodDays / p).rounded()))
    for value in demand {
      let t = state.period
      // Receipts close a replenishment cycle.
      var arrived = 0.0
      state.pipeline.removeAll { if $0.due <= t { arrived += $0.qty; return true }; return false }
      if arrived > 0 {
        state.result.cycles += 1
        if state.cycleHadStockOut { state.result.cyclesWithStockOut += 1 }
        state.cycleHadStockOut = false
        state.onHand += arrived
        let clear = min(state.onHand, state.backorder)
        state.onHand -= clear
        state.backorder -= clear
      }
      // Demand (NaN = censored period: nothing known, nothing served).
      let d = value.isNaN ? 0 : max(0, value)
      state.result.demand += d
      let served = min(state.onHand, d)
      state.result.servedFromStock += served
      state.onHand -= served
      if d > served {
        state.backorder += d - served
        state.result.stockOutPeriods += 1
        state.cycleHadStockOut = true
      }
      state.onHandSum += state.onHand
      // Review.
      if t % review == 0 {
        let position = state.onHand - state.backorder + state.pipeline.reduce(0) { $0 + $1.qty }
        if position <= policy.reorderPoint || (policy.policy == .RS && position < policy.orderUpTo), policy.demandPerPeriod > 0 || position < 0 {
          var qty: Double
          if policy.policy == .sQ {
            let n = max(1, ((policy.reorderPoint - position) / policy.orderQuantity).rounded(.down) + 1)
            qty = n * policy.orderQuantity
          } else {
            qty = PolicyCalculator.roundOrderQuantity(policy.orderUpTo - position, item: item)
          }
          let lead = max(0, (policy.leadTimeDays + policy.leadTimeSDDays * state.rng.normal()) / p)
          state.pipeline.append((t + max(1, Int(lead.rounded())), qty))
          state.result.orders += 1
          state.result.unitsOrdered += qty
        }
      }
      state.period += 1
    }
  }

  /// `initialOnHand` (default: the order-up-to level), `initialBackorders` and `initialPipeline`
  /// (quantity, arrival period) start the replay from a known state, e.g. the ledger's.
  public static func run(policy: PolicyResult, item: Item, demand: [Double], seed: UInt64, initialOnHand: Double? = nil,
                         initialBackorders: Double = 0, initialPipeline: [(due: Int, qty: Double)] = []) -> Result {
    var state = State(onHand: initialOnHand ?? policy.orderUpTo.rounded(.up), backorder: initialBackorders, pipeline: initialPipeline, seed: seed)
    advance(&state, policy: policy, item: item, demand: demand)
    return state.finish()
  }
}
