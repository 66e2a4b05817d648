import Statistics
/// Quantiles of demand summed over a lead time — what a reorder point needs — not per-period quantiles
/// added up (which overstate the spread of independent periods).
///
/// ```
/// count models:  L periods of Poisson(λ) / NegBin(μ, r) are Poisson(Lλ) / NegBin(Lμ, Lr): exact quantiles
///                (a count model asked for by name; one chosen by `auto` takes the conformal rule below, its
///                origins re-estimating the count model itself)
/// otherwise:     conformal from backtests — at each of the last K origins o (K ≤ max(26, m), ⌊L/3⌋ ≥ 1 periods apart),
///                e_o = Σ y[o ..< o+L] − Σ max(0, ŷ_o(1…L)) with the model's parameters carried forward (or
///                re-fitted — `Backtest.forecastsAtOrigins`), of the forecasts as published (each period at or
///                above zero);
///                q_τ = max(0, Σ ŷ(1…L) + e_(k)),  k = ⌈(K+1)·τ⌉ — the split-conformal order
///                statistic, whose coverage is at least τ for exchangeable errors (Vovk et al. 2005); an
///                interpolated sample quantile under-covers with K ≈ 26 (measured: 86 % at τ = 0.95);
///                when k > K (too few origins for τ, e.g. τ > 0.963 with 26) the largest error would cover
///                only K/(K+1): then e = max(e_(K), ē + z_τ·s_e), a normal fit to the errors beyond their range
/// fewer than 8 origins: normal approximation with the per-period variances read off the 80 % interval,
///                summed as if independent (labelled as such)
/// `seasonalIndices` S_t (a borrowed season, `SeasonalProfile`): y is the adjusted history y_t / S_t and
///                every forecast and actual above is multiplied back by S_t — sums, errors and quantiles in
///                units; the models and origins see no season of their own
/// ```
/// Reference: Syntetos & Boylan (2016) *Intermittent Demand Forecasting*, ch. 4; conformal prediction
/// from rolling-origin residuals as in Stankeviciute et al. (2021) and statsforecast's ConformalIntervals.
public struct LeadTimeDemand: Sendable {
  public enum Method: String, Sendable, Codable {
    case distribution, conformal
    case normalApproximation = "normal-approx"
  }

  public let leadTime: Int
  public let mean: Double
  /// Quantile level τ → quantity, same order as requested.
  public let quantiles: [(level: Double, value: Double)]
  public let method: Method
  /// Backtest origins behind a conformal quantile (0 otherwise).
  public let origins: Int
  /// Root mean square of the backtest errors of the L-period sums (bias included); `nil` without
  /// enough origins. What a normal-theory safety stock should use as σ over the lead time.
  public let errorRMS: Double?
  /// Errors of the cumulative h-period sums, h = 1…L, at the same origins (`nil` without enough origins):
  /// what the calibrated safety stock reads the spread over a fractional lead time from.
  public let errorProfile: ForecastErrorProfile?

  /// Origins kept: the last 26, or a full season when it is longer (weekly data: 52), so that the errors
  /// cover every phase of the season — measured on the known-truth panel's yearly-seasonal SKUs: 26
  /// origins left cycle service 3.4–5.8 points short, 52 origins 1.2–3.0 (`replenish-bench service`).
  public static let maximumOrigins = 26
  public static func maximumOrigins(seasonLength: Int) -> Int { max(maximumOrigins, seasonLength) }
  /// Periods between origins: ⌊L / 3⌋, at least 1 — one period for weekly and monthly exposures, a week
  /// for a 21-day exposure on daily data, whose 26 consecutive origins spanned under a month: on the M5
  /// sample (unrecorded stock-outs as zero runs) their errors were all 0 for some SKUs, and cycle service
  /// fell 20–25 points short (`replenish simulate`, trained to 2015-04-24).
  public static func originStep(leadTime: Int) -> Int { max(1, leadTime / 3) }
  public static let minimumOrigins = 8

  public init(
    history y: [Double], fit: any FittedModel, method: any ForecastingMethod, seasonLength: Int, leadTime: Int,
    levels: [Double], seasonalIndices: [Double]? = nil
  ) {
    self.leadTime = leadTime
    let forecast = fit.forecast(horizon: leadTime, levels: [80])
    // `y` on a seasonally adjusted scale (`SeasonalProfile`): S for every period of y and the L after it
    // turns each forecast and each actual back to units, so that sums, errors and quantiles are of demand.
    let n = y.count
    let index: (Int) -> Double = { t in seasonalIndices.map { t < $0.count ? $0[t] : 1 } ?? 1 }
    // Demand forecasts are published period by period at or above zero (`Forecast.nonNegative`); the sums
    // and the errors at the origins are of those, not of a trend model's raw path below zero — a SKU that
    // stopped selling would otherwise show a positive "bias" (0 sold − a negative forecast) at every origin
    // and be ordered for (measured: the demo's 10002, no sale for 33 weeks, was suggested 60 units).
    let total = forecast.mean.enumerated().reduce(0) { $0 + max(0, $1.element) * index(n + $1.offset) }
    mean = total
    // Errors of L-period sums (and of every shorter cumulative sum) at the last origins.
    var errors: [Double] = []
    var squares = [Double](repeating: 0, count: leadTime), forecastSums = [Double](repeating: 0, count: leadTime)
    var errorSums = [Double](repeating: 0, count: leadTime)
    let latest = y.count - leadTime
    // Origins need some training, not two full seasons (weekly histories are often ~1 year long). They are
    // `originStep(leadTime)` periods apart, so that long sums (daily data: 21-day exposures) come from
    // months of history, not from a few weeks of overlapping windows.
    let step = Self.originStep(leadTime: leadTime)
    let earliest = max(max(4, min(2 * seasonLength, y.count / 2)), latest - step * (Self.maximumOrigins(seasonLength: seasonLength) - 1))
    if latest >= earliest {
      let origins = Array(stride(from: latest, through: earliest, by: -step).reversed())
      let forecasts = Backtest.forecastsAtOrigins(
        y, origins: origins, method: fit.specification ?? method, seasonLength: seasonalIndices == nil ? seasonLength : 1, horizon: leadTime,
        carrying: .everySupported)
      for (origin, originForecast) in zip(origins, forecasts) {
        guard let originForecast else { continue }
        let actual = (origin..<(origin + leadTime)).map { y[$0] * index($0) }
        if actual.contains(where: \.isNaN) { continue }  // censored periods: the true sum is unknown
        let path = originForecast.enumerated().map { max(0, $1) * index(origin + $0) }
        var error = 0.0, predicted = 0.0
        for (h, (a, f)) in zip(actual, path).enumerated() {
          error += a - f
          predicted += f
          squares[h] += error * error
          errorSums[h] += error
          forecastSums[h] += predicted
        }
        errors.append(error)
      }
    }
    errorProfile = errors.count >= Self.minimumOrigins
      ? ForecastErrorProfile(meanSquares: squares.map { $0 / Double(errors.count) }, forecastSums: forecastSums.map { $0 / Double(errors.count) },
                             meanErrors: errorSums.map { $0 / Double(errors.count) },
                             origins: errors.count, source: "\(errors.count) rolling origins")
      : nil
    if seasonalIndices == nil, let count = fit as? CountModelFit {  // (a count model of adjusted values is no count distribution)
      let sum = count.distribution.sum(over: Double(leadTime))
      quantiles = levels.map { ($0, Double(sum.quantile($0))) }
      self.method = .distribution
      origins = 0
      errorRMS = errorProfile.map { $0.meanSquares[leadTime - 1].squareRoot() }
      return
    }
    if errors.count >= Self.minimumOrigins {
      let sorted = errors.sorted()
      let n = Double(sorted.count)
      let meanError = errors.reduce(0, +) / n
      let sdError = (errors.reduce(0) { $0 + ($1 - meanError) * ($1 - meanError) } / max(1, n - 1)).squareRoot()
      quantiles = levels.map { tau in
        let exact = Int(((n + 1) * tau).rounded(.up))
        if tau >= 0.5 && exact > sorted.count {
          // Too few origins for this level: the order statistic would be the largest error, whose
          // coverage is only n/(n+1). Extend with a normal fit to the errors, never below the largest.
          return (tau, max(0, total + max(sorted[sorted.count - 1], meanError + normalQuantile(tau) * sdError)))
        }
        let rank = tau >= 0.5 ? exact : max(1, Int(((n + 1) * tau).rounded(.down)))
        return (tau, max(0, total + sorted[rank - 1]))
      }
      self.method = .conformal
      origins = errors.count
      errorRMS = (errors.reduce(0) { $0 + $1 * $1 } / n).squareRoot()
      return
    }
    let z80 = normalQuantile(0.9)
    var variance = 0.0
    for h in 0..<leadTime where forecast.upper.count == 1 {
      let sd = (forecast.upper[0][h] - forecast.mean[h]) / z80 * index(n + h)
      variance += sd * sd
    }
    let sd = variance.squareRoot()
    quantiles = levels.map { ($0, max(0, total + normalQuantile($0) * sd)) }
    self.method = .normalApproximation
    origins = errors.count
    errorRMS = nil
  }
}

/// Central-interval levels (percent) that give the one-sided quantiles τ: τ > ½ is the upper bound of the
/// (2τ − 1)·100 % interval, τ < ½ the lower bound of the (1 − 2τ)·100 % interval, τ = ½ the 0 % interval
/// (the median — not the mean, which for a skewed count distribution can exceed even the 0.9 quantile).
public func intervalLevels(forQuantiles taus: [Double]) -> [Double] {
  Array(Set(taus.map { abs(2 * $0 - 1) * 100 })).sorted()
}

/// Reads quantile τ off a forecast computed with `intervalLevels(forQuantiles:)` among its levels.
public func quantileFromIntervals(_ forecast: Forecast, _ tau: Double, step: Int) -> Double {
  let level = abs(2 * tau - 1) * 100
  guard let k = forecast.levels.firstIndex(where: { abs($0 - level) < 1e-9 }) else { return .nan }
  return tau > 0.5 ? forecast.upper[k][step] : forecast.lower[k][step]
}
