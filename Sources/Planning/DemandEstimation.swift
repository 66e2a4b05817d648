import Forecasting
import Foundation
import Policy
import Statistics
import TimeSeries

/// One series' forecast as the planner uses it: the demand estimate that drives its policy, plus the
/// forecast path and history for charts.
public struct SeriesDemand: Sendable {
  public var series: Int
  public var key: SeriesKey
  public var estimate: DemandEstimate
  public var model: String
  public var forecast: Forecast?
  /// History used for fitting (NaN = censored/unobserved).
  public var history: [Double]
  /// Period number of the first history value.
  public var firstPeriod: Int
  /// Why the model fell back to a simple average, if it did.
  public var fallback: String?
}

/// Turns a sales-history panel into per-series demand estimates.
///
/// ```
/// d  = mean of the forecast over the first ⌈E⌉ periods (E = exposure: lead time + review period)
/// σ_d = RMS of the backtest errors of ⌈E⌉-period sums at up to 26 rolling origins, ÷ √⌈E⌉ (forecast error
///       out of sample, not demand variance); with too few origins, the one-step in-sample RMSE
/// intermittent/lumpy series: quantiles of demand summed over ⌈E⌉ periods at the item's service level
///     (count model: exact; otherwise split-conformal from rolling-origin backtests) — `LeadTimeDemand`
/// ```
/// When a series cannot be fitted (too short, all zero), d is the mean of its last 13 periods and σ_d their
/// standard deviation, and `fallback` says so.
public struct DemandEstimator: Sendable {
  public var method: any ForecastingMethod
  public var seasonLength: Int
  public var threads: Int
  public var horizon: Int
  public var censorStockOuts = true
  /// Also compute exposure-demand quantiles (split-conformal on rolling origins) for smooth and erratic
  /// series, so that the distribution rule can be used for every SKU (slower: one refit per origin).
  public var exposureQuantilesForAll = false
  /// Where σ comes from: the RMS error of exposure-period sums at rolling origins divided by √E
  /// (`backtest`: out of sample, bias and error correlation over the exposure included), or the one-step
  /// in-sample RMSE (`inSample`: cheaper, optimistic for flexible models).
  public enum SigmaSource: String, Sendable { case backtest, inSample = "in-sample" }
  public var sigmaSource = SigmaSource.backtest

  public init(method: any ForecastingMethod, seasonLength: Int, threads: Int, horizon: Int) {
    self.method = method
    self.seasonLength = seasonLength
    self.threads = threads
    self.horizon = horizon
  }

  /// `exposure(s)` gives (exposure periods, service level) for series `s`; `endPeriod` (exclusive) cuts the
  /// history for backtests.
  public func estimate(panel: Panel, endPeriod: Int? = nil, exposure: @escaping @Sendable (Int) -> (periods: Double, serviceLevel: Double),
                       progress: (@Sendable (Int) -> Void)? = nil) -> [SeriesDemand] {
    let periodDays = panel.frequency.nominalDays
    return parallelMap(count: panel.seriesCount, threads: threads, progress: progress) { s -> SeriesDemand in
      var y = panel.history(of: s, censorStockOuts: censorStockOuts)
      let first = panel.startPeriods[s]
      if let endPeriod { y = Array(y.prefix(max(0, endPeriod - first))) }
      // Trailing unobserved periods (the panel runs to its common end) are not demand.
      let (e, level) = exposure(s)
      let periods = max(1, Int(e.rounded(.up)))
      let pattern = DemandClassification(y.filter { !$0.isNaN })
      let key = panel.keys[s]
      do throws(ForecastError) {
        guard y.filter({ !$0.isNaN }).count >= 4 else { throw ForecastError.tooShort(observations: y.filter { !$0.isNaN }.count, needed: 4, model: "any model") }
        let fit = try method.fitCensored(y, seasonLength: seasonLength)
        let forecast = fit.forecast(horizon: max(horizon, periods), levels: [80, 95]).nonNegative()
        let d = forecast.mean.prefix(periods).reduce(0, +) / Double(periods)
        let errors = forecast.residuals.filter { $0.isFinite }
        let sigma = errors.isEmpty ? 0 : (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
        var exposureDemand: ExposureDemand?
        var sigmaPerPeriod = sigma
        var source = "one-step in-sample RMSE of \(fit.name)"
        if pattern.isIntermittent || exposureQuantilesForAll || sigmaSource == .backtest {
          let ltd = LeadTimeDemand(history: y, fit: fit, method: method, seasonLength: seasonLength, leadTime: periods, levels: [level])
          if pattern.isIntermittent || exposureQuantilesForAll {
            exposureDemand = ExposureDemand(periods: periods, mean: ltd.mean, quantiles: ltd.quantiles, method: ltd.method.rawValue)
          }
          if sigmaSource == .backtest, let rms = ltd.errorRMS {
            sigmaPerPeriod = rms / Double(periods).squareRoot()
            source = "RMS error of \(periods)-period sums at \(ltd.origins) rolling origins, ÷√\(periods) (\(fit.name))"
          }
        }
        let estimate = DemandEstimate(
          sku: key.sku, location: key.location, periodDays: periodDays, meanPerPeriod: d, sigmaPerPeriod: sigmaPerPeriod,
          sigmaSource: source, pattern: pattern.pattern.rawValue, exposureDemand: exposureDemand)
        return SeriesDemand(series: s, key: key, estimate: estimate, model: fit.name, forecast: forecast, history: y, firstPeriod: first, fallback: nil)
      } catch {
        let recent = y.suffix(13).filter { !$0.isNaN }
        let mean = recent.isEmpty ? 0 : recent.reduce(0, +) / Double(recent.count)
        let sd = recent.count < 2 ? mean.squareRoot() : (recent.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(recent.count - 1)).squareRoot()
        let estimate = DemandEstimate(
          sku: key.sku, location: key.location, periodDays: periodDays, meanPerPeriod: mean, sigmaPerPeriod: sd,
          sigmaSource: "sd of the last \(recent.count) periods (fallback)", pattern: pattern.pattern.rawValue)
        let flat = Forecast(model: "Mean13", mean: Array(repeating: mean, count: max(horizon, periods)), fitted: [], residuals: [])
        return SeriesDemand(series: s, key: key, estimate: estimate, model: "Mean13", forecast: flat, history: y, firstPeriod: first,
                            fallback: "\(error)")
      }
    }
  }
}

extension Frequency {
  /// Days in one period: 1, 7, or 365.25/12 for months.
  public var nominalDays: Double {
    switch self {
    case .day: 1
    case .week: 7
    case .month: 365.25 / 12
    }
  }
}
