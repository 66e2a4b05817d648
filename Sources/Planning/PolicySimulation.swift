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

  /// `initialOnHand` (default: the order-up-to level), `initialBackorders` and `initialPipeline`
  /// (quantity, arrival period) start the replay from a known state, e.g. the ledger's.
  public static func run(policy: PolicyResult, item: Item, demand: [Double], seed: UInt64, initialOnHand: Double? = nil,
                         initialBackorders: Double = 0, initialPipeline: [(due: Int, qty: Double)] = []) -> Result {
    var rng = SeededGenerator(seed: seed)
    let p = policy.periodDays
    let review = max(1, Int((policy.reviewPeriodDays / p).rounded()))
    var onHand = initialOnHand ?? policy.orderUpTo.rounded(.up)
    var backorder = initialBackorders
    var pipeline: [(due: Int, qty: Double)] = initialPipeline
    var result = Result(periods: demand.count, demand: 0, servedFromStock: 0, cycles: 0, cyclesWithStockOut: 0, stockOutPeriods: 0,
                        averageOnHand: 0, orders: 0, unitsOrdered: 0)
    var cycleHadStockOut = false
    var cycleOpen = true
    var onHandSum = 0.0
    for t in 0..<demand.count {
      // Receipts.
      var arrived = 0.0
      pipeline.removeAll { if $0.due <= t { arrived += $0.qty; return true }; return false }
      if arrived > 0 {
        if cycleOpen {
          result.cycles += 1
          if cycleHadStockOut { result.cyclesWithStockOut += 1 }
        }
        cycleOpen = true
        cycleHadStockOut = false
        onHand += arrived
        let clear = min(onHand, backorder)
        onHand -= clear
        backorder -= clear
      }
      // Demand (NaN = censored period: nothing known, nothing served).
      let d = demand[t].isNaN ? 0 : max(0, demand[t])
      result.demand += d
      let served = min(onHand, d)
      result.servedFromStock += served
      onHand -= served
      if d > served {
        backorder += d - served
        result.stockOutPeriods += 1
        cycleHadStockOut = true
      }
      onHandSum += onHand
      // Review.
      if t % review == 0 {
        let position = onHand - backorder + pipeline.reduce(0) { $0 + $1.qty }
        if position <= policy.reorderPoint || (policy.policy == .RS && position < policy.orderUpTo) {
          var qty: Double
          if policy.policy == .sQ {
            let n = max(1, ((policy.reorderPoint - position) / policy.orderQuantity).rounded(.down) + 1)
            qty = n * policy.orderQuantity
          } else {
            qty = PolicyCalculator.roundOrderQuantity(policy.orderUpTo - position, item: item)
          }
          let lead = max(0, (policy.leadTimeDays + policy.leadTimeSDDays * rng.normal()) / p)
          pipeline.append((t + max(1, Int(lead.rounded())), qty))
          result.orders += 1
          result.unitsOrdered += qty
        }
      }
    }
    if cycleOpen && cycleHadStockOut {
      result.cycles += 1
      result.cyclesWithStockOut += 1
    }
    result.averageOnHand = demand.isEmpty ? 0 : onHandSum / Double(demand.count)
    return result
  }
}
