/// Multiplicative seasonal indices tied to absolute periods, for forecasting a series on the seasonally
/// adjusted scale when its own history is too short to show its season (a SKU launched this year), or its
/// own indices are noisier than its group's (Chen & Boylan 2007):
///
/// ```
/// y'_t = y_t / S(p_t)          (p_t the absolute period of observation t)
/// fit and forecast y' with the requested method (no season of its own to find)
/// ŷ_{T+h} = S(p_{T+h}) · ŷ'_{T+h},   errors and intervals on the original scale
/// ```
/// — the "seasonal indices from a group" of top-down forecasting (Dekker, van Donselaar & Ouwehand 2004,
/// aggregate seasonality for items with short histories; Mohammadipour, Boylan & Syntetos 2012; Lokad and
/// Inventory Planner apply a category's profile to new items).
public struct SeasonalProfile: Sendable, Equatable {
  /// S for each of the m positions, mean 1.
  public let figure: [Double]
  /// An absolute period at position 0.
  public let anchor: Int
  /// Where the indices come from, for the forecast's model name and the derivation.
  public let source: String

  public init(figure: [Double], anchor: Int, source: String) {
    precondition(!figure.isEmpty, "a seasonal profile needs at least one position")
    self.figure = figure
    self.anchor = anchor
    self.source = source
  }

  public var seasonLength: Int { figure.count }

  /// S(p) for absolute period p.
  public func index(ofPeriod p: Int) -> Double {
    let m = figure.count
    return figure[((p - anchor) % m + m) % m]
  }

  /// S over `count` consecutive periods from absolute period `first`.
  public func indices(from first: Int, count: Int) -> [Double] {
    (0..<max(0, count)).map { index(ofPeriod: first + $0) }
  }

  /// Indices below this are refused: dividing by them would turn a few units sold in the trough into a
  /// level many times the SKU's real one.
  public static let minimumIndex = 0.1

  /// The profile of a classical multiplicative decomposition (`ClassicalDecomposition`) of `y`, whose first
  /// value is absolute period `firstPeriod`; nil when y is shorter than two seasons, not seasonal by the
  /// season-over-season test (`isSeasonOverSeasonCorrelated`), or some index is not finite or below
  /// `minimumIndex`.
  public init?(decomposing y: [Double], firstPeriod: Int, seasonLength m: Int, source: String) {
    guard m > 1, y.count >= 2 * m, !y.contains(where: { $0.isNaN }), isSeasonOverSeasonCorrelated(y, seasonLength: m),
          let decomposition = ClassicalDecomposition(y, seasonLength: m, kind: .multiplicative),
          decomposition.figure.allSatisfy({ $0.isFinite && $0 >= Self.minimumIndex })
    else { return nil }
    self.init(figure: decomposition.figure, anchor: firstPeriod, source: source)
  }
}

extension SeasonalProfile {
  /// How far a series' own season agrees with this profile: the Pearson correlation of the m indices of its
  /// classical multiplicative decomposition (over its last whole seasons, at most `maximumSeasons`) with
  /// this profile's at the same absolute periods. nil when the series is shorter than two seasons, has a
  /// missing value there, or a flat or undefined decomposition.
  public func agreement(with y: [Double], firstPeriod: Int, maximumSeasons: Int = 3) -> Double? {
    let m = seasonLength
    let seasons = min(maximumSeasons, y.count / m)
    guard m > 1, seasons >= 2 else { return nil }
    let tail = Array(y.suffix(seasons * m))
    guard !tail.contains(where: { $0.isNaN }), let own = ClassicalDecomposition(tail, seasonLength: m, kind: .multiplicative),
          own.figure.allSatisfy(\.isFinite)
    else { return nil }
    let start = firstPeriod + y.count - tail.count
    return pearsonCorrelation(own.figure, indices(from: start, count: m))
  }
}

extension Forecast {
  /// This forecast of a seasonally adjusted series back on the original scale: means and bounds times
  /// `ahead[h]`, fitted values times `past[t]`, residuals against the original history `y`.
  public func reseasonalized(ahead: [Double], past: [Double], history y: [Double], source: String) -> Forecast {
    var copy = self
    copy.model = "\(model) × \(source)"
    copy.mean = mean.enumerated().map { $1 * ahead[$0] }
    copy.lower = lower.map { $0.enumerated().map { $1 * ahead[$0] } }
    copy.upper = upper.map { $0.enumerated().map { $1 * ahead[$0] } }
    copy.fitted = fitted.enumerated().map { $0 < past.count ? $1 * past[$0] : $1 }
    copy.residuals = zip(y, copy.fitted).map { $0 - $1 }
    return copy
  }
}
