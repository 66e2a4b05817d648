import Statistics
import TimeSeries

/// The forecast of one series, with the model that produced it and, if the requested model failed,
/// the fallback and why.
public struct SeriesForecast: Sendable {
  public let series: Int
  public let method: String
  /// The fitted model's name (`ETS(M,Ad,M)`, `SeasonalNaive`, …); `nil` when nothing could be fitted.
  public let model: String?
  public let forecast: Forecast?
  public let fallbackReason: String?
  public let error: String?
  /// Syntetos–Boylan class of the history (stock-out periods left out).
  public let pattern: DemandClassification
  /// Lead-time demand quantiles, when asked for.
  public let leadTimeDemand: LeadTimeDemand?
  /// The first forecast period (the one after the history used).
  public let firstForecastPeriod: Int
  /// The borrowed season it was forecast on (`PanelForecaster.seasonalProfile`), if any.
  public var seasonalProfile: SeasonalProfile? = nil
}

extension Panel {
  /// The history of series `s`, with stock-out periods as `.nan` (unobserved) when `censor` is set, up to
  /// `endPeriod` (exclusive) when given.
  public func history(of s: Int, censorStockOuts censor: Bool, endPeriod: Int? = nil) -> [Double] {
    var range = range(of: s)
    if let endPeriod { range = range.lowerBound..<max(range.lowerBound, min(range.upperBound, range.lowerBound + endPeriod - startPeriods[s])) }
    guard censor else { return Array(values[range]) }
    return range.map { flags[$0].contains(.stockOut) ? .nan : values[$0] }
  }
}

/// What a series fits to when the requested method cannot be fitted on it (fewer than 4 observations, too
/// short for the model, all zero, a numerical failure): the mean of its last 13 periods (all of them when
/// shorter), which needs one observation. Every batch path (`forecast`, `regress --compare`, `plan`,
/// `simulate`) uses this one chain.
/// The window mean rather than naive or seasonal naive: the series that reach it are short, and the last
/// value (or last season) of a short, often intermittent history is a poor basis for safety stock.
public enum FallbackChain {
  public static let methods: [any ForecastingMethod] = [AverageMethod(window: 13)]
  public static let description = "the mean of the last 13 periods"
  /// No model is fitted to fewer observations than this (a model "selected" on 3 points is noise).
  public static let minimumObservations = 4

  /// What fitting a series came to: the model that fitted (with the reason when it is a fallback), or why
  /// nothing could be fitted (no observations).
  public enum Outcome {
    case fitted(any FittedModel, method: any ForecastingMethod, fallback: String?)
    case failed(String)
  }

  /// `method`'s fit, else the chain's first fit, each tried once.
  public static func fit(_ y: [Double], method: any ForecastingMethod, seasonLength: Int) -> Outcome {
    let primary: ForecastError
    let observed = y.reduce(0) { $1.isNaN ? $0 : $0 + 1 }
    if observed < minimumObservations {
      primary = .tooShort(observations: observed, needed: minimumObservations, model: method.alias)
    } else {
      do throws(ForecastError) {
        return .fitted(try method.fitCensored(y, seasonLength: seasonLength), method: method, fallback: nil)
      } catch { primary = error }
    }
    for fallback in methods {
      if let fit = try? fallback.fitCensored(y, seasonLength: seasonLength) { return .fitted(fit, method: fallback, fallback: "\(primary) → \(fit.name)") }
    }
    return .failed("\(primary); no fallback could be fitted")
  }
}

/// What to compute of demand over a lead time for one series: its length in periods and the quantile
/// levels τ; `coverInForecast` extends the forecast to at least that many periods.
public struct LeadTimeRequest: Sendable {
  public var periods: Int
  public var levels: [Double]
  public var coverInForecast: Bool

  public init(periods: Int, levels: [Double], coverInForecast: Bool = false) {
    self.periods = periods
    self.levels = levels
    self.coverInForecast = coverInForecast
  }
}

/// Forecasts every series of a panel with every requested method, in parallel across series: the one
/// loop over series that the `forecast` command, the planning job and the policy backtest share.
///
/// A method that fails on a series falls back along `FallbackChain` and the result says so: batch runs
/// degrade per series, they never abort.
public struct PanelForecaster: Sendable {
  public let methods: [any ForecastingMethod]
  public let horizon: Int
  public let levels: [Double]
  public let seasonLength: Int
  public let threads: Int
  /// Treat `in_stock = 0` periods as unobserved in fitting (and in accuracy).
  public let censorStockOuts: Bool
  /// Lead-time demand per series (`nil`: not computed).
  public let leadTime: (@Sendable (Int) -> LeadTimeRequest?)?
  /// A seasonal profile per series to forecast it on the adjusted scale (`SeasonalProfile`): its history
  /// divided by the indices, the forecast, fitted values, intervals and lead-time demand multiplied back.
  public var seasonalProfile: (@Sendable (Int) -> SeasonalProfile?)?

  public init(
    methods: [any ForecastingMethod], horizon: Int, levels: [Double], seasonLength: Int, threads: Int,
    censorStockOuts: Bool = true, leadTime: Int? = nil, leadTimeQuantiles: [Double] = []
  ) {
    var request: (@Sendable (Int) -> LeadTimeRequest?)?
    if let leadTime {
      let fixed = LeadTimeRequest(periods: leadTime, levels: leadTimeQuantiles)
      request = { _ in fixed }
    }
    self.init(methods: methods, horizon: horizon, levels: levels, seasonLength: seasonLength, threads: threads, censorStockOuts: censorStockOuts,
              leadTimeRequest: request)
  }

  public init(
    methods: [any ForecastingMethod], horizon: Int, levels: [Double], seasonLength: Int, threads: Int, censorStockOuts: Bool = true,
    leadTimeRequest: (@Sendable (Int) -> LeadTimeRequest?)?
  ) {
    self.methods = methods
    self.horizon = horizon
    self.levels = levels
    self.seasonLength = seasonLength
    self.threads = max(1, threads)
    self.censorStockOuts = censorStockOuts
    self.leadTime = leadTimeRequest
  }

  /// Runs over `seriesIndices` of the panel (all by default), on the history before `endPeriod` when
  /// given. `progress` is called with the number of series finished (from worker threads). Results are in
  /// series order, then method order.
  /// `seriesEnds` (exclusive, per series) cuts each series at its own end instead (`SeriesEnd.lastRow`).
  public func run(panel: Panel, seriesIndices: [Int]? = nil, endPeriod: Int? = nil, seriesEnds: [Int]? = nil,
                  progress: (@Sendable (Int) -> Void)? = nil) -> [SeriesForecast] {
    let indices = seriesIndices ?? Array(0..<panel.seriesCount)
    let perSeries = parallelMap(count: indices.count, threads: threads, progress: progress) { position -> [SeriesForecast] in
      let s = indices[position]
      let end = seriesEnds?[s] ?? endPeriod
      let history = panel.history(of: s, censorStockOuts: censorStockOuts, endPeriod: end)
      let first = panel.startPeriods[s] + history.count
      let pattern = DemandClassification(history)
      let request = leadTime?(s)
      let steps = request.map { $0.coverInForecast ? max(horizon, $0.periods) : horizon } ?? horizon
      // On a borrowed season's adjusted scale: S over the history and every period any output reaches.
      let profile = seasonalProfile?(s)
      let seasonIndices = profile?.indices(from: panel.startPeriods[s], count: history.count + max(steps, request?.periods ?? 0))
      let y = seasonIndices.map { index in history.enumerated().map { $1 / index[$0] } } ?? history
      // The adjusted series has no season of its own left to fit.
      let fitSeason = profile == nil ? seasonLength : 1
      return methods.map { method in
        let fit: any FittedModel, fitted: any ForecastingMethod, fallback: String?
        switch FallbackChain.fit(y, method: method, seasonLength: fitSeason) {
        case .fitted(let f, let m, let reason): (fit, fitted, fallback) = (f, m, reason)
        case .failed(let reason):
          return SeriesForecast(series: s, method: method.alias, model: nil, forecast: nil, fallbackReason: reason, error: reason, pattern: pattern, leadTimeDemand: nil,
                                firstForecastPeriod: first)
        }
        let ltd = request.map {
          LeadTimeDemand(history: y, fit: fit, method: fitted, seasonLength: seasonLength, leadTime: $0.periods, levels: $0.levels, seasonalIndices: seasonIndices)
        }
        var forecast = fit.forecast(horizon: steps, levels: levels)
        if let profile, let seasonIndices {
          forecast = forecast.reseasonalized(ahead: Array(seasonIndices[history.count...]), past: Array(seasonIndices[..<history.count]), history: history,
                                             source: profile.source)
        }
        return SeriesForecast(
          series: s, method: method.alias, model: forecast.model, forecast: forecast.nonNegative(),
          fallbackReason: fallback, error: nil, pattern: pattern, leadTimeDemand: ltd, firstForecastPeriod: first, seasonalProfile: profile)
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

  /// `seriesEnds` (exclusive, per series) cuts each series at its own end (`SeriesEnd.lastRow`).
  public func run(panel: Panel, seriesEnds: [Int]? = nil, progress: (@Sendable (Int) -> Void)? = nil) -> [Row] {
    parallelMap(count: panel.seriesCount, threads: threads, progress: progress) { s -> [Row] in
      let y = panel.history(of: s, censorStockOuts: censorStockOuts, endPeriod: seriesEnds?[s])
      return methods.flatMap { method in
        Backtest.run(y, seasonLength: seasonLength, method: method, plan: plan).map { Row(series: s, method: method.alias, window: $0) }
      }
    }.flatMap { $0 }
  }
}
