internal import COpenBLAS
import Foundation

/// The Cholesky factorisation `A = L·Lᵀ` of a symmetric positive definite matrix (LAPACK `dpotrf`).
///
/// ```
/// L lower triangular, Lᵢᵢ > 0;   solve A·X = B as L·Y = B, Lᵀ·X = Y   (dpotrs)
/// ```
/// Only the lower triangle of the input is read. Reference: Golub & Van Loan, *Matrix Computations*
/// (4th ed.), §4.2.
public struct CholeskyFactorization: Sendable {
  /// The lower-triangular factor `L` (upper triangle zeroed).
  public let lower: Matrix

  /// Factors `a`.
  /// - Throws: `LAPACKError.notPositiveDefinite(order:)` naming the first leading minor that is not
  ///   positive, or `.dimensionMismatch` when `a` is not square.
  public init(_ a: Matrix) throws(LAPACKError) {
    guard a.rows == a.columns else {
      throw .dimensionMismatch("cholesky: matrix is \(a.rows)×\(a.columns), expected square")
    }
    let n = a.rows
    var factor = a.elements
    if n > 0 {
      var uplo = CChar(UInt8(ascii: "L"))
      let ni = try lapackInt(n, "n")
      var info: LAPACKInt = 0
      dpotrf_(&uplo, [ni], &factor, [ni], &info, 1)
      if info > 0 { throw .notPositiveDefinite(order: Int(info)) }
      try check(info, "dpotrf")
      for j in 0..<n { for i in 0..<j { factor[i + j * n] = 0 } }
    }
    lower = Matrix(rows: n, columns: n, columnMajor: factor)
  }

  /// Solves `A·X = B` for every column of `b` (LAPACK `dpotrs`).
  public func solve(_ b: Matrix) throws(LAPACKError) -> Matrix {
    let n = lower.rows
    guard b.rows == n else {
      throw .dimensionMismatch("cholesky solve: A is \(n)×\(n) but B has \(b.rows) rows")
    }
    var x = b.elements
    if n == 0 || b.columns == 0 { return b }
    var uplo = CChar(UInt8(ascii: "L"))
    let ni = try lapackInt(n, "n"), nrhs = try lapackInt(b.columns, "nrhs")
    var info: LAPACKInt = 0
    lower.elements.withUnsafeBufferPointer { pl in
      dpotrs_(&uplo, [ni], [nrhs], pl.baseAddress, [ni], &x, [ni], &info, 1)
    }
    try check(info, "dpotrs")
    return Matrix(rows: n, columns: b.columns, columnMajor: x)
  }

  /// `log det A = 2·Σ log Lᵢᵢ` (used for Gaussian likelihoods).
  public var logDeterminant: Double {
    var s = 0.0
    for i in 0..<lower.rows { s += log(lower[i, i]) }
    return 2 * s
  }
}
