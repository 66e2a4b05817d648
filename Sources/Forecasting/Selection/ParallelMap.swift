import Dispatch
import Synchronization

/// Maps `body` over `0..<count` on `threads` workers in chunks, keeping the order of results.
/// `progress` receives the number of items finished so far (from worker threads).
public func parallelMap<T: Sendable>(
  count: Int, threads: Int, progress: (@Sendable (Int) -> Void)? = nil, _ body: @Sendable @escaping (Int) -> T
) -> [T] {
  let slots = Slots<T>(count: count)
  let chunk = max(1, min(64, count / (max(1, threads) * 8) + 1))
  let chunks = (count + chunk - 1) / chunk
  let work: @Sendable (Int) -> Void = { c in
    for i in (c * chunk)..<min(count, (c + 1) * chunk) {
      slots.set(i, body(i))
      let done = slots.finishOne()
      progress?(done)
    }
  }
  if threads <= 1 {
    for c in 0..<chunks { work(c) }
  } else {
    DispatchQueue.concurrentPerform(iterations: chunks) { work($0) }
  }
  return slots.values()
}

/// Write-once result slots filled concurrently (each index by exactly one worker).
final class Slots<T: Sendable>: @unchecked Sendable {
  private var storage: [T?]
  private var finished = 0
  private let lock = Mutex(())

  init(count: Int) { storage = Array(repeating: nil, count: count) }

  func set(_ index: Int, _ value: T) { lock.withLock { _ in storage[index] = value } }

  func finishOne() -> Int {
    lock.withLock { _ in
      finished += 1
      return finished
    }
  }

  func values() -> [T] { lock.withLock { _ in storage.map { $0! } } }
}
