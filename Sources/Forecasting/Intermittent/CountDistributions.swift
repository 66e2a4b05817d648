import Foundation

/// Discrete demand distributions with exact quantiles, for service-level stock on slow movers.
///
/// Poisson(λ):     P(k) = e^{−λ} λ^k / k!
/// NegBin(μ, r):   P(k) = Γ(k+r)/(Γ(r) k!) · (r/(r+μ))^r · (μ/(r+μ))^k,  variance μ + μ²/r
/// Sums of independent periods stay in the family: L periods of Poisson(λ) are Poisson(Lλ); L periods of
/// NegBin(μ, r) are NegBin(Lμ, Lr). Quantiles are the smallest k with F(k) ≥ p (R `qpois`, `qnbinom`).
public enum CountDistribution: Sendable, Equatable {
  case poisson(mean: Double)
  case negativeBinomial(mean: Double, size: Double)

  public var mean: Double {
    switch self {
    case .poisson(let m), .negativeBinomial(let m, _): return m
    }
  }

  public var variance: Double {
    switch self {
    case .poisson(let m): return m
    case let .negativeBinomial(m, r): return m + m * m / r
    }
  }

  /// The distribution of the sum of `periods` independent draws.
  public func sum(over periods: Double) -> CountDistribution {
    switch self {
    case .poisson(let m): return .poisson(mean: m * periods)
    case let .negativeBinomial(m, r): return .negativeBinomial(mean: m * periods, size: r * periods)
    }
  }

  /// log P(X = k).
  public func logProbability(_ k: Int) -> Double {
    let x = Double(k)
    switch self {
    case .poisson(let m):
      if m == 0 { return k == 0 ? 0 : -.infinity }
      return -m + x * log(m) - lgamma(x + 1)
    case let .negativeBinomial(m, r):
      if m == 0 { return k == 0 ? 0 : -.infinity }
      return lgamma(x + r) - lgamma(r) - lgamma(x + 1) + r * log(r / (r + m)) + x * log(m / (r + m))
    }
  }

  /// Smallest k with P(X ≤ k) ≥ p, by summing the probability mass function from 0 (recurrence ratios
  /// keep it O(k) and stable).
  public func quantile(_ p: Double) -> Int {
    precondition(p >= 0 && p < 1, "quantile level must be in [0, 1), got \(p)")
    if mean <= 0 { return 0 }
    var k = 0
    var probability = exp(logProbability(0))
    var cumulative = probability
    // For very large means start near the mean to avoid underflow of P(0).
    if probability < 1e-300 {
      let start = max(0, Int(mean - 10 * variance.squareRoot()))
      k = start
      cumulative = 0
      probability = exp(logProbability(k))
      // Lower tail below `start` is < 1e-20 of the mass: negligible.
      cumulative = probability
    }
    while cumulative < p && k < 100_000_000 {
      k += 1
      switch self {
      case .poisson(let m): probability *= m / Double(k)
      case let .negativeBinomial(m, r): probability *= (Double(k - 1) + r) / Double(k) * (m / (r + m))
      }
      cumulative += probability
    }
    return k
  }

  /// Fits by moments to non-negative counts: Poisson when the variance does not exceed the mean,
  /// negative binomial (r = μ²/(σ² − μ)) when it does.
  public static func fit(_ counts: [Double]) -> CountDistribution {
    let values = counts.filter { !$0.isNaN }
    guard !values.isEmpty else { return .poisson(mean: 0) }
    let mean = values.reduce(0, +) / Double(values.count)
    guard values.count > 1, mean > 0 else { return .poisson(mean: max(0, mean)) }
    let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count - 1)
    if variance <= mean * 1.0001 { return .poisson(mean: mean) }
    return .negativeBinomial(mean: mean, size: mean * mean / (variance - mean))
  }
}

/// Poisson or negative-binomial demand with a level from a given forecasting method (default: the mean
/// of the last `window` periods), intervals and quantiles from the stated count distribution.
public struct CountModelMethod: ForecastingMethod {
  public let alias: String
  public let window: Int
  public let forceFamily: Family?

  public enum Family: Sendable { case poisson, negativeBinomial }
  public var handlesMissingValues: Bool { true }

  public init(window: Int = 56, family: Family? = nil) {
    self.window = window
    self.forceFamily = family
    switch family {
    case .poisson: alias = "poisson"
    case .negativeBinomial: alias = "negbin"
    case .none: alias = "count"
    }
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let recent = Array(y.suffix(window)).filter { !$0.isNaN }
    guard !recent.isEmpty else { throw .tooShort(observations: 0, needed: 1, model: alias) }
    if recent.contains(where: { $0 < 0 }) { throw .invalidData("\(alias): demand must not be negative") }
    var distribution = CountDistribution.fit(recent)
    switch (forceFamily, distribution) {
    case (.poisson?, _): distribution = .poisson(mean: distribution.mean)
    case (.negativeBinomial?, .poisson(let m)): distribution = .negativeBinomial(mean: m, size: 1e6)
    default: break
    }
    return CountModelFit(y: y, distribution: distribution, method: self)
  }
}

public struct CountModelFit: FittedModel {
  let y: [Double]
  public let distribution: CountDistribution
  /// The method it came from: the same window and family rule re-estimated on a backtest's training data
  /// (a rolling origin's error is of this model, not of whatever `auto` would choose there).
  let method: CountModelMethod
  public var specification: (any ForecastingMethod)? { method }
  public var name: String {
    switch distribution {
    case .poisson: return "Poisson"
    case .negativeBinomial: return "NegativeBinomial"
    }
  }
  public var fitted: [Double] { y.map { _ in distribution.mean } }

  public func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let mean = [Double](repeating: distribution.mean, count: h)
    let lower = levels.map { l in [Double](repeating: Double(distribution.quantile(0.5 - l / 200)), count: h) }
    let upper = levels.map { l in [Double](repeating: Double(distribution.quantile(0.5 + l / 200)), count: h) }
    return Forecast(
      model: name, mean: mean, levels: levels, lower: lower, upper: upper,
      intervalMethod: levels.isEmpty ? .none : .distribution, fitted: fitted, residuals: zip(y, fitted).map { $0 - $1 })
  }
}
