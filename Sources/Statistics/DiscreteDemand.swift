import Foundation

/// Demand over an interval as a discrete distribution on a grid of `unit` units:
/// `pmf[k]` = P(D ∈ [k·unit − unit/2, k·unit + unit/2)), for `unit` = 1 simply P(D = k).
///
/// Built from two moments: Poisson(m) when v ≈ m, normal bins when v < m (less spread than count noise; all
/// mass at m when v = 0), else the negative binomial with mean m and variance
/// v (size r = m²/(v − m)) — the count families of Syntetos & Boylan (2016, ch. 4) and of the
/// statsforecast/R "count" models; a compound Poisson–geometric demand (intermittent, geometric sizes) is
/// close to a negative binomial with the same two moments (Snyder, Ord & Beaumont 2012, IJF 28(2)).
/// Past `maximumBins` grid points the grid coarsens (`unit` > 1) and, when even that would need more
/// than 16 × `maximumBins` exact terms, the bins take the normal approximation with a continuity
/// correction. The tail beyond 1 − 1e-10 is cut and its mass put in the last bin.
public struct DiscreteDemand: Sendable, Equatable {
  public var unit: Double
  public var pmf: [Double]

  public static let maximumBins = 512

  public init(unit: Double, pmf: [Double]) {
    self.unit = unit
    self.pmf = pmf
  }

  /// No demand: all mass at 0.
  public static func zero(unit: Double = 1) -> DiscreteDemand { DiscreteDemand(unit: unit, pmf: [1]) }

  /// The grid unit that holds a distribution with this mean and variance in `maximumBins` points.
  public static func unit(mean m: Double, variance v: Double) -> Double {
    let top = max(0, m) + 9 * max(0, v).squareRoot() + 10
    return max(1, (top / Double(maximumBins)).rounded(.up))
  }

  /// Poisson / negative binomial with mean `m` and variance `v`, on a grid of `unit` (default: the one
  /// that fits `maximumBins`).
  public static func matchingMoments(mean m: Double, variance v: Double, unit: Double? = nil) -> DiscreteDemand {
    let w = unit ?? Self.unit(mean: m, variance: v)
    guard m > 1e-12 else { return .zero(unit: w) }
    let variance = max(0, v)
    let sd = variance.squareRoot()
    let top = Int((m + 12 * sd + 10).rounded(.up))
    if variance < m * 0.999 {
      // Less spread than Poisson (errors smaller than count noise — e.g. a constant history forecast
      // exactly): normal bins with that variance, or all mass at the mean when there is none.
      guard sd > 1e-9 else {
        var pmf = [Double](repeating: 0, count: Int((m / w).rounded()) + 1)
        pmf[pmf.count - 1] = 1
        return DiscreteDemand(unit: w, pmf: pmf)
      }
      return normalBins(mean: m, sd: sd, unit: w, top: top)
    }
    if top > 16 * maximumBins && w > 1 {
      // The count distribution is then close to normal.
      return normalBins(mean: m, sd: sd, unit: w, top: top)
    }
    // Exact terms p(j), j = 0…top, by the ratio recursion from the mode outward (no underflow at large m).
    var terms = [Double](repeating: 0, count: top + 1)
    let poisson = variance <= m * (1 + 1e-9)
    let r = poisson ? 0 : m * m / (variance - m)
    let p = poisson ? 0 : m / (r + m)
    func logPMF(_ j: Int) -> Double {
      let x = Double(j)
      if poisson { return x * log(m) - m - lgamma(x + 1) }
      return lgamma(x + r) - lgamma(r) - lgamma(x + 1) + r * log1p(-p) + x * log(p)
    }
    func ratio(_ j: Int) -> Double {  // p(j) / p(j − 1)
      poisson ? m / Double(j) : (Double(j) - 1 + r) / Double(j) * p
    }
    let mode = min(top, max(0, poisson ? Int(m) : Int(((r - 1) * p / (1 - p)).rounded(.down))))
    terms[mode] = exp(logPMF(mode))
    if mode < top {
      for j in (mode + 1)...top { terms[j] = terms[j - 1] * ratio(j) }
    }
    if mode > 0 {
      for j in stride(from: mode - 1, through: 0, by: -1) { terms[j] = terms[j + 1] / ratio(j + 1) }
    }
    let total = terms.reduce(0, +)
    guard total > 0, total.isFinite else { return .zero(unit: w) }
    if w == 1 { return DiscreteDemand(unit: 1, pmf: terms.map { $0 / total }).trimmed() }
    let bins = Int((Double(top) / w).rounded()) + 1
    var pmf = [Double](repeating: 0, count: bins)
    for (j, t) in terms.enumerated() { pmf[min(bins - 1, Int((Double(j) / w).rounded()))] += t / total }
    return DiscreteDemand(unit: w, pmf: pmf).trimmed()
  }

  /// Normal bins with a continuity correction: bin k holds P((k − ½)·unit ≤ D < (k + ½)·unit), bin 0 all below.
  static func normalBins(mean m: Double, sd: Double, unit w: Double, top: Int) -> DiscreteDemand {
    let bins = Int((Double(top) / w).rounded(.up)) + 1
    var pmf = [Double](repeating: 0, count: bins)
    var previous = 0.0
    for k in 0..<bins {
      let cdf = normalCDF(((Double(k) + 0.5) * w - m) / sd)
      pmf[k] = max(0, cdf - previous)
      previous = cdf
    }
    return DiscreteDemand(unit: w, pmf: pmf).trimmed()
  }

  /// Drops the tail beyond 1 − 1e-10, its mass moved into the last bin kept.
  func trimmed() -> DiscreteDemand {
    var cumulative = 0.0
    var last = pmf.count - 1
    for (k, p) in pmf.enumerated() {
      cumulative += p
      if cumulative >= 1 - 1e-10 { last = k; break }
    }
    var kept = Array(pmf[0...last])
    kept[last] += max(0, 1 - cumulative)
    return DiscreteDemand(unit: unit, pmf: kept)
  }

  public var mean: Double { pmf.enumerated().reduce(0) { $0 + Double($1.offset) * $1.element } * unit }
  public var variance: Double {
    let mu = mean / unit
    return pmf.enumerated().reduce(0) { $0 + (Double($1.offset) - mu) * (Double($1.offset) - mu) * $1.element } * unit * unit
  }

  /// The distribution of the sum of two independent demands on the same grid (direct convolution).
  public func convolved(with other: DiscreteDemand) -> DiscreteDemand {
    precondition(unit == other.unit, "convolution needs one grid")
    var out = [Double](repeating: 0, count: pmf.count + other.pmf.count - 1)
    pmf.withUnsafeBufferPointer { a in
      other.pmf.withUnsafeBufferPointer { b in
        out.withUnsafeMutableBufferPointer { o in
          for i in 0..<a.count where a[i] > 0 {
            let ai = a[i]
            for j in 0..<b.count { o[i + j] += ai * b[j] }
          }
        }
      }
    }
    return DiscreteDemand(unit: unit, pmf: out).trimmed()
  }

  /// P(D ≤ x): the mass of the grid values at or below x (1 past the last).
  public func cumulativeProbability(atMost x: Double) -> Double {
    guard x >= 0 else { return 0 }
    let last = Int((x / unit + 1e-9).rounded(.down))
    guard last < pmf.count - 1 else { return 1 }
    return min(1, pmf[0...last].reduce(0, +))
  }

  /// The smallest grid value x with P(D ≤ x) ≥ τ.
  public func quantile(_ tau: Double) -> Double {
    var cumulative = 0.0
    for (k, p) in pmf.enumerated() {
      cumulative += p
      if cumulative >= tau - 1e-12 { return Double(k) * unit }
    }
    return Double(pmf.count - 1) * unit
  }
}
