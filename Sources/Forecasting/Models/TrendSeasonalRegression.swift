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

  /// The regressors of period t (1-based): intercept, trend, then the seasonal block. The seasonal block
  /// repeats every m periods, so it is computed for one season and looked up — a rolling-origin backtest
  /// refits this model at every origin (52 for weekly data), and the sines and cosines were most of a fit.
  struct Design {
    let seasonLength: Int
    let columns: Int
    /// Row r holds the seasonal block of every period t with (t − 1) mod m = r.
    private let seasonal: [[Double]]

    init(seasonLength m: Int) {
      seasonLength = m
      var blocks: [[Double]] = []
      if m > 1 && m <= 24 {
        blocks = (0..<m).map { r in (1..<m).map { j in r == j ? 1 : 0 } }
      } else if m > 24 {
        let k = min(10, m / 2)
        blocks = (0..<m).map { r in
          var block: [Double] = []
          for i in 1...k {
            let angle = 2 * Double.pi * Double(i * (r + 1)) / Double(m)
            if 2 * i != m { block.append(sin(angle)) }
            block.append(cos(angle))
          }
          return block
        }
      }
      seasonal = blocks
      columns = 2 + (blocks.first?.count ?? 0)
    }

    func value(t: Int, column: Int) -> Double {
      switch column {
      case 0: return 1
      case 1: return Double(t)
      default: return seasonal[(t - 1) % seasonLength][column - 2]
      }
    }

    func row(t: Int) -> [Double] { (0..<columns).map { value(t: t, column: $0) } }

    /// The design matrix of the given periods (0-based indices, row i for period `periods[i] + 1`).
    func matrix(periods: [Int]) -> Matrix {
      var elements = [Double](repeating: 0, count: periods.count * columns)
      for column in 0..<columns {
        let base = column * periods.count
        for (i, period) in periods.enumerated() { elements[base + i] = value(t: period + 1, column: column) }
      }
      return Matrix(rows: periods.count, columns: columns, columnMajor: elements)
    }

    func predict(t: Int, coefficients: [Double]) -> Double {
      var sum = 0.0
      for column in 0..<columns { sum += value(t: t, column: column) * coefficients[column] }
      return sum
    }
  }

  public func fit(_ y: [Double], seasonLength m: Int) throws(ForecastError) -> any FittedModel {
    let observed = y.indices.filter { !y[$0].isNaN }
    let regressors = Design(seasonLength: m)
    let p = regressors.columns
    guard observed.count >= p + 2 else { throw .tooShort(observations: observed.count, needed: p + 2, model: "TrendSeasonalRegression") }
    let design = regressors.matrix(periods: observed)
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
    let fitted = (0..<y.count).map { regressors.predict(t: $0 + 1, coefficients: beta) }
    var rss = 0.0
    for i in observed { rss += (y[i] - fitted[i]) * (y[i] - fitted[i]) }
    let dof = observed.count - p
    return RegressionFit(
      y: y, design: regressors, coefficients: beta, covarianceFactor: inverse, sigma2: rss / Double(dof),
      degreesOfFreedom: dof, fitted: fitted)
  }
}

extension TrendSeasonalRegressionMethod {
  /// The refit at every origin of a rolling-origin backtest (52 for a weekly lead-time error profile) from
  /// one pass over the history: the normal equations X′X β = X′y are accumulated row by row and solved by
  /// Cholesky at each origin (p × p, p = 22 for weekly Fourier terms) instead of a fresh SVD least squares of
  /// the whole prefix. Same coefficients up to rounding (the trend column is centred on the first origin to
  /// keep X′X well conditioned; the intercept absorbs the shift). Histories with censored periods return
  /// `nil` (a refit interpolates each prefix on its own); an origin whose X′X is not positive definite is
  /// refitted the usual way, so a rank-deficient design still fails as it does there.
  public func refitForecasts(_ y: [Double], origins: [Int], horizon: Int, seasonLength m: Int) -> [[Double]?]? {
    guard let last = origins.max(), last <= y.count, origins.allSatisfy({ $0 >= 0 }),
          !y[0..<last].contains(where: \.isNaN) else { return nil }
    let design = Design(seasonLength: m)
    let p = design.columns
    let centre = Double((origins.min() ?? 0) / 2)
    var xtx = [Double](repeating: 0, count: p * p), xty = [Double](repeating: 0, count: p)
    var row = [Double](repeating: 0, count: p)
    func fill(_ t: Int) {
      for column in 0..<p { row[column] = design.value(t: t, column: column) }
      row[1] -= centre
    }
    var accumulated = 0
    var results: [Int: [Double]?] = [:]
    for origin in Set(origins).sorted() {
      while accumulated < origin {
        fill(accumulated + 1)
        let value = y[accumulated]
        for i in 0..<p {
          let ri = row[i]
          xty[i] += ri * value
          for j in 0...i { xtx[i * p + j] += ri * row[j] }
        }
        accumulated += 1
      }
      guard origin >= p + 2 else { results[origin] = .some(nil); continue }
      var symmetric = [Double](repeating: 0, count: p * p)
      for i in 0..<p { for j in 0...i { symmetric[i * p + j] = xtx[i * p + j]; symmetric[j * p + i] = xtx[i * p + j] } }
      if let factor = try? CholeskyFactorization(Matrix(rows: p, columns: p, columnMajor: symmetric)),
         let solution = try? factor.solve(.column(xty)) {
        let beta = solution.column(0)
        results[origin] = (1...max(1, horizon)).prefix(horizon).map { step in
          fill(origin + step)
          var sum = 0.0
          for column in 0..<p { sum += row[column] * beta[column] }
          return sum
        }
      } else {
        results[origin] = (try? fit(Array(y[0..<origin]), seasonLength: m))?.forecast(horizon: horizon, levels: []).mean
      }
    }
    return origins.map { results[$0] ?? nil }
  }
}

struct RegressionFit: FittedModel {
  let y: [Double]
  let design: TrendSeasonalRegressionMethod.Design
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
      let x = design.row(t: n + step)
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
