import Foundation
import Synchronization

/// Writes a set of files all or nothing: every file is written to a temporary next to it first, and only
/// when all are written are they renamed into place; on any failure every temporary is removed, so a full
/// disk leaves neither half a file nor half a set (the previous files stay as they were).
func writeAllOrNothing(_ files: [(path: String, contents: String)]) throws {
  var written: [(temporary: URL, target: URL)] = []
  func cleanUp() { for w in written { try? FileManager.default.removeItem(at: w.temporary) } }
  for (path, contents) in files {
    let url = URL(fileURLWithPath: path)
    let temporary = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).\(ProcessInfo.processInfo.processIdentifier).tmp")
    do {
      try Data(contents.utf8).write(to: temporary)
    } catch {
      try? FileManager.default.removeItem(at: temporary)
      cleanUp()
      throw CLIError("\(path): cannot write: \(error.localizedDescription); nothing was written", status: .cannotCreate)
    }
    written.append((temporary, url))
  }
  for (n, w) in written.enumerated() where rename(w.temporary.path, w.target.path) != 0 {
    let reason = String(cString: strerror(errno))
    // rename(2) replaces the target atomically (Foundation's replaceItemAt fails on some Linux file systems).
    for rest in written[n...] { try? FileManager.default.removeItem(at: rest.temporary) }
    throw CLIError("\(w.target.path): cannot write: \(reason)", status: .cannotCreate)
  }
}

/// Writes `contents` to `path` through a temporary file in the same folder and a rename, so a reader
/// never sees a half-written file and a failed run leaves the previous file intact.
func writeAtomically(_ contents: String, to path: String) throws { try writeAllOrNothing([(path, contents)]) }

/// A progress bar on standard error, drawn only when standard error is a terminal, at most 10 times a second.
final class ProgressBar: Sendable {
  private let total: Int
  private let label: String
  private let start = Date()
  private let state = Mutex<(lastDraw: Double, done: Int)>((0, 0))
  private let enabled: Bool

  init(total: Int, label: String) {
    self.total = max(1, total)
    self.label = label
    self.enabled = isatty(2) != 0
  }

  func update(_ done: Int) {
    guard enabled else { return }
    let now = Date().timeIntervalSince(start)
    let draw: Bool = state.withLock { s in
      s.done = max(s.done, done)
      if now - s.lastDraw < 0.1 && done < total { return false }
      s.lastDraw = now
      return true
    }
    guard draw else { return }
    let fraction = Double(done) / Double(total)
    let width = 30
    let filled = Int(fraction * Double(width))
    let eta = fraction > 0 ? now / fraction - now : 0
    let bar = String(repeating: "█", count: filled) + String(repeating: "░", count: width - filled)
    let line = String(format: "\r%@ %@ %3.0f%% %d/%d  %.0fs elapsed, ~%.0fs left ", label, bar, 100 * fraction, done, total, now, eta)
    FileHandle.standardError.write(Data(line.utf8))
  }

  func finish() {
    guard enabled else { return }
    FileHandle.standardError.write(Data("\r\u{1B}[2K".utf8))
  }

  var elapsed: Double { Date().timeIntervalSince(start) }
}

/// Shortest round-trip decimal for a Double; empty for NaN.
func csvNumber(_ x: Double) -> String { x.isNaN ? "" : "\(x)" }
