import CSV
import TimeSeries

/// A calendar of events and holidays by day (the M5 `calendar.csv` layout, or any CSV with a `date`
/// column): columns named `event_type_*` (or `event_name_*` with `--events name`) become one indicator per
/// distinct value; 0/1 columns such as `snap_CA` become indicators as they are.
public struct EventCalendar: Sendable {
  /// Feature names, in column order of `values`.
  public let features: [String]
  /// Day number → feature values (1 when active that day).
  public let days: [Int: [Double]]
  public let firstDay: Int
  public let lastDay: Int

  public enum EventKey: String, Sendable { case type, name }

  public static func read(path: String, events: EventKey = .type, flags: [String] = []) throws(CSVError) -> EventCalendar {
    let table = try CSVTable.read(path: path, required: ["date"])
    let eventColumns = table.header.filter { $0.hasPrefix("event_\(events.rawValue)_") }
    for flag in flags where !table.header.contains(flag) {
      throw CSVError(.missingColumn, file: path, line: 1, columnName: flag, problem: "no column '\(flag)'",
                              expected: "one of \(table.header.filter { !$0.hasPrefix("event_") && $0 != "date" }.joined(separator: ", "))")
    }
    var names: [String] = []
    var rows: [(Int, Set<String>, [Double])] = []
    for row in table.rows {
      let text = row.text("date") ?? ""
      guard let date = CivilDate(iso: text) else {
        throw row.error("date", value: text, problem: "not a calendar date", expected: "yyyy-mm-dd")
      }
      var active = Set<String>()
      for c in eventColumns {
        if let v = row.text(c) {
          let name = "\(events.rawValue):\(v)"
          active.insert(name)
          if !names.contains(name) { names.append(name) }
        }
      }
      var flagValues: [Double] = []
      for f in flags {
        guard let v = try row.integer(f, minimum: 0), v <= 1 else { throw row.error(f, value: row.text(f), problem: "not a 0/1 flag", expected: "0 or 1") }
        flagValues.append(Double(v))
      }
      rows.append((date.dayNumber, active, flagValues))
    }
    guard let first = rows.map(\.0).min(), let last = rows.map(\.0).max() else {
      throw CSVError(.emptyFile, file: path, problem: "the calendar has no days", expected: "one row per day")
    }
    var days: [Int: [Double]] = [:]
    for (day, active, flagValues) in rows { days[day] = names.map { active.contains($0) ? 1 : 0 } + flagValues }
    return EventCalendar(features: names + flags, days: days, firstDay: first, lastDay: last)
  }

  /// Feature values per period of `frequency`: the share of the period's days (those the calendar
  /// covers) on which each is active (1/0 for daily data). Periods the calendar does not touch get `nil`.
  public func values(period: Int, frequency: Frequency) -> [Double]? {
    let start = frequency.firstDay(ofPeriod: period), end = frequency.firstDay(ofPeriod: period + 1)
    var sum = [Double](repeating: 0, count: features.count)
    var covered = 0
    for day in start..<end {
      guard let v = days[day] else { continue }
      covered += 1
      for i in sum.indices { sum[i] += v[i] }
    }
    return covered == 0 ? nil : sum.map { $0 / Double(covered) }
  }
}
