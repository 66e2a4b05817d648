import Foundation
import LinearAlgebra
import Statistics

/// Linear trend + seasonal regression, R's `tslm(y ~ trend + season)`, solved through LAPACK.
///
/// ```
/// y_t = β₀ + β₁·t + Σ_{j=2}^{m} δ_j·[t ≡ j (mod m)] + ε_t        (m ≤ 24: seasonal dummies)
/// y_t = β₀ + β₁·t + Σ_{k=1}^{K} (a_k sin 2πkt/m + b_k cos 2πkt/m)  (m > 24: Fourier terms, K = min(10, m/2))
/// ŷ_{n+h} = x_{n+h}′β̂,   se_h = s·√(1 + x_{n+h}′(X′X)⁻¹x_{n+h}),   interval t_{n−p}
/// ```
/// Coefficients by rank-revealing least squares (`dgelsd`); a rank-deficient design is reported as an
/// error rather than forecast from. Reference: Hyndman & Athanasopoulos, FPP3 §7.4 and §7.9.
public struct TrendSeasonalRegressionMethod: ForecastingMethod {
  public let alias = "lm"
  public init() {}

  static func designRow(t: Int, m: Int) -> [Double] {
    var row: [Double] = [1, Double(t)]
    if m > 1 && m <= 24 {
      for j in 1..<m { row.append((t - 1) % m == j ? 1 : 0) }
    } else if m > 24 {
      let k = min(10, m / 2)
      for i in 1...k {
        let angle = 2 * Double.pi * Double(i * t) / Double(m)
        if 2 * i != m { row.append(sin(angle)) }
        row.append(cos(angle))
      }
    }
    return row
  }

  public func fit(_ y: [Double], seasonLength m: Int) throws(ForecastError) -> any FittedModel {
    let observed = y.indices.filter { !y[$0].isNaN }
    let p = Self.designRow(t: 1, m: m).count
    guard observed.count >= p + 2 else { throw .tooShort(observations: observed.count, needed: p + 2, model: "TrendSeasonalRegression") }
    let rows = observed.map { Self.designRow(t: $0 + 1, m: m) }
    let design = Matrix(rows)
    let response = Matrix.column(observed.map { y[$0] })
    let solution: LeastSquaresSolution
    do {
      solution = try leastSquares(design, response, method: .svd())
    } catch {
      throw .noModel("regression: \(error)")
    }
    guard solution.rank == p else {
      throw .invalidData("regression design is rank deficient (rank \(solution.rank) of \(p)): too few periods per season")
    }
    let beta = solution.coefficients.column(0)
    // (X′X)⁻¹ through a Cholesky factorisation of X′X.
    let inverse: Matrix
    do {
      let xtx = try gemm(design, design, transA: .transpose)
      inverse = try CholeskyFactorization(xtx).solve(.identity(p))
    } catch {
      throw .noModel("regression: \(error)")
    }
    let fitted = (0..<y.count).map { t in zip(Self.designRow(t: t + 1, m: m), beta).reduce(0) { $0 + $1.0 * $1.1 } }
    var rss = 0.0
    for i in observed { rss += (y[i] - fitted[i]) * (y[i] - fitted[i]) }
    let dof = observed.count - p
    return RegressionFit(
      y: y, seasonLength: m, coefficients: beta, covarianceFactor: inverse, sigma2: rss / Double(dof),
      degreesOfFreedom: dof, fitted: fitted)
  }
}

struct RegressionFit: FittedModel {
  let y: [Double]
  let seasonLength: Int
  let coefficients: [Double]
  let covarianceFactor: Matrix
  let sigma2: Double
  let degreesOfFreedom: Int
  let fitted: [Double]
  var name: String { "TrendSeasonalRegression" }
  var specification: (any ForecastingMethod)? { TrendSeasonalRegressionMethod() }
  var residuals: [Double] { zip(y, fitted).map { $0 - $1 } }

  func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let n = y.count
    var mean: [Double] = [], variance: [Double] = []
    for step in 1...max(1, h) where step <= h {
      let x = TrendSeasonalRegressionMethod.designRow(t: n + step, m: seasonLength)
      mean.append(zip(x, coefficients).reduce(0) { $0 + $1.0 * $1.1 })
      let v = (try? gemv(covarianceFactor, x)) ?? x.map { _ in 0 }
      variance.append(sigma2 * (1 + zip(x, v).reduce(0) { $0 + $1.0 * $1.1 }))
    }
    var lower: [[Double]] = [], upper: [[Double]] = []
    for level in levels {
      let t = studentTQuantile(0.5 + level / 200, degreesOfFreedom: Double(degreesOfFreedom))
      lower.append(zip(mean, variance).map { $0 - t * $1.squareRoot() })
      upper.append(zip(mean, variance).map { $0 + t * $1.squareRoot() })
    }
    return Forecast(
      model: name, mean: mean, levels: levels, lower: lower, upper: upper,
      intervalMethod: levels.isEmpty ? .none : .studentT, fitted: fitted, residuals: residuals)
  }
}
