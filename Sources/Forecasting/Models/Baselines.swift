import Foundation
import Statistics

/// Forecasts by repeating the value one season (lag) earlier, with optional drift — R's `lagwalk`,
/// behind `naive()`, `snaive()` and `rwf(drift = TRUE)`.
///
/// ```
/// ŷ_{n+h} = y_{n+h−k·lag} + k·d,  k = ⌊(h−1)/lag⌋ + 1 (steps), d = drift (mean of y_t − y_{t−lag}) or 0
/// σ² = Σ e²/(N − [drift]),  se_h = √(σ²·k + (k·se_d)²)
/// ```
/// Reference: Hyndman & Athanasopoulos, *Forecasting: Principles and Practice* (3rd ed.), §5.2 and §5.5.
struct LagWalkFit: FittedModel {
  let name: String
  var specification: (any ForecastingMethod)? {
    if lag > 1 { return SeasonalNaiveMethod() }
    return name == "Drift" ? DriftMethod() : NaiveMethod()
  }
  let history: [Double]
  let lag: Int
  let drift: Double
  let driftStandardError: Double
  let fitted: [Double]

  init(name: String, y: [Double], lag: Int, withDrift: Bool) {
    self.name = name
    self.history = y
    self.lag = lag
    var fitted = [Double](repeating: .nan, count: y.count)
    for t in lag..<max(lag, y.count) { fitted[t] = y[t - lag] }
    var drift = 0.0, driftSE = 0.0
    if withDrift {
      let differences = (lag..<y.count).map { y[$0] - y[$0 - lag] }.filter { !$0.isNaN }
      let n = Double(differences.count)
      drift = differences.reduce(0, +) / max(1, n)
      if n > 1 {
        let variance = differences.reduce(0) { $0 + ($1 - drift) * ($1 - drift) } / (n - 1)
        driftSE = (variance / n).squareRoot()
      }
      for t in lag..<max(lag, y.count) { fitted[t] += drift }
    }
    self.drift = drift
    self.driftStandardError = driftSE
    self.fitted = fitted
  }

  var residuals: [Double] { zip(history, fitted).map { $0 - $1 } }

  func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let n = history.count
    var mean = [Double](repeating: .nan, count: h)
    var variance = [Double](repeating: .nan, count: h)
    let errors = residuals.filter { !$0.isNaN }
    let dof = Double(errors.count) - (drift != 0 ? 1 : 0)
    let mse = dof > 0 ? errors.reduce(0) { $0 + $1 * $1 } / dof : .nan
    for i in 0..<h {
      let steps = i / lag + 1
      let source = n - lag + (i % lag)
      mean[i] = source >= 0 ? history[source] + Double(steps) * drift : .nan
      let k = Double(steps)
      variance[i] = mse * k + (k * driftStandardError) * (k * driftStandardError)
    }
    return normalIntervals(
      model: name, mean: mean, variance: variance, levels: levels, method: .analytic, fitted: fitted,
      residuals: residuals)
  }
}

/// Naive: the last value (random walk). R `naive()`.
public struct NaiveMethod: ForecastingMethod {
  public let alias = "naive"
  public init() {}
  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    guard y.count >= 2 else { throw .tooShort(observations: y.count, needed: 2, model: "Naive") }
    return LagWalkFit(name: "Naive", y: y, lag: 1, withDrift: false)
  }
}

/// Seasonal naive: the value one season earlier. R `snaive()`.
public struct SeasonalNaiveMethod: ForecastingMethod {
  public let alias = "snaive"
  public init() {}
  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let lag = max(1, seasonLength)
    guard y.count > lag else { throw .tooShort(observations: y.count, needed: lag + 1, model: "SeasonalNaive") }
    return LagWalkFit(name: "SeasonalNaive", y: y, lag: lag, withDrift: false)
  }
}

/// Random walk with drift. R `rwf(drift = TRUE)`.
public struct DriftMethod: ForecastingMethod {
  public let alias = "drift"
  public init() {}
  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    guard y.count >= 3 else { throw .tooShort(observations: y.count, needed: 3, model: "Drift") }
    return LagWalkFit(name: "Drift", y: y, lag: 1, withDrift: true)
  }
}

/// The mean of the history (R `meanf()`), or of the last `window` periods (statsforecast
/// `WindowAverage`), with Student-t intervals `ȳ ± t_{n−1}·s·√(1 + 1/n)`.
public struct AverageMethod: ForecastingMethod {
  public let alias: String
  /// `nil`: the whole history.
  public let window: Int?

  public init(window: Int? = nil) {
    self.window = window
    self.alias = window.map { "window\($0)" } ?? "mean"
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let used = window.map { Array(y.suffix($0)) } ?? y
    let values = used.filter { !$0.isNaN }
    guard !values.isEmpty else { throw .tooShort(observations: 0, needed: 1, model: alias) }
    return AverageFit(name: window == nil ? "Mean" : "WindowAverage(\(window!))", y: y, values: values, method: self)
  }
}

struct AverageFit: FittedModel {
  let name: String
  let y: [Double]
  let values: [Double]
  let method: AverageMethod
  var specification: (any ForecastingMethod)? { method }
  var average: Double { values.reduce(0, +) / Double(values.count) }
  var fitted: [Double] { [Double](repeating: average, count: y.count) }
  var residuals: [Double] { y.map { $0 - average } }

  func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let n = Double(values.count)
    let mean = average
    let sd = n > 1 ? (values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)).squareRoot() : .nan
    var lower: [[Double]] = [], upper: [[Double]] = []
    for level in levels {
      let t = n > 1 ? studentTQuantile(0.5 + level / 200, degreesOfFreedom: n - 1) : .infinity
      let w = t * sd * (1 + 1 / n).squareRoot()
      lower.append([Double](repeating: mean - w, count: h))
      upper.append([Double](repeating: mean + w, count: h))
    }
    return Forecast(
      model: name, mean: [Double](repeating: mean, count: h), levels: levels, lower: lower, upper: upper,
      intervalMethod: levels.isEmpty ? .none : .studentT, fitted: fitted, residuals: residuals)
  }
}
