/// One ETS model of the taxonomy of Hyndman, Koehler, Ord & Snyder (2008): error, trend (possibly
/// damped) and seasonal components, each none (N), additive (A) or multiplicative (M).
public struct ETSSpec: Hashable, Sendable, CustomStringConvertible {
  public enum Component: Character, Sendable, Hashable {
    case none = "N", additive = "A", multiplicative = "M"
  }

  public var error: Component
  public var trend: Component
  public var damped: Bool
  public var season: Component

  public init(error: Component, trend: Component, damped: Bool = false, season: Component) {
    precondition(error != .none, "ETS error must be additive or multiplicative")
    precondition(!(damped && trend == .none), "A damped model needs a trend")
    self.error = error
    self.trend = trend
    self.damped = damped
    self.season = season
  }

  /// Parses `ANN`, `AAdN`, `MAM`, `ETS(A,Ad,N)` …
  public init?(_ text: String) {
    var letters = Array(text.uppercased().filter { "ANMD".contains($0) })
    if text.uppercased().hasPrefix("ETS") { letters = Array(text.dropFirst(3).uppercased().filter { "ANMD".contains($0) }) }
    var damped = false
    if letters.count == 4, letters[2] == "D" {
      damped = true
      letters.remove(at: 2)
    }
    guard letters.count == 3, let e = Component(rawValue: letters[0]), let t = Component(rawValue: letters[1]),
      let s = Component(rawValue: letters[2]), e != .none, !(damped && t == .none)
    else { return nil }
    self.init(error: e, trend: t, damped: damped, season: s)
  }

  /// `ETS(A,Ad,N)`, R's notation.
  public var description: String {
    "ETS(\(error.rawValue),\(trend.rawValue)\(damped ? "d" : ""),\(season.rawValue))"
  }

  /// Models R's `ets()` refuses as numerically unstable (`restrict = TRUE`): additive error with a
  /// multiplicative trend or season, and M,M,A.
  public var isRestricted: Bool {
    (error == .additive && (trend == .multiplicative || season == .multiplicative))
      || (error == .multiplicative && trend == .multiplicative && season == .additive)
  }
}

/// Smoothing parameters. `beta` is the growth smoothing in the error-correction form
/// (`b_t = φ·b_{t−1} + β·ε_t`), so `β ≤ α` under the usual bounds.
public struct ETSParameters: Hashable, Sendable {
  public var alpha: Double
  public var beta: Double
  public var gamma: Double
  public var phi: Double

  public init(alpha: Double, beta: Double = 0, gamma: Double = 0, phi: Double = 1) {
    self.alpha = alpha
    self.beta = beta
    self.gamma = gamma
    self.phi = phi
  }
}

/// The state vector `x_t = (ℓ_t, b_t, s_t, s_{t−1}, …, s_{t−m+1})`, newest season first (R's order).
public struct ETSState: Hashable, Sendable {
  public var level: Double
  public var growth: Double
  /// Newest first; empty without seasonality.
  public var seasonal: [Double]

  public init(level: Double, growth: Double = 0, seasonal: [Double] = []) {
    self.level = level
    self.growth = growth
    self.seasonal = seasonal
  }
}
