/// One of `count` shards of a panel's SKUs, for forecasting across machines: shard `number` (1-based) of
/// `count` holds the SKUs whose stable hash is `number − 1` modulo `count`. The hash is of the SKU alone,
/// so that a SKU's locations stay together; it is FNV-1a (64-bit) of the SKU's UTF-8 bytes — the same on
/// every machine, build and run (Swift's `Hasher` is seeded per process and could not be).
public struct PanelShard: Sendable, Equatable, CustomStringConvertible {
  public let number: Int
  public let count: Int

  /// The largest shard count accepted.
  public static let maximumCount = 100_000

  /// nil unless 1 ≤ number ≤ count ≤ `maximumCount`.
  public init?(number: Int, count: Int) {
    guard count >= 1, count <= Self.maximumCount, number >= 1, number <= count else { return nil }
    self.number = number
    self.count = count
  }

  /// Parses "K/N" (a batch scheduler's array index and size, 1-based).
  public init?(parsing text: String) {
    let parts = text.split(separator: "/", omittingEmptySubsequences: false)
    guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else { return nil }
    self.init(number: k, count: n)
  }

  public var description: String { "\(number)/\(count)" }

  /// The shard (1-based) of `count` that holds `sku`.
  public static func number(ofSKU sku: String, count: Int) -> Int {
    var hash = StableHash()
    hash.add(sku)
    return Int(hash.value % UInt64(count)) + 1
  }

  public func contains(sku: String) -> Bool { Self.number(ofSKU: sku, count: count) == number }

  /// The series of `panel` in this shard, in panel order.
  public func series(of panel: Panel) -> [Int] {
    panel.keys.indices.filter { contains(sku: panel.keys[$0].sku) }
  }
}

/// FNV-1a, 64-bit (Fowler, Noll, Vo; IETF draft-eastlake-fnv): h ← (h ⊕ byte) × 1099511628211 from
/// 14695981039346656037, over bytes in order. Stable across processes, machines and releases.
public struct StableHash: Sendable {
  public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325

  public init() {}

  public mutating func add(_ bytes: some Sequence<UInt8>) {
    for byte in bytes {
      value ^= UInt64(byte)
      value = value &* 0x0000_0100_0000_01b3
    }
  }

  public mutating func add(_ text: String) { add(text.utf8) }

  /// A number by its exact bits (little-endian).
  public mutating func add(_ x: Double) { add(withUnsafeBytes(of: x.bitPattern.littleEndian) { Array($0) }) }

  public mutating func add(_ n: Int) { add(withUnsafeBytes(of: Int64(n).littleEndian) { Array($0) }) }
}
