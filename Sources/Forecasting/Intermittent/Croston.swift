import Foundation
import Statistics

/// Simple exponential smoothing with the "simple" start (level₁ = x₁), R's `ses(initial = "simple")`:
/// `ℓ₁ = x₁, ℓ_t = α·x_t + (1 − α)·ℓ_{t−1}`; the forecast is the last level.
@inline(__always)
func simpleSmoothingLevel(_ x: [Double], alpha: Double) -> Double {
  var level = x[0]
  for t in 1..<x.count { level = alpha * x[t] + (1 - alpha) * level }
  return level
}

/// Croston's method and its bias-corrected variants for intermittent demand.
///
/// Croston (1972), "Forecasting and stock control for intermittent demands", ORQ 23:289–303; Syntetos &
/// Boylan (2005), "The accuracy of intermittent demand estimates", IJF 21:303–314 (SBA). As R's
/// `croston()` (forecast 8.20):
/// ```
/// z = non-zero demands, p = intervals between them (the first from the start of the series)
/// ẑ, p̂ = SES with the simple start (ℓ₁ = first value), smoothing α
/// ŷ = ẑ / p̂                 (Croston)
/// ŷ = (1 − α/2)·ẑ / p̂       (SBA, Syntetos–Boylan approximation)
/// ```
/// `optimised`: α for sizes and for intervals chosen separately in [0.1, 0.3] by the in-sample MSE of
/// each SES (statsforecast `CrostonOptimized`, by golden-section search here).
/// Fitted values: the one-step forecast from each prefix (R refits croston on every prefix; the same
/// numbers come from one pass here).
public struct CrostonMethod: ForecastingMethod {
  public enum Variant: String, Sendable {
    case classic, sba, optimised
  }

  public let alias: String
  public let variant: Variant
  public let alpha: Double
  /// Censored periods are left out of the size and interval sequences (the interval spans them).
  public var handlesMissingValues: Bool { true }

  public init(variant: Variant = .classic, alpha: Double = 0.1) {
    self.variant = variant
    self.alpha = alpha
    switch variant {
    case .classic: alias = "croston"
    case .sba: alias = "sba"
    case .optimised: alias = "crostonopt"
    }
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    guard !y.isEmpty else { throw .tooShort(observations: 0, needed: 1, model: alias) }
    if y.contains(where: { $0 < 0 }) { throw .invalidData("\(alias): demand must not be negative (returns must be netted out first)") }
    // Censored periods are dropped: they neither end an interval nor count as zero demand.
    let observed = y.filter { !$0.isNaN }
    var sizes: [Double] = [], intervals: [Double] = []
    var last = 0
    for (t, v) in observed.enumerated() where v > 0 {
      sizes.append(v)
      intervals.append(Double(t + 1 - last))
      last = t + 1
    }
    var sizeAlpha = alpha, intervalAlpha = alpha
    if variant == .optimised && sizes.count > 1 {
      sizeAlpha = optimiseSES(sizes)
      intervalAlpha = optimiseSES(intervals)
    }
    let name = variant == .classic ? "Croston" : variant == .sba ? "SBA" : "CrostonOptimized"
    let factor = variant == .sba ? 1 - alpha / 2 : 1
    // Forecast from each prefix: ŷ_{t+1} from y_1…y_t.
    var fittedObserved = [Double](repeating: .nan, count: observed.count)
    var size = 0.0, interval = 0.0
    var seen = 0
    var position = 0
    for t in 0..<observed.count {
      if t > 0 {
        // State after y_1…y_t (R returns NA when only the first non-zero is ≤ 1 in a longer prefix).
        fittedObserved[t] = seen == 0 ? 0 : factor * size / interval
      }
      if observed[t] > 0 {
        if seen == 0 {
          size = sizes[0]
          interval = intervals[0]
        } else {
          size = sizeAlpha * sizes[position] + (1 - sizeAlpha) * size
          interval = intervalAlpha * intervals[position] + (1 - intervalAlpha) * interval
        }
        seen += 1
        position += 1
      }
    }
    let forecast = sizes.isEmpty ? 0 : factor * size / interval
    // Map the fitted values back onto the full calendar (censored periods get the prevailing forecast).
    var fitted = [Double](repeating: .nan, count: y.count)
    var k = 0
    var current = Double.nan
    for t in 0..<y.count {
      if !y[t].isNaN {
        current = fittedObserved[k]
        k += 1
      }
      fitted[t] = y[t].isNaN ? current : fittedObserved[k - 1]
    }
    return IntermittentFit(name: name, y: y, level: forecast, fitted: fitted, method: self)
  }

  /// α in [0.1, 0.3] minimising the in-sample one-step MSE of SES with the simple start.
  func optimiseSES(_ x: [Double]) -> Double {
    func mse(_ a: Double) -> Double {
      var level = x[0], sum = 0.0
      for t in 1..<x.count {
        let e = x[t] - level
        sum += e * e
        level = a * x[t] + (1 - a) * level
      }
      return sum / Double(max(1, x.count - 1))
    }
    return goldenSectionMinimum(lower: 0.1, upper: 0.3, mse)
  }
}

/// Golden-section search for the minimum of a unimodal function on [lower, upper] (tolerance 1e-6).
func goldenSectionMinimum(lower: Double, upper: Double, _ f: (Double) -> Double) -> Double {
  let ratio = (5.0.squareRoot() - 1) / 2
  var a = lower, b = upper
  var c = b - ratio * (b - a), d = a + ratio * (b - a)
  var fc = f(c), fd = f(d)
  while b - a > 1e-6 {
    if fc < fd {
      b = d
      d = c
      fd = fc
      c = b - ratio * (b - a)
      fc = f(c)
    } else {
      a = c
      c = d
      fc = fd
      d = a + ratio * (b - a)
      fd = f(d)
    }
  }
  return (a + b) / 2
}

/// Teunter, Syntetos & Babai (2011), "Intermittent demand: linking forecasting to inventory
/// obsolescence", EJOR 214:606–615 (TSB): the demand probability is updated every period, so forecasts
/// decay after long runs of zeros.
/// ```
/// p_t = p_{t−1} + α_p·(1[y_t > 0] − p_{t−1})
/// z_t = z_{t−1} + α_d·(y_t − z_{t−1})   only when y_t > 0
/// ŷ = p·z
/// ```
/// α_d, α_p in [0.01, 0.99] minimise the in-sample one-step MSE (Nelder–Mead); p₀ = share of non-zero
/// periods, z₀ = mean non-zero demand.
public struct TSBMethod: ForecastingMethod {
  public let alias = "tsb"
  public var handlesMissingValues: Bool { true }
  public init() {}

  static func run(_ y: [Double], alphaDemand: Double, alphaProbability: Double, p0: Double, z0: Double, fitted: inout [Double]?) -> (mse: Double, p: Double, z: Double) {
    var p = p0, z = z0, sum = 0.0, n = 0
    for (t, v) in y.enumerated() {
      let f = p * z
      fitted?[t] = f
      if v.isNaN { continue }
      sum += (v - f) * (v - f)
      n += 1
      p += alphaProbability * ((v > 0 ? 1 : 0) - p)
      if v > 0 { z += alphaDemand * (v - z) }
    }
    return (sum / Double(max(1, n)), p, z)
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let observed = y.filter { !$0.isNaN }
    guard observed.count >= 2 else { throw .tooShort(observations: observed.count, needed: 2, model: "TSB") }
    if observed.contains(where: { $0 < 0 }) { throw .invalidData("tsb: demand must not be negative") }
    let nonZero = observed.filter { $0 > 0 }
    let p0 = Double(nonZero.count) / Double(observed.count)
    let z0 = nonZero.isEmpty ? 0 : nonZero.reduce(0, +) / Double(nonZero.count)
    var none: [Double]? = nil
    let result = nelderMead(start: [0.1, 0.1], maxEvaluations: 500) { a in
      guard a[0] >= 0.01, a[0] <= 0.99, a[1] >= 0.01, a[1] <= 0.99 else { return .infinity }
      return Self.run(y, alphaDemand: a[0], alphaProbability: a[1], p0: p0, z0: z0, fitted: &none).mse
    }
    var fitted: [Double]? = [Double](repeating: .nan, count: y.count)
    let final = Self.run(y, alphaDemand: result.point[0], alphaProbability: result.point[1], p0: p0, z0: z0, fitted: &fitted)
    return IntermittentFit(name: "TSB", y: y, level: final.p * final.z, fitted: fitted!, method: self)
  }
}

/// Aggregate–disaggregate intermittent demand approach (Nikolopoulos, Syntetos, Boylan, Petropoulos &
/// Assimakopoulos 2011, JORS 62:544–554) and its multiple-aggregation extension IMAPA (Petropoulos &
/// Kourentzes 2015, JORS 66:914–924), as statsforecast defines them:
/// ```
/// ADIDA: k = round(mean interval between demands); sum y over non-overlapping buckets of k periods
///        (from the end); SES (α by MSE) on the buckets; ŷ = bucket forecast / k
/// IMAPA: the ADIDA forecast for every k = 1 … round(mean interval), averaged
/// ```
public struct ADIDAMethod: ForecastingMethod {
  public let alias: String
  public let multipleAggregation: Bool

  public init(multipleAggregation: Bool = false) {
    self.multipleAggregation = multipleAggregation
    alias = multipleAggregation ? "imapa" : "adida"
  }

  static func forecast(_ y: [Double], level k: Int) -> Double {
    let n = y.count / k * k
    guard n >= k else { return y.reduce(0, +) / Double(max(1, y.count)) / Double(k) }
    let tail = Array(y.suffix(n))
    let buckets = stride(from: 0, to: n, by: k).map { tail[$0..<($0 + k)].reduce(0, +) }
    if buckets.count == 1 { return buckets[0] / Double(k) }
    var best = (mse: Double.infinity, level: buckets[0])
    let alpha = goldenSectionMinimum(lower: 0.1, upper: 0.3) { a in
      var level = buckets[0], sum = 0.0
      for t in 1..<buckets.count {
        sum += (buckets[t] - level) * (buckets[t] - level)
        level = a * buckets[t] + (1 - a) * level
      }
      return sum
    }
    best.level = simpleSmoothingLevel(buckets, alpha: alpha)
    return best.level / Double(k)
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    guard !y.isEmpty else { throw .tooShort(observations: 0, needed: 1, model: alias) }
    if y.contains(where: { $0 < 0 }) { throw .invalidData("\(alias): demand must not be negative") }
    let values = y.map { $0.isNaN ? 0 : $0 }
    let demands = values.filter { $0 > 0 }.count
    let name = multipleAggregation ? "IMAPA" : "ADIDA"
    guard demands > 0 else { return IntermittentFit(name: name, y: y, level: 0, fitted: y.map { _ in 0 }, method: self) }
    let meanInterval = Double(values.count) / Double(demands)
    let k = max(1, Int(meanInterval.rounded()))
    let level: Double
    if multipleAggregation {
      level = (1...k).map { Self.forecast(values, level: $0) }.reduce(0, +) / Double(k)
    } else {
      level = Self.forecast(values, level: k)
    }
    // In-sample: the flat level (ADIDA has no natural one-step recursion at the original frequency).
    return IntermittentFit(name: name, y: y, level: level, fitted: y.map { _ in level }, method: self)
  }
}

/// A flat forecast of the demand rate with empirical intervals: quantiles of the in-sample errors of
/// the h-period sums, as none of these methods has a stated likelihood (R removed Croston's intervals as
/// invalid). Intervals are clipped at zero demand.
struct IntermittentFit: FittedModel {
  let name: String
  let y: [Double]
  let level: Double
  let fitted: [Double]
  /// The method that made this fit (its parameters are re-estimated on other data).
  var method: (any ForecastingMethod)? = nil
  var specification: (any ForecastingMethod)? { method }
  var residuals: [Double] { zip(y, fitted).map { $0 - $1 } }

  func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let mean = [Double](repeating: level, count: h)
    var lower: [[Double]] = [], upper: [[Double]] = []
    let errors = residuals.filter { $0.isFinite }.sorted()
    for l in levels {
      if errors.count < 5 {
        lower.append(mean)
        upper.append(mean)
        continue
      }
      let lo = quantileType8(sorted: errors, 0.5 - l / 200), hi = quantileType8(sorted: errors, 0.5 + l / 200)
      lower.append(mean.map { max(0, $0 + lo) })
      upper.append(mean.map { max($0, $0 + hi) })
    }
    return Forecast(
      model: name, mean: mean, levels: levels, lower: lower, upper: upper,
      intervalMethod: levels.isEmpty ? .none : .empirical, fitted: fitted, residuals: residuals)
  }
}
