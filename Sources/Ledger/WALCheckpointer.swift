import Foundation
import GRDB

/// Copies the write-ahead log back into the database file from a connection of its own, on a thread of
/// its own, so that a long-running writer (the server's group commit) does not stop for checkpoints.
///
/// SQLite's automatic checkpoint runs inside the commit that crosses its threshold: the committing
/// writer copies every page in the WAL back to the database file and syncs it, and every request waiting
/// on that writer waits too. Here a `PASSIVE` checkpoint (it never takes the write lock, so the writer
/// goes on committing) runs every `interval` on a separate connection. The writer keeps an automatic
/// checkpoint of its own at `writerThreshold` pages as a backstop: under unbroken load the background
/// checkpoint never catches up with a commit in flight, and the WAL starts again from its beginning only
/// after a checkpoint that copied everything; by then the backstop has little left to copy, but it still
/// syncs the files, and on this project's test machine a sync can take a hundred milliseconds: at 10,000
/// pages (a backstop every second or so under load) those stalls showed in the p99 latency of `make
/// bench-serve`, at 50,000 (a WAL of up to about 200 MiB, cut back to 64 MiB after each restart) they did not.
/// <https://www.sqlite.org/wal.html#application_initiated_checkpoints>
public final class WALCheckpointer: @unchecked Sendable {
  private let connection: DatabaseQueue
  private let interval: TimeInterval
  private let condition = NSCondition()
  private var stopping = false
  private var stopped = false
  private var failures = 0
  private let reportAfter: Int
  private let onFailure: @Sendable (Error) -> Void

  init(path: String, interval: TimeInterval, onFailure: @escaping @Sendable (Error) -> Void) throws {
    var configuration = Configuration()
    configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
    connection = try DatabaseQueue(path: path, configuration: configuration)
    self.interval = interval
    reportAfter = max(1, Int(10 / interval))
    self.onFailure = onFailure
    let thread = Thread { [self] in self.run() }
    thread.name = "replenish-checkpointer"
    thread.start()
  }

  private func run() {
    while true {
      condition.lock()
      if !stopping { _ = condition.wait(until: Date(timeIntervalSinceNow: interval)) }
      let done = stopping
      condition.unlock()
      if done { break }
      do {
        try connection.writeWithoutTransaction { db in _ = try db.checkpoint(.passive) }
        failures = 0
      } catch {
        // Busy now and then is normal (the writer's backstop checkpoint is running): the next round
        // retries. Reported once a streak has lasted `reportAfter` rounds.
        failures += 1
        if failures == reportAfter { onFailure(error) }
      }
    }
    condition.lock()
    stopped = true
    condition.broadcast()
    condition.unlock()
  }

  /// Stops the thread (after the checkpoint in progress, if any) and returns when it has stopped.
  public func stop() {
    condition.lock()
    stopping = true
    condition.signal()
    while !stopped { condition.wait() }
    condition.unlock()
  }
}

extension LedgerStore {
  /// Starts checkpointing this ledger's WAL in the background (for a long-running writer: `replenish
  /// serve`) and raises the writer's own automatic checkpoint to `writerThreshold` pages, the backstop.
  /// Nil on PostgreSQL (the server checkpoints its own write-ahead log).
  public func checkpointInBackground(interval: TimeInterval = 0.05, writerThreshold: Int = 50_000,
                                     onFailure: @escaping @Sendable (Error) -> Void = { _ in }) throws -> WALCheckpointer? {
    if isPostgres { return nil }
    try write { db in
      try db.execute(sql: "PRAGMA wal_autocheckpoint = \(writerThreshold)")
      // The WAL file is cut back only where it grew past the backstop (readers held checkpoints back), not
      // at every restart: cutting it back to 64 MiB, as before, had the writer truncate the file inside a
      // commit whenever the WAL restarted after a burst, and on a file system mounted with `discard`
      // the kernel discards the freed blocks synchronously. Measured with `perf sched` (the writer thread
      // off CPU in ftruncate → ext4_free_blocks → blkdev_issue_discard, up to 60 ms) and by alternating
      // the builds three times at 64 connections across SKUs (2026-12-07, a loaded machine): the slowest
      // request inside the server 87–139 → 43–75 ms, wrk's p99 62–93 → 38–77 ms. The file then keeps up
      // to `writerThreshold` pages (about 200 MiB) on disk.
      let pageSize = try db.cachedInt("PRAGMA page_size") ?? 4096
      try db.execute(sql: "PRAGMA journal_size_limit = \(writerThreshold * pageSize)")
    }
    return try WALCheckpointer(path: path, interval: interval, onFailure: onFailure)
  }
}
