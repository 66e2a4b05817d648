internal import COpenBLAS

/// Eigen-decomposition `A = V·diag(λ)·Vᵀ` of a real symmetric matrix (LAPACK `dsyevd`).
///
/// Eigenvalues ascend; column `k` of `vectors` is the unit eigenvector of `values[k]`. Only the lower
/// triangle of the input is read. Reference: Golub & Van Loan, *Matrix Computations* (4th ed.), §8.4
/// (divide and conquer, Cuppen 1981).
public struct SymmetricEigendecomposition: Sendable {
  public let values: [Double]
  /// Orthonormal eigenvectors as columns (empty `0×0` when `computeVectors` was false).
  public let vectors: Matrix

  /// - Throws: `.noConvergence` when LAPACK reports `INFO > 0`, `.dimensionMismatch` if not square.
  public init(_ a: Matrix, computeVectors: Bool = true) throws(LAPACKError) {
    guard a.rows == a.columns else {
      throw .dimensionMismatch("symmetric eigen: matrix is \(a.rows)×\(a.columns), expected square")
    }
    let n = a.rows
    guard n > 0 else {
      values = []
      vectors = Matrix(rows: 0, columns: 0)
      return
    }
    var work = a.elements
    var w = [Double](repeating: 0, count: n)
    var jobz = CChar(UInt8(ascii: computeVectors ? "V" : "N"))
    var uplo = CChar(UInt8(ascii: "L"))
    let ni = try lapackInt(n, "n")
    var info: LAPACKInt = 0
    var lwork: LAPACKInt = -1, liwork: LAPACKInt = -1
    var workQuery = 0.0
    var iworkQuery: LAPACKInt = 0
    dsyevd_(&jobz, &uplo, [ni], &work, [ni], &w, &workQuery, &lwork, &iworkQuery, &liwork, &info, 1, 1)
    try check(info, "dsyevd")
    lwork = LAPACKInt(workQuery)
    liwork = iworkQuery
    var scratch = [Double](repeating: 0, count: Int(lwork))
    var iwork = [LAPACKInt](repeating: 0, count: Int(liwork))
    dsyevd_(&jobz, &uplo, [ni], &work, [ni], &w, &scratch, &lwork, &iwork, &liwork, &info, 1, 1)
    if info > 0 { throw .noConvergence(routine: "dsyevd", info: Int(info)) }
    try check(info, "dsyevd")
    values = w
    vectors = computeVectors ? Matrix(rows: n, columns: n, columnMajor: work) : Matrix(rows: 0, columns: 0)
  }
}
