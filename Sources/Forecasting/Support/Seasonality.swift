import Foundation
import Statistics

/// Sample autocorrelations r₁…r_maxLag (R's `acf`, no missing values):
/// ```
/// r_k = Σ_{t=1}^{n−k} (y_t − ȳ)(y_{t+k} − ȳ) / Σ_{t=1}^{n} (y_t − ȳ)²
/// ```
public func autocorrelations(_ y: [Double], maxLag: Int) -> [Double] {
  let n = y.count
  guard n > 0, maxLag > 0 else { return [] }
  let mean = y.reduce(0, +) / Double(n)
  var denominator = 0.0
  for v in y { denominator += (v - mean) * (v - mean) }
  return (1...maxLag).map { k in
    guard k < n, denominator > 0 else { return 0 }
    var s = 0.0
    for t in 0..<(n - k) { s += (y[t] - mean) * (y[t + k] - mean) }
    return s / denominator
  }
}

/// The seasonality test of the Theta method (Assimakopoulos & Nikolopoulos 2000; R `thetaf`):
/// seasonal at lag m when n > 2m and
/// ```
/// |r_m| / √((1 + 2·Σ_{k<m} r_k²) / n) > Φ⁻¹(0.95) = 1.645   (90 % two-sided)
/// ```
public func isSeasonal(_ y: [Double], seasonLength m: Int) -> Bool {
  let n = y.count
  guard m > 1, n > 2 * m, !isConstant(y) else { return false }
  let r = autocorrelations(y, maxLag: m)
  var sum = 0.0
  for k in 0..<(m - 1) { sum += r[k] * r[k] }
  let stat = ((1 + 2 * sum) / Double(n)).squareRoot()
  return abs(r[m - 1]) / stat > normalQuantile(0.95)
}

/// A season-over-season test for long seasons, where the ACF test above has little power (a yearly cycle
/// in weekly data makes every r_k < m large): the Pearson correlation of the pairs (y_t, y_{t+m}) over
/// the observed pairs, significant at 5 % one-sided by t = r·√(k − 2)/√(1 − r²) against Student's t
/// with k − 2 degrees of freedom; at least one season of pairs (n ≥ 2m) required.
public func isSeasonOverSeasonCorrelated(_ y: [Double], seasonLength m: Int) -> Bool {
  guard m > 1, y.count >= 2 * m else { return false }
  var a: [Double] = [], b: [Double] = []
  for t in 0..<(y.count - m) where !y[t].isNaN && !y[t + m].isNaN {
    a.append(y[t])
    b.append(y[t + m])
  }
  let k = Double(a.count)
  guard a.count >= m, let r = pearsonCorrelation(a, b) else { return false }
  guard r < 1 else { return true }
  let t = r * (k - 2).squareRoot() / (1 - r * r).squareRoot()
  return t > studentTQuantile(0.95, degreesOfFreedom: k - 2)
}

/// Pearson's r = Σ(a − ā)(b − b̄) / √(Σ(a − ā)² Σ(b − b̄)²) of two equally long samples; nil when either
/// has no spread.
public func pearsonCorrelation(_ a: [Double], _ b: [Double]) -> Double? {
  precondition(a.count == b.count, "pearsonCorrelation needs samples of equal length")
  let k = Double(a.count)
  let ma = a.reduce(0, +) / k, mb = b.reduce(0, +) / k
  var sab = 0.0, saa = 0.0, sbb = 0.0
  for i in a.indices {
    sab += (a[i] - ma) * (b[i] - mb)
    saa += (a[i] - ma) * (a[i] - ma)
    sbb += (b[i] - mb) * (b[i] - mb)
  }
  guard saa > 0, sbb > 0 else { return nil }
  return sab / (saa * sbb).squareRoot()
}

/// True when every value equals the first (R `is.constant`, up to 1.5e-8 relative).
public func isConstant(_ y: [Double]) -> Bool {
  guard let first = y.first else { return true }
  let scale = max(abs(first), 1e-300)
  return y.allSatisfy { abs($0 - first) <= 1.5e-8 * scale || $0 == first }
}

/// Classical decomposition by moving averages (R `stats::decompose`).
///
/// ```
/// trend_t  = centred moving average of order m (2×m for even m); undefined for the first and last ⌊m/2⌋
/// figure_i = mean over positions ≡ i (mod m) of y/trend (multiplicative) or y − trend (additive),
///            normalised to mean 1 (or 0)
/// seasonal_t = figure_{t mod m}
/// ```
/// Positions count from the first observation. Requires n ≥ 2m.
public struct ClassicalDecomposition: Sendable {
  public enum Kind: Sendable { case additive, multiplicative }
  public let kind: Kind
  public let figure: [Double]
  public let seasonal: [Double]
  public let trend: [Double]

  public init?(_ y: [Double], seasonLength m: Int, kind: Kind) {
    let n = y.count
    guard m > 1, n >= 2 * m else { return nil }
    var filter = [Double](repeating: 1 / Double(m), count: m)
    if m % 2 == 0 {
      filter = [0.5 / Double(m)] + [Double](repeating: 1 / Double(m), count: m - 1) + [0.5 / Double(m)]
    }
    let half = filter.count / 2
    var trend = [Double](repeating: .nan, count: n)
    for t in half..<(n - (filter.count - 1 - half)) {
      var s = 0.0
      for (j, w) in filter.enumerated() { s += w * y[t + half - j] }
      trend[t] = s
    }
    var figure = [Double](repeating: 0, count: m)
    for i in 0..<m {
      var sum = 0.0, count = 0
      var t = i
      while t < n {
        if !trend[t].isNaN {
          sum += kind == .additive ? y[t] - trend[t] : y[t] / trend[t]
          count += 1
        }
        t += m
      }
      figure[i] = count > 0 ? sum / Double(count) : .nan
    }
    let mean = figure.reduce(0, +) / Double(m)
    figure = figure.map { kind == .additive ? $0 - mean : $0 / mean }
    self.kind = kind
    self.figure = figure
    self.seasonal = (0..<n).map { figure[$0 % m] }
    self.trend = trend
  }
}

/// Ordinary least-squares line through (x_i, y_i): returns (intercept, slope).
func leastSquaresLine(x: [Double], y: [Double]) -> (intercept: Double, slope: Double) {
  let n = Double(x.count)
  let mx = x.reduce(0, +) / n, my = y.reduce(0, +) / n
  var sxy = 0.0, sxx = 0.0
  for i in x.indices {
    sxy += (x[i] - mx) * (y[i] - my)
    sxx += (x[i] - mx) * (x[i] - mx)
  }
  let slope = sxx > 0 ? sxy / sxx : 0
  return (my - slope * mx, slope)
}
