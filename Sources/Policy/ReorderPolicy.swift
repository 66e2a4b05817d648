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
  /// Errors of cumulative forecasts at rolling origins (or pooled from similar SKUs): the spread the
  /// calibrated safety stock uses.
  public var errorProfile: ForecastErrorProfile?

  public init(sku: String, location: String? = nil, periodDays: Double, meanPerPeriod: Double, sigmaPerPeriod: Double,
              sigmaSource: String, pattern: DemandPattern? = nil, exposureDemand: ExposureDemand? = nil, errorProfile: ForecastErrorProfile? = nil) {
    self.sku = sku
    self.location = location
    self.periodDays = periodDays
    self.meanPerPeriod = meanPerPeriod
    self.sigmaPerPeriod = sigmaPerPeriod
    self.sigmaSource = sigmaSource
    self.pattern = pattern
    self.exposureDemand = exposureDemand
    self.errorProfile = errorProfile
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
  /// How the reorder point's quantile was obtained (the derivation a buyer reads).
  public var quantileMethod: String = ""
  public var safetyFactor: Double?
  public var safetyStock: Double
  public var reorderPoint: Double
  /// The cycle service the reorder point gives under the policy's own demand model: P(Y ≤ s), Y the demand
  /// between the ordering review and the arrival (the calibrated method, fill-rate items included; nil for
  /// the other methods). With whole units it is at or above the target — a slow mover's s = 0 may give
  /// 0.85 and s = 1 then 0.97, and no whole-unit s gives 0.90 — so it is what a backtest of that SKU can
  /// be held to.
  public var promisedCycleService: Double? = nil
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
    var sigmaE = (exposure * sigma * sigma + d * d * sigmaL * sigmaL).squareRoot()
    var meanE = d * exposure

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
    if method == .automatic { method = .calibrated }
    var factor: Double?
    var safety: Double
    var quantileMethod: String
    /// The demand the reorder point must cover in a cycle, when the method gives its distribution.
    var cycleDemand: DiscreteDemand?
    switch method {
    case .calibrated where item.policy != .minMax, .fillRate where item.policy != .minMax && demand.errorProfile != nil:
      let c = calibratedReorderPoint(item: item, demand: demand, target: serviceLevel, fillRate: method == .fillRate, orderQuantity: q)
      meanE = c.exposure.mean
      sigmaE = c.exposure.variance.squareRoot()
      safety = c.reorderPoint - meanE
      quantileMethod = c.description
      cycleDemand = c.exposure
    case .cycleService, .automatic, .calibrated:
      let z = normalQuantile(serviceLevel)
      factor = z
      safety = z * sigmaE
      quantileMethod = String(format: "normal: z = %.3f × σ over lead time + review", z)
    case .fillRate:
      if sigmaE > 0 {
        let k = InventoryMath.inverseStandardNormalLoss(q * (1 - serviceLevel) / sigmaE)
        factor = k
        safety = k * sigmaE
      } else {
        safety = 0
      }
      quantileMethod = "normal loss: G(k) = Q(1 − β)/σ"
    case .distribution:
      if let e = demand.exposureDemand {
        if abs(Double(e.periods) - exposure) > 0.5 { notes.append("exposure demand over \(e.periods) periods vs exposure \(String(format: "%.2f", exposure))") }
        safety = e.quantile(serviceLevel) - e.mean
        quantileMethod = "\(e.method) quantile of \(e.periods)-period demand"
      } else {
        let z = normalQuantile(serviceLevel)
        factor = z
        safety = z * sigmaE
        method = .cycleService
        notes.append("no exposure-demand quantiles: cycle-service rule used")
        quantileMethod = String(format: "normal: z = %.3f × σ over lead time + review", z)
      }
    case .daysOfCover:
      let days = item.minDays ?? 14
      safety = days * d / p
      quantileMethod = "days of cover"
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
    var result = PolicyResult(
      sku: item.sku, location: item.location ?? demand.location, policy: item.policy, periodDays: p, demandPerPeriod: d, sigmaPerPeriod: sigma,
      sigmaSource: demand.sigmaSource, leadTimeDays: item.leadTimeDays, leadTimeSDDays: item.leadTimeSDDays,
      reviewPeriodDays: item.reviewPeriodInForce, exposureDays: exposure * p, exposureDemand: meanE, sigmaExposure: sigmaE,
      serviceLevel: serviceLevel, serviceLevelSource: serviceLevelSource, safetyStockMethod: method, quantileMethod: quantileMethod,
      safetyFactor: factor, safetyStock: safety,
      reorderPoint: s, orderUpTo: upTo, economicOrderQuantity: eoq, orderQuantity: q, moq: item.moq, casePack: item.casePack,
      orderMultiple: item.orderMultiple, notes: notes)
    if item.policy != .minMax, let cycleDemand {
      let promise = cycleDemand.cumulativeProbability(atMost: s)
      result.promisedCycleService = promise
      let units = s == s.rounded() ? String(Int(s)) : String(format: "%.2f", s)
      result.quantileMethod += String(format: "; s = \(units) gives cycle service %.3f", promise)
    }
    return result
  }

  /// The reorder point that meets a cycle-service (or fill-rate) target under the replay's timing, from
  /// the calibrated distribution of exposure demand.
  ///
  /// ```
  /// x_L = L / P periods of lead time (fractional), R' = the review every max(1, round(R / P)) periods
  /// D_x ~ count distribution with mean d·x + b(x) and variance MSE(x) − b(x)² (+ d²σ_L² over the lead
  ///       time): b and MSE the mean and mean square error of x-period cumulative forecasts at rolling
  ///       origins (`ForecastErrorProfile`; pooled from SKUs of the same pattern when a SKU has too few;
  ///       σ²·x without either) — a forecast that kept falling short (a ramp it lags, zero for a SKU that
  ///       still sells) is corrected by what it missed
  /// R,S:       Y = D over x_L + R';  S = min{y : P(Y ≤ y) ≥ α}
  /// s,S / s,Q: Y = D_{x_L} + U, U the undershoot of s at the ordering review (`ReorderUndershoot`, gap
  ///            Q = S − s, review demand D_{R'});  s = min{y : P(Y ≤ y) ≥ α}
  /// fill rate β: the smallest s with E[shortage per cycle] ≤ (1 − β)·E[demand per cycle]:
  ///            s,S: E[(Y − s)⁺] ≤ (1 − β)(Q + E[U]);  R,S: E[(Y − S)⁺] − E[(D_{x_L} − S)⁺] ≤ (1 − β)·d·R'
  /// ```
  /// A cycle (one order's arrival to the next) stocks out iff the demand between the ordering review and
  /// the arrival exceeds the position at that review; with periodic review that position is s − U, not s,
  /// which the (L+R)-quantile rule ignores (it over-covers (s,S) at low targets). References: Silver, Pyke &
  /// Thomas (2017) §7.7; Zheng & Federgruen (1991); cumulative-error quantiles: Saoud, Kourentzes & Boylan
  /// (2022); Prak, Teunter & Syntetos (2017).
  public static func calibratedReorderPoint(item: Item, demand: DemandEstimate, target: Double, fillRate: Bool, orderQuantity q: Double)
    -> (reorderPoint: Double, exposure: DiscreteDemand, description: String)
  {
    let p = demand.periodDays
    let d = max(0, demand.meanPerPeriod)
    let lead = item.leadTimeDays / p
    let review = Double(max(1, Int((item.reviewPeriodInForce / p).rounded())))
    let leadVariability = d * d * (item.leadTimeSDDays / p) * (item.leadTimeSDDays / p)
    let spread: String
    /// Mean and variance of demand over x periods: the forecast plus the errors' bias, the errors' spread
    /// around it (MSE − bias²).
    func moments(_ x: Double) -> (mean: Double, variance: Double) {
      guard let profile = demand.errorProfile else { return (d * x, demand.sigmaPerPeriod * demand.sigmaPerPeriod * x) }
      let bias = profile.bias(overPeriods: x)
      return (max(0, d * x + bias), max(0, profile.meanSquare(overPeriods: x) - bias * bias))
    }
    if let profile = demand.errorProfile { spread = "errors of cumulative forecasts at \(profile.source)" } else { spread = "σ²·x (\(demand.sigmaSource))" }
    let (mLead, vForecastLead) = moments(lead)
    let vLead = vForecastLead + leadVariability
    let orderEveryReview = item.policy == .RS
    let (mTotal, vTotal) = moments(lead + review)
    let total = DiscreteDemand.matchingMoments(mean: mTotal, variance: vTotal + leadVariability)
    let unit = total.unit
    let leadDemand = DiscreteDemand.matchingMoments(mean: mLead, variance: vLead, unit: unit)
    let exposure: DiscreteDemand
    let undershootMean: Double
    if orderEveryReview {
      exposure = total
      undershootMean = 0
    } else {
      let (mReview, vReview) = moments(review)
      let reviewDemand = DiscreteDemand.matchingMoments(mean: mReview, variance: vReview, unit: unit)
      let undershoot = ReorderUndershoot.distribution(reviewDemand: reviewDemand, gap: q)
      undershootMean = undershoot.mean
      exposure = leadDemand.convolved(with: undershoot)
    }
    let family = vLead < mLead * 0.999 ? (vLead <= 1e-18 ? "no spread" : "normal (under-dispersed)") : vLead <= mLead * (1 + 1e-9) ? "Poisson" : "negative binomial"
    let timing = orderEveryReview
      ? String(format: "demand over %.2f + %.0f periods", lead, review)
      : String(format: "demand over %.2f periods + undershoot of s (mean %.2f)", lead, undershootMean)
    guard fillRate else {
      return (exposure.quantile(target), exposure, "\(family) \(timing), \(spread): \(String(format: "%.3g", target))-quantile")
    }
    // Fill rate: expected shortage per cycle, E[(Y − x)⁺] stepping down by unit·P(Y > x) per grid point.
    let perCycle = orderEveryReview ? moments(review).mean : q + undershootMean
    let allowed = (1 - target) * perCycle
    var excess = exposure.mean, leadExcess = leadDemand.mean
    var above = 1.0, leadAbove = 1.0
    var k = 0
    while true {
      let shortage = orderEveryReview ? excess - leadExcess : excess
      if shortage <= allowed + 1e-12 || k >= exposure.pmf.count { break }
      above -= exposure.pmf[k]
      leadAbove -= k < leadDemand.pmf.count ? leadDemand.pmf[k] : 0
      excess -= unit * max(0, above)
      leadExcess -= unit * max(0, leadAbove)
      k += 1
    }
    return (Double(k) * unit, exposure, "\(family) \(timing), \(spread): fill rate \(String(format: "%.3g", target))")
  }

  /// Rounds an order quantity up to the MOQ, then to a whole number of case packs and order multiples
  /// (their least common multiple).
  public static func roundOrderQuantity(_ q: Double, item: Item) -> Double {
    roundOrderQuantity(q, moq: item.moq, casePack: item.casePack, orderMultiple: item.orderMultiple)
  }

  /// The same rounding from the order rules alone (a buyer's edit of a suggested line).
  public static func roundOrderQuantity(_ q: Double, moq: Int, casePack: Int, orderMultiple: Int) -> Double {
    let step = lcm(casePack, orderMultiple)
    var units = max(Double(moq), q.rounded(.up))
    units = (units / Double(step)).rounded(.up) * Double(step)
    return units
  }

  public static func lcm(_ a: Int, _ b: Int) -> Int {
    func gcd(_ x: Int, _ y: Int) -> Int { y == 0 ? x : gcd(y, x % y) }
    return a / gcd(a, b) * b
  }
}
