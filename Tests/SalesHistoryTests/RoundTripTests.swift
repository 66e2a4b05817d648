import Foundation
import Testing

@testable import SalesHistory
import Sampling
@testable import SyntheticData
@testable import TimeSeries

@Suite("Sales-history reader: round trips through the generator")
struct RoundTripTests {
  static let generator = DemandPanelGenerator(seriesCount: 40, days: 120, stores: 4, seed: 7, stockOutRate: 0.05)

  func assertSame(_ a: Panel, _ b: Panel, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(a.keys == b.keys, sourceLocation: sourceLocation)
    #expect(a.offsets == b.offsets, sourceLocation: sourceLocation)
    #expect(a.startPeriods == b.startPeriods, sourceLocation: sourceLocation)
    #expect(a.endPeriod == b.endPeriod, sourceLocation: sourceLocation)
    #expect(a.values == b.values, sourceLocation: sourceLocation)
    #expect(a.flags == b.flags, sourceLocation: sourceLocation)
    #expect(a.prices?.map(\.bitPattern) == b.prices?.map(\.bitPattern), sourceLocation: sourceLocation)
  }

  @Test("Generated CSV reads back to exactly the generator's in-memory panel")
  func csvRoundTrip() throws {
    let path = temporaryFile("")
    try Self.generator.writeCSV(to: path, includeInStock: true)
    let history = try SalesHistoryReader.read(file: path)
    assertSame(history.panel, Self.generator.panel())
    #expect(history.report.stockOutRows > 0)
    #expect(history.report.duplicateRows == 0)
  }

  @Test("A 64-byte buffer (every record crosses a chunk boundary) reads the same panel")
  func tinyBuffer() throws {
    let path = temporaryFile("")
    try Self.generator.writeCSV(to: path, includeInStock: true)
    var options = SalesHistoryOptions()
    options.bufferBytes = 64
    assertSame(try SalesHistoryReader.read(file: path, options: options).panel, Self.generator.panel())
  }

  @Test("Quoted multi-line records longer than the buffer grow it")
  func longRecords() throws {
    let description = String(repeating: "long, \"\"quoted\"\"\ntext ", count: 40)
    let text = "sku,description,date,qty\nA,\"\(description)\",2024-01-01,2\nB,\"\(description)\",2024-01-02,3\n"
    var options = SalesHistoryOptions()
    options.bufferBytes = 32
    let history = try read(text, options)
    #expect(history.panel.keys.map(\.sku) == ["A", "B"])
    #expect(history.panel.values == [2, 0, 3])
  }

  @Test("Shuffled rows (series interleaved, dates out of order) give the same panel")
  func shuffled() throws {
    let path = temporaryFile("")
    try Self.generator.writeCSV(to: path, includeInStock: true)
    var lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
    let header = lines.removeFirst()
    var rng = SeededGenerator(seed: 3)
    lines.shuffle(using: &rng)
    let shuffledPath = temporaryFile(([header] + lines).joined(separator: "\n") + "\n")
    let panel = try SalesHistoryReader.read(file: shuffledPath).panel
    let reference = Self.generator.panel()
    // Series order follows first appearance; compare by key.
    #expect(Set(panel.keys) == Set(reference.keys))
    for (i, key) in reference.keys.enumerated() {
      let j = panel.index(of: key)!
      #expect(Array(panel.values(of: j)) == Array(reference.values(of: i)))
      #expect(panel.flags[panel.range(of: j)] == reference.flags[reference.range(of: i)])
      #expect(panel.prices![panel.range(of: j)].map(\.bitPattern) == reference.prices![reference.range(of: i)].map(\.bitPattern))
    }
  }

  @Test("The generator is deterministic and draws every demand pattern")
  func generatorDeterminism() {
    let a = Self.generator.panel(), b = Self.generator.panel()
    #expect(a.values == b.values)
    let patterns = Set((0..<40).map { Self.generator.series($0).pattern })
    #expect(patterns == Set(DemandPattern.allCases))
    let other = DemandPanelGenerator(seriesCount: 40, days: 120, stores: 4, seed: 8).panel()
    #expect(other.values != a.values)
  }
}
