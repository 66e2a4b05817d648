import Foundation
import LinearAlgebra
import Statistics
import TimeSeries

/// Price / promotion / calendar regression for every series of a panel, batched by shared design.
///
/// Series that start in the same period share the calendar design X (trend, Fourier seasonality, event
/// and holiday indicators), so each such group is one `BatchedRegression` solve. Per series: y (censored
/// periods interpolated), log price (missing prices carried from the nearest known one; a series without
/// any price gets log p = 0, i.e. no price effect), promotion = price below 95 % of the highest price of
/// the previous `regularWindow` periods. Forecast: future calendar rows, the last price, no promotion;
/// intervals ŷ ± z·σ (residual SD, parameter uncertainty ignored); means clipped at 0.
public struct PanelRegression: Sendable {
  public var seasonLength: Int
  public var fourierPairs: Int
  public var ridge: Double
  public var regularWindow: Int
  /// Fit on at most this many most recent periods (0 = all): a global trend over years fits old levels.
  public var window = 0

  public init(seasonLength: Int, fourierPairs: Int = 3, ridge: Double = 0.1, regularWindow: Int = 8) {
    self.seasonLength = seasonLength
    self.fourierPairs = fourierPairs
    self.ridge = ridge
    self.regularWindow = regularWindow
  }

  public struct SeriesResult: Sendable {
    public let series: Int
    public let forecast: Forecast
    public let elasticity: Double
    public let promotionEffect: Double
    /// Calendar coefficients by feature name (events only).
    public let eventEffects: [Double]
    public let residualSD: Double
    public let rank: Int
    public let groupSize: Int
  }

  /// `features(period)` gives the calendar feature values of a period (nil when the calendar does not cover it);
  /// `trainEnd` (exclusive) cuts the history for backtests.
  public func run(panel: Panel, trainEnd: Int, horizon: Int, levels: [Double], features: (Int) -> [Double]?) throws -> (results: [SeriesResult], flops: Double, seconds: Double) {
    var groups: [Int: [Int]] = [:]
    for s in 0..<panel.seriesCount where trainEnd - panel.startPeriods[s] >= 8 {
      let start = window > 0 ? max(panel.startPeriods[s], trainEnd - window) : panel.startPeriods[s]
      groups[start, default: []].append(s)
    }
    var results: [SeriesResult] = []
    var flops = 0.0
    var seconds = 0.0
    for start in groups.keys.sorted() {
      let members = groups[start]!
      let n = trainEnd - start
      let featureRows = (start..<(trainEnd + horizon)).map { features($0) }
      guard let width = featureRows.compactMap({ $0 }).first?.count, !featureRows.contains(where: { $0 == nil }) else {
        throw ForecastError.invalidData("the calendar does not cover periods \(panel.frequency.label(ofPeriod: start)) … \(panel.frequency.label(ofPeriod: trainEnd + horizon - 1))")
      }
      let eventColumns = (0..<width).map { f in featureRows.prefix(n).map { $0![f] } }
      let x = BatchedRegression.design(first: start, count: n, origin: start, seasonLength: seasonLength, pairs: fourierPairs, events: eventColumns)
      let futureEvents = (0..<width).map { f in featureRows.suffix(horizon).map { $0![f] } }
      let xf = BatchedRegression.design(first: trainEnd, count: horizon, origin: start, seasonLength: seasonLength, pairs: fourierPairs, events: futureEvents)
      var y = Matrix(rows: n, columns: members.count), lp = Matrix(rows: n, columns: members.count), promo = Matrix(rows: n, columns: members.count)
      var lastLogPrice = [Double](repeating: 0, count: members.count)
      for (j, s) in members.enumerated() {
        let skip = start - panel.startPeriods[s]
        let values = ETSEstimator.interpolateMissing(Array(panel.history(of: s, censorStockOuts: true).dropFirst(skip).prefix(n)))
        var prices = panel.prices.map { Array($0[panel.range(of: s)].dropFirst(skip).prefix(n)) } ?? Array(repeating: .nan, count: n)
        // Carry prices forward, then backward for the leading gap.
        var last = Double.nan
        for i in prices.indices { if prices[i].isNaN { prices[i] = last } else { last = prices[i] } }
        if let first = prices.first(where: { !$0.isNaN }) { for i in prices.indices where prices[i].isNaN { prices[i] = first } }
        for i in 0..<n {
          y[i, j] = values[i].isNaN ? 0 : values[i]
          let p = prices[i]
          lp[i, j] = p.isNaN || p <= 0 ? 0 : log(p)
          let window = prices[max(0, i - regularWindow)..<i].filter { !$0.isNaN }
          promo[i, j] = (window.max().map { !p.isNaN && p < 0.95 * $0 } ?? false) ? 1 : 0
        }
        lastLogPrice[j] = lp[n - 1, j]
      }
      let t = Date()
      let fit = try BatchedRegression(ridge: ridge).fit(design: x, y: y, logPrice: lp, promo: promo)
      seconds += Date().timeIntervalSince(t)
      flops += fit.flops
      let base = try gemm(xf, fit.beta)  // horizon × members
      let fitted = try gemm(x, fit.beta)
      for (j, s) in members.enumerated() {
        let mean = (0..<horizon).map { max(0, base[$0, j] + fit.elasticity[j] * lastLogPrice[j]) }
        var lower: [[Double]] = [], upper: [[Double]] = []
        for level in levels {
          let z = normalQuantile(0.5 + level / 200)
          lower.append(mean.map { max(0, $0 - z * fit.residualSD[j]) })
          upper.append(mean.map { $0 + z * fit.residualSD[j] })
        }
        let fittedValues = (0..<n).map { fitted[$0, j] + fit.elasticity[j] * lp[$0, j] + fit.promotionEffect[j] * promo[$0, j] }
        let forecast = Forecast(model: "Regression(trend, Fourier \(fourierPairs), events \(width), log price, promo)", mean: mean, levels: levels,
                                lower: lower, upper: upper, intervalMethod: .analytic, fitted: fittedValues,
                                residuals: (0..<n).map { y[$0, j] - fittedValues[$0] })
        let k = x.columns
        results.append(SeriesResult(series: s, forecast: forecast, elasticity: fit.elasticity[j], promotionEffect: fit.promotionEffect[j],
                                    eventEffects: (0..<width).map { fit.beta[k - width + $0, j] }, residualSD: fit.residualSD[j], rank: fit.rank, groupSize: members.count))
      }
    }
    return (results.sorted { $0.series < $1.series }, flops, seconds)
  }
}
