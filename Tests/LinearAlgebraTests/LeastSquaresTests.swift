import Foundation
import Testing

@testable import LinearAlgebra

/// NIST StRD "Longley" (Longley 1967): 16 observations, 6 predictors, intercept. A multicollinear
/// design (condition number ≈ 5·10⁹) whose certified coefficients are given to 15 digits.
/// Source: NIST Statistical Reference Datasets, Linear Least Squares, Longley.dat.
enum Longley {
  // y, x1 (GNP deflator), x2 (GNP), x3 (unemployed), x4 (armed forces), x5 (population), x6 (year)
  static let data: [[Double]] = [
    [60323, 83.0, 234289, 2356, 1590, 107608, 1947], [61122, 88.5, 259426, 2325, 1456, 108632, 1948],
    [60171, 88.2, 258054, 3682, 1616, 109773, 1949], [61187, 89.5, 284599, 3351, 1650, 110929, 1950],
    [63221, 96.2, 328975, 2099, 3099, 112075, 1951], [63639, 98.1, 346999, 1932, 3594, 113270, 1952],
    [64989, 99.0, 365385, 1870, 3547, 115094, 1953], [63761, 100.0, 363112, 3578, 3350, 116219, 1954],
    [66019, 101.2, 397469, 2904, 3048, 117388, 1955], [67857, 104.6, 419180, 2822, 2857, 118734, 1956],
    [68169, 108.4, 442769, 2936, 2798, 120445, 1957], [66513, 110.8, 444546, 4681, 2637, 121950, 1958],
    [68655, 112.6, 482704, 3813, 2552, 123366, 1959], [69564, 114.2, 502601, 3931, 2514, 125368, 1960],
    [69331, 115.7, 518173, 4806, 2572, 127852, 1961], [70551, 116.9, 554894, 4007, 2827, 130081, 1962],
  ]
  static let certified: [Double] = [
    -3482258.63459582, 15.0618722713733, -0.358191792925910E-01, -2.02022980381683,
    -1.03322686717359, -0.511041056535807E-01, 1829.15146461355,
  ]
  static let certifiedRSS = 836424.055505915

  static var design: Matrix { Matrix(data.map { [1] + Array($0.dropFirst()) }) }
  static var response: Matrix { .column(data.map { $0[0] }) }
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-300) }

@Suite("Least squares (dgels, dgelsd)")
struct LeastSquaresTests {
  @Test("QR solver reproduces NIST Longley certified coefficients to 1e-7 relative", arguments: [
    LeastSquaresMethod.qr, .svd(),
  ])
  func longley(method: LeastSquaresMethod) throws {
    let solution = try leastSquares(Longley.design, Longley.response, method: method)
    #expect(solution.rank == 7)
    for (got, want) in zip(solution.coefficients.column(0), Longley.certified) {
      // Condition number ~5e9 leaves about 7 of 16 digits; LAPACK keeps more here (measured ~1e-10).
      #expect(relativeError(got, want) < 1e-7, "got \(got), certified \(want)")
    }
    if method == .qr {
      #expect(relativeError(solution.residualSumOfSquares[0], Longley.certifiedRSS) < 1e-7)
    } else {
      #expect(solution.singularValues.count == 7)
      #expect(solution.singularValues == solution.singularValues.sorted(by: >))
    }
  }

  @Test("A straight line through five points: y = 1 + 2x exactly")
  func exactLine() throws {
    let x: [Double] = [0, 1, 2, 3, 4]
    let a = Matrix(x.map { [1, $0] })
    let b = Matrix.column(x.map { 1 + 2 * $0 })
    let s = try leastSquares(a, b, method: .qr)
    #expect(abs(s.coefficients[0, 0] - 1) < 1e-12)
    #expect(abs(s.coefficients[1, 0] - 2) < 1e-12)
    #expect(s.residualSumOfSquares[0] < 1e-20)
  }

  @Test("Many right-hand sides share one factorisation and each equals its own solve")
  func multipleRightHandSides() throws {
    let a = Longley.design
    // Three responses: the Longley y, y scaled, and a column of the design itself (exact fit).
    let y = Longley.data.map { $0[0] }
    let x6 = Longley.data.map { $0[6] }
    let b = Matrix(rows: 16, columns: 3, columnMajor: y + y.map { 2 * $0 } + x6)
    let batched = try leastSquares(a, b, method: .svd())
    let single = try leastSquares(a, .column(y), method: .svd())
    for i in 0..<7 {
      #expect(relativeError(batched.coefficients[i, 0], single.coefficients[i, 0]) < 1e-9)
      #expect(relativeError(batched.coefficients[i, 1], 2 * single.coefficients[i, 0]) < 1e-9)
    }
    // x6 is column 6 of A, so its coefficients are the unit vector e6.
    for i in 0..<7 { #expect(abs(batched.coefficients[i, 2] - (i == 6 ? 1 : 0)) < 1e-6) }
  }

  @Test("A collinear design reports its rank with dgelsd and is refused by dgels")
  func rankDeficient() throws {
    // Columns: intercept, x, 2x (exactly collinear), and a promotion dummy.
    let x: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
    let promo: [Double] = [0, 1, 0, 0, 1, 0, 0, 1]
    let a = Matrix(zip(x, promo).map { [1, $0, 2 * $0, $1] })
    let y = Matrix.column(zip(x, promo).map { 3 + 0.5 * $0 + 4 * $1 })
    let svd = try leastSquares(a, y, method: .svd())
    #expect(svd.rank == 3)
    // Minimum-norm solution splits the x effect between x and 2x: b1 + 2·b2 = 0.5, b1/b2 = 1/2.
    let c = svd.coefficients.column(0)
    #expect(abs(c[0] - 3) < 1e-10)
    #expect(abs(c[1] + 2 * c[2] - 0.5) < 1e-10)
    #expect(abs(c[2] - 2 * c[1]) < 1e-10)
    #expect(abs(c[3] - 4) < 1e-10)
    #expect(throws: LAPACKError.self) { try leastSquares(a, y, method: .qr) }
    do {
      _ = try leastSquares(a, y, method: .qr)
    } catch {
      guard case .rankDeficient(let routine, _) = error else {
        Issue.record("expected rankDeficient, got \(error)")
        return
      }
      #expect(routine == "dgels")
      #expect("\(error)".contains("rank deficient"))
    }
  }

  @Test("Mismatched dimensions are a typed error, not a crash")
  func mismatch() {
    #expect(throws: LAPACKError.dimensionMismatch("leastSquares: A has 3 rows but B has 2")) {
      try leastSquares(Matrix(rows: 3, columns: 2, repeating: 1), Matrix(rows: 2, columns: 1))
    }
  }

  @Test("Underdetermined system returns the minimum-norm solution")
  func underdetermined() throws {
    // x + y = 2 → minimum norm (1, 1).
    let s = try leastSquares(Matrix([[1, 1]]), .column([2]), method: .svd())
    #expect(abs(s.coefficients[0, 0] - 1) < 1e-12 && abs(s.coefficients[1, 0] - 1) < 1e-12)
    #expect(s.rank == 1)
  }
}
