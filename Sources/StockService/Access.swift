import Crypto
import Foundation
import Ledger

/// Who is calling: the API key's id (never the key), its channel and scopes.
struct Principal: Sendable {
  var keyID: String
  var channel: String
  var scopes: Set<APIScope>

  func allows(_ scope: APIScope) -> Bool { scopes.contains(scope) || scopes.contains(.admin) }
  var isAdmin: Bool { scopes.contains(.admin) }
}

/// API keys: `rk_<id>_<secret>`, 8 hex characters of id and 32 of secret (128 random bits); the ledger
/// stores the SHA-256 of the whole key, so the key is shown once, when created, and never again.
public enum APIKeys {
  /// A new key for `channel` with `scopes`, stored hashed; returns the key text (show it once).
  public static func create(on ledger: LedgerStore, channel: String, scopes: Set<APIScope>) throws -> (id: String, key: String) {
    var generator = SystemRandomNumberGenerator()
    let id = hex((0..<4).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let secret = hex((0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) })
    let key = "rk_\(id)_\(secret)"
    try ledger.addAPIKey(id: id, hash: hash(key), channel: channel, scopes: scopes)
    return (id, key)
  }

  static func hash(_ key: String) -> String { hex(Array(SHA256.hash(data: Data(key.utf8)))) }

  static func hex(_ bytes: [UInt8]) -> String {
    let digits = Array("0123456789abcdef".utf8)
    var out = [UInt8]()
    out.reserveCapacity(bytes.count * 2)
    for b in bytes {
      out.append(digits[Int(b >> 4)])
      out.append(digits[Int(b & 15)])
    }
    return String(decoding: out, as: UTF8.self)
  }

  /// The key from an `Authorization: Bearer …` header value, when it has the key's shape.
  static func bearer(_ header: String?) -> String? {
    guard let header, header.hasPrefix("Bearer ") else { return nil }
    // Spaces and tabs around the key are allowed (Foundation's trimming cost more than the rest of the check).
    var bytes = header.utf8.dropFirst(7)
    while let b = bytes.first, b == 0x20 || b == 0x09 { bytes = bytes.dropFirst() }
    while let b = bytes.last, b == 0x20 || b == 0x09 { bytes = bytes.dropLast() }
    let key = String(decoding: bytes, as: UTF8.self)
    guard key.hasPrefix("rk_"), key.utf8.count <= 64, key.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
    return key
  }
}

/// A token bucket per API key: `rate` requests a second on average, bursts up to `burst`.
final class RateLimiter: @unchecked Sendable {
  private let rate: Double
  private let burst: Double
  private var buckets: [String: (tokens: Double, at: Double)] = [:]
  private let lock = NSLock()

  init(rate: Double, burst: Double) {
    self.rate = rate
    self.burst = burst
  }

  /// Takes a token for `key`; nil when allowed, else seconds until one is free.
  func take(_ key: String, now: Double = Date().timeIntervalSinceReferenceDate) -> Int? {
    guard rate > 0 else { return nil }
    lock.lock()
    defer { lock.unlock() }
    var b = buckets[key] ?? (burst, now)
    b.tokens = min(burst, b.tokens + (now - b.at) * rate)
    b.at = now
    if b.tokens >= 1 {
      b.tokens -= 1
      buckets[key] = b
      return nil
    }
    buckets[key] = b
    return max(1, Int(((1 - b.tokens) / rate).rounded(.up)))
  }
}
