import Foundation
import Testing

@testable import Forecasting
@_exported import TestSupport

/// Reads a fixture CSV written by R's `write.csv` (quoted strings, no embedded quotes or commas other
/// than in quoted fields).
func fixtureRows(_ name: String) throws -> [[String: String]] {
  let url = try #require(Bundle.module.url(forResource: name, withExtension: "csv", subdirectory: "Fixtures"))
  let text = try String(contentsOf: url, encoding: .utf8)
  var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
  let header = splitCSV(lines.removeFirst())
  return lines.map { line in
    let fields = splitCSV(line)
    return Dictionary(uniqueKeysWithValues: zip(header, fields))
  }
}

/// `a;b;c` → [a, b, c]; "NA" → nan.
func vector(_ text: String?) -> [Double] {
  guard let text, !text.isEmpty else { return [] }
  return text.split(separator: ";").map { Double($0) ?? .nan }
}

/// The series the R fixtures were computed on (training part for M3).
func fixtureSeries() throws -> [String: (y: [Double], m: Int)] {
  var out: [String: (y: [Double], m: Int)] = [:]
  for row in try fixtureRows("classic_univariate") {
    let id = row["unique_id"]!
    let m = row["freq"] == "monthly" ? 12 : row["freq"] == "quarterly" ? 4 : 1
    out[id, default: ([], m)].y.append(Double(row["y"]!)!)
  }
  for row in try fixtureRows("m3_monthly_subset") where row["split"] == "train" {
    out[row["unique_id"]!, default: ([], 12)].y.append(Double(row["y"]!)!)
  }
  return out
}

/// max |a − b| / scale over the elements, NaN-aware (both NaN counts as equal).
func maxScaledDifference(_ a: [Double], _ b: [Double], scale: Double) -> Double {
  precondition(a.count == b.count, "length \(a.count) vs \(b.count)")
  var worst = 0.0
  for (x, y) in zip(a, b) {
    if x.isNaN && y.isNaN { continue }
    worst = max(worst, abs(x - y) / scale)
  }
  return worst
}

func meanAbs(_ y: [Double]) -> Double { y.reduce(0) { $0 + abs($1) } / Double(max(1, y.count)) }
