import CSV

import TimeSeries

/// Planner corrections to the sales history before forecasting: known anomalies such as a bulk order that
/// was cancelled the same week, or a stock-out the data does not flag. A CSV with `sku, date, qty,
/// reason` (and `location` when the history has one): the period containing `date` gets demand `qty`
/// instead of what was recorded. Every correction must hit a period of the history; the applied list is
/// reported so nothing changes silently.
public enum DemandCorrections {
  public struct Applied: Sendable {
    public var sku: String
    public var period: String
    public var recorded: Double
    public var corrected: Double
    public var reason: String
  }

  public static func apply(file: String, to panel: Panel) throws(CSVError) -> (Panel, [Applied]) {
    let table = try CSVTable.read(path: file, required: ["sku", "date", "qty"], known: ["sku", "location", "date", "qty", "reason"])
    var values = panel.values
    var applied: [Applied] = []
    let index = Dictionary(uniqueKeysWithValues: panel.keys.enumerated().map { ($0.element, $0.offset) })
    for row in table.rows {
      let sku = row.text("sku") ?? ""
      let key = SeriesKey(sku: sku, location: row.text("location"))
      guard let s = index[key] else {
        throw row.error("sku", value: key.description, problem: "no such series in the history", expected: "a SKU (and location) of the history")
      }
      let text = row.text("date") ?? ""
      guard let date = CivilDate(iso: text) else {
        throw row.error("date", value: text, problem: "not a date", expected: "yyyy-mm-dd")
      }
      let period = panel.frequency.period(containing: date.dayNumber)
      let k = period - panel.startPeriods[s]
      guard k >= 0, k < panel.length(of: s) else {
        throw row.error("date", value: text, problem: "outside the series' history", expected: "a date between the series' first and last period")
      }
      guard let qty = try row.number("qty", range: 0...1e12, expected: "the corrected demand, ≥ 0") else {
        throw row.error("qty", value: "", problem: "empty", expected: "the corrected demand, ≥ 0")
      }
      let i = panel.offsets[s] + k
      applied.append(Applied(sku: key.description, period: panel.frequency.label(ofPeriod: period).description, recorded: values[i], corrected: qty,
                             reason: row.text("reason") ?? ""))
      values[i] = qty
    }
    let corrected = Panel(frequency: panel.frequency, keys: panel.keys, offsets: panel.offsets, startPeriods: panel.startPeriods,
                          endPeriod: panel.endPeriod, values: values, flags: panel.flags, prices: panel.prices)
    return (corrected, applied)
  }
}
