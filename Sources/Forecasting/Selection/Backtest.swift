import Statistics
/// Rolling-origin evaluation (Tashman 2000): the last `windows` forecast origins, `step` periods apart,
/// each forecasting `horizon` periods from the history before it.
///
/// ```
/// origin_k = n − horizon − (windows − 1 − k)·step,  k = 0 … windows−1
/// train = y[0 ..< origin_k],  test = y[origin_k ..< origin_k + horizon]
/// ```
public struct BacktestPlan: Sendable, Equatable {
  public var horizon: Int
  public var windows: Int
  public var step: Int

  public init(horizon: Int, windows: Int = 3, step: Int? = nil) {
    precondition(horizon > 0 && windows > 0, "backtest needs horizon > 0 and windows > 0")
    self.horizon = horizon
    self.windows = windows
    self.step = step ?? horizon
  }

  /// Forecast origins (training lengths) that leave at least `minimumTraining` periods, oldest first.
  public func origins(length n: Int, minimumTraining: Int = 2) -> [Int] {
    (0..<windows).map { n - horizon - (windows - 1 - $0) * step }.filter { $0 >= minimumTraining }
  }
}

/// One window of one model on one series.
public struct BacktestWindow: Sendable {
  public let origin: Int
  public let model: String
  public let metrics: AccuracyMetrics
  public let forecast: Forecast
}

public enum Backtest {
  /// Which models `forecastsAtOrigins` carries forward instead of re-estimating.
  public enum Carrying: Sendable {
    /// Exponential smoothing (ETS) only: `auto`'s two-window selection, whose M3 score was measured this way
    /// (carrying Theta too moved M3 monthly sMAPE 13.629 → 13.644).
    case exponentialSmoothing
    /// Every model that supports it (ETS, Theta, AutoTheta, combinations of them): the 26–52 origins of the
    /// lead-time error profile, where a Nelder–Mead search per origin was a third of a weekly plan's time.
    case everySupported
  }

  /// Point forecasts `horizon` periods from each origin (ascending) of a model trained on `y[0 ..< origin]`:
  /// estimated at the earliest origin that fits, then carried forward with fixed parameters where the model
  /// supports it (statsforecast's `refit=False`) and `carrying` allows — `FittedModel.carriedForecasts`, one
  /// pass for ETS — and re-estimated where it does not. The method's `refitForecasts` shortcut, when it has
  /// one, gives the refits at every origin instead. `nil` where no model could be fitted.
  public static func forecastsAtOrigins(
    _ y: [Double], origins: [Int], method: any ForecastingMethod, seasonLength: Int, horizon: Int, carrying: Carrying
  ) -> [[Double]?] {
    if let shortcut = method.refitForecasts(y, origins: origins, horizon: horizon, seasonLength: seasonLength) { return shortcut }
    func refit(_ origin: Int) -> [Double]? {
      (try? method.fitCensored(Array(y[0..<origin]), seasonLength: seasonLength))?.pointForecasts(horizon: horizon)
    }
    var results = [[Double]?](repeating: nil, count: origins.count)
    for (i, origin) in origins.enumerated() {
      guard let base = try? method.fitCensored(Array(y[0..<origin]), seasonLength: seasonLength) else { continue }
      results[i] = base.pointForecasts(horizon: horizon)
      let later = Array(origins[(i + 1)...])
      if later.isEmpty { break }
      let carried = carrying == .everySupported || base is ETSFit
        ? base.carriedForecasts(y, origins: later, horizon: horizon) : later.map { _ in nil }
      for (j, origin) in later.enumerated() { results[i + 1 + j] = carried[j] ?? refit(origin) }
      break
    }
    return results
  }

  /// Runs `method` over the plan's windows. Windows whose fit fails are returned as errors.
  public static func run(
    _ y: [Double], seasonLength: Int, method: any ForecastingMethod, plan: BacktestPlan, levels: [Double] = []
  ) -> [Result<BacktestWindow, ForecastError>] {
    plan.origins(length: y.count).map { origin in
      let train = Array(y[0..<origin])
      let test = Array(y[origin..<(origin + plan.horizon)])
      do throws(ForecastError) {
        let fit = try method.fitCensored(train, seasonLength: seasonLength)
        let forecast = fit.forecast(horizon: plan.horizon, levels: levels)
        let metrics = AccuracyMetrics(actual: test, forecast: forecast.mean, training: train, seasonLength: seasonLength)
        return .success(BacktestWindow(origin: origin, model: fit.name, metrics: metrics, forecast: forecast))
      } catch {
        return .failure(error)
      }
    }
  }
}

/// Chooses, per series, the candidate with the lowest mean backtest error over `windows` origins.
/// Each candidate is fitted once on the whole history (the forecast comes from that fit); in the
/// backtest its specification (ETS components, Theta variant) is estimated at the earliest origin and, for
/// state-space models, carried forward to later origins with fixed parameters. Ties (within 1e-9 relative, e.g. every model exact on an all-zero hold-out) go to the
/// earlier — simpler — candidate; a candidate failing in any window is out. When no window fits (short
/// history) the incumbent (or else the first candidate that fits) is used.
///
/// Selection on a few short windows is noisy, so the `incumbent` (by default the combination, the most
/// accurate single choice on M3) is kept unless another candidate's backtest error is lower by more than
/// `margin` (25 %). The metric should be the one the forecasts are judged by; RMSSE by default.
/// Measured on M3 monthly (1,428 series, h = 18, sMAPE; `replenish-bench m3`): auto 13.629, the
/// combination alone 13.574, Theta 13.856, ETS 14.137 (published Theta 13.892, ForecastPro 13.898);
/// without the incumbent, plain selection scored 13.869. On 1,000 generated M5-shaped daily series
/// (h = 28, RMSSE): auto 0.6296 selecting by RMSSE, 0.6599 selecting by MASE; ETS 0.6281.
public struct AutoSelectMethod: ForecastingMethod {
  public let alias = "auto"
  public let candidates: [any ForecastingMethod]
  public let windows: Int
  public let metric: String
  /// Backtest horizon; `nil`: one season (at least 1, at most a quarter of the history).
  public let horizon: Int?

  /// Index of the candidate kept unless clearly beaten (`nil`: plain selection).
  public let incumbent: Int?
  public let margin: Double
  /// Whether intermittent and lumpy series go to `intermittentCandidates`.
  public let routesIntermittent: Bool

  public init(
    candidates: [any ForecastingMethod] = [SeasonalNaiveMethod(), ThetaMethod(), AutoThetaMethod(), ETSMethod(), ModelCatalog.combination],
    windows: Int = 2, metric: String = "rmsse", horizon: Int? = nil, incumbent: Int? = 4, margin: Double = 0.25,
    routesIntermittent: Bool = true
  ) {
    self.routesIntermittent = routesIntermittent
    precondition(incumbent.map { candidates.indices.contains($0) } ?? true, "incumbent must index a candidate")
    self.candidates = candidates
    self.windows = windows
    self.metric = metric
    self.horizon = horizon
    self.incumbent = incumbent
    self.margin = margin
  }

  /// Added to the candidates for intermittent and lumpy series (Syntetos–Boylan classes).
  ///
  /// Measured (RMSSE; `replenish-bench speed … --models auto`): adding them (the default) vs. not vs.
  /// replacing the candidates with them — carparts (h = 6) 0.4829 / 0.4845 / 0.5058; M5 sample (h = 28)
  /// 0.5014 / 0.5014 / 0.5442; Online Retail weekly (h = 8) 1.2329 / 1.2326 / 1.5999; 1,000 generated
  /// M5-shaped series 0.6296 / 0.6296 / 0.6283. Croston-type models alone lag level shifts and peaks.
  public static let intermittentCandidates: [any ForecastingMethod] = [
    CrostonMethod(variant: .sba), TSBMethod(), ADIDAMethod(), ADIDAMethod(multipleAggregation: true), CountModelMethod(),
  ]

  /// Fits every candidate on the whole history once, then backtests each fitted model's specification
  /// (its structure fixed, parameters re-estimated per window). A combination whose members are other
  /// candidates is scored from their window forecasts, without fitting them again.
  public var handlesMissingValues: Bool { true }

  /// Added for seasons longer than ETS models (m > 24: weekly data with a yearly season) when the history
  /// holds two of them and one season correlates with the next (`isSeasonOverSeasonCorrelated`): the trend +
  /// Fourier regression is then the one candidate that follows the season, and the choice is by a
  /// 6-window backtest without the incumbent's margin. Measured on the known-truth panel
  /// (`replenish-bench service`, yearly-seasonal weekly SKUs with two years of history): without it `auto`
  /// kept non-seasonal combinations whose forecasts lag the season, and cycle service fell 7–11 points
  /// short of target; with it (and 52 error origins) 1.9–3.4.
  public static let longSeasonCandidates: [any ForecastingMethod] = [TrendSeasonalRegressionMethod()]

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let classification = DemandClassification(y)
    if routesIntermittent && seasonLength > 24, !candidates.contains(where: { $0.alias == TrendSeasonalRegressionMethod().alias }),
      isSeasonOverSeasonCorrelated(y, seasonLength: seasonLength)
    {
      let pool = AutoSelectMethod(
        candidates: candidates + Self.longSeasonCandidates, windows: max(windows, 6), metric: metric, horizon: horizon, incumbent: nil, margin: margin,
        routesIntermittent: true)
      return try pool.fit(y, seasonLength: seasonLength)
    }
    if routesIntermittent && classification.isIntermittent {
      let pool = AutoSelectMethod(
        candidates: candidates + Self.intermittentCandidates, windows: windows, metric: metric, horizon: horizon,
        incumbent: incumbent, margin: margin, routesIntermittent: false)
      return try pool.select(y, seasonLength: seasonLength)
    }
    return try select(y, seasonLength: seasonLength)
  }

  func select(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    let h = horizon ?? max(1, min(max(1, seasonLength), y.count / 4))
    let plan = BacktestPlan(horizon: h, windows: windows)
    var fits: [(any FittedModel)?] = []
    var errors: [String] = []
    for candidate in candidates {
      // A combination of other candidates is assembled from their fits instead of fitting them again.
      if let combination = candidate as? CombinationMethod {
        let memberFits = combination.members.map { member in
          candidates.firstIndex { $0.alias == member.alias }.flatMap { $0 < fits.count ? fits[$0] : nil }
        }
        if memberFits.allSatisfy({ $0 != nil }) {
          fits.append(CombinationFit(members: memberFits.map { $0! }, seasonLength: seasonLength))
          continue
        }
      }
      do throws(ForecastError) {
        fits.append(try candidate.fitCensored(y, seasonLength: seasonLength))
      } catch {
        fits.append(nil)
        errors.append("\(candidate.alias): \(error)")
      }
    }
    // Two seasons of training before a window, except for seasons longer than ETS handles (m > 24), where
    // no candidate but the regression uses the season: one season and a period then (a two-year weekly
    // history would otherwise have no window at all, and `auto` would be the incumbent unscored).
    let origins = plan.origins(length: y.count, minimumTraining: max(4, seasonLength > 24 ? seasonLength + 1 : 2 * seasonLength))
    // Window forecasts per candidate: [window][step], nil when a window fails.
    var windowForecasts = [[[Double]]?](repeating: nil, count: candidates.count)
    var scores: [(index: Int, score: Double)] = []
    if !origins.isEmpty {
      for (index, candidate) in candidates.enumerated() where !(candidate is CombinationMethod) {
        guard let fit = fits[index] else { continue }
        let forecasts = Backtest.forecastsAtOrigins(
          y, origins: origins, method: fit.specification ?? candidate, seasonLength: seasonLength, horizon: h, carrying: .exponentialSmoothing
        ).compactMap { $0 }
        if forecasts.count == origins.count { windowForecasts[index] = forecasts }
      }
      for (index, candidate) in candidates.enumerated() {
        guard let combination = candidate as? CombinationMethod, fits[index] != nil else { continue }
        let memberIndices = combination.members.compactMap { member in candidates.firstIndex { $0.alias == member.alias } }
        let available = memberIndices.compactMap { windowForecasts[$0] }
        guard !available.isEmpty, memberIndices.count == combination.members.count else { continue }
        windowForecasts[index] = origins.indices.map { w in
          (0..<h).map { step in available.reduce(0) { $0 + $1[w][step] } / Double(available.count) }
        }
      }
      for index in candidates.indices {
        guard let forecasts = windowForecasts[index] else { continue }
        var values: [Double] = []
        for (w, origin) in origins.enumerated() {
          let metrics = AccuracyMetrics(
            actual: Array(y[origin..<(origin + h)]), forecast: forecasts[w], training: Array(y[0..<origin]),
            seasonLength: seasonLength)
          if let v = metrics.value(metric), v.isFinite { values.append(v) }
        }
        if values.count == origins.count { scores.append((index, values.reduce(0, +) / Double(values.count))) }
      }
    }
    // Best score; ties to the earlier candidate; the incumbent stays unless clearly beaten.
    var order = scores.sorted { a, b in
      if abs(a.score - b.score) <= 1e-9 * max(abs(a.score), abs(b.score)) { return a.index < b.index }
      return a.score < b.score
    }.map(\.index)
    if let incumbent, let best = scores.min(by: { $0.score < $1.score }) {
      let incumbentScore = scores.first { $0.index == incumbent }?.score
      if best.index != incumbent, let incumbentScore, best.score > incumbentScore * (1 - margin) {
        order.removeAll { $0 == incumbent }
        order.insert(incumbent, at: 0)
      }
    } else if let incumbent, scores.isEmpty {
      order = [incumbent]
    }
    for index in candidates.indices where !order.contains(index) { order.append(index) }
    for index in order {
      guard let fit = fits[index] else { continue }
      let score = scores.first { $0.index == index }?.score
      return SelectedFit(chosen: fit, alias: candidates[index].alias, backtestScore: score, metric: metric)
    }
    throw .noModel("auto: no candidate could be fitted (\(errors.joined(separator: "; ")))")
  }
}

/// The model `auto` chose, with why.
public struct SelectedFit: FittedModel {
  public let chosen: any FittedModel
  public let alias: String
  /// Mean backtest error of the chosen model (`nil`: chosen without a backtest, history too short).
  public let backtestScore: Double?
  public let metric: String
  public var name: String { chosen.name }
  public var fitted: [Double] { chosen.fitted }
  public var specification: (any ForecastingMethod)? { chosen.specification }
  public func extended(to y: [Double]) -> (any FittedModel)? { chosen.extended(to: y) }
  public func pointForecasts(horizon: Int) -> [Double] { chosen.pointForecasts(horizon: horizon) }
  public func carriedForecasts(_ y: [Double], origins: [Int], horizon: Int) -> [[Double]?] {
    chosen.carriedForecasts(y, origins: origins, horizon: horizon)
  }
  public func forecast(horizon: Int, levels: [Double]) -> Forecast { chosen.forecast(horizon: horizon, levels: levels) }
}
