internal import COpenBLAS

/// OpenBLAS thread control and the level-2/3 products Replenish uses.
///
/// Replenish parallelises across SKUs, not inside BLAS: call `BLAS.setThreadCount(1)` once at start-up
/// of a batch job. Never change it from tests that run in parallel; it is process-wide.
public enum BLAS {
  /// The number of threads OpenBLAS uses for one call.
  public static var threadCount: Int { Int(openblas_get_num_threads()) }

  /// Sets OpenBLAS's process-wide thread count (at least 1).
  public static func setThreadCount(_ count: Int) {
    precondition(count >= 1, "BLAS thread count must be at least 1, got \(count)")
    openblas_set_num_threads(Int32(count))
  }
}

/// Whether an operand is used as stored or transposed.
public enum Transpose: Sendable {
  case none, transpose
  var cblas: CBLAS_TRANSPOSE { self == .none ? CblasNoTrans : CblasTrans }
}

/// General matrix product `C ← α·op(A)·op(B) + β·C` (BLAS `dgemm`).
///
/// ```
/// op(X) = X or Xᵀ,   op(A) is m×k, op(B) is k×n, C is m×n
/// ```
/// - Returns: the updated `C`; when `c` is `nil` a zero `m×n` matrix is used (β is then irrelevant).
public func gemm(
  _ a: Matrix, _ b: Matrix, transA: Transpose = .none, transB: Transpose = .none,
  alpha: Double = 1, beta: Double = 0, c: Matrix? = nil
) throws(LAPACKError) -> Matrix {
  let m = transA == .none ? a.rows : a.columns
  let k = transA == .none ? a.columns : a.rows
  let kb = transB == .none ? b.rows : b.columns
  let n = transB == .none ? b.columns : b.rows
  guard k == kb else {
    throw .dimensionMismatch("gemm: op(A) is \(m)×\(k) but op(B) is \(kb)×\(n)")
  }
  var result = c ?? Matrix(rows: m, columns: n)
  guard result.rows == m, result.columns == n else {
    throw .dimensionMismatch("gemm: C is \(result.rows)×\(result.columns), expected \(m)×\(n)")
  }
  if m == 0 || n == 0 { return result }
  if k == 0 {  // BLAS leaves C untouched when k = 0 only if beta = 1; be explicit.
    for i in result.elements.indices { result.elements[i] *= beta }
    return result
  }
  let (mi, ni, ki) = (try lapackInt(m, "m"), try lapackInt(n, "n"), try lapackInt(k, "k"))
  let lda = try lapackInt(max(1, a.rows), "lda")
  let ldb = try lapackInt(max(1, b.rows), "ldb")
  let ldc = try lapackInt(max(1, m), "ldc")
  a.elements.withUnsafeBufferPointer { pa in
    b.elements.withUnsafeBufferPointer { pb in
      result.elements.withUnsafeMutableBufferPointer { pc in
        cblas_dgemm(
          CblasColMajor, transA.cblas, transB.cblas, mi, ni, ki,
          alpha, pa.baseAddress, lda, pb.baseAddress, ldb, beta, pc.baseAddress, ldc)
      }
    }
  }
  return result
}

/// Matrix–vector product `y ← α·op(A)·x + β·y` (BLAS `dgemv`).
public func gemv(
  _ a: Matrix, _ x: [Double], trans: Transpose = .none,
  alpha: Double = 1, beta: Double = 0, y: [Double]? = nil
) throws(LAPACKError) -> [Double] {
  let outCount = trans == .none ? a.rows : a.columns
  let inCount = trans == .none ? a.columns : a.rows
  guard x.count == inCount else {
    throw .dimensionMismatch("gemv: op(A) has \(inCount) columns but x has \(x.count) elements")
  }
  var result = y ?? [Double](repeating: 0, count: outCount)
  guard result.count == outCount else {
    throw .dimensionMismatch("gemv: y has \(result.count) elements, expected \(outCount)")
  }
  if outCount == 0 { return result }
  if inCount == 0 {
    for i in result.indices { result[i] *= beta }
    return result
  }
  let (mi, ni) = (try lapackInt(a.rows, "m"), try lapackInt(a.columns, "n"))
  let lda = try lapackInt(max(1, a.rows), "lda")
  a.elements.withUnsafeBufferPointer { pa in
    x.withUnsafeBufferPointer { px in
      result.withUnsafeMutableBufferPointer { py in
        cblas_dgemv(CblasColMajor, trans.cblas, mi, ni, alpha, pa.baseAddress, lda, px.baseAddress, 1, beta, py.baseAddress, 1)
      }
    }
  }
  return result
}
