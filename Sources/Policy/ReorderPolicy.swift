import Statistics
import Foundation

/// What the forecast says about one SKU's coming demand, in periods of `periodDays` days.
public struct DemandEstimate: Sendable {
  public var sku: String
  public var location: String?
  public var periodDays: Double
  /// Expected demand per period over the coming lead time (average of the forecast means).
  public var meanPerPeriod: Double
  /// Standard deviation of the one-period forecast error (from backtest errors, not raw demand variance).
  public var sigmaPerPeriod: Double
  /// Where σ came from ("backtest RMSE", "80% interval", …).
  public var sigmaSource: String
  /// Syntetos–Boylan pattern of the history (smooth, erratic, intermittent, lumpy).
  public var pattern: DemandPattern?
  /// Quantiles of demand summed over the exposure period (lead time + review), when the forecast gave them.
  public var exposureDemand: ExposureDemand?

  public init(sku: String, location: String? = nil, periodDays: Double, meanPerPeriod: Double, sigmaPerPeriod: Double,
              sigmaSource: String, pattern: DemandPattern? = nil, exposureDemand: ExposureDemand? = nil) {
    self.sku = sku
    self.location = location
    self.periodDays = periodDays
    self.meanPerPeriod = meanPerPeriod
    self.sigmaPerPeriod = sigmaPerPeriod
    self.sigmaSource = sigmaSource
    self.pattern = pattern
    self.exposureDemand = exposureDemand
  }
}

/// Distribution of demand summed over an exposure of `periods` periods.
public struct ExposureDemand: Sendable {
  public var periods: Int
  public var mean: Double
  public var quantiles: [(level: Double, value: Double)]
  /// How the quantiles were obtained: distribution (count model), conformal (backtests), normal-approx.
  public var method: String

  public init(periods: Int, mean: Double, quantiles: [(level: Double, value: Double)], method: String) {
    self.periods = periods
    self.mean = mean
    self.quantiles = quantiles.sorted { $0.level < $1.level }
    self.method = method
  }

  /// The quantile at `level`: exact when computed at that level, otherwise the next higher level given
  /// (conservative), or the highest.
  public func quantile(_ level: Double) -> Double {
    if let q = quantiles.first(where: { $0.level >= level - 1e-12 }) { return q.value }
    return quantiles.last?.value ?? mean
  }
}

/// An item's computed policy and every input behind it.
public struct PolicyResult: Sendable {
  public var sku: String
  public var location: String?
  public var policy: ReorderPolicyKind
  public var periodDays: Double
  public var demandPerPeriod: Double
  public var demandPerDay: Double { demandPerPeriod / periodDays }
  public var sigmaPerPeriod: Double
  public var sigmaSource: String
  public var leadTimeDays: Double
  public var leadTimeSDDays: Double
  public var reviewPeriodDays: Double
  /// Lead time + review period (continuous review: lead time only), in days.
  public var exposureDays: Double
  public var exposureDemand: Double
  /// σ of demand over the exposure: √(E·σ_d² + d²·σ_L²) in units.
  public var sigmaExposure: Double
  public var serviceLevel: Double
  public var serviceLevelSource: String
  public var safetyStockMethod: SafetyStockMethod
  public var safetyFactor: Double?
  public var safetyStock: Double
  public var reorderPoint: Double
  public var orderUpTo: Double
  public var economicOrderQuantity: Double?
  public var orderQuantity: Double
  public var moq: Int
  public var casePack: Int
  public var orderMultiple: Int
  public var notes: [String]
}

public enum PolicyCalculator {
  /// Computes safety stock, reorder point, order-up-to level and order quantity for one item.
  ///
  /// ```
  /// L = lead time, R = review period, σ_L = lead-time SD (in periods); d, σ_d per period
  /// exposure E = L + R (continuous (s,Q): E = L)
  /// σ_E = √(E·σ_d² + d²·σ_L²)                                   (Silver, Pyke & Thomas eq. 6.7)
  /// cycle service (Type I):  SS = z_α·σ_E
  /// fill rate (Type II):     SS = k·σ_E with G(k) = Q(1 − β)/σ_E    (SPT eq. 7.21; G the normal loss)
  /// distribution:            SS = q_α(D_E) − E[D_E]                (quantile of exposure demand)
  /// days of cover:           SS = days · d / period length
  /// s = d·E + SS;  S = s + Q (sS), S = s (RS);  Q = EOQ = √(2KD/h) rounded up to MOQ, case pack, multiple,
  /// else d·R when no order cost or unit cost is known.
  /// ```
  public static func compute(item: Item, demand: DemandEstimate, serviceLevel: Double, serviceLevelSource: String) -> PolicyResult {
    var notes: [String] = []
    let p = demand.periodDays
    let d = max(0, demand.meanPerPeriod)
    let sigma = max(0, demand.sigmaPerPeriod)
    let leadPeriods = item.leadTimeDays / p
    let reviewPeriods = item.reviewPeriodInForce / p
    let exposure = leadPeriods + reviewPeriods
    let sigmaL = item.leadTimeSDDays / p
    let sigmaE = (exposure * sigma * sigma + d * d * sigmaL * sigmaL).squareRoot()
    let meanE = d * exposure

    // Order quantity: EOQ when costs are known, else the review period's demand.
    var eoq: Double?
    var q: Double
    if let k = item.orderCost, k > 0, let c = item.unitCost, c > 0, item.holdingCostRate > 0, d > 0 {
      let annual = d * 365.25 / p
      eoq = InventoryMath.economicOrderQuantity(orderCost: k, holdingCost: item.holdingCostRate * c, demandRate: annual).quantity
      q = eoq!
    } else {
      q = d * max(reviewPeriods, 1)
      notes.append(d == 0 ? "no expected demand: no economic order quantity" : "no order cost or unit cost: Q covers the review period")
    }
    q = roundOrderQuantity(q, item: item)

    var method = item.safetyStockMethod
    if method == .automatic {
      let intermittent = demand.pattern?.isIntermittent ?? false
      method = intermittent && demand.exposureDemand != nil ? .distribution : .cycleService
    }
    var factor: Double?
    var safety: Double
    switch method {
    case .cycleService, .automatic:
      let z = normalQuantile(serviceLevel)
      factor = z
      safety = z * sigmaE
    case .fillRate:
      if sigmaE > 0 {
        let k = InventoryMath.inverseStandardNormalLoss(q * (1 - serviceLevel) / sigmaE)
        factor = k
        safety = k * sigmaE
      } else {
        safety = 0
      }
    case .distribution:
      if let e = demand.exposureDemand {
        if abs(Double(e.periods) - exposure) > 0.5 { notes.append("exposure demand over \(e.periods) periods vs exposure \(String(format: "%.2f", exposure))") }
        safety = e.quantile(serviceLevel) - e.mean
      } else {
        let z = normalQuantile(serviceLevel)
        factor = z
        safety = z * sigmaE
        method = .cycleService
        notes.append("no exposure-demand quantiles: cycle-service rule used")
      }
    case .daysOfCover:
      let days = item.minDays ?? 14
      safety = days * d / p
    }
    if safety < 0 {
      notes.append(String(format: "computed safety stock %.2f < 0 set to 0", safety))
      safety = 0
    }
    // Caps in units and days.
    if let lo = item.minUnits, safety < lo, item.policy != .minMax { safety = lo; notes.append("safety stock raised to min_units") }
    if let hi = item.maxUnits, safety > hi, item.policy != .minMax { safety = hi; notes.append("safety stock capped at max_units") }
    if item.safetyStockMethod != .daysOfCover {
      if let lo = item.minDays, safety < lo * d / p { safety = lo * d / p; notes.append("safety stock raised to min_days of cover") }
    }
    if let hi = item.maxDays, safety > hi * d / p { safety = hi * d / p; notes.append("safety stock capped at max_days of cover") }

    var s = meanE + safety
    var upTo: Double
    switch item.policy {
    case .sQ, .sS: upTo = s + q
    case .RS:
      upTo = s
    case .minMax:
      s = item.minUnits ?? s
      upTo = max(s, item.maxUnits ?? s + q)
    }
    return PolicyResult(
      sku: item.sku, location: item.location ?? demand.location, policy: item.policy, periodDays: p, demandPerPeriod: d, sigmaPerPeriod: sigma,
      sigmaSource: demand.sigmaSource, leadTimeDays: item.leadTimeDays, leadTimeSDDays: item.leadTimeSDDays,
      reviewPeriodDays: item.reviewPeriodInForce, exposureDays: exposure * p, exposureDemand: meanE, sigmaExposure: sigmaE,
      serviceLevel: serviceLevel, serviceLevelSource: serviceLevelSource, safetyStockMethod: method, safetyFactor: factor, safetyStock: safety,
      reorderPoint: s, orderUpTo: upTo, economicOrderQuantity: eoq, orderQuantity: q, moq: item.moq, casePack: item.casePack,
      orderMultiple: item.orderMultiple, notes: notes)
  }

  /// Rounds an order quantity up to the MOQ, then to a whole number of case packs and order multiples
  /// (their least common multiple).
  public static func roundOrderQuantity(_ q: Double, item: Item) -> Double {
    let step = lcm(item.casePack, item.orderMultiple)
    var units = max(Double(item.moq), q.rounded(.up))
    units = (units / Double(step)).rounded(.up) * Double(step)
    return units
  }

  public static func lcm(_ a: Int, _ b: Int) -> Int {
    func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
    return a / gcd(a, b) * b
  }
}
