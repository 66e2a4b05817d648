import ArgumentParser
import CSV
import Forecasting
import Foundation
import TimeSeries

/// `replenish merge-shards`: the files of N shards (`--shard K/N`) back into the one file a single process
/// writes, byte for byte.
struct MergeShardsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "merge-shards",
    abstract: "Merge the files N shards wrote (`forecast --shard K/N`: --out, --fallbacks or --ltd-out) into what one process writes.",
    discussion: """
      Reads the history again (the same --history and reading options as the shards) for the order of its
      series, then writes the shards' header and each series' rows in that order. Refused, with the file and
      line: a file count other than N, two files of one shard, a row of a SKU another shard holds, a series the
      history does not have, headers that differ. Run it once per kind of file.
      """
  )

  @OptionGroup var input: HistoryOptions

  @Option(name: .long, help: "Number of shards (N of --shard K/N).")
  var shards: Int

  @Option(name: .long, help: "The merged CSV.")
  var out: String

  @Argument(help: "The N shard files, in any order.")
  var files: [String]

  func validate() throws {
    guard (1...PanelShard.maximumCount).contains(shards) else { throw ValidationError("--shards must be between 1 and \(PanelShard.maximumCount), got \(shards)") }
    guard files.count == shards else { throw ValidationError("\(files.count) shard file(s) given for --shards \(shards); expected one file per shard") }
  }

  func run() throws {
    let history = try readHistory(input)
    var contents: [(name: String, contents: [UInt8])] = []
    for file in files {
      guard let data = FileManager.default.contents(atPath: file) else {
        throw CSVError(.io, file: file, problem: "cannot read the file", expected: "a file a shard wrote")
      }
      contents.append((file, Array(data)))
    }
    let merged = try ForecastShards.merge(contents, keys: history.panel.keys, count: shards)
    try writeAllOrNothing([(out, String(decoding: merged, as: UTF8.self))])
    print("Merged \(shards) shard file(s) over \(history.panel.seriesCount) series: \(merged.count) bytes. Wrote \(out).")
  }
}
