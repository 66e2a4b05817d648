import Foundation
import LinearAlgebra
import Sampling
import Testing

@testable import Forecasting

@Suite("Batched regression with price, promotion and calendar terms")
struct BatchedRegressionTests {
  /// S synthetic SKUs: y = 50 + 2t/100 + 8 sin(2πt/7) + 5·event + γ log p + δ promo + noise.
  func synthetic(n: Int, skus: Int, seed: UInt64) -> (x: Matrix, y: Matrix, lp: Matrix, promo: Matrix, gammas: [Double], deltas: [Double]) {
    var rng = SeededGenerator(seed: seed)
    let event = (0..<n).map { $0 % 30 == 0 ? 1.0 : 0 }
    let x = BatchedRegression.design(first: 0, count: n, origin: 0, seasonLength: 7, pairs: 2, events: [event])
    var y = Matrix(rows: n, columns: skus), lp = Matrix(rows: n, columns: skus), promo = Matrix(rows: n, columns: skus)
    var gammas: [Double] = [], deltas: [Double] = []
    for s in 0..<skus {
      let gamma = -1.5 - Double(s % 5) * 0.3, delta = 4 + Double(s % 3)
      gammas.append(gamma)
      deltas.append(delta)
      for i in 0..<n {
        let onPromo = rng.uniform() < 0.1
        let price = 5 * (onPromo ? 0.8 : 1) * (1 + 0.05 * rng.normal())
        lp[i, s] = log(price)
        promo[i, s] = onPromo ? 1 : 0
        y[i, s] = 50 + 2 * Double(i) / 100 + 8 * sin(2 * Double.pi * Double(i) / 7) + 5 * event[i] + gamma * log(price) + delta * promo[i, s] + rng.normal()
      }
    }
    return (x, y, lp, promo, gammas, deltas)
  }

  @Test("With ridge 0 the batched solve equals one OLS per SKU (Frisch–Waugh–Lovell) to 1e-9")
  func equalsPerSKU() throws {
    let d = synthetic(n: 200, skus: 12, seed: 1)
    let batched = try BatchedRegression(ridge: 0).fit(design: d.x, y: d.y, logPrice: d.lp, promo: d.promo)
    let each = try BatchedRegression.fitEach(design: d.x, y: d.y, logPrice: d.lp, promo: d.promo)
    #expect(batched.rank == d.x.columns)
    for s in 0..<12 {
      #expect(abs(batched.elasticity[s] - each.elasticity[s]) < 1e-9)
      #expect(abs(batched.promotionEffect[s] - each.promotionEffect[s]) < 1e-9)
      for i in 0..<d.x.columns { #expect(abs(batched.beta[i, s] - each.beta[i, s]) < 1e-8) }
    }
  }

  @Test("Recovers the elasticity, promotion effect and event effect used to simulate (noise sd 1)")
  func recovers() throws {
    let d = synthetic(n: 1000, skus: 5, seed: 2)
    let fit = try BatchedRegression(ridge: 0).fit(design: d.x, y: d.y, logPrice: d.lp, promo: d.promo)
    for s in 0..<5 {
      #expect(abs(fit.elasticity[s] - d.gammas[s]) < 0.8, "γ \(fit.elasticity[s]) vs \(d.gammas[s])")
      #expect(abs(fit.promotionEffect[s] - d.deltas[s]) < 0.5, "δ \(fit.promotionEffect[s]) vs \(d.deltas[s])")
      #expect(abs(fit.beta[d.x.columns - 1, s] - 5) < 0.6)  // the event column
      #expect(abs(fit.residualSD[s] - 1) < 0.1)
    }
  }

  @Test("Ridge shrinks price and promotion effects of a short history towards zero; collinear calendar terms lower the rank")
  func ridgeAndRank() throws {
    let d = synthetic(n: 20, skus: 3, seed: 3)
    let plain = try BatchedRegression(ridge: 0).fit(design: d.x, y: d.y, logPrice: d.lp, promo: d.promo)
    let ridged = try BatchedRegression(ridge: 1).fit(design: d.x, y: d.y, logPrice: d.lp, promo: d.promo)
    for s in 0..<3 {
      #expect(abs(ridged.elasticity[s]) + abs(ridged.promotionEffect[s]) < abs(plain.elasticity[s]) + abs(plain.promotionEffect[s]))
    }
    // A duplicated event column: rank k − 1, and the fit still solves.
    let event = (0..<20).map { $0 % 5 == 0 ? 1.0 : 0 }
    let x = BatchedRegression.design(first: 0, count: 20, origin: 0, seasonLength: 7, pairs: 1, events: [event, event])
    let fit = try BatchedRegression(ridge: 0).fit(design: x, y: d.y, logPrice: d.lp, promo: d.promo)
    #expect(fit.rank == x.columns - 1)
  }
}

@Suite("Scaled pinball loss (M5 uncertainty)")
struct ScaledPinballTests {
  @Test("Hand-computed: pinball ÷ mean absolute one-step change of the training data from the first sale")
  func handComputed() {
    // Training from the first non-zero value: [2, 4, 3] → scale (2 + 1)/2 = 1.5.
    // τ = 0.9, y = [5, 1], q = [4, 2]: (0.9·1 + 0.1·1)/2 = 0.5 → SPL = 0.5/1.5.
    let spl = scaledPinballLoss(actual: [5, 1], quantile: [4, 2], level: 0.9, training: [0, 0, 2, 4, 3])
    #expect(abs(spl - 0.5 / 1.5) < 1e-12)
    #expect(scaledPinballLoss(actual: [1], quantile: [1], level: 0.5, training: [3, 3, 3]).isNaN)
  }
}
