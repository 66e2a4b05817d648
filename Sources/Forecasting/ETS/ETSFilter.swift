import Foundation

/// The ETS recursions (Hyndman et al. 2008, Table 2.1, error-correction form), as R's `etscalc`:
/// ```
/// ŷ_t = (ℓ + φ·b or ℓ·b^φ) ⊕ s_{t−m}                      one-step forecast (⊕: + or ×)
/// ε_t = y_t − ŷ_t   (additive error)   or (y_t − ŷ_t)/ŷ_t (multiplicative)
/// ℓ_t = q + α·(p − q),  q = ℓ_{t−1} + φb_{t−1} (or ℓ_{t−1}·b_{t−1}^φ),  p = y_t ⊖ s_{t−m}
/// b_t = φb_{t−1} + (β/α)·(r − φb_{t−1}),  r = ℓ_t − ℓ_{t−1} (or ℓ_t/ℓ_{t−1})
/// s_t = s_{t−m} + γ·(y_t ⊖ q − s_{t−m})
/// −2·log L (up to a constant) = n·log Σε_t² + 2·Σ log|ŷ_t| (the last term for multiplicative errors)
/// ```
/// A missing `y_t` (`.nan`, e.g. a stock-out) leaves the states to evolve without correction and adds
/// nothing to the likelihood.
enum ETSFilter {
  static let tolerance = 1.0e-10
  static let huge = 1.0e10

  struct Output {
    /// `n·log Σε²` (+ `2Σ log|ŷ|`), `.nan` when a forecast was undefined.
    var likelihood: Double
    /// Mean squared one-step error on the original scale.
    var mse: Double
  }

  /// Runs the recursions over `y`. `ring` holds the seasonal states oldest-first for position 0 (that
  /// is, `ring[t % m]` is `s_{t−m}` at step t) and is updated in place, as are `level` and `growth`.
  ///
  /// Dispatches once to a loop specialised for the trend and season components, so the per-step
  /// component switches fold away at compile time (the kernel runs ~10⁶ steps per model fit).
  @inline(__always)
  static func run(
    _ y: UnsafeBufferPointer<Double>, spec: ETSSpec, m: Int, parameters p: ETSParameters,
    level: inout Double, growth: inout Double, ring: UnsafeMutableBufferPointer<Double>,
    fitted: UnsafeMutablePointer<Double>?, errors: UnsafeMutablePointer<Double>?, startSlot: Int = 0
  ) -> Output {
    switch (spec.trend, spec.season) {
    case (.none, .none): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, NoComponent.self, NoComponent.self)
    case (.none, .additive): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, NoComponent.self, AdditiveComponent.self)
    case (.none, .multiplicative): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, NoComponent.self, MultiplicativeComponent.self)
    case (.additive, .none): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, AdditiveComponent.self, NoComponent.self)
    case (.additive, .additive): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, AdditiveComponent.self, AdditiveComponent.self)
    case (.additive, .multiplicative): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, AdditiveComponent.self, MultiplicativeComponent.self)
    case (.multiplicative, .none): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, MultiplicativeComponent.self, NoComponent.self)
    case (.multiplicative, .additive): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, MultiplicativeComponent.self, AdditiveComponent.self)
    case (.multiplicative, .multiplicative): return run(y, spec, m, p, &level, &growth, ring, fitted, errors, startSlot, MultiplicativeComponent.self, MultiplicativeComponent.self)
    }
  }

  @inline(__always)
  private static func run<Trend: ComponentKind, Season: ComponentKind>(
    _ y: UnsafeBufferPointer<Double>, _ spec: ETSSpec, _ m: Int, _ p: ETSParameters,
    _ level: inout Double, _ growth: inout Double, _ ring: UnsafeMutableBufferPointer<Double>,
    _ fitted: UnsafeMutablePointer<Double>?, _ errors: UnsafeMutablePointer<Double>?, _ startSlot: Int,
    _: Trend.Type, _: Season.Type
  ) -> Output {
    let n = y.count
    let alpha = p.alpha, gamma = p.gamma
    let phi = spec.damped ? p.phi : 1
    let multiplicativeError = spec.error == .multiplicative
    let betaOverAlpha = p.beta / alpha
    let phiIsOne = abs(phi - 1) < tolerance
    var l = level, b = growth
    var sumSquares = 0.0, sumLog = 0.0, sumSquaredOriginal = 0.0
    // Σ log|ŷ_t| as the log of running products, taken when a product leaves [1e-100, 1e100]: one `log` per
    // few dozen steps instead of one per step (a `log` per step was a sixth of a multiplicative-error fit).
    // Factors outside that range are logged on their own, so a product never overflows or underflows.
    var product = 1.0
    var observations = 0
    var slot = startSlot
    let seasons = ring.baseAddress
    for t in 0..<n {
      let seasonalOld = Season.kind == .none ? 0 : seasons![slot]
      // One-step forecast.
      let q: Double, phib: Double
      switch Trend.kind {
      case .none:
        q = l
        phib = 0
      case .additive:
        phib = phi * b
        q = l + phib
      case .multiplicative:
        if b < 0 { return Output(likelihood: .nan, mse: .nan) }
        phib = phiIsOne ? b : pow(b, phi)
        q = l * phib
      }
      let forecast: Double
      switch Season.kind {
      case .none: forecast = q
      case .additive: forecast = q + seasonalOld
      case .multiplicative: forecast = q * seasonalOld
      }
      fitted?[t] = forecast
      let observed = y[t]
      let newLevel: Double
      if observed.isNaN {
        // A missing observation: states evolve without correction (p = q), seasonal unchanged.
        errors?[t] = .nan
        newLevel = q
      } else {
        let d = observed - forecast
        let e = multiplicativeError ? d / forecast : d
        errors?[t] = e
        sumSquares += e * e
        if multiplicativeError {
          let size = abs(forecast)
          if size >= 1e-100 && size <= 1e100 {
            product *= size
            if !(product >= 1e-100 && product <= 1e100) {
              sumLog += log(product)
              product = 1
            }
          } else {
            sumLog += log(size)
          }
        }
        sumSquaredOriginal += d * d
        observations += 1
        let pTerm: Double
        switch Season.kind {
        case .none: pTerm = observed
        case .additive: pTerm = observed - seasonalOld
        case .multiplicative: pTerm = abs(seasonalOld) < tolerance ? huge : observed / seasonalOld
        }
        newLevel = q + alpha * (pTerm - q)
        switch Season.kind {
        case .none: break
        case .additive: seasons![slot] = seasonalOld + gamma * (observed - q - seasonalOld)
        case .multiplicative:
          let target = abs(q) < tolerance ? huge : observed / q
          seasons![slot] = seasonalOld + gamma * (target - seasonalOld)
        }
      }
      switch Trend.kind {
      case .none: break
      case .additive: b = phib + betaOverAlpha * (newLevel - l - phib)
      case .multiplicative:
        let r = abs(l) < tolerance ? huge : newLevel / l
        b = phib + betaOverAlpha * (r - phib)
      }
      l = newLevel
      if Season.kind != .none {
        slot += 1
        if slot == m { slot = 0 }
      }
    }
    level = l
    growth = b
    if multiplicativeError { sumLog += log(product) }
    guard observations > 0 else { return Output(likelihood: .nan, mse: .nan) }
    var likelihood = Double(observations) * log(sumSquares)
    if multiplicativeError { likelihood += 2 * sumLog }
    return Output(likelihood: likelihood, mse: sumSquaredOriginal / Double(observations))
  }

  /// The concentrated (profile) likelihood of a linear model — additive error, no or additive (damped)
  /// trend, no or additive season with the seasonal initial states given — over the initial level and
  /// growth. Such a model's one-step errors are affine in its initial state (Hyndman et al. 2008, §3.1:
  /// `x_t = D·x_{t−1} + g·y_t`, `D = F − g·w′`, `ε_t = y_t − w′x_{t−1}`), so with the state started at
  /// `x̂₀ + a·(1, 0) + c·(0, 1)` the errors are `ε = ε⁰ + a·εᴸ + c·εᴮ`, where `ε⁰` are the errors from
  /// `x̂₀` and `εᴸ`, `εᴮ` the filter's response to a unit level and a unit growth with y = 0 (no seasonal
  /// part). Σε² is then least at the solution of the 2 × 2 normal equations, and `n·log Σε²` there is
  /// the likelihood maximised over ℓ₀ and b₀ in closed form, leaving the optimiser only the smoothing
  /// parameters. The three recursions are independent chains in one loop, so they share the latency of
  /// the level's update. Returns the likelihood (`.nan` when undefined) and the optimal ℓ₀, b₀.
  static func concentrated(
    _ y: UnsafeBufferPointer<Double>, spec: ETSSpec, m: Int, parameters p: ETSParameters,
    start: ETSState, ring: UnsafeMutableBufferPointer<Double>, unitRings: UnsafeMutableBufferPointer<Double>
  ) -> (likelihood: Double, level: Double, growth: Double) {
    switch (spec.trend, spec.season) {
    case (.none, .none): return concentrated(y, spec, m, p, start, ring, unitRings, NoComponent.self, NoComponent.self)
    case (.none, .additive): return concentrated(y, spec, m, p, start, ring, unitRings, NoComponent.self, AdditiveComponent.self)
    case (.additive, .none): return concentrated(y, spec, m, p, start, ring, unitRings, AdditiveComponent.self, NoComponent.self)
    case (.additive, .additive): return concentrated(y, spec, m, p, start, ring, unitRings, AdditiveComponent.self, AdditiveComponent.self)
    default: preconditionFailure("the concentrated likelihood is for linear models (\(spec))")
    }
  }

  /// Whether `concentrated` applies to a model.
  static func isLinear(_ spec: ETSSpec) -> Bool {
    spec.error == .additive && spec.trend != .multiplicative && spec.season != .multiplicative
  }

  @inline(__always)
  private static func concentrated<Trend: ComponentKind, Season: ComponentKind>(
    _ y: UnsafeBufferPointer<Double>, _ spec: ETSSpec, _ m: Int, _ p: ETSParameters, _ start: ETSState,
    _ ring: UnsafeMutableBufferPointer<Double>, _ unitRings: UnsafeMutableBufferPointer<Double>,
    _: Trend.Type, _: Season.Type
  ) -> (likelihood: Double, level: Double, growth: Double) {
    let hasTrend = Trend.kind != .none, hasSeason = Season.kind != .none
    let alpha = p.alpha, beta = p.beta, gamma = p.gamma
    let phi = spec.damped ? p.phi : 1
    // Data chain from x̂₀; unit chains (level, growth) from (1, 0) and (0, 1), their seasonal states
    // starting at 0 in `unitRings` (level's first m slots, growth's next m).
    var l0 = start.level, b0 = hasTrend ? start.growth : 0
    var lL = 1.0, bL = 0.0, lB = 0.0, bB = 1.0
    var s00 = 0.0, s0L = 0.0, s0B = 0.0, sLL = 0.0, sLB = 0.0, sBB = 0.0
    var observations = 0
    let seasons = ring.baseAddress, unitL = unitRings.baseAddress, unitB = hasSeason ? unitRings.baseAddress! + m : nil
    if hasSeason { for k in 0..<(2 * m) { unitRings[k] = 0 } }
    var slot = 0
    for t in 0..<y.count {
      // The growth chain (B) only exists with a trend: without one its terms fold away at compile time.
      let phib0 = hasTrend ? phi * b0 : 0, phibL = hasTrend ? phi * bL : 0, phibB = hasTrend ? phi * bB : 0
      let q0 = l0 + phib0, qL = lL + phibL, qB = hasTrend ? lB + phibB : 0
      let sOld0 = hasSeason ? seasons![slot] : 0, sOldL = hasSeason ? unitL![slot] : 0
      let sOldB = hasSeason && hasTrend ? unitB![slot] : 0
      let observed = y[t]
      if observed.isNaN {
        l0 = q0; lL = qL
        if hasTrend { lB = qB; b0 = phib0; bL = phibL; bB = phibB }
      } else {
        let e0 = observed - (q0 + sOld0), eL = -(qL + sOldL)
        s00 += e0 * e0; s0L += e0 * eL; sLL += eL * eL
        observations += 1
        l0 = q0 + alpha * e0; lL = qL + alpha * eL
        if hasSeason {
          seasons![slot] = sOld0 + gamma * e0
          unitL![slot] = sOldL + gamma * eL
        }
        if hasTrend {
          let eB = -(qB + sOldB)
          s0B += e0 * eB; sLB += eL * eB; sBB += eB * eB
          lB = qB + alpha * eB
          b0 = phib0 + beta * e0; bL = phibL + beta * eL; bB = phibB + beta * eB
          if hasSeason { unitB![slot] = sOldB + gamma * eB }
        }
      }
      if hasSeason {
        slot += 1
        if slot == m { slot = 0 }
      }
    }
    guard observations > 0, sLL > 0 else { return (.nan, start.level, start.growth) }
    // Least Σ(ε⁰ + a·εᴸ + c·εᴮ)²: the normal equations, by the level alone when the two responses are
    // (numerically) collinear.
    var a = -s0L / sLL, c = 0.0
    var sse = s00 + a * s0L
    if hasTrend {
      let det = sLL * sBB - sLB * sLB
      if det > 1e-12 * sLL * sBB {
        a = (-s0L * sBB + s0B * sLB) / det
        c = (-s0B * sLL + s0L * sLB) / det
        sse = s00 + a * s0L + c * s0B
      }
    }
    // Rounding can leave a perfect fit's Σε² a hair below zero.
    sse = max(sse, s00 * 1e-300, Double.leastNormalMagnitude)
    return (Double(observations) * log(sse), start.level + a, (hasTrend ? start.growth : 0) + c)
  }

  /// Point forecasts from a state:
  /// `ŷ_{n+h} = (ℓ + φ_h·b or ℓ·b^{φ_h}) ⊕ s_{n+h−m(⌊(h−1)/m⌋+1)}`,  `φ_h = φ + φ² + … + φ^h`.
  ///
  /// Note: R's C routine `etsforecast` accumulates φ_h as φ, 2φ, 2φ + φ², … (it adds φ^i after step i
  /// instead of φ^{i+1}); R only uses it for models without closed-form intervals. This is the model's
  /// φ_h, which R's closed-form classes (the matrix form H·F^{h−1}·x) also give.
  static func pointForecasts(state: ETSState, spec: ETSSpec, phi rawPhi: Double, horizon: Int) -> [Double] {
    let phi = spec.damped ? rawPhi : 1
    let m = state.seasonal.count
    var result = [Double](repeating: 0, count: horizon)
    var phiStar = phi
    for i in 0..<horizon {
      var f: Double
      switch spec.trend {
      case .none: f = state.level
      case .additive: f = state.level + phiStar * state.growth
      case .multiplicative: f = state.growth < 0 ? .nan : state.level * pow(state.growth, phiStar)
      }
      if m > 0 {
        var j = m - 1 - i
        while j < 0 { j += m }
        if spec.season == .additive { f += state.seasonal[j] } else if spec.season == .multiplicative { f *= state.seasonal[j] }
      }
      result[i] = f
      if abs(phi - 1) < tolerance { phiStar += 1 } else { phiStar += pow(phi, Double(i + 2)) }
    }
    return result
  }
}

extension ETSState {
  /// Seasonal states as the filter's ring: `ring[k]` is the state used at step `k` (oldest first).
  func ring(seasonLength m: Int) -> [Double] {
    guard !seasonal.isEmpty else { return [] }
    return (0..<m).map { seasonal[m - 1 - $0] }
  }

  /// The state after `n` steps, from the filter's level, growth and ring.
  static func fromRing(level: Double, growth: Double, ring: [Double], steps n: Int) -> ETSState {
    let m = ring.count
    guard m > 0 else { return ETSState(level: level, growth: growth) }
    // Newest first: the state written at step n−1 sits at ring[(n−1) % m].
    let seasonal = (0..<m).map { j in ring[((n - 1 - j) % m + m) % m] }
    return ETSState(level: level, growth: growth, seasonal: seasonal)
  }
}

/// Compile-time component kinds for the specialised filter loops.
protocol ComponentKind { static var kind: ETSSpec.Component { get } }
enum NoComponent: ComponentKind { static var kind: ETSSpec.Component { .none } }
enum AdditiveComponent: ComponentKind { static var kind: ETSSpec.Component { .additive } }
enum MultiplicativeComponent: ComponentKind { static var kind: ETSSpec.Component { .multiplicative } }
