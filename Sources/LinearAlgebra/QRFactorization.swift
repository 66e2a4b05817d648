internal import COpenBLAS

/// Thin QR factorisation A = Q·R of an m×n matrix (m ≥ n): Q is m×n with orthonormal columns, R is n×n
/// upper triangular (LAPACK `dgeqrf` + `dorgqr`).
///
/// For many least-squares problems sharing A (one per SKU), the right-hand sides then go through two
/// matrix products — Ĉ = R⁻¹·(Qᵀ·B) and residuals B − Q·(Qᵀ·B) — which run at `dgemm` speed instead of
/// one Householder sweep per problem. Reference: Golub & Van Loan, *Matrix Computations* (4th ed.) §5.2.
public struct QRFactorization: Sendable {
  public let q: Matrix
  public let r: Matrix
  /// Numerical rank: diagonal entries of R above `1e-10 · max|Rᵢᵢ|`.
  public let rank: Int

  public init(_ a: Matrix) throws(LAPACKError) {
    let m = a.rows, n = a.columns
    guard m >= n, n > 0 else { throw .dimensionMismatch("QRFactorization needs rows ≥ columns > 0, got \(m)×\(n)") }
    var factor = a.elements
    var tau = [Double](repeating: 0, count: n)
    let mi = try lapackInt(m, "m"), ni = try lapackInt(n, "n"), lda = try lapackInt(m, "lda")
    var info: LAPACKInt = 0
    var query = 0.0
    var lwork: LAPACKInt = -1
    dgeqrf_([mi], [ni], &factor, [lda], &tau, &query, &lwork, &info)
    try check(info, "dgeqrf")
    lwork = max(1, LAPACKInt(query))
    var work = [Double](repeating: 0, count: Int(lwork))
    dgeqrf_([mi], [ni], &factor, [lda], &tau, &work, &lwork, &info)
    try check(info, "dgeqrf")
    var r = Matrix(rows: n, columns: n)
    for j in 0..<n { for i in 0...j { r[i, j] = factor[i + j * m] } }
    lwork = -1
    dorgqr_([mi], [ni], [ni], &factor, [lda], tau, &query, &lwork, &info)
    try check(info, "dorgqr")
    lwork = max(1, LAPACKInt(query))
    work = [Double](repeating: 0, count: Int(lwork))
    dorgqr_([mi], [ni], [ni], &factor, [lda], tau, &work, &lwork, &info)
    try check(info, "dorgqr")
    q = Matrix(rows: m, columns: n, columnMajor: factor)
    self.r = r
    var largest = 0.0
    for i in 0..<n { largest = max(largest, abs(r[i, i])) }
    rank = (0..<n).filter { abs(r[$0, $0]) > 1e-10 * largest }.count
  }

  /// Solves R·X = C (back substitution) for every column of C; requires full rank.
  public func solveUpper(_ c: Matrix) throws(LAPACKError) -> Matrix {
    let n = r.rows
    guard c.rows == n else { throw .dimensionMismatch("solveUpper: R is \(n)×\(n), C has \(c.rows) rows") }
    guard rank == n else { throw .rankDeficient(routine: "QRFactorization.solveUpper", diagonalIndex: rank + 1) }
    var x = c
    let rr = r
    x.elements.withUnsafeMutableBufferPointer { p in
      for j in 0..<c.columns {
        let col = p.baseAddress! + j * n
        for i in stride(from: n - 1, through: 0, by: -1) {
          var v = col[i]
          for l in (i + 1)..<n { v -= rr[i, l] * col[l] }
          col[i] = v / rr[i, i]
        }
      }
    }
    return x
  }
}
