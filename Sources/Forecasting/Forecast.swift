import Statistics
/// A point forecast with prediction intervals, and the in-sample fit that produced it.
///
/// Column names follow statsforecast (`mean`, `lo-80`, `hi-80`, …) so pipelines can switch tools
/// without rewriting.
public struct Forecast: Sendable {
  /// Name of the fitted model, e.g. `ETS(A,Ad,N)` or `SeasonalNaive`.
  public var model: String
  public var mean: [Double]
  /// Interval levels in percent (e.g. 80, 95), ascending.
  public var levels: [Double]
  /// `lower[k][h]`: lower bound of the `levels[k]` interval at step `h + 1`.
  public var lower: [[Double]]
  public var upper: [[Double]]
  /// How the intervals were computed.
  public var intervalMethod: IntervalMethod
  /// One-step in-sample fitted values (`.nan` where the model has none, e.g. the first period of Naive).
  public var fitted: [Double]
  /// `y − fitted` on the original scale.
  public var residuals: [Double]

  public init(
    model: String, mean: [Double], levels: [Double] = [], lower: [[Double]] = [], upper: [[Double]] = [],
    intervalMethod: IntervalMethod = .none, fitted: [Double], residuals: [Double]
  ) {
    self.model = model
    self.mean = mean
    self.levels = levels
    self.lower = lower
    self.upper = upper
    self.intervalMethod = intervalMethod
    self.fitted = fitted
    self.residuals = residuals
  }
}

extension Forecast {
  /// Demand cannot be negative: means and bounds clipped at zero.
  public func nonNegative() -> Forecast {
    var copy = self
    copy.mean = mean.map { max(0, $0) }
    copy.lower = lower.map { $0.map { max(0, $0) } }
    copy.upper = upper.map { $0.map { max(0, $0) } }
    return copy
  }
}

/// How a model's prediction intervals are obtained.
public enum IntervalMethod: String, Sendable, Codable {
  /// Closed-form variance of the h-step error, normal quantiles.
  case analytic
  /// Quantiles of seeded simulated sample paths from the fitted state-space model.
  case simulation
  /// Student-t quantiles of a regression or mean model.
  case studentT = "student-t"
  /// Exact quantiles of a stated count distribution (Poisson, negative binomial).
  case distribution
  /// Empirical quantiles of in-sample or backtest errors (no stated likelihood).
  case empirical
  case none
}

/// A forecasting method: fits one series and returns a fitted model.
///
/// Kernels work on `[Double]` histories, oldest first, with no dates or SKUs. `.nan` marks a period whose
/// demand was not observed (a stock-out): models that support it skip it in fitting.
public protocol ForecastingMethod: Sendable {
  /// Unique alias used in output columns and on the command line (`ets`, `theta`, `snaive`, …).
  var alias: String { get }
  func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel
  /// Whether `fit` treats `.nan` as unobserved (stock-out censored). Methods that do not are given a
  /// linearly interpolated history instead.
  var handlesMissingValues: Bool { get }
  /// Point forecasts `horizon` periods ahead from each origin (the exclusive end of its training data), as
  /// `fitCensored(Array(y[0 ..< origin]))` followed by `forecast` gives them up to rounding — for methods with
  /// a cheaper way than one refit per origin; `nil` when there is none (the caller refits).
  func refitForecasts(_ y: [Double], origins: [Int], horizon: Int, seasonLength: Int) -> [[Double]?]?
}

extension ForecastingMethod {
  public var handlesMissingValues: Bool { false }
  public func refitForecasts(_ y: [Double], origins: [Int], horizon: Int, seasonLength: Int) -> [[Double]?]? { nil }

  /// Fits after interpolating censored periods when this method cannot skip them.
  public func fitCensored(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    if handlesMissingValues || !y.contains(where: \.isNaN) { return try fit(y, seasonLength: seasonLength) }
    return try fit(ETSEstimator.interpolateMissing(y), seasonLength: seasonLength)
  }
}

/// A model fitted to one series.
public protocol FittedModel: Sendable {
  var name: String { get }
  /// One-step in-sample fitted values, same length as the history.
  var fitted: [Double] { get }
  /// Forecasts `horizon` periods ahead with intervals at `levels` (percent, 0 < level < 100).
  func forecast(horizon: Int, levels: [Double]) -> Forecast
  /// The same model with its structure fixed (ETS components, Theta variant), for re-estimating its
  /// parameters on other data such as backtest windows; `nil` when the model has no structure to fix.
  /// No default: a model without one had its rolling origins refitted by the method that chose it — a
  /// count model under `auto` re-ran the whole selection at each of 52 origins — so each model states it.
  var specification: (any ForecastingMethod)? { get }
  /// The same model — parameters and initial state fixed — run over a longer history `y` (which extends
  /// the one it was fitted on), for rolling-origin evaluation without re-estimation; `nil` if unsupported.
  func extended(to y: [Double]) -> (any FittedModel)?
  /// The point forecasts alone — `forecast(horizon:levels: []).mean` without the in-sample fitted values
  /// and residuals a `Forecast` carries (what a rolling origin needs, 26–52 times per SKU).
  func pointForecasts(horizon: Int) -> [Double]
  /// `extended(to: Array(y[0 ..< o]))?.pointForecasts(horizon:)` for each origin o: `nil` where the model
  /// cannot be carried. State-space models override it with one pass over `y`.
  func carriedForecasts(_ y: [Double], origins: [Int], horizon: Int) -> [[Double]?]
}

extension FittedModel {
  public var residuals: [Double] { [] }
  public func extended(to y: [Double]) -> (any FittedModel)? { nil }
  public func pointForecasts(horizon: Int) -> [Double] { forecast(horizon: horizon, levels: []).mean }
  public func carriedForecasts(_ y: [Double], origins: [Int], horizon: Int) -> [[Double]?] {
    origins.map { extended(to: Array(y[0..<$0]))?.pointForecasts(horizon: horizon) }
  }
}

/// Why a series could not be fitted.
public enum ForecastError: Error, Equatable, Sendable, CustomStringConvertible {
  case tooShort(observations: Int, needed: Int, model: String)
  case invalidData(String)
  case noModel(String)

  public var description: String {
    switch self {
    case let .tooShort(n, needed, model): return "\(model) needs at least \(needed) observations, got \(n)"
    case let .invalidData(reason): return reason
    case let .noModel(reason): return reason
    }
  }
}

/// Builds a `Forecast` with symmetric normal intervals `mean ± z·√variance`.
func normalIntervals(
  model: String, mean: [Double], variance: [Double], levels: [Double], method: IntervalMethod,
  fitted: [Double], residuals: [Double]
) -> Forecast {
  var lower: [[Double]] = []
  var upper: [[Double]] = []
  for level in levels {
    let z = normalQuantile(0.5 + level / 200)
    lower.append(zip(mean, variance).map { $0 - z * $1.squareRoot() })
    upper.append(zip(mean, variance).map { $0 + z * $1.squareRoot() })
  }
  return Forecast(
    model: model, mean: mean, levels: levels, lower: lower, upper: upper,
    intervalMethod: levels.isEmpty ? .none : method, fitted: fitted, residuals: residuals)
}
