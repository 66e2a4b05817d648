import Foundation
import Testing

@testable import LinearAlgebra

@Suite("Cholesky, symmetric eigen, BLAS products")
struct FactorizationTests {
  /// The textbook example: A = L·Lᵀ with L = [[2,0,0],[6,1,0],[-8,5,3]].
  static let spd = Matrix([[4, 12, -16], [12, 37, -43], [-16, -43, 98]])

  @Test("Cholesky of the classic 3×3 example gives L = [[2,0,0],[6,1,0],[-8,5,3]]")
  func choleskyClassic() throws {
    let f = try CholeskyFactorization(Self.spd)
    let expected: [[Double]] = [[2, 0, 0], [6, 1, 0], [-8, 5, 3]]
    for i in 0..<3 { for j in 0..<3 { #expect(abs(f.lower[i, j] - expected[i][j]) < 1e-12) } }
    #expect(abs(f.logDeterminant - log(36.0)) < 1e-12)  // det = (2·1·3)² = 36
    // Solve A x = b with b = A·[1, 2, 3].
    let b = try gemv(Self.spd, [1, 2, 3])
    let x = try f.solve(.column(b))
    for (got, want) in zip(x.column(0), [1.0, 2, 3]) { #expect(abs(got - want) < 1e-10) }
  }

  @Test("A matrix that is not positive definite names the failing leading minor")
  func notPositiveDefinite() {
    // Leading 1×1 minor is 1 > 0; the 2×2 minor is 1·1 − 2·2 = −3 < 0.
    #expect(throws: LAPACKError.notPositiveDefinite(order: 2)) {
      try CholeskyFactorization(Matrix([[1, 2], [2, 1]]))
    }
    #expect(throws: LAPACKError.dimensionMismatch("cholesky: matrix is 2×3, expected square")) {
      try CholeskyFactorization(Matrix(rows: 2, columns: 3))
    }
  }

  @Test("Eigenvalues of the n×n second-difference matrix are 2 − 2·cos(kπ/(n+1))", arguments: [1, 5, 50])
  func tridiagonal(n: Int) throws {
    var a = Matrix(rows: n, columns: n)
    for i in 0..<n {
      a[i, i] = 2
      if i + 1 < n { a[i, i + 1] = -1; a[i + 1, i] = -1 }
    }
    let eig = try SymmetricEigendecomposition(a)
    let expected = (1...n).map { 2 - 2 * cos(Double($0) * Double.pi / Double(n + 1)) }
    for (got, want) in zip(eig.values, expected) { #expect(abs(got - want) < 1e-12) }
    // A·v = λ·v for every eigenpair, and V is orthonormal.
    let av = try gemm(a, eig.vectors)
    for k in 0..<n {
      for i in 0..<n { #expect(abs(av[i, k] - eig.values[k] * eig.vectors[i, k]) < 1e-12) }
    }
    let vtv = try gemm(eig.vectors, eig.vectors, transA: .transpose)
    for i in 0..<n { for j in 0..<n { #expect(abs(vtv[i, j] - (i == j ? 1 : 0)) < 1e-12) } }
  }

  @Test("gemm and gemv agree with hand-computed products, including transposes")
  func products() throws {
    let a = Matrix([[1, 2, 3], [4, 5, 6]])  // 2×3
    let b = Matrix([[7, 8], [9, 10], [11, 12]])  // 3×2
    #expect(try gemm(a, b).rowArrays == [[58, 64], [139, 154]])
    #expect(try gemm(a, a, transA: .transpose).rowArrays == [[17, 22, 27], [22, 29, 36], [27, 36, 45]])
    #expect(try gemm(a, b, alpha: 2, beta: 1, c: .identity(2)).rowArrays == [[117, 128], [278, 309]])
    #expect(try gemm(a, a, transB: .transpose).rowArrays == [[14, 32], [32, 77]])
    #expect(try gemv(a, [1, 0, -1]) == [-2, -2])
    #expect(try gemv(a, [1, 1], trans: .transpose) == [5, 7, 9])
    #expect(throws: LAPACKError.self) { try gemm(a, a) }
    #expect(a.transposed.rowArrays == [[1, 4], [2, 5], [3, 6]])
  }

  @Test("OpenBLAS reports at least one thread")
  func threads() {
    // Read-only: tests run in parallel and must not change the process-wide count.
    #expect(BLAS.threadCount >= 1)
  }
}
