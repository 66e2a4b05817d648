import Foundation
import Ledger

/// The writers: requests from every connection queue here and dedicated threads apply them.
///
/// On SQLite, one thread applies whatever has queued up as one transaction (`LedgerStore.perform`), each
/// request in its own savepoint — group commit, as TigerBeetle batches transfers: under load one commit
/// (one WAL sync) carries many requests, while each keeps its own all-or-nothing outcome and idempotency
/// record. SQLite has one writer at a time anyway; queuing here instead of on its lock keeps the async
/// threads free. On PostgreSQL (`LedgerStore.concurrentWriters` > 1), as many threads as pooled
/// connections each apply one request per transaction: transactions of different SKUs run side by side
/// (PostgreSQL groups their WAL flushes itself), and a batch of many SKUs would only hold more row locks
/// longer and deadlock with the other writers' batches.
final class GroupCommitter: @unchecked Sendable {
  private let ledger: LedgerStore
  private let maximumBatch: Int
  private var running: Int
  private let condition = NSCondition()
  private var queue: [(request: WriteRequest, done: CheckedContinuation<WriteResult, Never>)] = []
  private var stopping = false
  private var finished = false
  private let onBatch: @Sendable (Int) -> Void

  init(ledger: LedgerStore, maximumBatch: Int = 256, onBatch: @escaping @Sendable (Int) -> Void = { _ in }) {
    let writers = ledger.concurrentWriters
    self.ledger = ledger
    self.maximumBatch = writers > 1 ? 1 : maximumBatch
    self.onBatch = onBatch
    running = writers
    for n in 0..<writers {
      let thread = Thread { [self] in self.run() }
      thread.name = "replenish-writer-\(n)"
      thread.start()
    }
  }

  func submit(_ request: WriteRequest) async -> WriteResult {
    await withCheckedContinuation { done in
      condition.lock()
      if stopping {
        condition.unlock()
        done.resume(returning: .unavailable(LedgerError(.busy, "the server is shutting down; retry on another node or after restart")))
        return
      }
      queue.append((request, done))
      condition.signal()
      condition.unlock()
    }
  }

  private func run() {
    while true {
      condition.lock()
      while queue.isEmpty && !stopping { condition.wait() }
      if queue.isEmpty {
        running -= 1
        if running == 0 { finished = true }
        condition.broadcast()
        condition.unlock()
        return
      }
      let batch = Array(queue.prefix(maximumBatch))
      queue.removeFirst(batch.count)
      condition.unlock()
      let results = ledger.perform(batch.map(\.request))
      onBatch(batch.count)
      for (item, result) in zip(batch, results) { item.done.resume(returning: result) }
    }
  }

  /// Refuses new requests, applies those already queued, and returns when the writer has stopped.
  func drain() {
    condition.lock()
    stopping = true
    condition.broadcast()
    while !finished { condition.wait() }
    condition.unlock()
  }
}

/// Runs blocking ledger reads off the async threads.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
  try await withCheckedThrowingContinuation { c in
    DispatchQueue.global().async { c.resume(with: Result { try body() }) }
  }
}
