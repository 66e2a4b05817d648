import Foundation

/// Point-forecast accuracy of one series over a test window.
///
/// ```
/// MAE   = mean |y − ŷ|                    RMSE  = √mean (y − ŷ)²
/// MASE  = MAE / mean_{t>m} |y_t − y_{t−m}|      (training; Hyndman & Koehler 2006, m = season length;
///         m = 1 when the history is shorter than m + 1)
/// RMSSE = √( mean (y − ŷ)² / mean_{t>1} (y_t − y_{t−1})² )   (training; M5, Makridakis et al. 2022)
/// sMAPE = mean 200·|y − ŷ| / (|y| + |ŷ|)   (M3, Makridakis & Hibon 2000; a 0/0 term counts as 0)
/// WAPE  = Σ|y − ŷ| / Σ|y|                  bias = mean (ŷ − y)  (positive: over-forecast)
/// ```
/// Missing actuals (`.nan`, e.g. stock-out periods) are left out of every sum.
public struct AccuracyMetrics: Sendable, Codable, Equatable {
  public var mae: Double
  public var rmse: Double
  public var mase: Double
  public var rmsse: Double
  public var smape: Double
  public var wape: Double
  public var bias: Double
  /// Test periods used.
  public var count: Int

  public static let names = ["mae", "rmse", "mase", "rmsse", "smape", "wape", "bias"]

  public init(mae: Double, rmse: Double, mase: Double, rmsse: Double, smape: Double, wape: Double, bias: Double, count: Int) {
    self.mae = mae
    self.rmse = rmse
    self.mase = mase
    self.rmsse = rmsse
    self.smape = smape
    self.wape = wape
    self.bias = bias
    self.count = count
  }

  /// - Parameters:
  ///   - actual: test values; `forecast`: same length.
  ///   - training: the history the forecast was made from (for the MASE and RMSSE scales).
  public init(actual: [Double], forecast: [Double], training: [Double], seasonLength: Int) {
    precondition(actual.count == forecast.count, "actual and forecast differ in length")
    var absSum = 0.0, squareSum = 0.0, smapeSum = 0.0, actualSum = 0.0, errorSum = 0.0
    var n = 0
    for (y, f) in zip(actual, forecast) where !y.isNaN {
      let e = y - f
      absSum += abs(e)
      squareSum += e * e
      let denominator = abs(y) + abs(f)
      smapeSum += denominator == 0 ? 0 : 200 * abs(e) / denominator
      actualSum += abs(y)
      errorSum += f - y
      n += 1
    }
    let count = Double(n)
    mae = absSum / count
    rmse = (squareSum / count).squareRoot()
    smape = smapeSum / count
    wape = actualSum > 0 ? absSum / actualSum : .nan
    bias = errorSum / count
    self.count = n
    // Seasonal-naive scale; the one-step naive scale when the history is shorter than a season + 1.
    let seasonalScale = AccuracyMetrics.naiveScale(training, lag: max(1, seasonLength), squared: false)
    mase = mae / (seasonalScale.isNaN ? AccuracyMetrics.naiveScale(training, lag: 1, squared: false) : seasonalScale)
    rmsse = (squareSum / count / AccuracyMetrics.naiveScale(training, lag: 1, squared: true)).squareRoot()
  }

  /// Mean absolute (or squared) in-sample lag-`lag` difference.
  public static func naiveScale(_ y: [Double], lag: Int, squared: Bool) -> Double {
    var sum = 0.0
    var n = 0
    if y.count > lag {
      for t in lag..<y.count where !y[t].isNaN && !y[t - lag].isNaN {
        let d = y[t] - y[t - lag]
        sum += squared ? d * d : abs(d)
        n += 1
      }
    }
    return n > 0 ? sum / Double(n) : .nan
  }

  public func value(_ name: String) -> Double? {
    switch name {
    case "mae": return mae
    case "rmse": return rmse
    case "mase": return mase
    case "rmsse": return rmsse
    case "smape": return smape
    case "wape": return wape
    case "bias": return bias
    default: return nil
    }
  }
}

/// Pinball (quantile) loss of a quantile forecast q at level τ: mean of τ·(y − q)⁺ + (1 − τ)·(q − y)⁺.
public func pinballLoss(actual: [Double], quantile: [Double], level tau: Double) -> Double {
  var sum = 0.0
  var n = 0
  for (y, q) in zip(actual, quantile) where !y.isNaN {
    sum += y >= q ? tau * (y - q) : (1 - tau) * (q - y)
    n += 1
  }
  return sum / Double(max(1, n))
}

/// Scaled pinball loss of the M5 uncertainty competition:
///
/// ```
/// SPL(τ) = (1/h) Σ_t [ τ·(y_t − q_t)  if y_t ≥ q_t,  (1 − τ)·(q_t − y_t) otherwise ]
///          ÷ (1/(n − 1)) Σ_{t=2..n} |y_t − y_{t−1}|          (training data from the first non-zero value)
/// ```
/// Reference: M5 Competitors' Guide (Makridakis, Spiliotis & Assimakopoulos 2020), "Uncertainty": the
/// weighted SPL averages this over the nine quantiles 0.005 … 0.995 and weights series by dollar sales.
/// `nan` when the scale is 0 (a constant training series).
public func scaledPinballLoss(actual: [Double], quantile: [Double], level tau: Double, training: [Double]) -> Double {
  let start = training.firstIndex { $0 != 0 && !$0.isNaN } ?? 0
  let history = training[start...].filter { !$0.isNaN }
  guard history.count > 1 else { return .nan }
  var scale = 0.0
  for i in history.indices.dropFirst() { scale += abs(history[i] - history[i - 1]) }
  scale /= Double(history.count - 1)
  guard scale > 0 else { return .nan }
  return pinballLoss(actual: actual, quantile: quantile, level: tau) / scale
}
