import Foundation
import LinearAlgebra
import Sampling
import Statistics

extension ETSFit {
  public var specification: (any ForecastingMethod)? { ETSMethod(alias: "ets:" + name, spec: spec) }

  public func extended(to y: [Double]) -> (any FittedModel)? {
    ETSFit(
      y: y, spec: spec, seasonLength: seasonLength, parameters: parameters, initialState: initialState,
      estimatedCount: parameterCount - 1)
  }

  public func pointForecasts(horizon h: Int) -> [Double] {
    ETSFilter.pointForecasts(state: finalState, spec: spec, phi: parameters.phi, horizon: h)
  }

  /// The model carried to every origin from one pass of the filter: the state after `y[0 ..< o]` is where
  /// the pass stands at o, the same arithmetic `extended(to:)` repeats from the start for each origin (52
  /// times for a weekly lead-time error profile). A multiplicative trend, whose filter can stop early on a
  /// negative growth, takes the per-origin path.
  public func carriedForecasts(_ y: [Double], origins: [Int], horizon: Int) -> [[Double]?] {
    guard spec.trend != .multiplicative, origins.allSatisfy({ $0 >= 1 && $0 <= y.count }) else {
      return origins.map { extended(to: Array(y[0..<$0]))?.pointForecasts(horizon: horizon) }
    }
    var ring = initialState.ring(seasonLength: seasonLength)
    var level = initialState.level, growth = initialState.growth
    var done = 0
    var results: [Int: [Double]] = [:]
    y.withUnsafeBufferPointer { yp in
      ring.withUnsafeMutableBufferPointer { rp in
        for origin in Set(origins).sorted() {
          _ = ETSFilter.run(
            UnsafeBufferPointer(rebasing: yp[done..<origin]), spec: spec, m: seasonLength, parameters: parameters, level: &level,
            growth: &growth, ring: rp, fitted: nil, errors: nil, startSlot: rp.isEmpty ? 0 : done % seasonLength)
          done = origin
          let state = ETSState.fromRing(level: level, growth: growth, ring: Array(rp), steps: origin)
          results[origin] = ETSFilter.pointForecasts(state: state, spec: spec, phi: parameters.phi, horizon: horizon)
        }
      }
    }
    return origins.map { results[$0] }
  }

  /// Number of simulated paths for intervals without a closed form (R's default).
  public static let simulationPaths = 5000

  /// Point forecasts and prediction intervals.
  ///
  /// Intervals: closed-form h-step variances for class 1 (additive error, trend N/A/Ad, season N/A),
  /// class 2 (multiplicative error, same trends and seasons) and class 3 (multiplicative error and
  /// season, trend N/A/Ad) of Hyndman et al. (2008, ch. 6); otherwise quantiles (type 8) of 5,000 seeded
  /// simulated paths, as R's `forecast.ets` does without a closed form. For class 3 the mean is the
  /// expected value E[y_{n+h}], which exceeds the point forecast by σ² terms from step m + 1 on (as R).
  ///
  /// Also by design: R's `class3` uses 1 where the damped model has φ (F₁ and H₁ of M,Ad,M); φ is used
  /// here.
  ///
  /// Difference from R 8.20 by design: for ANA and MNA, R's `class1` puts γ on the second seasonal state
  /// (`G[3, 1]` without a trend), which shifts the seasonal contribution to the variance one step early.
  /// Here γ acts on the newest seasonal state, as in the model's transition equations.
  public func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let mean = pointForecasts(horizon: h)
    let residuals = self.residuals
    let fitted = self.fitted
    guard !levels.isEmpty, h > 0 else {
      return Forecast(model: name, mean: mean, fitted: fitted, residuals: residuals)
    }
    let additiveComponents = spec.trend != .multiplicative && spec.season != .multiplicative
    if additiveComponents {
      let (cj, means) = linearCoefficients(horizon: h)
      var variance = [Double](repeating: sigma2, count: h)
      if spec.error == .additive {
        var cumulative = 0.0
        for i in 1..<max(1, h) {
          cumulative += cj[i - 1] * cj[i - 1]
          variance[i] = sigma2 * (1 + cumulative)
        }
      } else {
        // Class 2: θ_1 = μ_1², θ_j = μ_j² + σ²·Σ_{i<j} c_i²·θ_{j−i};  v_j = (1+σ²)·θ_j − μ_j².
        var theta = [Double](repeating: 0, count: h)
        theta[0] = means[0] * means[0]
        for j in 1..<max(1, h) {
          var s = 0.0
          for i in 0..<j { s += cj[i] * cj[i] * theta[j - 1 - i] }
          theta[j] = means[j] * means[j] + sigma2 * s
        }
        for j in 0..<h { variance[j] = (1 + sigma2) * theta[j] - means[j] * means[j] }
      }
      return normalIntervals(
        model: name, mean: mean, variance: variance, levels: levels, method: .analytic, fitted: fitted,
        residuals: residuals)
    }
    if spec.error == .multiplicative && spec.season == .multiplicative && spec.trend != .multiplicative,
      let (means, variance) = class3Moments(horizon: h)
    {
      return normalIntervals(
        model: name, mean: means, variance: variance, levels: levels, method: .analytic, fitted: fitted,
        residuals: residuals)
    }
    let paths = simulate(horizon: h, paths: ETSFit.simulationPaths, seed: 20_080_601)
    var lower: [[Double]] = levels.map { _ in [] }, upper: [[Double]] = levels.map { _ in [] }
    for step in 0..<h {
      let sorted = paths[step].sorted()
      for (k, level) in levels.enumerated() {
        lower[k].append(quantileType8(sorted: sorted, 0.5 - level / 200))
        upper[k].append(quantileType8(sorted: sorted, 0.5 + level / 200))
      }
    }
    return Forecast(
      model: name, mean: mean, levels: levels, lower: lower, upper: upper, intervalMethod: .simulation,
      fitted: fitted, residuals: residuals)
  }

  /// For linear (class 1/2) models: `c_j = H·F^{j−1}·G` for j = 1…h−1 and the means `μ_j = H·F^{j−1}·x_n`
  /// of the state-space form x_t = F·x_{t−1} + G·ε_t, y_t = H·x_{t−1} + ε_t (R `class1`).
  func linearCoefficients(horizon h: Int) -> (c: [Double], means: [Double]) {
    let hasTrend = spec.trend != .none
    let m = spec.season == .none ? 0 : seasonLength
    let p = 1 + (hasTrend ? 1 : 0) + m
    let phi = spec.damped ? parameters.phi : 1
    var state = [finalState.level]
    if hasTrend { state.append(finalState.growth) }
    state.append(contentsOf: finalState.seasonal)
    // H, F, G as plain arrays (p ≤ 2 + m, small).
    var H = [Double](repeating: 0, count: p)
    H[0] = 1
    if hasTrend { H[1] = phi }
    if m > 0 { H[p - 1] += 1 }
    var F = [Double](repeating: 0, count: p * p)  // row-major
    F[0] = 1
    if hasTrend {
      F[1] = phi
      F[p + 1] = phi
    }
    if m > 0 {
      let first = p - m
      F[first * p + (p - 1)] = 1
      for k in 1..<m { F[(first + k) * p + (first + k - 1)] = 1 }
    }
    var G = [Double](repeating: 0, count: p)
    G[0] = parameters.alpha
    if hasTrend { G[1] = parameters.beta }
    if m > 0 { G[p - m] = parameters.gamma }
    // Row vector r_j = H·F^{j−1}.
    var r = H
    var c: [Double] = []
    var means: [Double] = []
    for _ in 0..<h {
      var cj = 0.0, mu = 0.0
      for k in 0..<p {
        cj += r[k] * G[k]
        mu += r[k] * state[k]
      }
      c.append(cj)
      means.append(mu)
      var next = [Double](repeating: 0, count: p)
      for col in 0..<p {
        var s = 0.0
        for k in 0..<p { s += r[k] * F[k * p + col] }
        next[col] = s
      }
      r = next
    }
    return (c, means)
  }

  /// Class 3 moments (Hyndman et al. 2008, §6.4; R `class3`): with M_h = E[ℓ-part · s-part′] (p₁×m),
  /// ```
  /// μ_h  = H₁·M_h·H₂′
  /// v_h  = (1+σ²)·H₂₁·V_h·H₂₁′ + σ²·μ_h²
  /// V_{h+1} = F₂₁VF₂₁′ + σ²[F₂₁VG₂₁′ + G₂₁VF₂₁′ + K(V + vec M·vec M′)K′ + σ²G₂₁(3V + 2 vec M·vec M′)G₂₁′]
  /// M_{h+1} = F₁·M_h·F₂′ + σ²·G₁·M_h·G₂′
  /// ```
  /// with X₂₁ = X₂ ⊗ X₁ and K = G₂⊗F₁ + F₂⊗G₁.
  func class3Moments(horizon h: Int) -> (mean: [Double], variance: [Double])? {
    let m = seasonLength
    let hasTrend = spec.trend != .none
    let p1 = hasTrend ? 2 : 1
    let phi = spec.damped ? parameters.phi : 1
    let alpha = parameters.alpha, beta = parameters.beta, gamma = parameters.gamma
    let H1 = Matrix(rows: 1, columns: p1, columnMajor: hasTrend ? [1, phi] : [1])
    var H2 = Matrix(rows: 1, columns: m)
    H2[0, m - 1] = 1
    let F1 = hasTrend ? Matrix([[1, phi], [0, phi]]) : Matrix([[1]])
    let G1 = hasTrend ? Matrix([[alpha, alpha], [beta, beta]]) : Matrix([[alpha]])
    var F2 = Matrix(rows: m, columns: m)
    F2[0, m - 1] = 1
    for k in 1..<m { F2[k, k - 1] = 1 }
    var G2 = Matrix(rows: m, columns: m)
    G2[0, m - 1] = gamma
    let levelPart = hasTrend ? [finalState.level, finalState.growth] : [finalState.level]
    var M = Matrix(rows: p1, columns: m)
    for i in 0..<p1 { for j in 0..<m { M[i, j] = levelPart[i] * finalState.seasonal[j] } }
    let size = p1 * m
    var V = Matrix(rows: size, columns: size)
    let H21 = Matrix.kronecker(H2, H1)
    let F21 = Matrix.kronecker(F2, F1)
    let G21 = Matrix.kronecker(G2, G1)
    let K = Matrix.kronecker(G2, F1) + Matrix.kronecker(F2, G1)
    let s2 = sigma2
    var means: [Double] = [], variances: [Double] = []
    do {
      for _ in 0..<h {
        let mu = try gemm(gemm(H1, M), H2, transB: .transpose)[0, 0]
        let hv = try gemm(gemm(H21, V), H21, transB: .transpose)[0, 0]
        means.append(mu)
        variances.append((1 + s2) * hv + s2 * mu * mu)
        let vecM = Matrix.column(M.elements)
        let outer = try gemm(vecM, vecM, transB: .transpose)
        let t1 = try gemm(gemm(F21, V), F21, transB: .transpose)
        let t2 = try gemm(gemm(F21, V), G21, transB: .transpose)
        let t3 = try gemm(gemm(G21, V), F21, transB: .transpose)
        let t4 = try gemm(gemm(K, V + outer), K, transB: .transpose)
        let t5 = try gemm(gemm(G21, 3 * V + 2 * outer), G21, transB: .transpose)
        V = t1 + s2 * (t2 + t3 + t4 + s2 * t5)
        M = try gemm(gemm(F1, M), F2, transB: .transpose) + s2 * gemm(gemm(G1, M), G2, transB: .transpose)
      }
    } catch {
      return nil
    }
    return (means, variances)
  }

  /// Seeded sample paths: `paths[step][path]`, errors N(0, σ²) (relative for multiplicative error).
  public func simulate(horizon h: Int, paths: Int, seed: UInt64) -> [[Double]] {
    var rng = SeededGenerator(seed: seed)
    var result = [[Double]](repeating: [Double](repeating: 0, count: paths), count: h)
    let m = spec.season == .none ? 1 : seasonLength
    let baseRing = finalState.ring(seasonLength: m)
    let sigma = sigma2.squareRoot()
    var ring = baseRing
    var observation = [0.0]
    for path in 0..<paths {
      var level = finalState.level, growth = finalState.growth
      ring = baseRing
      // The ring slot for step n+1 is (n mod m) in filter terms; the final state's ring is aligned to
      // step 0 after fromRing → ring(seasonLength:), so start at slot 0.
      for step in 0..<h {
        let forecast = ETSFilter.pointForecasts(
          state: ETSState.fromRing(level: level, growth: growth, ring: ring, steps: step), spec: spec,
          phi: parameters.phi, horizon: 1)[0]
        let e = sigma * rng.normal()
        let y = spec.error == .additive ? forecast + e : forecast * (1 + e)
        result[step][path] = y
        observation[0] = y
        _ = observation.withUnsafeBufferPointer { yp in
          ring.withUnsafeMutableBufferPointer { rp in
            ETSFilter.run(
              yp, spec: spec, m: m, parameters: parameters, level: &level, growth: &growth, ring: rp, fitted: nil,
              errors: nil, startSlot: spec.season == .none ? 0 : step % m)
          }
        }
      }
    }
    return result
  }
}

/// The ETS forecasting method: one given model, or automatic selection by AICc over R's candidates.
public struct ETSMethod: ForecastingMethod {
  public let alias: String
  /// `nil`: automatic (R `model = "ZZZ"`).
  public let spec: ETSSpec?

  public var handlesMissingValues: Bool { true }

  public init(alias: String = "ets", spec: ETSSpec? = nil) {
    self.alias = alias
    self.spec = spec
  }

  /// AICc distance from the best screened candidate within which a candidate is polished: 2 points, or
  /// 1e-4 of the AICc's size for long series.
  static func polishMargin(_ aicc: Double) -> Double { max(2, 1e-4 * abs(aicc)) }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    try fitETS(y, seasonLength: seasonLength)
  }

  /// Fits and returns the concrete ETS fit (for tests and diagnostics).
  public func fitETS(_ y: [Double], seasonLength: Int) throws(ForecastError) -> ETSFit {
    let observed = y.filter { !$0.isNaN }
    guard observed.count >= 3 else { throw .tooShort(observations: observed.count, needed: 3, model: "ETS") }
    if spec == nil && isConstant(observed) {
      // R: ses(y, alpha = 0.99999, initial = "simple") — the level is the constant.
      let fit = ETSFit(
        y: y, spec: ETSSpec(error: .additive, trend: .none, season: .none), seasonLength: 1,
        parameters: ETSParameters(alpha: 0.99999), initialState: ETSState(level: observed[0]), estimatedCount: 1)
      return fit
    }
    // Seasonal models: m ≤ 24 as R; longer seasons only when the data show seasonality over ≥ 2 cycles.
    let m = seasonLength
    let allowSeasonal: Bool
    if m <= 1 {
      allowSeasonal = false
    } else if m <= ETSEstimator.maximumOptimisedSeasonLength {
      allowSeasonal = observed.count > m
    } else {
      allowSeasonal = observed.count >= 2 * m && isSeasonal(ETSEstimator.interpolateMissing(y), seasonLength: m)
    }
    let specs: [ETSSpec]
    if let spec {
      if spec.season != .none && !allowSeasonal {
        throw .tooShort(observations: observed.count, needed: m > 24 ? 2 * m : m + 1, model: spec.description)
      }
      if spec.error == .multiplicative && (observed.min() ?? 0) <= 0 {
        throw .invalidData("\(spec) needs positive data; the series has zeros or negative values")
      }
      specs = [spec]
    } else {
      specs = ETSEstimator.candidates(y, seasonLength: m, allowSeasonal: allowSeasonal)
    }
    // Short histories: every candidate optimised at R's tolerance, as R's ets(). Long histories: every
    // candidate screened at the looser tolerance, then the contenders — within `polishMargin` of the best
    // screened AICc — polished at R's from their screened optimum, and the choice made among the polished
    // fits (never worse by AICc than a full optimisation of the same model on R's fixtures,
    // `ETSOptimisationTests`), at about half the objective evaluations. Long histories also have ℓ₀ and b₀
    // of the linear models solved in closed form (`ETSEstimator.fit(…, concentrating:)`).
    let long = y.count >= ETSEstimator.screeningMinimumLength
    let tolerance = long ? ETSEstimator.screeningTolerance : ETSEstimator.finalTolerance
    let fits = specs.compactMap { ETSEstimator.fit(y, spec: $0, seasonLength: m, relativeTolerance: tolerance, concentrating: long) }.filter(\.aicc.isFinite)
    let bestFirst = fits.map(\.aicc).min() ?? .infinity
    var best: ETSFit?
    for fit in fits where !long || fit.aicc <= bestFirst + Self.polishMargin(bestFirst) {
      var candidate = fit
      if long, let polished = ETSEstimator.fit(y, spec: fit.spec, seasonLength: m, startingFrom: fit, concentrating: true), polished.aicc.isFinite,
        polished.aicc <= fit.aicc
      {
        candidate = polished
      }
      if candidate.aicc < (best?.aicc ?? .infinity) { best = candidate }
    }
    guard let best else {
      throw .noModel("no ETS model could be fitted (\(specs.map(\.description).joined(separator: ", ")))")
    }
    return best
  }
}
