/// The period a panel is bucketed into: calendar day, ISO week (Monday to Sunday) or calendar month.
///
/// A period is an integer index so that consecutive periods differ by one:
/// ```
/// day:   period = dayNumber
/// week:  period = ⌊(dayNumber + 3) / 7⌋          (weeks start on Monday; 1969-12-29 is period 0)
/// month: period = 12·year + (month − 1)
/// ```
/// A period is labelled by its first day (the Monday of a week, the 1st of a month), the convention of
/// statsforecast's `ds` column for weekly and monthly data.
public enum Frequency: String, CaseIterable, Sendable, Codable {
  case day, week, month

  /// The seasonal period used when none is given: 7 for days (weekly cycle), 52 for weeks, 12 for months.
  public var defaultSeasonLength: Int {
    switch self {
    case .day: return 7
    case .week: return 52
    case .month: return 12
    }
  }

  /// The period that contains a day.
  @inlinable
  public func period(containing dayNumber: Int) -> Int {
    switch self {
    case .day:
      return dayNumber
    case .week:
      let shifted = dayNumber + 3
      return shifted >= 0 ? shifted / 7 : (shifted - 6) / 7
    case .month:
      let date = CivilDate(dayNumber: dayNumber)
      return date.year * 12 + date.month - 1
    }
  }

  /// The first day of a period.
  public func firstDay(ofPeriod period: Int) -> Int {
    switch self {
    case .day:
      return period
    case .week:
      return period * 7 - 3
    case .month:
      let year = period >= 0 ? period / 12 : (period - 11) / 12
      return CivilDate.dayNumber(year: year, month: period - year * 12 + 1, day: 1)
    }
  }

  /// The date that labels a period (its first day).
  public func label(ofPeriod period: Int) -> CivilDate { CivilDate(dayNumber: firstDay(ofPeriod: period)) }
}
