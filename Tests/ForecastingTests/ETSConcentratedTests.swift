import Foundation
import Testing

@testable import Forecasting

/// ℓ₀ and b₀ solved in closed form (`ETSFilter.concentrated`) for the linear ETS models.
@Suite("ETS: the likelihood concentrated over the initial level and growth")
struct ETSConcentratedTests {
  /// 400 days of a trending weekly pattern with noise and a few missing days (a fixed LCG, so the test is
  /// deterministic).
  static let series: [Double] = {
    var state: UInt64 = 42
    func uniform() -> Double {
      state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return Double(state >> 11) / Double(1 << 53)
    }
    return (0..<400).map { t in
      if t % 97 == 13 { return .nan }
      let week = [1.0, 0.8, 0.9, 1.1, 1.4, 2.0, 1.6][t % 7]
      return 20 + 0.03 * Double(t) + 4 * week + 3 * (uniform() + uniform() + uniform() - 1.5)
    }
  }()

  @Test("At any smoothing parameters, the closed-form ℓ₀ and b₀ give the filter's likelihood, and no other initial state gives less")
  func closedFormIsTheMinimum() throws {
    let y = Self.series, m = 7
    let models: [(String, ETSParameters)] = [
      ("ANN", ETSParameters(alpha: 0.3)), ("AAN", ETSParameters(alpha: 0.2, beta: 0.01)),
      ("AAdN", ETSParameters(alpha: 0.2, beta: 0.05, phi: 0.9)), ("ANA", ETSParameters(alpha: 0.1, gamma: 0.05)),
      ("AAA", ETSParameters(alpha: 0.05, beta: 0.001, gamma: 0.1)), ("AAdA", ETSParameters(alpha: 0.15, beta: 0.02, gamma: 0.02, phi: 0.95)),
    ]
    for (name, p) in models {
      let spec = try #require(ETSSpec(name))
      #expect(ETSFilter.isLinear(spec))
      let seasonLength = spec.season == .none ? 1 : m
      let start = try #require(ETSEstimator.initialState(y, spec: spec, seasonLength: seasonLength))
      var ring = start.ring(seasonLength: seasonLength)
      var unitRings = [Double](repeating: 0, count: 2 * seasonLength)
      let best = y.withUnsafeBufferPointer { yp in
        ring.withUnsafeMutableBufferPointer { rp in
          unitRings.withUnsafeMutableBufferPointer { up in
            ETSFilter.concentrated(yp, spec: spec, m: seasonLength, parameters: p, start: start, ring: rp, unitRings: up)
          }
        }
      }
      func likelihood(level: Double, growth: Double) -> Double {
        let state = ETSState(level: level, growth: spec.trend == .none ? 0 : growth, seasonal: start.seasonal)
        return ETSFit(y: y, spec: spec, seasonLength: seasonLength, parameters: p, initialState: state, estimatedCount: 3).likelihood
      }
      let atBest = likelihood(level: best.level, growth: best.growth)
      // The profile value is the filter's own at the solved state (to rounding: the sums are formed differently).
      #expect(abs(best.likelihood - atBest) <= 1e-9 * abs(atBest), "\(name): \(best.likelihood) vs \(atBest)")
      // The heuristic start and states around the solution are no better (Σε² is a convex quadratic in them).
      #expect(likelihood(level: start.level, growth: start.growth) >= atBest - 1e-9 * abs(atBest), "\(name)")
      let moves = spec.trend == .none ? [(0.5, 0.0), (-0.5, 0.0)] : [(0.5, 0.0), (-0.5, 0.0), (0.0, 0.01), (0.0, -0.01), (0.2, -0.005)]
      for (dl, db) in moves {
        let other = likelihood(level: best.level + dl, growth: best.growth + db)
        #expect(other > atBest, "\(name): (\(dl), \(db)) gives \(other) below \(atBest)")
      }
    }
  }

  @Test("A concentrated fit is a fit: its likelihood and AICc are those of its parameters and states")
  func fitsAreConsistent() throws {
    let y = Self.series
    for name in ["ANN", "AAdN", "AAA"] {
      let spec = try #require(ETSSpec(name))
      let fit = try #require(ETSEstimator.fit(y, spec: spec, seasonLength: 7, relativeTolerance: ETSEstimator.screeningTolerance, concentrating: true))
      let again = ETSFit(y: y, spec: spec, seasonLength: 7, parameters: fit.parameters, initialState: fit.initialState,
                         estimatedCount: fit.parameterCount - 1)
      #expect(fit.aicc == again.aicc)
      // ℓ₀ and b₀ still count as estimated parameters: α (β, φ, γ), ℓ₀ (b₀) and, for AAA, m − 1 seasonal states.
      let expected = ["ANN": 2, "AAdN": 5, "AAA": 5 + 6][name]!
      #expect(fit.parameterCount == expected + 1)
      // The joint search at R's tolerance finds nothing much better: within 0.5 % of the likelihood.
      let joint = try #require(ETSEstimator.fit(y, spec: spec, seasonLength: 7))
      #expect(fit.likelihood <= joint.likelihood + 0.005 * abs(joint.likelihood), "\(name): \(fit.likelihood) vs joint \(joint.likelihood)")
    }
  }
}
