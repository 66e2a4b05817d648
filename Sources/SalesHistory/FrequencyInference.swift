import CSV
import TimeSeries

/// The frequency a sales history's dates are in, when the user did not say (`--freq` absent).
///
/// From the distinct dates of the first `sampleRows` data rows:
/// ```
/// every date the 1st of its month (or every date the last day of its month)  → month
/// every date on one weekday                                                    → week
/// at least 80 % of the dates one of those, but not all                        → mixed: refused
/// otherwise (or fewer than two distinct dates)                                 → day
/// ```
/// The reader then checks every row against the rule inferred (a monthly file with a mid-month date
/// further down is refused at that row), so the inference never silently re-buckets part of a file.
public struct FrequencyInference: Sendable, Equatable {
  public enum Rule: Sendable, Equatable {
    case firstOfMonth, lastOfMonth
    /// ISO weekday (Monday = 1).
    case weekday(Int)
    case any
  }

  public var frequency: Frequency
  public var rule: Rule
  /// What the inference saw, for the run summary ("all 51 dates are the 1st of a month").
  public var evidence: String

  public static let sampleRows = 20_000

  /// Whether `day` follows the rule (what the reader checks on every row).
  public func admits(_ day: Int) -> Bool {
    switch rule {
    case .any: return true
    case .firstOfMonth: return CivilDate(dayNumber: day).day == 1
    case .lastOfMonth: return CivilDate(dayNumber: day + 1).day == 1
    case .weekday(let w): return CivilDate.isoWeekday(dayNumber: day) == w
    }
  }

  /// What a date that breaks the rule is told.
  public var expectedDates: String {
    switch rule {
    case .any: return "a date"
    case .firstOfMonth: return "the 1st of a month, like the file's first rows (monthly data inferred), or --freq day|week|month to say how to bucket"
    case .lastOfMonth: return "the last day of a month, like the file's first rows (monthly data inferred), or --freq day|week|month to say how to bucket"
    case .weekday(let w): return "a \(Self.weekdayNames[w - 1]), like the file's first rows (weekly data inferred), or --freq day|week|month to say how to bucket"
    }
  }

  static let weekdayNames = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]

  /// Decides from distinct day numbers; `mixed` names a date that breaks an 80 % majority.
  public static func infer(distinctDays days: Set<Int>) -> Result<FrequencyInference, MixedDates> {
    let n = days.count
    guard n >= 2 else {
      return .success(FrequencyInference(frequency: .day, rule: .any, evidence: n == 1 ? "one distinct date: read as daily" : "no dates"))
    }
    let firsts = days.filter { CivilDate(dayNumber: $0).day == 1 }.count
    let lasts = days.filter { CivilDate(dayNumber: $0 + 1).day == 1 }.count
    var weekdays = [Int](repeating: 0, count: 8)
    for d in days { weekdays[CivilDate.isoWeekday(dayNumber: d)] += 1 }
    let (topWeekday, topCount) = (1...7).map { ($0, weekdays[$0]) }.max { $0.1 < $1.1 }!
    let count = grouped(n)
    if firsts == n { return .success(FrequencyInference(frequency: .month, rule: .firstOfMonth, evidence: "all \(count) distinct dates are the 1st of a month")) }
    if lasts == n { return .success(FrequencyInference(frequency: .month, rule: .lastOfMonth, evidence: "all \(count) distinct dates are the last day of a month")) }
    if topCount == n {
      return .success(FrequencyInference(frequency: .week, rule: .weekday(topWeekday), evidence: "all \(count) distinct dates are \(weekdayNames[topWeekday - 1])s"))
    }
    let sorted = days.sorted()
    if Double(firsts) >= 0.8 * Double(n), let odd = sorted.first(where: { CivilDate(dayNumber: $0).day != 1 }) {
      return .failure(MixedDates(majority: "\(grouped(firsts)) of \(count) distinct dates are the 1st of a month (monthly)", exception: odd))
    }
    if Double(lasts) >= 0.8 * Double(n), let odd = sorted.first(where: { CivilDate(dayNumber: $0 + 1).day != 1 }) {
      return .failure(MixedDates(majority: "\(grouped(lasts)) of \(count) distinct dates are the last day of a month (monthly)", exception: odd))
    }
    if Double(topCount) >= 0.8 * Double(n), let odd = sorted.first(where: { CivilDate.isoWeekday(dayNumber: $0) != topWeekday }) {
      return .failure(MixedDates(majority: "\(grouped(topCount)) of \(count) distinct dates are \(weekdayNames[topWeekday - 1])s (weekly)", exception: odd))
    }
    return .success(FrequencyInference(frequency: .day, rule: .any, evidence: "\(count) distinct dates on \((1...7).filter { weekdays[$0] > 0 }.count) weekdays"))
  }

  public struct MixedDates: Error, Sendable, Equatable {
    public var majority: String
    public var exception: Int
  }
}
