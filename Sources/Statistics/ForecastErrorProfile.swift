/// Forecast errors of cumulative demand from rolling origins: at each origin o, the error of the h-period
/// sum e_{o,h} = Σ_{i<h} (y_{o+i} − ŷ_{o+i}), h = 1…H. What the calibrated safety stock reads its spread
/// from — out of sample, bias included, and with the correlation of errors over the horizon that
/// σ₁·√h ignores (Prak, Teunter & Syntetos 2017, EJOR 256(2); Saoud, Kourentzes & Boylan 2022, IJPE 251).
public struct ForecastErrorProfile: Sendable, Equatable {
  /// meanSquares[h − 1] = (1/K) Σ_o e_{o,h}²
  public var meanSquares: [Double]
  /// forecastSums[h − 1] = (1/K) Σ_o Σ_{i<h} ŷ_{o+i} (the forecast level the errors were made at)
  public var forecastSums: [Double]
  /// meanErrors[h − 1] = (1/K) Σ_o e_{o,h}: the bias of h-period sums (empty: none known, taken as 0).
  public var meanErrors: [Double] = []
  public var origins: Int
  /// Where the errors came from ("rolling origins", "pooled over 812 intermittent SKUs", …).
  public var source: String

  public init(meanSquares: [Double], forecastSums: [Double], meanErrors: [Double] = [], origins: Int, source: String) {
    self.meanErrors = meanErrors
    self.meanSquares = meanSquares
    self.forecastSums = forecastSums
    self.origins = origins
    self.source = source
  }

  public var horizon: Int { meanSquares.count }

  /// Mean square error of an x-period sum (x may be fractional): linear between whole horizons, 0 at 0,
  /// and proportional to x beyond H.
  public func meanSquare(overPeriods x: Double) -> Double { Self.interpolate(meanSquares, x) }

  /// Bias (mean error) of an x-period sum, interpolated the same way.
  public func bias(overPeriods x: Double) -> Double { Self.interpolate(meanErrors, x) }

  /// Linear between whole horizons, 0 at 0, proportional to x beyond the last.
  static func interpolate(_ values: [Double], _ x: Double) -> Double {
    guard x > 0, let last = values.last else { return 0 }
    let h = Double(values.count)
    if x >= h { return last * x / h }
    let lo = Int(x.rounded(.down)), frac = x - Double(lo)
    let a = lo == 0 ? 0 : values[lo - 1]
    return a + (values[lo] - a) * frac
  }

  /// Dispersion of the errors relative to the forecast level over H periods: MSE(H) / mean forecast of H
  /// periods (1 for Poisson demand forecast without error). Pooled across SKUs for those without origins.
  public var dispersion: Double? {
    guard let f = forecastSums.last, f > 1e-9, let m = meanSquares.last else { return nil }
    return m / f
  }
}
