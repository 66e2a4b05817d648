import Statistics
import TimeSeries

/// The forecast of one series, with the model that produced it and, if the requested model failed,
/// the fallback and why.
public struct SeriesForecast: Sendable {
  public let series: Int
  public let method: String
  public let forecast: Forecast?
  public let fallbackReason: String?
  public let error: String?
  /// Syntetos–Boylan class of the history (stock-out periods left out).
  public let pattern: DemandClassification
  /// Lead-time demand quantiles, when asked for.
  public let leadTimeDemand: LeadTimeDemand?
}

extension Panel {
  /// The history of series `s`, with stock-out periods as `.nan` (unobserved) when `censor` is set.
  public func history(of s: Int, censorStockOuts censor: Bool) -> [Double] {
    let range = range(of: s)
    guard censor else { return Array(values[range]) }
    return range.map { flags[$0].contains(.stockOut) ? .nan : values[$0] }
  }
}

/// Forecasts every series of a panel with every requested method, in parallel across series.
///
/// A method that fails on a series falls back to `fallback` (seasonal naive, else naive, else the mean)
/// and the result says so: batch runs degrade per series, they never abort.
public struct PanelForecaster: Sendable {
  public let methods: [any ForecastingMethod]
  public let horizon: Int
  public let levels: [Double]
  public let seasonLength: Int
  public let threads: Int
  /// Treat `in_stock = 0` periods as unobserved in fitting (and in accuracy).
  public let censorStockOuts: Bool
  /// Lead time (periods) and quantile levels τ for lead-time demand; `nil`: not computed.
  public let leadTime: Int?
  public let leadTimeQuantiles: [Double]

  public init(
    methods: [any ForecastingMethod], horizon: Int, levels: [Double], seasonLength: Int, threads: Int,
    censorStockOuts: Bool = true, leadTime: Int? = nil, leadTimeQuantiles: [Double] = []
  ) {
    self.methods = methods
    self.horizon = horizon
    self.levels = levels
    self.seasonLength = seasonLength
    self.threads = max(1, threads)
    self.censorStockOuts = censorStockOuts
    self.leadTime = leadTime
    self.leadTimeQuantiles = leadTimeQuantiles
  }

  /// The fallback chain for a series of length n.
  func fallback(_ y: [Double], primaryError: ForecastError) -> (Forecast?, String) {
    let chain: [any ForecastingMethod] = [SeasonalNaiveMethod(), NaiveMethod(), AverageMethod()]
    for method in chain {
      if let fit = try? method.fitCensored(y, seasonLength: seasonLength) {
        return (fit.forecast(horizon: horizon, levels: levels), "\(primaryError) → \(fit.name)")
      }
    }
    return (nil, "\(primaryError); no fallback could be fitted")
  }

  /// Runs over `seriesIndices` of the panel (all by default). `progress` is called with the number of
  /// series finished (from worker threads).
  public func run(panel: Panel, seriesIndices: [Int]? = nil, progress: (@Sendable (Int) -> Void)? = nil) -> [SeriesForecast] {
    let indices = seriesIndices ?? Array(0..<panel.seriesCount)
    let perSeries = parallelMap(count: indices.count, threads: threads, progress: progress) { position -> [SeriesForecast] in
      let s = indices[position]
      let y = panel.history(of: s, censorStockOuts: censorStockOuts)
      let pattern = DemandClassification(y)
      return methods.map { method in
        do throws(ForecastError) {
          let fit = try method.fitCensored(y, seasonLength: seasonLength)
          let ltd = leadTime.map {
            LeadTimeDemand(history: y, fit: fit, method: method, seasonLength: seasonLength, leadTime: $0, levels: leadTimeQuantiles)
          }
          return SeriesForecast(
            series: s, method: method.alias, forecast: fit.forecast(horizon: horizon, levels: levels).nonNegative(),
            fallbackReason: nil, error: nil, pattern: pattern, leadTimeDemand: ltd)
        } catch {
          let (forecast, reason) = fallback(y, primaryError: error)
          return SeriesForecast(
            series: s, method: method.alias, forecast: forecast?.nonNegative(), fallbackReason: reason,
            error: forecast == nil ? reason : nil, pattern: pattern, leadTimeDemand: nil)
        }
      }
    }
    return perSeries.flatMap { $0 }
  }
}

/// Backtests of every requested method on every series of a panel, in parallel across series.
public struct PanelBacktester: Sendable {
  public let methods: [any ForecastingMethod]
  public let plan: BacktestPlan
  public let seasonLength: Int
  public let threads: Int
  public let censorStockOuts: Bool

  public init(methods: [any ForecastingMethod], plan: BacktestPlan, seasonLength: Int, threads: Int, censorStockOuts: Bool = true) {
    self.methods = methods
    self.plan = plan
    self.seasonLength = seasonLength
    self.threads = max(1, threads)
    self.censorStockOuts = censorStockOuts
  }

  /// One row per series, method and window: the window or the error.
  public struct Row: Sendable {
    public let series: Int
    public let method: String
    public let window: Result<BacktestWindow, ForecastError>
  }

  public func run(panel: Panel, progress: (@Sendable (Int) -> Void)? = nil) -> [Row] {
    parallelMap(count: panel.seriesCount, threads: threads, progress: progress) { s -> [Row] in
      let y = panel.history(of: s, censorStockOuts: censorStockOuts)
      return methods.flatMap { method in
        Backtest.run(y, seasonLength: seasonLength, method: method, plan: plan).map { Row(series: s, method: method.alias, window: $0) }
      }
    }.flatMap { $0 }
  }
}
