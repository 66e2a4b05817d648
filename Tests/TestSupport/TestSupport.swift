import Foundation

/// Helpers shared by the test targets (not API).

/// The repository root, found from this file's path: tests read `notebooks-data/`, which is in the repo.
public let repositoryRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
  .deletingLastPathComponent()

/// A path under `notebooks-data/`.
public func notebooksData(_ name: String) -> String { repositoryRoot.appendingPathComponent("notebooks-data/\(name)").path }

/// Writes bytes to a fresh temporary folder and returns the file's path.
public func temporaryFile(_ contents: [UInt8], name: String = "history.csv") -> String {
  let directory = FileManager.default.temporaryDirectory.appendingPathComponent("replenish-tests-\(UUID().uuidString)")
  try! FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
  let path = directory.appendingPathComponent(name).path
  FileManager.default.createFile(atPath: path, contents: Data(contents))
  return path
}

public func temporaryFile(_ text: String, name: String = "history.csv") -> String {
  temporaryFile(Array(text.utf8), name: name)
}

/// Splits one CSV line, honouring quoted fields (R's write.csv output, model names with commas).
public func splitCSV(_ line: String) -> [String] {
  var fields: [String] = []
  var current = ""
  var quoted = false
  for c in line {
    if c == "\"" {
      quoted.toggle()
    } else if c == "," && !quoted {
      fields.append(current)
      current = ""
    } else {
      current.append(c)
    }
  }
  fields.append(current)
  return fields
}

/// The header and the rows of the first `count` series of a `unique_id,…` file under `notebooks-data/`
/// whose rows are grouped by series (a debug build forecasts a whole file too slowly for a test).
public func firstSeries(ofNotebooksFile name: String, count: Int) throws -> String {
  let text = try String(contentsOfFile: notebooksData(name), encoding: .utf8)
  var ids: [Substring] = []
  var subset = ""
  for line in text.split(separator: "\n") {
    let id = line.prefix { $0 != "," }
    if id != "unique_id" && !ids.contains(id) {
      if ids.count == count { break }
      ids.append(id)
    }
    subset += line + "\n"
  }
  return subset
}
