import CSV
import TimeSeries

/// Merges what the shards of a sharded run wrote (`replenish forecast --shard K/N`: the forecasts, the
/// fallbacks, the lead-time demand) into exactly the file one process writes for the whole panel: the
/// shards' header, then each series' rows in panel order (the order series first appear in the history).
///
/// Each file must be one shard's: every row's SKU hashes to one shard (`PanelShard`), no two files hold
/// the same shard, and there is one file per shard (a shard without series wrote its header only), so a
/// missing, repeated or foreign file is refused, as is a row of a series the history does not have, a
/// series whose rows are not together, or a header that differs. Rows are copied byte for byte.
public enum ForecastShards {
  /// `files`: (name for messages, contents) of the `count` shards, in any order; `keys`: the panel's series.
  public static func merge(_ files: [(name: String, contents: [UInt8])], keys: [SeriesKey], count: Int) throws(CSVError) -> [UInt8] {
    guard files.count == count else {
      throw CSVError(.io, file: files.map(\.name).joined(separator: ", "), problem: "\(files.count) shard file(s) for \(count) shards",
                     expected: "one file per shard, \(count) in all")
    }
    let hasLocation = keys.contains { $0.location != nil }
    var seriesOfKey: [String: Int] = [:]
    for (s, key) in keys.enumerated() { seriesOfKey[ForecastTables.keyFields(key, hasLocation: hasLocation)] = s }
    var rowsOfSeries = [ArraySlice<UInt8>?](repeating: nil, count: keys.count)
    var header: (name: String, bytes: ArraySlice<UInt8>)?
    var fileOfShard: [Int: String] = [:]

    for file in files {
      let records = Self.records(file.contents)
      guard let first = records.first else {
        throw CSVError(.emptyFile, file: file.name, problem: "empty file", expected: "the file a shard wrote: a header, then its series' rows")
      }
      let head = file.contents[first.range]
      if let header, header.bytes != head {
        throw CSVError(.noHeader, file: file.name, line: 1, value: String(decoding: head, as: UTF8.self).trimmingCharacters(in: .newlines),
                       problem: "the header differs from \(header.name)'s", expected: "the same columns in every shard (one command, one set of options)")
      }
      if header == nil { header = (file.name, head) }
      var shard: Int?
      var current: (series: Int, start: Int, end: Int)?
      func close() {
        if let c = current { rowsOfSeries[c.series] = file.contents[c.start..<c.end] }
      }
      for record in records.dropFirst() {
        let fields = Self.keyPrefix(file.contents[record.range], fields: hasLocation ? 2 : 1)
        guard let s = seriesOfKey[fields] else {
          throw CSVError(.invalidText, file: file.name, line: record.line, column: 1, columnName: "sku", value: fields,
                         problem: "not a series of the history", expected: "rows of the history's series only (the same --history and reading options as the shards)")
        }
        if let c = current, c.series == s {
          current!.end = record.range.upperBound
          continue
        }
        close()
        guard rowsOfSeries[s] == nil else {
          throw CSVError(.invalidText, file: file.name, line: record.line, column: 1, columnName: "sku", value: fields,
                         problem: "this series' rows were already read (apart in this file, or in another shard's file)",
                         expected: "each series in one shard file, its rows together")
        }
        let own = PanelShard.number(ofSKU: keys[s].sku, count: count)
        if let shard, shard != own {
          throw CSVError(.invalidText, file: file.name, line: record.line, column: 1, columnName: "sku", value: fields,
                         problem: "SKU of shard \(own)/\(count) in a file of shard \(shard)/\(count)", expected: "the file one shard wrote with --shard K/\(count)")
        }
        if shard == nil {
          if let other = fileOfShard[own] {
            throw CSVError(.invalidText, file: file.name, line: record.line, problem: "shard \(own)/\(count) again (also \(other))",
                           expected: "each of the \(count) shards once")
          }
          fileOfShard[own] = file.name
          shard = own
        }
        current = (s, record.range.lowerBound, record.range.upperBound)
      }
      close()
    }
    var out = Array(header!.bytes)
    for rows in rowsOfSeries { if let rows { out += rows } }
    return out
  }

  /// The records of a CSV file (a quoted field may hold line breaks): byte ranges including the line
  /// break, with their 1-based starting line.
  static func records(_ bytes: [UInt8]) -> [(range: Range<Int>, line: Int)] {
    var out: [(Range<Int>, Int)] = []
    var start = 0, line = 1, startLine = 1, quoted = false
    for (i, b) in bytes.enumerated() {
      if b == UInt8(ascii: "\"") { quoted.toggle() }
      if b == UInt8(ascii: "\n") {
        line += 1
        if !quoted {
          out.append((start..<(i + 1), startLine))
          start = i + 1
          startLine = line
        }
      }
    }
    if start < bytes.count { out.append((start..<bytes.count, startLine)) }
    return out
  }

  /// The first `fields` fields of a record as written (quotes kept), without the comma after them.
  static func keyPrefix(_ record: ArraySlice<UInt8>, fields: Int) -> String {
    var quoted = false, seen = 0
    var end = record.endIndex
    for i in record.indices {
      let b = record[i]
      if b == UInt8(ascii: "\"") { quoted.toggle() }
      if !quoted && (b == UInt8(ascii: ",") || b == UInt8(ascii: "\n") || b == UInt8(ascii: "\r")) {
        seen += 1
        if seen == fields || b != UInt8(ascii: ",") { end = i; break }
      }
    }
    return String(decoding: record[record.startIndex..<end], as: UTF8.self)
  }
}
