import Forecasting
import Foundation
import Policy
import Statistics
import TimeSeries

/// One series' forecast as the planner uses it: the demand estimate that drives its policy, plus the
/// forecast path for charts and scenarios.
public struct SeriesDemand: Sendable {
  public var series: Int
  public var key: SeriesKey
  public var estimate: DemandEstimate
  public var model: String
  public var forecast: Forecast?
  /// Number of periods of history before the forecast (the history is `panel.history(of: series, …)` cut there).
  public var historyLength: Int
  /// Why the requested model fell back (`FallbackChain`), if it did.
  public var fallback: String?
  /// Where the season it was forecast on came from (`CategorySeasonality`), when borrowed.
  public var borrowedSeason: String? = nil
}

/// Turns a sales-history panel into per-series demand estimates, through the one panel forecasting loop
/// (`PanelForecaster`, with its `FallbackChain`).
///
/// ```
/// d  = mean of the forecast over the first ⌈E⌉ periods (E = exposure: lead time + review period)
/// σ_d = RMS of the backtest errors of ⌈E⌉-period sums at up to 26 rolling origins (a full season when longer), ÷ √⌈E⌉ (forecast error
///       out of sample, not demand variance); with too few origins, the one-step in-sample RMSE
/// intermittent/lumpy series: quantiles of demand summed over ⌈E⌉ periods at the item's service level
///     (count model: exact; otherwise split-conformal from rolling-origin backtests) — `LeadTimeDemand`
/// error profile: bias and MSE of the h-period cumulative forecasts, h = 1…⌈E⌉, at the same origins (what
///     the calibrated rule uses); series with too few origins get their demand pattern's median dispersion
///     (MSE ÷ forecast) × their own forecast
/// ```
/// A series that cannot be fitted by the requested model is estimated from its fallback model's fit, and
/// `fallback` says so; one with no observations at all has demand 0.
public struct DemandEstimator: Sendable {
  public var method: any ForecastingMethod
  public var seasonLength: Int
  public var threads: Int
  public var horizon: Int
  public var censorStockOuts = true
  /// Also keep exposure-demand quantiles (split-conformal on rolling origins) for smooth and erratic
  /// series, so that the distribution rule can be used for every SKU.
  public var exposureQuantilesForAll = false
  /// Where σ comes from: the RMS error of exposure-period sums at rolling origins divided by √E
  /// (`backtest`: out of sample, bias and error correlation over the exposure included), or the one-step
  /// in-sample RMSE (`inSample`: cheaper, optimistic for flexible models).
  public enum SigmaSource: String, Sendable { case backtest, inSample = "in-sample" }
  public var sigmaSource = SigmaSource.backtest
  /// Each series' category ("" = none): series with less than two seasons of history, and longer ones whose
  /// own season agrees with it, are forecast on their category's season when it has one
  /// (`CategorySeasonality`); nil = no borrowing.
  public var categories: [String]?

  /// What the summary says of fallbacks.
  public static let fallbackDescription = "to " + FallbackChain.description

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
    Self.completed(estimateEach(panel: panel, endPeriod: endPeriod, exposure: exposure, progress: progress))
  }

  /// The per-series step of `estimate`, for the series `series` (nil: all) — what one shard of a plan
  /// computes (`PlanJob.demandShard`). `completed` then does the one step that needs every series.
  public func estimateEach(panel: Panel, series: [Int]? = nil, endPeriod: Int? = nil,
                           exposure: @escaping @Sendable (Int) -> (periods: Double, serviceLevel: Double),
                           progress: (@Sendable (Int) -> Void)? = nil) -> [PartialDemand] {
    let periodDays = panel.frequency.nominalDays
    var forecaster = PanelForecaster(
      methods: [method], horizon: horizon, levels: [80, 95], seasonLength: seasonLength, threads: threads, censorStockOuts: censorStockOuts,
      leadTimeRequest: { s in
        let (e, level) = exposure(s)
        // Exposure quantiles (intermittent series, or all on request) and the backtest σ both come from here.
        return LeadTimeRequest(periods: max(1, Int(e.rounded(.up))), levels: [level], coverInForecast: true)
      })
    if let categories {
      let borrowed = CategorySeasonality(panel: panel, categories: categories, seasonLength: seasonLength, endPeriod: endPeriod,
                                         censorStockOuts: censorStockOuts).borrowers
      if !borrowed.isEmpty { forecaster.seasonalProfile = { borrowed[$0] } }
    }
    let results = forecaster.run(panel: panel, seriesIndices: series, endPeriod: endPeriod, progress: progress)
    return results.map { r -> PartialDemand in
      let s = r.series
      let key = panel.keys[s]
      let periods = max(1, Int(exposure(s).periods.rounded(.up)))
      let first = panel.startPeriods[s]
      let length = endPeriod.map { max(0, min(panel.range(of: s).count, $0 - first)) } ?? panel.range(of: s).count
      let dispersion = r.leadTimeDemand?.errorProfile?.dispersion
      guard let forecast = r.forecast else {
        let estimate = DemandEstimate(sku: key.sku, location: key.location, periodDays: periodDays, meanPerPeriod: 0, sigmaPerPeriod: 0,
                                      sigmaSource: "none (no observations)", pattern: r.pattern.pattern)
        return PartialDemand(demand: SeriesDemand(series: s, key: key, estimate: estimate, model: "none", forecast: nil, historyLength: length, fallback: r.error),
                             dispersion: dispersion, exposurePeriods: periods)
      }
      let model = forecast.model
      let d = forecast.mean.prefix(periods).reduce(0, +) / Double(periods)
      var exposureDemand: ExposureDemand?
      var sigmaPerPeriod: Double
      var source: String
      if sigmaSource == .backtest, let ltd = r.leadTimeDemand, let rms = ltd.errorRMS {
        sigmaPerPeriod = rms / Double(periods).squareRoot()
        source = "RMS error of \(periods)-period sums at \(ltd.origins) rolling origins, ÷√\(periods) (\(model))"
      } else {
        let errors = forecast.residuals.filter { $0.isFinite }
        sigmaPerPeriod = errors.isEmpty ? 0 : (errors.reduce(0) { $0 + $1 * $1 } / Double(errors.count)).squareRoot()
        source = "one-step in-sample RMSE of \(model)"
      }
      if let ltd = r.leadTimeDemand, r.pattern.isIntermittent || exposureQuantilesForAll {
        exposureDemand = ExposureDemand(periods: periods, mean: ltd.mean, quantiles: ltd.quantiles, method: ltd.method.rawValue)
      }
      let estimate = DemandEstimate(
        sku: key.sku, location: key.location, periodDays: periodDays, meanPerPeriod: d, sigmaPerPeriod: sigmaPerPeriod,
        sigmaSource: source, pattern: r.pattern.pattern, exposureDemand: exposureDemand, errorProfile: r.leadTimeDemand?.errorProfile)
      return PartialDemand(demand: SeriesDemand(series: s, key: key, estimate: estimate, model: model, forecast: forecast, historyLength: length,
                                                fallback: r.fallbackReason, borrowedSeason: r.seasonalProfile?.source),
                           dispersion: dispersion, exposurePeriods: periods)
    }
  }

  /// The step of `estimate` across series: a series with a forecast but too few rolling origins of its own
  /// gets the error spread of SKUs with the same demand pattern (else of all), relative to the forecast
  /// level: MSE of an h-period sum = max(1, median dispersion) × d × h.
  public static func completed(_ partial: [PartialDemand]) -> [SeriesDemand] {
    let pooled = pooledDispersion(partial)
    return partial.map { p in
      var demand = p.demand
      let d = demand.estimate.meanPerPeriod
      let pattern = demand.estimate.pattern
      let own = pooled[pattern], all = pooled[Optional<DemandPattern>.none]
      if demand.forecast != nil, demand.estimate.errorProfile == nil, let (dispersion, skus) = own ?? all, d > 0 {
        demand.estimate.errorProfile = ForecastErrorProfile(
          meanSquares: (1...p.exposurePeriods).map { max(1, dispersion) * d * Double($0) }, forecastSums: (1...p.exposurePeriods).map { d * Double($0) },
          origins: 0,
          source: "the dispersion of \(skus) \(own == nil ? "" : (pattern?.rawValue ?? "") + " ")SKUs' errors (pooled; too few origins of its own)")
      }
      return demand
    }
  }
}

extension SeriesDemand {
  /// The estimate for the exposure window that starts `offset` periods after the plan — a time-phased
  /// reorder point for each period until the next plan, so that a policy held between plans follows the
  /// forecast's season or trend instead of the first window's level (SAP's time-dependent reorder points;
  /// Silver, Pyke & Thomas 2017 §8.6 on non-stationary demand): d_j = mean of the forecast over periods
  /// j … j + ⌈E⌉ − 1; the error profile (bias and spread of cumulative errors) is kept. Offset 0, or a
  /// forecast too short for the window: the plan's own estimate.
  public func estimate(offset j: Int, exposurePeriods e: Int) -> DemandEstimate {
    guard j > 0, e > 0, let mean = forecast?.mean, mean.count >= j + e else { return estimate }
    var shifted = estimate
    shifted.meanPerPeriod = mean[j..<(j + e)].reduce(0, +) / Double(e)
    return shifted
  }
}

/// One series' demand before the step across series (`DemandEstimator.completed`), with what that step
/// needs: its own error dispersion (MSE of the exposure sum ÷ its forecast) and its exposure in periods.
public struct PartialDemand: Sendable {
  public var demand: SeriesDemand
  public var dispersion: Double?
  public var exposurePeriods: Int
}

extension DemandEstimator {
  /// Median error dispersion (MSE of the exposure sum ÷ its forecast) per demand pattern (and over all,
  /// key `nil`) among the series with enough rolling origins, with how many series it pools.
  static func pooledDispersion(_ results: [PartialDemand]) -> [DemandPattern?: (Double, Int)] {
    var byPattern: [DemandPattern?: [Double]] = [:]
    for r in results {
      guard let dispersion = r.dispersion, dispersion.isFinite else { continue }
      byPattern[r.demand.estimate.pattern, default: []].append(dispersion)
      byPattern[nil, default: []].append(dispersion)
    }
    return byPattern.mapValues { values in
      let sorted = values.sorted()
      return (sorted[sorted.count / 2], sorted.count)
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
