/// A proleptic-Gregorian calendar date, converted to and from a day number (days since 1970-01-01).
///
/// Day numbers make period arithmetic exact and cheap: no time zones, no `Foundation.Calendar`.
/// ```
/// dayNumber(1970-01-01) = 0,  dayNumber(2011-01-29) = 15003
/// ```
/// Reference: H. Hinnant, "chrono-Compatible Low-Level Date Algorithms" (days_from_civil / civil_from_days).
public struct CivilDate: Hashable, Comparable, Sendable, CustomStringConvertible {
  public let year: Int
  public let month: Int
  public let day: Int

  /// A validated date; `nil` when the month or the day does not exist (2011-02-29, 2011-13-01).
  public init?(year: Int, month: Int, day: Int) {
    guard (1...9999).contains(year), (1...12).contains(month),
      day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
    else { return nil }
    self.year = year
    self.month = month
    self.day = day
  }

  /// Parses exactly `yyyy-mm-dd` (ISO 8601 calendar date); `nil` for any other form or a date that does
  /// not exist. The one parser of plain dates outside the sales-history fast path.
  public init?(iso text: some StringProtocol) {
    let u = Array(text.utf8)
    guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-") else { return nil }
    func number(_ range: Range<Int>) -> Int? {
      var v = 0
      for i in range {
        guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
        v = v * 10 + Int(u[i] - 0x30)
      }
      return v
    }
    guard let y = number(0..<4), let m = number(5..<7), let d = number(8..<10) else { return nil }
    self.init(year: y, month: m, day: d)
  }

  /// The date of a day number.
  public init(dayNumber: Int) {
    let z = dayNumber + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let d = doy - (153 * mp + 2) / 5 + 1
    let m = mp < 10 ? mp + 3 : mp - 9
    year = yoe + era * 400 + (m <= 2 ? 1 : 0)
    month = m
    day = d
  }

  /// Days since 1970-01-01 (negative before).
  public var dayNumber: Int { CivilDate.dayNumber(year: year, month: month, day: day) }

  /// Days since 1970-01-01 for a valid year/month/day (not checked).
  @inlinable
  public static func dayNumber(year: Int, month: Int, day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = month > 2 ? month - 3 : month + 9
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
  }

  @inlinable
  public static func isLeapYear(_ year: Int) -> Bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
  }

  @inlinable
  public static func daysInMonth(year: Int, month: Int) -> Int {
    switch month {
    case 2: return isLeapYear(year) ? 29 : 28
    case 4, 6, 9, 11: return 30
    default: return 31
    }
  }

  /// ISO weekday: Monday = 1 … Sunday = 7.
  public var isoWeekday: Int { CivilDate.isoWeekday(dayNumber: dayNumber) }

  public static func isoWeekday(dayNumber: Int) -> Int {
    // 1970-01-01 was a Thursday (4).
    let r = (dayNumber + 3) % 7
    return (r < 0 ? r + 7 : r) + 1
  }

  /// `YYYY-MM-DD`.
  public var description: String {
    func pad(_ v: Int, _ width: Int) -> String {
      let s = String(v)
      return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }
    return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))"
  }

  public static func < (a: CivilDate, b: CivilDate) -> Bool {
    (a.year, a.month, a.day) < (b.year, b.month, b.day)
  }
}
