import Forecasting
import TimeSeries

/// Seasonality borrowed from a category: for SKUs with less than two seasons of history of their own — too
/// short for any model to find (or test) a season — top-down, as Lokad and Inventory Planner forecast new
/// items from their group's profile; and for longer SKUs whose own season agrees with the category's, whose
/// summed indices are less noisy than one SKU's:
///
/// ```
/// members of category c:  SKUs with c whose history before the cut covers the last W periods, no censored
///                         period among them; W = m·k, k = the most whole seasons (≤ 3) that at least
///                         `minimumMembers` members have
/// profile of c:           classical multiplicative decomposition of the members' summed demand over those
///                         W periods (`SeasonalProfile(decomposing:)`): none when the sum fails the
///                         season-over-season test or an index falls below 0.1
/// borrowers:              SKUs of c with 1 … 2m − 1 periods of history, and SKUs of c with more whose own
///                         decomposition's indices correlate with c's at r ≥ `minimumAgreement`; each is
///                         forecast on c's adjusted scale
/// ```
/// (Dekker, van Donselaar & Ouwehand 2004 estimate seasonal indices from the aggregate of related items
/// because single items' histories are too short and noisy for them.) Only history before the cut is
/// used, so a backtest borrows nothing from its own future.
public struct CategorySeasonality: Sendable {
  public static let minimumMembers = 3
  public static let maximumSeasons = 3
  /// A SKU with two seasons or more of its own takes the category's season instead of its own when their
  /// indices correlate at least this much (`SeasonalProfile.agreement`): the group's indices, estimated
  /// from many SKUs, are less noisy than one SKU's (Chen & Boylan 2007, group seasonal indices), as long as
  /// the SKU's season is the group's.
  public static let minimumAgreement = 0.5

  /// Profile per category that has one.
  public let profiles: [String: SeasonalProfile]
  /// The profile each borrowing series uses.
  public let borrowers: [Int: SeasonalProfile]

  /// `categories[s]` is series s's category ("" = none); `endPeriod` (exclusive) the cut.
  public init(panel: Panel, categories: [String], seasonLength m: Int, endPeriod: Int? = nil, censorStockOuts: Bool = true) {
    precondition(categories.count == panel.seriesCount, "one category per series")
    guard m > 1 else {
      profiles = [:]
      borrowers = [:]
      return
    }
    let end = min(endPeriod ?? panel.endPeriod, panel.endPeriod)
    var histories: [Int: [Double]] = [:]  // series → history before the cut
    var byCategory: [String: [Int]] = [:]
    for s in 0..<panel.seriesCount where !categories[s].isEmpty {
      histories[s] = panel.history(of: s, censorStockOuts: censorStockOuts, endPeriod: end)
      byCategory[categories[s], default: []].append(s)
    }
    var profiles: [String: SeasonalProfile] = [:]
    for (category, series) in byCategory {
      // Whole seasons each member covers up to the cut (its history must reach the cut).
      let seasons = series.map { s -> Int in
        let y = histories[s]!
        return panel.startPeriods[s] + y.count == end ? y.count / m : 0
      }
      let counts = (2...Self.maximumSeasons).map { k in seasons.filter { $0 >= k }.count }
      guard let k = (2...Self.maximumSeasons).last(where: { counts[$0 - 2] >= Self.minimumMembers }) else { continue }
      let window = k * m
      var total = [Double](repeating: 0, count: window), members = 0
      for (s, covered) in zip(series, seasons) where covered >= k {
        let tail = histories[s]!.suffix(window)
        if tail.contains(where: \.isNaN) { continue }
        for (i, v) in tail.enumerated() { total[i] += v }
        members += 1
      }
      guard members >= Self.minimumMembers else { continue }
      profiles[category] = SeasonalProfile(decomposing: total, firstPeriod: end - window, seasonLength: m,
                                           source: "season of category \(category) (\(members) SKUs, \(k) seasons)")
    }
    var borrowers: [Int: SeasonalProfile] = [:]
    for (category, series) in byCategory {
      guard let profile = profiles[category] else { continue }
      for s in series {
        let y = histories[s]!
        if y.isEmpty { continue }
        if y.count < 2 * m {
          borrowers[s] = profile
        } else if let r = profile.agreement(with: y, firstPeriod: panel.startPeriods[s]), r >= Self.minimumAgreement {
          borrowers[s] = SeasonalProfile(figure: profile.figure, anchor: profile.anchor, source: profile.source + String(format: ", r = %.2f with its own", r))
        }
      }
    }
    self.profiles = profiles
    self.borrowers = borrowers
  }
}
