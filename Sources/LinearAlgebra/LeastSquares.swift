internal import COpenBLAS

/// The solution of `min ‖A·X − B‖₂` for one or many right-hand sides.
public struct LeastSquaresSolution: Sendable {
  /// `n × nrhs` coefficients, one column per right-hand side.
  public let coefficients: Matrix
  /// Numerical rank of `A` (full rank `min(m, n)` for the QR solver, which refuses deficient designs).
  public let rank: Int
  /// Singular values of `A` in decreasing order (SVD solver only; empty for QR).
  public let singularValues: [Double]
  /// Residual sum of squares per right-hand side, when `m > n` and `A` has full column rank; else empty.
  public let residualSumOfSquares: [Double]
}

/// Which LAPACK driver solves the least-squares problem.
public enum LeastSquaresMethod: Sendable, Equatable {
  /// QR factorisation (`dgels`). Fastest; requires full column rank. A diagonal of `R` below
  /// `1e-12 · max|Rᵢᵢ|` is reported as `LAPACKError.rankDeficient` instead of returning garbage.
  case qr
  /// Divide-and-conquer SVD (`dgelsd`): minimum-norm solution and the numerical rank. Singular values
  /// `σᵢ ≤ rcond · σ₁` are treated as zero; `nil` uses `max(m, n) · ε` (as NumPy's `lstsq`).
  case svd(rcond: Double? = nil)
}

/// Solves `min_X ‖A·X − B‖₂` for `A` `m×n` and `B` `m×nrhs`: all right-hand sides share one
/// factorisation of `A`, which is what makes batched per-SKU regressions cheap.
///
/// ```
/// QR:  A = Q·R,   X = R⁻¹·Qᵀ·B                      (full column rank)
/// SVD: A = U·Σ·Vᵀ, X = V·Σ⁺·Uᵀ·B,  Σ⁺ drops σᵢ ≤ rcond·σ₁   (minimum norm, any rank)
/// ```
/// Reference: Golub & Van Loan, *Matrix Computations* (4th ed.), §5.3 and §5.5; LAPACK Users' Guide §2.3.2.
/// - Throws: `LAPACKError.rankDeficient` (QR on a collinear design), `.noConvergence` (SVD), or
///   `.dimensionMismatch` when `B` does not have `m` rows.
public func leastSquares(_ a: Matrix, _ b: Matrix, method: LeastSquaresMethod = .svd()) throws(LAPACKError)
  -> LeastSquaresSolution
{
  let m = a.rows, n = a.columns, nrhs = b.columns
  guard b.rows == m else {
    throw .dimensionMismatch("leastSquares: A has \(m) rows but B has \(b.rows)")
  }
  if n == 0 || nrhs == 0 {
    return LeastSquaresSolution(
      coefficients: Matrix(rows: n, columns: nrhs), rank: 0, singularValues: [], residualSumOfSquares: [])
  }
  guard m > 0 else {
    // No observations: the minimum-norm solution is zero.
    return LeastSquaresSolution(
      coefficients: Matrix(rows: n, columns: nrhs), rank: 0, singularValues: [], residualSumOfSquares: [])
  }
  // LAPACK overwrites B with the solution in its first n rows, so it needs max(m, n) rows.
  let ldbCount = max(m, n)
  var work = [Double](repeating: 0, count: ldbCount * nrhs)
  for j in 0..<nrhs {
    for i in 0..<m { work[i + j * ldbCount] = b.elements[i + j * m] }
  }
  var factor = a.elements
  let mi = try lapackInt(m, "m"), ni = try lapackInt(n, "n"), nrhsi = try lapackInt(nrhs, "nrhs")
  let lda = try lapackInt(max(1, m), "lda"), ldb = try lapackInt(ldbCount, "ldb")
  var info: LAPACKInt = 0
  var rank = min(m, n)
  var singularValues: [Double] = []

  switch method {
  case .qr:
    var trans = CChar(UInt8(ascii: "N"))
    var query = 0.0
    var lwork: LAPACKInt = -1
    dgels_(&trans, [mi], [ni], [nrhsi], &factor, [lda], &work, [ldb], &query, &lwork, &info, 1)
    try check(info, "dgels")
    lwork = LAPACKInt(query)
    var scratch = [Double](repeating: 0, count: Int(lwork))
    dgels_(&trans, [mi], [ni], [nrhsi], &factor, [lda], &work, [ldb], &scratch, &lwork, &info, 1)
    if info > 0 { throw .rankDeficient(routine: "dgels", diagonalIndex: Int(info)) }
    try check(info, "dgels")
    // dgels only reports an exactly zero diagonal; catch numerically collinear designs too.
    let diagonalCount = min(m, n)
    var largest = 0.0
    for i in 0..<diagonalCount { largest = max(largest, abs(factor[i + i * m])) }
    for i in 0..<diagonalCount where abs(factor[i + i * m]) <= 1e-12 * largest {
      throw .rankDeficient(routine: "dgels", diagonalIndex: i + 1)
    }
  case .svd(let rcondOption):
    var rcond = rcondOption ?? Double(max(m, n)) * Double.ulpOfOne
    singularValues = [Double](repeating: 0, count: min(m, n))
    var rankOut: LAPACKInt = 0
    var query = 0.0
    var lwork: LAPACKInt = -1
    var iworkQuery: LAPACKInt = 0
    dgelsd_([mi], [ni], [nrhsi], &factor, [lda], &work, [ldb], &singularValues, &rcond, &rankOut, &query, &lwork, &iworkQuery, &info)
    try check(info, "dgelsd")
    lwork = LAPACKInt(query)
    var scratch = [Double](repeating: 0, count: Int(lwork))
    var iwork = [LAPACKInt](repeating: 0, count: max(1, Int(iworkQuery)))
    dgelsd_([mi], [ni], [nrhsi], &factor, [lda], &work, [ldb], &singularValues, &rcond, &rankOut, &scratch, &lwork, &iwork, &info)
    if info > 0 { throw .noConvergence(routine: "dgelsd", info: Int(info)) }
    try check(info, "dgelsd")
    rank = Int(rankOut)
  }

  var coefficients = Matrix(rows: n, columns: nrhs)
  for j in 0..<nrhs {
    for i in 0..<n { coefficients.elements[i + j * n] = work[i + j * ldbCount] }
  }
  // For the QR solver rows n..<m of the overwritten B hold Qᵀ·B's residual part (LAPACK dgels doc);
  // dgelsd only guarantees that for full rank.
  var rss: [Double] = []
  if m > n && rank == n {
    rss = (0..<nrhs).map { j in
      var s = 0.0
      for i in n..<m { let r = work[i + j * ldbCount]; s += r * r }
      return s
    }
  }
  return LeastSquaresSolution(coefficients: coefficients, rank: rank, singularValues: singularValues, residualSumOfSquares: rss)
}

/// Converts a negative `INFO` to `LAPACKError.illegalArgument`.
@inline(__always)
func check(_ info: LAPACKInt, _ routine: String) throws(LAPACKError) {
  if info < 0 { throw .illegalArgument(routine: routine, position: Int(-info)) }
}
