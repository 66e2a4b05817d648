import Foundation
import LinearAlgebra

/// Regression of demand on shared calendar terms and per-SKU price and promotion, fitted for many SKUs
/// at once.
///
/// ```
/// y_s = X·β_s + γ_s·log p_s + δ_s·promo_s + ε_s          (s = 1…S; X is n×k, shared by the group)
/// X  = [1, t, sin/cos(2πjt/m) for j = 1…K, event and holiday columns]
/// ```
/// Solved by Frisch–Waugh–Lovell: one factorisation of X for all 3S right-hand sides [Y | log P | Promo]
/// — thin QR (`dgeqrf`/`dorgqr`) with Ĉ = R⁻¹QᵀB and residuals B − Q·QᵀB by two `dgemm`, or, when X is
/// rank-deficient or shorter than wide, the SVD solver (`dgelsd`) with its minimum-norm solution — then
/// for each SKU the 2×2 ridge system
///   [γ_s, δ_s]ᵀ = (ZᵀZ + λ_s I)⁻¹ Zᵀ r_y,   Z = [r_logp, r_promo],   λ_s = ridge · (k + 2)/n · tr(ZᵀZ)/2
/// and β_s = ĉ_y − γ_s ĉ_logp − δ_s ĉ_promo (linear in the first solve, no second factorisation).
/// With ridge 0 this is exactly ordinary least squares on [X, log p_s, promo_s] (FWL theorem; Davidson &
/// MacKinnon 2004, §2.4); the ridge shrinks price and promotion effects more when the history is short
/// relative to the number of terms. The rank of X is reported (collinear calendar terms are dropped by
/// the SVD's minimum-norm solution, not by guesswork). Log-price elasticity: Tellis (1988), price as
/// log p in a demand model; Fourier seasonality as in Hyndman & Athanasopoulos, *FPP3* §7.4.
public struct BatchedRegression: Sendable {
  public struct Fit: Sendable {
    /// k × S calendar coefficients.
    public let beta: Matrix
    /// Per SKU: log-price elasticity γ_s and promotion effect δ_s (0 when the SKU has no price variation).
    public let elasticity: [Double]
    public let promotionEffect: [Double]
    /// Residual standard deviation per SKU (n − k − 2 degrees of freedom, at least 1).
    public let residualSD: [Double]
    /// Numerical rank of X.
    public let rank: Int
    /// Floating-point operations of the batched path (for GFLOP/s figures).
    public let flops: Double
  }

  public var ridge: Double

  public init(ridge: Double = 0.1) { self.ridge = ridge }

  /// `y`, `logPrice` and `promo` are n × S (column s = SKU s); `design` is n × k.
  public func fit(design x: Matrix, y: Matrix, logPrice: Matrix, promo: Matrix) throws(LAPACKError) -> Fit {
    let n = x.rows, k = x.columns, s = y.columns
    guard y.rows == n, logPrice.rows == n, promo.rows == n, logPrice.columns == s, promo.columns == s else {
      throw .dimensionMismatch("BatchedRegression: design \(n)×\(k), y \(y.rows)×\(s), log price \(logPrice.rows)×\(logPrice.columns), promo \(promo.rows)×\(promo.columns)")
    }
    // B = [Y | log P | Promo], one solve against X.
    var stacked = [Double]()
    stacked.reserveCapacity(n * 3 * s)
    stacked += y.elements
    stacked += logPrice.elements
    stacked += promo.elements
    let b = Matrix(rows: n, columns: 3 * s, columnMajor: stacked)
    // Full-rank design: thin QR once, then two dgemm (QᵀB, and B − Q·QᵀB). Rank-deficient or short
    // (n < k): the SVD solver's minimum-norm solution.
    let c: Matrix, residual: Matrix, rank: Int
    var flops: Double
    if n >= k, let qr = try? QRFactorization(x), qr.rank == k {
      let qtb = try gemm(qr.q, b, transA: .transpose)  // k × 3S
      c = try qr.solveUpper(qtb)
      residual = try gemm(qr.q, qtb, alpha: -1, beta: 1, c: b)
      rank = k
      flops = 4 * Double(n) * Double(k * k) + 4 * Double(n) * Double(k) * Double(3 * s) + Double(k * k) * Double(3 * s)
    } else {
      let solution = try leastSquares(x, b, method: .svd())
      c = solution.coefficients
      residual = try gemm(x, c, alpha: -1, beta: 1, c: b)
      rank = solution.rank
      flops = 4 * Double(n) * Double(k * k) + 6 * Double(n) * Double(k) * Double(3 * s)
    }
    var beta = Matrix(rows: k, columns: s)
    var elasticity = [Double](repeating: 0, count: s)
    var promotion = [Double](repeating: 0, count: s)
    var sd = [Double](repeating: 0, count: s)
    let dof = Double(max(1, n - min(rank, k) - 2))
    residual.elements.withUnsafeBufferPointer { r in
      for j in 0..<s {
        let ry = r.baseAddress! + j * n, rp = r.baseAddress! + (s + j) * n, rd = r.baseAddress! + (2 * s + j) * n
        var pp = 0.0, pd = 0.0, dd = 0.0, py = 0.0, dy = 0.0
        for i in 0..<n {
          pp += rp[i] * rp[i]
          pd += rp[i] * rd[i]
          dd += rd[i] * rd[i]
          py += rp[i] * ry[i]
          dy += rd[i] * ry[i]
        }
        let lambda = ridge * Double(k + 2) / Double(max(1, n)) * (pp + dd) / 2
        let a11 = pp + lambda, a22 = dd + lambda, det = a11 * a22 - pd * pd
        var g = 0.0, d = 0.0
        if det > 1e-12 * max(1, a11 * a22) {
          g = (a22 * py - pd * dy) / det
          d = (a11 * dy - pd * py) / det
        } else if a11 > 1e-12 {
          g = py / a11
        } else if a22 > 1e-12 {
          d = dy / a22
        }
        elasticity[j] = g
        promotion[j] = d
        var rss = 0.0
        for i in 0..<n {
          let e = ry[i] - g * rp[i] - d * rd[i]
          rss += e * e
        }
        sd[j] = (rss / dof).squareRoot()
        for i in 0..<k {
          beta[i, j] = c[i, j] - g * c[i, s + j] - d * c[i, 2 * s + j]
        }
      }
    }
    // Per-SKU sums: 10n·S (and 2n·S for the residual sum of squares).
    flops += 12 * Double(n) * Double(s)
    return Fit(beta: beta, elasticity: elasticity, promotionEffect: promotion, residualSD: sd, rank: rank, flops: flops)
  }

  /// The same model, one SKU at a time: OLS of y_s on [X, log p_s, promo_s] (one `dgelsd` per SKU).
  /// The reference for tests and the baseline of the benchmark (ridge 0 only).
  public static func fitEach(design x: Matrix, y: Matrix, logPrice: Matrix, promo: Matrix) throws(LAPACKError) -> (beta: Matrix, elasticity: [Double], promotionEffect: [Double]) {
    let n = x.rows, k = x.columns, s = y.columns
    var beta = Matrix(rows: k, columns: s)
    var elasticity = [Double](repeating: 0, count: s), promotion = [Double](repeating: 0, count: s)
    for j in 0..<s {
      var columns = x.elements
      columns += logPrice.elements[(j * n)..<((j + 1) * n)]
      columns += promo.elements[(j * n)..<((j + 1) * n)]
      let a = Matrix(rows: n, columns: k + 2, columnMajor: columns)
      let solution = try leastSquares(a, Matrix.column(Array(y.elements[(j * n)..<((j + 1) * n)])), method: .svd())
      for i in 0..<k { beta[i, j] = solution.coefficients[i, 0] }
      elasticity[j] = solution.coefficients[k, 0]
      promotion[j] = solution.coefficients[k + 1, 0]
    }
    return (beta, elasticity, promotion)
  }

  /// Calendar design rows for periods `first ..< first + count`: intercept, trend (periods from
  /// `origin`, scaled by 1/100), `pairs` Fourier pairs of season `m`, then `events` columns as given.
  public static func design(first: Int, count: Int, origin: Int, seasonLength m: Int, pairs: Int, events: [[Double]] = []) -> Matrix {
    let k = 2 + 2 * (m > 1 ? pairs : 0) + events.count
    var x = Matrix(rows: count, columns: k)
    for i in 0..<count {
      let t = first + i
      x[i, 0] = 1
      x[i, 1] = Double(t - origin) / 100
      if m > 1 {
        for j in 1...max(1, pairs) where j <= pairs {
          let angle = 2 * Double.pi * Double(j) * Double(t) / Double(m)
          x[i, 2 * j] = sin(angle)
          x[i, 2 * j + 1] = cos(angle)
        }
      }
      for (e, column) in events.enumerated() { x[i, 2 + 2 * (m > 1 ? pairs : 0) + e] = column[i] }
    }
    return x
  }
}
