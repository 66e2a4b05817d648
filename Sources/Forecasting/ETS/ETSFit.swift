import Foundation
import LinearAlgebra

/// What the parameters of an ETS model are optimised for.
public enum ETSCriterion: Sendable {
  /// Maximum likelihood (R `opt.crit = "lik"`).
  case likelihood
  /// Mean squared one-step error (R `opt.crit = "mse"`, used by `ses()` and so by `thetaf()`).
  case mse
}

/// An ETS model fitted to one series: parameters, initial and final states, fit statistics.
public struct ETSFit: FittedModel {
  public let spec: ETSSpec
  public let seasonLength: Int
  public let parameters: ETSParameters
  public let initialState: ETSState
  public let finalState: ETSState
  /// `n·log Σε² (+ 2Σlog|ŷ|)`, R's `e$lik`; `logLikelihood = −likelihood/2` as R reports it.
  public let likelihood: Double
  public var logLikelihood: Double { -0.5 * likelihood }
  /// Number of estimated parameters + 1 (for σ²), as in R's AIC.
  public let parameterCount: Int
  public let aic: Double
  public let aicc: Double
  public let bic: Double
  public let mse: Double
  /// Residual variance `Σε²/(n − k)`, k = estimated parameters and initial states.
  public let sigma2: Double
  public let fitted: [Double]
  /// ε_t: additive errors, or relative errors for multiplicative-error models (R's `residuals()`).
  public let errors: [Double]
  public let observations: Int

  public var name: String { spec.description }

  /// Evaluates a model with given parameters and initial state (R `ets(y, model = fit,
  /// use.initial.values = TRUE)`): likelihood, fitted values, errors and final state.
  /// `estimatedCount` is the number of parameters that were estimated (for σ² and the criteria).
  public init(
    y: [Double], spec: ETSSpec, seasonLength: Int, parameters: ETSParameters, initialState: ETSState,
    estimatedCount: Int
  ) {
    let m = spec.season == .none ? 1 : seasonLength
    var ring = initialState.ring(seasonLength: m)
    var level = initialState.level, growth = initialState.growth
    var fitted = [Double](repeating: .nan, count: y.count)
    var errors = [Double](repeating: .nan, count: y.count)
    let output = y.withUnsafeBufferPointer { yp in
      ring.withUnsafeMutableBufferPointer { rp in
        fitted.withUnsafeMutableBufferPointer { fp in
          errors.withUnsafeMutableBufferPointer { ep in
            ETSFilter.run(
              yp, spec: spec, m: m, parameters: parameters, level: &level, growth: &growth, ring: rp,
              fitted: fp.baseAddress, errors: ep.baseAddress)
          }
        }
      }
    }
    let n = y.filter { !$0.isNaN }.count
    self.spec = spec
    self.seasonLength = m
    self.parameters = parameters
    self.initialState = initialState
    self.finalState = ETSState.fromRing(level: level, growth: growth, ring: ring, steps: y.count)
    self.likelihood = output.likelihood
    let k = estimatedCount + 1
    self.parameterCount = k
    aic = output.likelihood + 2 * Double(k)
    bic = output.likelihood + log(Double(n)) * Double(k)
    aicc = aic + 2 * Double(k * (k + 1)) / Double(n - k - 1)
    mse = output.mse
    var sumSquares = 0.0
    for e in errors where !e.isNaN { sumSquares += e * e }
    sigma2 = sumSquares / Double(n - estimatedCount)
    self.fitted = fitted
    self.errors = errors
    self.observations = n
  }

  /// Residuals on the original scale, `y − ŷ`.
  public var residuals: [Double] {
    spec.error == .additive ? errors : zip(fitted, errors).map { $0 * $1 }
  }
}

/// ETS model estimation as R's `ets()` (forecast 8.20): bounds "both", Nelder–Mead on the likelihood
/// (or MSE) over the smoothing parameters and the initial states, selection by AICc.
///
/// References: Hyndman, Koehler, Snyder & Grose (2002), IJF 18:439–454; Hyndman, Koehler, Ord & Snyder
/// (2008), *Forecasting with Exponential Smoothing*, Springer, ch. 2, 5 and 7.
///
/// Beyond R: season lengths above 24 (weekly data, m = 52), and histories of 52 seasons or more, are
/// fitted with the initial seasonal states fixed at their classical-decomposition values (only ℓ₀, b₀ and
/// the smoothing parameters are optimised; the m − 1 seasonal states still count as parameters in the
/// AICc); R refuses m > 24.
public enum ETSEstimator {
  public static let lower = ETSParameters(alpha: 1e-4, beta: 1e-4, gamma: 1e-4, phi: 0.8)
  public static let upper = ETSParameters(alpha: 0.9999, beta: 0.9999, gamma: 0.9999, phi: 0.98)
  /// Above this season length the initial seasonal states are not optimised.
  public static let maximumOptimisedSeasonLength = 24
  /// From this many full seasons of history on, the initial seasonal states are not optimised either:
  /// they stay at their classical-decomposition values, estimated from the whole history, and the search
  /// is over the smoothing parameters, ℓ₀ and b₀ only (m − 1 fewer dimensions; they still count as
  /// parameters in the AICc). Over a year of daily data the decomposition pins the weekly pattern down as
  /// well as the likelihood does. Measured on 250 generated M5-shaped daily series (m = 7, up to 1,913
  /// days, h = 28, `replenish-bench speed`): objective evaluations per fit 820 → 381, RMSSE 0.6110 →
  /// 0.6110. At 20 seasons R's quarterly fixture woolyrnq (119 quarters) lost up to 0.5 % of AICc
  /// against R's optimised states (and the automatic choice 0.5 points): 52 keeps monthly and quarterly
  /// histories of any usual length on R's estimator.
  public static let seasonsForFixedSeasonalStates = 52

  /// R's stopping rule (`optim`'s `reltol`, √ε): the simplex's value range at most this share of |f(x₀)|.
  public static let finalTolerance = 1.4901161193847656e-08
  /// The looser rule candidates are screened with before the contenders are polished at `finalTolerance`
  /// (`ETSMethod`, histories of `screeningMinimumLength` periods or more). Measured on 250 generated
  /// M5-shaped daily series (h = 28, `replenish-bench speed`): 820 → 441 objective evaluations per fit,
  /// RMSSE 0.6110 → 0.6111 at 1e-6; 1e-5: 286, 0.6114; 1e-4: 169, 0.6113. statsforecast stops when the
  /// standard deviation of the simplex values falls below 1e-4, or after 1,000 iterations. 1e-6 → 1e-4,
  /// measured 2026-12-07 on 1,158 generated M5-shaped series (`replenish-bench speed`, 2 threads): daily
  /// (h = 28) `ets` 11.8 → 5.9 s, RMSSE 0.6364 → 0.6365, `auto` 17.4 → 11.0 s, RMSSE 0.6380 both; weekly
  /// (h = 13, m = 52) `ets` 1.71 → 0.91 s, 0.7471 → 0.7476, `auto` 2.96 → 1.87 s, 0.7235 both. R's
  /// fixtures of 156 periods or more keep R's model and AICc (`ETSOptimisationTests`).
  public static let screeningTolerance = 1e-4
  /// Histories shorter than this keep R's tolerance for every candidate: on M3 monthly (at most 144
  /// months) screening and polishing changed the chosen models enough to move sMAPE 14.137 → 14.252 (ets)
  /// and 13.629 → 13.691 (auto), screening alone → 14.126 but with AICc up to 1.7 points short of R's
  /// optimum; a short history is also cheap to fit. Three years of weekly data (156 weeks) and a year of
  /// daily data are screened — measured on M5-shaped series aggregated to weeks (277 weeks, h = 13,
  /// `replenish-bench speed --freq week --season 52`), 364 → 156: `ets` 22.7 → 15.0 M instructions per
  /// series (callgrind, 250 series), RMSSE 0.7479 → 0.7465 (250) and 0.7426 → 0.7425 (1,000); `auto`
  /// 41.4 → 33.8 M, RMSSE 0.7134 → 0.7131 and 0.7203 → 0.7200.
  public static let screeningMinimumLength = 156
  /// The initial simplex step of each smoothing parameter when ℓ₀ and b₀ are concentrated out
  /// (`fit(…, concentrating: true)`). Measured on 1,158 generated M5-shaped daily series (h = 28,
  /// `replenish-bench speed`): 0.05 and 0.1 both halve `ets`'s time; RMSSE 0.6365 at 0.05 (as the joint
  /// search), 0.6366 at 0.1 and 0.2; one restart of the simplex from its optimum improved AICc further
  /// but not RMSSE, at +25 % time.
  public static let concentratedStep = 0.05

  /// Fits one model, optimising every parameter not given in `fixed`. Returns `nil` when the model has
  /// as many parameters as observations or no admissible fit exists (R returns AIC = Inf then).
  /// `startingFrom`: a fit of the same model whose parameters and initial states start the search
  /// (instead of R's heuristics) — how a screened fit is polished. `concentrating`: for linear models
  /// (additive error, no multiplicative component) whose seasonal states are fixed, ℓ₀ and b₀ are not
  /// searched but solved in closed form at each point (`ETSFilter.concentrated`), so the simplex moves in
  /// the smoothing parameters only. Measured on 1,158 generated M5-shaped daily series (h = 28,
  /// `replenish-bench speed`, 2 threads, alternating twice): `ets` 5.69–5.81 → 2.63–3.03 s, RMSSE 0.6365
  /// both; `auto` 10.1–11.1 → 7.7–8.2 s, RMSSE 0.6380 → 0.6381. The optimum found differs from the joint
  /// search's: on 216 screened fits (1e-4) of 30 series the AICc was lower on 158 (by up to 146 points) and higher on 58 (by up to 49).
  public static func fit(
    _ y: [Double], spec: ETSSpec, seasonLength: Int, criterion: ETSCriterion = .likelihood,
    fixedAlpha: Double? = nil, maxEvaluations: Int = 2000, relativeTolerance: Double = finalTolerance,
    startingFrom previous: ETSFit? = nil, concentrating: Bool = false
  ) -> ETSFit? {
    let m = spec.season == .none ? 1 : seasonLength
    guard let initial = previous?.initialState ?? initialState(y, spec: spec, seasonLength: m) else { return nil }
    let optimiseSeasonal = spec.season != .none && m <= maximumOptimisedSeasonLength && y.count < seasonsForFixedSeasonalStates * m
    // ℓ₀ and b₀ in closed form (`ETSFilter.concentrated`) for linear models whose seasonal states are fixed.
    let concentrated = concentrating && ETSFilter.isLinear(spec) && !optimiseSeasonal && criterion == .likelihood
    // Starting values (R initparam, bounds "both"), or the previous fit's.
    var start: [Double] = []
    var alpha0 = fixedAlpha ?? previous?.parameters.alpha ?? (lower.alpha + 0.2 * (upper.alpha - lower.alpha) / Double(m))
    if fixedAlpha == nil {
      if alpha0 > 1 || alpha0 < 0 { alpha0 = lower.alpha + 0.002 }
      start.append(alpha0)
    }
    if let previous {
      if spec.trend != .none { start.append(previous.parameters.beta) }
      if spec.season != .none { start.append(previous.parameters.gamma) }
      if spec.damped { start.append(previous.parameters.phi) }
    } else {
      if spec.trend != .none {
        let upperBeta = min(upper.beta, alpha0)
        var beta0 = lower.beta + 0.1 * (upperBeta - lower.beta)
        if beta0 < 0 || beta0 > alpha0 { beta0 = alpha0 - 0.001 }
        start.append(beta0)
      }
      if spec.season != .none {
        let upperGamma = min(upper.gamma, 1 - alpha0)
        var gamma0 = lower.gamma + 0.05 * (upperGamma - lower.gamma)
        if gamma0 < 0 || gamma0 > 1 - alpha0 { gamma0 = 1 - alpha0 - 0.001 }
        start.append(gamma0)
      }
      if spec.damped {
        var phi0 = lower.phi + 0.99 * (upper.phi - lower.phi)
        if phi0 < 0 || phi0 > 1 { phi0 = upper.phi - 0.001 }
        start.append(phi0)
      }
    }
    let parameterSlots = start.count
    if !concentrated {
      start.append(initial.level)
      if spec.trend != .none { start.append(initial.growth) }
    }
    if optimiseSeasonal { start.append(contentsOf: initial.seasonal.prefix(m - 1)) }
    let seasonalCount = spec.season == .none ? 0 : m - 1
    let estimated = parameterSlots + 1 + (spec.trend != .none ? 1 : 0) + seasonalCount
    let n = y.filter { !$0.isNaN }.count
    if estimated >= n - 1 { return nil }

    let fixedSeasonal = optimiseSeasonal ? [] : initial.seasonal
    func decode(_ x: [Double]) -> (ETSParameters, ETSState) {
      var k = 0
      var p = ETSParameters(alpha: fixedAlpha ?? 0, beta: 0, gamma: 0, phi: 1)
      if fixedAlpha == nil { p.alpha = x[k]; k += 1 }
      if spec.trend != .none { p.beta = x[k]; k += 1 }
      if spec.season != .none { p.gamma = x[k]; k += 1 }
      if spec.damped { p.phi = x[k]; k += 1 }
      if concentrated { return (p, ETSState(level: initial.level, growth: initial.growth, seasonal: fixedSeasonal)) }
      var state = ETSState(level: x[k])
      k += 1
      if spec.trend != .none {
        state.growth = x[k]
        k += 1
      }
      if spec.season != .none {
        if optimiseSeasonal {
          var seasonal = Array(x[k..<(k + m - 1)])
          let total = seasonal.reduce(0, +)
          seasonal.append((spec.season == .multiplicative ? Double(m) : 0) - total)
          state.seasonal = seasonal
        } else {
          state.seasonal = fixedSeasonal
        }
      }
      return (p, state)
    }

    var ring = [Double](repeating: 0, count: m)
    var unitRings = [Double](repeating: 0, count: concentrated ? 2 * m : 0)
    /// The filter's seasonal ring loaded with a state's seasonal states (oldest first).
    func loadSeasons(_ state: ETSState) {
      if spec.season != .none {
        for k in 0..<m { ring[k] = state.seasonal[m - 1 - k] }
      }
    }
    /// The concentrated likelihood at `p` and the ℓ₀, b₀ that attain it.
    func profile(_ p: ETSParameters, _ state: ETSState) -> (likelihood: Double, level: Double, growth: Double) {
      loadSeasons(state)
      return y.withUnsafeBufferPointer { yp in
        ring.withUnsafeMutableBufferPointer { rp in
          unitRings.withUnsafeMutableBufferPointer { up in
            ETSFilter.concentrated(yp, spec: spec, m: m, parameters: p, start: state, ring: rp, unitRings: up)
          }
        }
      }
    }
    // The admissibility test of a seasonal model (a Schur–Cohn–Jury recursion of degree m + 1, O(m²): as
    // long as the filter itself for m = 52) runs only where its answer can change the search: when the
    // likelihood beats the value the simplex needs (`nelderMead(…, bounded:)`); otherwise the point is
    // rejected either way. Measured on 1,000 weekly M5-shaped series (`replenish-bench plan`): the test was
    // 18 % of the plan's time.
    let objective: ([Double], Double) -> Double = { x, mattersBelow in
      let (p, state) = decode(x)
      guard checkUsualRegion(p, spec: spec, alphaFixed: fixedAlpha != nil) else { return .infinity }
      if spec.season == .multiplicative && (state.seasonal.min() ?? 0) < 0 { return .infinity }
      var value: Double
      if concentrated {
        value = profile(p, state).likelihood
      } else {
        var level = state.level, growth = state.growth
        loadSeasons(state)
        let out = y.withUnsafeBufferPointer { yp in
          ring.withUnsafeMutableBufferPointer { rp in
            ETSFilter.run(yp, spec: spec, m: m, parameters: p, level: &level, growth: &growth, ring: rp, fitted: nil, errors: nil)
          }
        }
        value = criterion == .likelihood ? out.likelihood : out.mse
      }
      if value.isNaN { return .infinity }
      if value < -1e10 { value = -1e10 }
      if value < mattersBelow && !isAdmissible(p, spec: spec, m: m) { return .infinity }
      return value
    }
    // From a previous fit the search starts near the optimum: a simplex of 1 % of each coordinate.
    // Over the smoothing parameters alone (ℓ₀, b₀ concentrated out) Nash's rule would start a simplex of
    // 0.1·max|x₀ᵢ| ≈ 0.003 (α₀ ≈ 0.03 for m = 7) instead of 0.1·|ℓ₀| when the states were in x: too small
    // to leave the start's basin (AICc up to 50 points short of the joint search on M5-shaped series).
    // `concentratedStep` restores a simplex that explores.
    let steps = previous.map { _ in start.map { max(0.01 * abs($0), 1e-4) } } ?? (concentrated ? start.map { _ in concentratedStep } : nil)
    let result = nelderMead(start: start, maxEvaluations: maxEvaluations, relativeTolerance: relativeTolerance, initialSteps: steps, bounded: objective)
    guard result.value.isFinite, result.value < 1e35 else { return nil }
    var (parameters, state) = decode(result.point)
    if concentrated {
      let best = profile(parameters, state)
      state.level = best.level
      if spec.trend != .none { state.growth = best.growth }
    }
    let fit = ETSFit(
      y: y, spec: spec, seasonLength: m, parameters: parameters, initialState: state, estimatedCount: estimated)
    // A perfect fit has likelihood −∞; that is only a failure when the likelihood is the criterion.
    guard criterion == .mse || fit.likelihood.isFinite else { return nil }
    return fit
  }

  /// R's `check.param` with bounds "both" is this usual region (β ≤ α, γ ≤ 1 − α) and `isAdmissible`; the
  /// objective tests the second only where it matters (see `fit`).
  static func checkUsualRegion(_ p: ETSParameters, spec: ETSSpec, alphaFixed: Bool) -> Bool {
    if !alphaFixed && (p.alpha < lower.alpha || p.alpha > upper.alpha) { return false }
    if spec.trend != .none && (p.beta < lower.beta || p.beta > p.alpha || p.beta > upper.beta) { return false }
    if spec.damped && (p.phi < lower.phi || p.phi > upper.phi) { return false }
    if spec.season != .none && (p.gamma < lower.gamma || p.gamma > 1 - p.alpha || p.gamma > upper.gamma) { return false }
    return true
  }

  /// Forecastability region of Hyndman, Akram & Archibald (2008), as R's `admissible()`.
  static func isAdmissible(_ p: ETSParameters, spec: ETSSpec, m: Int) -> Bool {
    let phi = spec.damped ? p.phi : 1
    if phi < 0 || phi > 1 + 1e-8 { return false }
    let beta = spec.trend == .none ? 0 : p.beta
    if spec.season == .none || m <= 1 {
      if p.alpha < 1 - 1 / phi || p.alpha > 1 + 1 / phi { return false }
      if spec.trend != .none && (beta < p.alpha * (phi - 1) || beta > (1 + phi) * (2 - p.alpha)) { return false }
      return true
    }
    let gamma = p.gamma, alpha = p.alpha, mm = Double(m)
    if gamma < max(1 - 1 / phi - alpha, 0) || gamma > 1 + 1 / phi - alpha { return false }
    if alpha < 1 - 1 / phi - gamma * (1 - mm + phi + phi * mm) / (2 * phi * mm) { return false }
    if beta < -(1 - phi) * (gamma / mm + alpha) { return false }
    // Characteristic polynomial, highest degree first:
    // z^{m+1} + (α+β−φ)z^m + (α+β−αφ)(z^{m−1} … z²) + (α+β−αφ+γ−1)z + φ(1−α−γ)
    var coefficients = [1.0, alpha + beta - phi]
    coefficients.append(contentsOf: repeatElement(alpha + beta - alpha * phi, count: m - 2))
    coefficients.append(alpha + beta - alpha * phi + gamma - 1)
    coefficients.append(phi * (1 - alpha - gamma))
    return rootsWithinRadius(coefficients, radius: 1 + 1e-10)
  }

  /// Whether every root of the polynomial (coefficients from the highest degree down) lies strictly inside
  /// the circle |z| < radius, by the Schur–Cohn–Jury recursion (no root finding).
  ///
  /// Reference: Jury, *Theory and Application of the z-Transform Method* (1964); Henrici, *Applied and
  /// Computational Complex Analysis* vol. 1, §6.8.
  static func rootsWithinRadius(_ highestFirst: [Double], radius: Double) -> Bool {
    // q(z) = p(radius·z): coefficient of z^k scales by radius^k.
    let degree = highestFirst.count - 1
    // Two buffers, swapped at each step (the recursion allocated an array per degree: half its time).
    var current = [Double](repeating: 0, count: degree + 1)  // current[k] = coefficient of z^k
    var next = [Double](repeating: 0, count: degree + 1)
    var scale = 1.0
    for k in 0...degree {
      current[k] = highestFirst[degree - k] * scale
      scale *= radius
    }
    return current.withUnsafeMutableBufferPointer { a in
      next.withUnsafeMutableBufferPointer { b in
        var (a, b) = (a, b)
        var n = degree
        while n > 0 {
          let lead = a[n], constant = a[0]
          if abs(constant) >= abs(lead) { return false }
          // p_{n−1}(z) = (a_n·p(z) − a_0·p*(z)) / z, where p* reverses the coefficients.
          var norm = 0.0
          for k in 1...n {
            let value = lead * a[k] - constant * a[n - k]
            b[k - 1] = value
            norm = max(norm, abs(value))
          }
          // Normalise to keep the numbers in range.
          if norm == 0 { return false }
          for k in 0..<n { b[k] /= norm }
          swap(&a, &b)
          n -= 1
        }
        return true
      }
    }
  }

  /// R's `initstate`: level and growth from a least-squares line through the first
  /// max(10, 2m) seasonally adjusted values; seasonal states from a classical decomposition (n ≥ 3m) or
  /// from a line + first-order Fourier regression (n < 3m).
  public static func initialState(_ series: [Double], spec: ETSSpec, seasonLength m: Int) -> ETSState? {
    let y = interpolateMissing(series)
    let n = y.count
    guard n >= 1 else { return nil }
    var adjusted = y
    var seasonal: [Double] = []
    if spec.season != .none {
      guard n >= 4 else { return nil }
      var seasonalComponent: [Double]
      if n < 3 * m {
        // y ~ a + b·t + S·sin(2πt/m) + C·cos(2πt/m); "seasonal" = y − (a + b·t) (or y/(a + b·t)).
        let t = (1...n).map(Double.init)
        var columns: [[Double]] = [Array(repeating: 1, count: n), t]
        let sine = t.map { sin(2 * Double.pi * $0 / Double(m)) }
        if m != 2 { columns.append(sine) }
        columns.append(t.map { cos(2 * Double.pi * $0 / Double(m)) })
        let design = Matrix(rows: n, columns: columns.count, columnMajor: columns.flatMap { $0 })
        guard let solution = try? leastSquares(design, .column(y), method: .svd()) else { return nil }
        let a = solution.coefficients[0, 0], b = solution.coefficients[1, 0]
        seasonalComponent = (0..<n).map { i in
          let line = a + b * Double(i + 1)
          return spec.season == .additive ? y[i] - line : y[i] / line
        }
      } else {
        guard let decomposition = ClassicalDecomposition(
          y, seasonLength: m, kind: spec.season == .additive ? .additive : .multiplicative)
        else { return nil }
        seasonalComponent = decomposition.seasonal
      }
      // Newest first: s_0 … s_{m−2} = seasonal[m], …, seasonal[2] (1-based), then the constrained last.
      var initial = (1..<m).reversed().map { seasonalComponent[$0] }
      if spec.season == .additive {
        adjusted = zip(y, seasonalComponent).map { $0 - $1 }
      } else {
        initial = initial.map { max($0, 0.01) }
        let total = initial.reduce(0, +)
        if total > Double(m) { initial = initial.map { $0 / (total + 0.01) } }
        adjusted = zip(y, seasonalComponent).map { $0 / max($1, 0.01) }
      }
      let last = (spec.season == .multiplicative ? Double(m) : 0) - initial.reduce(0, +)
      seasonal = initial + [last]
    }
    let window = min(max(10, 2 * (spec.season == .none ? 1 : m)), n)
    let head = Array(adjusted.prefix(window))
    var level: Double, growth = 0.0
    switch spec.trend {
    case .none:
      level = head.reduce(0, +) / Double(head.count)
    case .additive:
      let line = leastSquaresLine(x: (1...window).map(Double.init), y: head)
      level = line.intercept
      growth = line.slope
      if abs(level + growth) < 1e-8 {
        level *= 1 + 1e-3
        growth *= 1 - 1e-3
      }
    case .multiplicative:
      let line = leastSquaresLine(x: (1...window).map(Double.init), y: head)
      level = line.intercept + line.slope
      if abs(level) < 1e-8 { level = 1e-7 }
      growth = (line.intercept + 2 * line.slope) / level
      level /= growth
      if abs(growth) > 1e10 { growth = growth > 0 ? 1e10 : -1e10 }
      if level < 1e-8 || growth < 1e-8 {
        level = max(adjusted[0], 1e-3)
        growth = max((n > 1 ? adjusted[1] : adjusted[0]) / adjusted[0], 1e-3)
      }
    }
    return ETSState(level: level, growth: growth, seasonal: seasonal)
  }

  /// Replaces missing values by linear interpolation (ends: nearest value), for initial states only.
  static func interpolateMissing(_ y: [Double]) -> [Double] {
    guard y.contains(where: \.isNaN) else { return y }
    let known = y.indices.filter { !y[$0].isNaN }
    guard let first = known.first, let last = known.last else { return y.map { _ in 0 } }
    var out = y
    for i in 0..<first { out[i] = y[first] }
    for i in (last + 1)..<y.count { out[i] = y[last] }
    var previous = first
    for k in known.dropFirst() {
      for i in (previous + 1)..<k {
        let w = Double(i - previous) / Double(k - previous)
        out[i] = y[previous] * (1 - w) + y[k] * w
      }
      previous = k
    }
    return out
  }

  /// The candidate models R's `ets(model = "ZZZ")` tries, in its order: errors A then M (M only for
  /// positive data), trends N then A (damped first), seasons N, A, M (when m > 1 and n > m).
  public static func candidates(_ y: [Double], seasonLength m: Int, allowSeasonal: Bool = true) -> [ETSSpec] {
    let observed = y.filter { !$0.isNaN }
    let positive = (observed.min() ?? 0) > 0
    let seasons: [ETSSpec.Component] = allowSeasonal && m > 1 && observed.count > m ? [.none, .additive, .multiplicative] : [.none]
    var specs: [ETSSpec] = []
    for error in [ETSSpec.Component.additive, .multiplicative] where error == .additive || positive {
      for trend in [ETSSpec.Component.none, .additive] {
        for season in seasons {
          for damped in [true, false] where !(trend == .none && damped) {
            let spec = ETSSpec(error: error, trend: trend, damped: damped, season: season)
            if !spec.isRestricted { specs.append(spec) }
          }
        }
      }
    }
    return specs
  }
}
