/// The equal-weight average of several models' forecasts (Makridakis & Hibon 2000 found combinations
/// among the most accurate M3 methods; "COMB S-H-D" averages SES, Holt and damped trend).
///
/// Intervals: the average of the members' bounds at each level — a heuristic (it ignores the
/// correlation between members' errors), marked `analytic` only when every member's is.
public struct CombinationMethod: ForecastingMethod {
  public let alias: String
  public let members: [any ForecastingMethod]

  public init(alias: String = "combo", members: [any ForecastingMethod]) {
    self.alias = alias
    self.members = members
  }

  public func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    var fits: [any FittedModel] = []
    var failures: [String] = []
    for member in members {
      do {
        fits.append(try member.fit(y, seasonLength: seasonLength))
      } catch {
        failures.append("\(member.alias): \(error)")
      }
    }
    guard !fits.isEmpty else { throw .noModel("combination: every member failed (\(failures.joined(separator: "; ")))") }
    return CombinationFit(members: fits, seasonLength: seasonLength)
  }
}

struct CombinationFit: FittedModel {
  let members: [any FittedModel]
  let seasonLength: Int

  /// Members carried forward where they can be (state-space models), re-estimated otherwise.
  func extended(to y: [Double]) -> (any FittedModel)? {
    var extended: [any FittedModel] = []
    for member in members {
      if let carried = member.extended(to: y) {
        extended.append(carried)
      } else if let refit = try? member.specification?.fitCensored(y, seasonLength: seasonLength) {
        extended.append(refit)
      } else {
        return nil
      }
    }
    return CombinationFit(members: extended, seasonLength: seasonLength)
  }
  var specification: (any ForecastingMethod)? {
    CombinationMethod(alias: "combo", members: members.map { $0.specification ?? FixedMemberMethod(name: $0.name) })
  }
  var name: String { "Combination(" + members.map(\.name).joined(separator: ", ") + ")" }
  var fitted: [Double] {
    // Each member's fitted values are computed once (a member may build them on every access).
    let memberFitted = members.map(\.fitted)
    let n = memberFitted[0].count
    var sum = [Double](repeating: 0, count: n)
    for values in memberFitted {
      for i in 0..<n { sum[i] += values[i] }
    }
    return sum.map { $0 / Double(members.count) }
  }

  func pointForecasts(horizon h: Int) -> [Double] {
    let paths = members.map { $0.pointForecasts(horizon: h) }
    let k = Double(paths.count)
    return (0..<h).map { i in paths.reduce(0) { $0 + $1[i] } / k }
  }

  /// Each member carried (ETS in one pass), a member that cannot be carried re-estimated at that origin —
  /// as `extended(to:)` does — and the paths averaged; `nil` at an origin where a member fails.
  func carriedForecasts(_ y: [Double], origins: [Int], horizon: Int) -> [[Double]?] {
    let perMember = members.map { member in
      zip(origins, member.carriedForecasts(y, origins: origins, horizon: horizon)).map { origin, carried -> [Double]? in
        if let carried { return carried }
        return (try? member.specification?.fitCensored(Array(y[0..<origin]), seasonLength: seasonLength))?.pointForecasts(horizon: horizon)
      }
    }
    let k = Double(members.count)
    return origins.indices.map { i -> [Double]? in
      let paths = perMember.compactMap { $0[i] }
      guard paths.count == members.count else { return nil }
      return (0..<horizon).map { step in paths.reduce(0) { $0 + $1[step] } / k }
    }
  }

  func forecast(horizon h: Int, levels: [Double]) -> Forecast {
    let forecasts = members.map { $0.forecast(horizon: h, levels: levels) }
    let k = Double(forecasts.count)
    func average(_ pick: (Forecast) -> [Double]) -> [Double] {
      (0..<h).map { i in forecasts.reduce(0) { $0 + pick($1)[i] } / k }
    }
    let mean = average { $0.mean }
    let lower = levels.indices.map { j in average { $0.lower[j] } }
    let upper = levels.indices.map { j in average { $0.upper[j] } }
    let method: IntervalMethod = levels.isEmpty ? .none : forecasts.allSatisfy { $0.intervalMethod == .analytic } ? .analytic : .simulation
    let fitted = self.fitted
    let residuals = forecasts[0].residuals.isEmpty ? [] : zip(forecasts[0].fitted, forecasts[0].residuals).enumerated().map { i, pair in
      (pair.0 + pair.1) - fitted[i]
    }
    return Forecast(
      model: name, mean: mean, levels: levels, lower: lower, upper: upper, intervalMethod: method, fitted: fitted,
      residuals: residuals)
  }
}

/// Stand-in for a member without a specification (never fitted: the combination's own method refits it).
struct FixedMemberMethod: ForecastingMethod {
  let name: String
  var alias: String { name }
  func fit(_ y: [Double], seasonLength: Int) throws(ForecastError) -> any FittedModel {
    throw .noModel("\(name) has no fixed specification")
  }
}
