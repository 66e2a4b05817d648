import AsyncHTTPClient
import Foundation
import NIOCore
import Testing

@testable import Ledger
@testable import StockService

/// The test PostgreSQL server's URL (`REPLENISH_TEST_POSTGRES`, set by `make test`), nil without one.
let testPostgresURL = ProcessInfo.processInfo.environment["REPLENISH_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }

/// A database just created on the test PostgreSQL server (`REPLENISH_TEST_POSTGRES`, set by `make test`).
func postgresTestDatabase() throws -> String {
  guard let url = testPostgresURL else { throw CrashTestError("REPLENISH_TEST_POSTGRES is not set") }
  let name = "serve_\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
  try PostgresLedgerDatabase(location: PostgresLocation(url: url)).withConnection { try $0.execute(sql: "CREATE DATABASE \(name)") }
  var components = URLComponents(string: url)!
  components.path = "/" + name
  return components.string!
}

/// Three `replenish serve` processes on one PostgreSQL database: 32 clients race on one hot SKU through
/// all three, a connector follows the change feed through whichever node it reaches, a webhook receiver
/// counts what the nodes deliver; then one node is killed with SIGKILL under load.
@Suite("Stock service: three servers on one PostgreSQL database", .serialized, .enabled(if: testPostgresURL != nil))
struct ScaleOutTests {
  struct Tally: Sendable {
    var acknowledged: [String: Int] = [:]  // order id → units, for every 201
    var refused = 0
    var serverErrors: [String] = []
    var unreachable = 0
  }

  /// `clients` clients, each sending `orders` orders of 1–3 units of A round-robin over `ports`; a request
  /// that finds its node gone is sent again, with the same Idempotency-Key, to the next node.
  static func race(ports: @escaping @Sendable () -> [Int], clients: Int, orders: Int, prefix: String, key: String,
                   client: HTTPClient, onAcknowledged: @escaping @Sendable () -> Void = {}) async -> Tally {
    await withTaskGroup(of: Tally.self) { group in
      for c in 0..<clients {
        group.addTask {
          var mine = Tally()
          for k in 0..<orders {
            let q = 1 + (c + k) % 3
            let id = "\(prefix)-\(c)-\(k)"
            let body = #"{"order_id":"\#(id)","location":"WH1","lines":[{"line":"1","sku":"A","quantity":\#(q)}]}"#
            var attempt = 0
            while attempt < 6 {
              let nodes = ports()
              let port = nodes[(c + k + attempt) % nodes.count]
              attempt += 1
              guard let (status, text) = try? await LiveServiceTests.post(client, port: port, path: "/v1/orders", key: key, idempotency: id, body: body) else {
                mine.unreachable += 1
                continue
              }
              if status == 201 { mine.acknowledged[id] = q; onAcknowledged() }
              else if status == 409 || status == 422 { mine.refused += 1 }
              else { mine.serverErrors.append("\(status) \(text.prefix(200))") }
              break
            }
          }
          return mine
        }
      }
      var total = Tally()
      for await part in group {
        total.acknowledged.merge(part.acknowledged) { a, _ in a }
        total.refused += part.refused
        total.serverErrors += part.serverErrors
        total.unreachable += part.unreachable
      }
      return total
    }
  }

  /// Three `replenish serve` processes on `f`'s database, and a subscription of shopify's to `receiver`
  /// (not listening yet: deliveries wait until it is).
  static func threeNodes(_ f: ServiceFixture, receiver: WebhookReceiver, topics: [ChangeTopic]) async throws
    -> (nodes: [ServerProcess], receiverPort: Int, secret: String) {
    let receiverPort = try await receiver.freePort()
    let subscription = try f.ledger.addSubscription(id: "wh_nodes", channel: "shopify", url: "http://127.0.0.1:\(receiverPort)/hook",
                                                    secret: WebhookSignature.newSecret(), topics: topics)
    return (try (0..<3).map { _ in try ServerProcess(db: f.ledger.path) }, receiverPort, subscription.secret)
  }

  /// GET over AsyncHTTPClient.
  static func get(_ client: HTTPClient, port: Int, path: String, key: String) async throws -> (Int, String) {
    var request = HTTPClientRequest(url: "http://127.0.0.1:\(port)\(path)")
    request.headers.add(name: "authorization", value: "Bearer \(key)")
    let response = try await client.execute(request, timeout: .seconds(30))
    return (Int(response.status.code), String(buffer: try await response.body.collect(upTo: 1 << 22)))
  }

  /// Follows `/v1/changes` from `cursor` through the nodes in turn until a page comes back empty; returns
  /// the `seq` of every change read, in order, and the new cursor.
  static func follow(_ client: HTTPClient, ports: [Int], key: String, from cursor: Int, turn: inout Int) async throws -> ([Int], Int) {
    var cursor = cursor
    var seen: [Int] = []
    while true {
      let port = ports[turn % ports.count]
      turn += 1
      let (status, text) = try await get(client, port: port, path: "/v1/changes?after=\(cursor)&limit=50", key: key)
      guard status == 200, let json = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any],
            let changes = json["changes"] as? [[String: Any]], let next = json["next_after"] as? Int else { throw CrashTestError("changes: \(status) \(text)") }
      seen += changes.compactMap { $0["seq"] as? Int }
      if changes.isEmpty { return (seen, cursor) }
      cursor = next
    }
  }

  @Test("3 servers × 32 clients on one hot SKU: never oversold, every 2xx in the ledger once, the feed the same through every node, each change delivered by one node")
  func threeServers() async throws {
    let f = try ServiceFixture(stockA: 150, location: try postgresTestDatabase())
    defer { f.remove() }
    let receiver = WebhookReceiver()
    let (nodes, receiverPort, secret) = try await Self.threeNodes(f, receiver: receiver, topics: [.inventoryLevels, .orders])
    defer { nodes.forEach { $0.stop() } }
    let ports = nodes.map(\.port)
    let client = LiveServiceTests.client(connections: 48)
    defer { _ = client.shutdown() }

    // The connector follows the feed while the race runs, through each node in turn.
    let raceOver = AckSet()
    let feed = Task {
      var cursor = 0, turn = 0, seen: [Int] = []
      while raceOver.count() == 0 {
        let (page, next) = try await Self.follow(client, ports: ports, key: f.shopify, from: cursor, turn: &turn)
        seen += page
        cursor = next
        try? await Task.sleep(for: .milliseconds(5))
      }
      return (seen, cursor, turn)
    }
    let tally = await Self.race(ports: { ports }, clients: 32, orders: 8, prefix: "n", key: f.shopify, client: client)
    #expect(tally.serverErrors.isEmpty, "\(tally.serverErrors.prefix(3))")
    #expect(tally.unreachable == 0)
    let units = tally.acknowledged.values.reduce(0, +)
    #expect(units <= 150)
    #expect(units >= 148, "every unit that can be sold is sold (refusals only when ATP is short): \(units)")
    let a = try f.level("A")
    #expect(a.committed == units && a.available == 150 - units)
    // Every 2xx exactly once: the order exists with its quantity, and one applied event per order.
    for (id, q) in tally.acknowledged {
      #expect(try f.ledger.order(id)?.lines.map(\.ordered) == [q], "order \(id)")
    }
    #expect(try f.ledger.eventCounts().applied == 3 + tally.acknowledged.count)
    #expect(try f.ledger.verify().checks.allSatisfy { $0.violations == 0 })

    // The feed read through the three nodes = the ledger's feed: every change once, in cursor order.
    raceOver.insert(1)
    var (seen, cursor, turn) = try await feed.value
    let all = try f.changes(channel: "shopify", atLeast: 2 * tally.acknowledged.count).map { Int($0.seq) }
    let deadline = ContinuousClock.now + .seconds(20)
    while seen.count < all.count, ContinuousClock.now < deadline {
      let (page, next) = try await Self.follow(client, ports: ports, key: f.shopify, from: cursor, turn: &turn)
      seen += page
      cursor = next
    }
    #expect(all.count == 2 * tally.acknowledged.count, "per order: A's level and the order's state")
    #expect(seen == all, "the connector read \(seen.count) changes of \(all.count)")

    // Webhooks: every change reaches the receiver, sent by one node (no repeats: nothing failed).
    let expected = Set(all.map { "chg_\($0)" })
    try await receiver.run(port: receiverPort, secret: secret) {
      let deadline = ContinuousClock.now + .seconds(60)
      while !receiver.ids().isSuperset(of: expected), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
      try await Task.sleep(for: .milliseconds(300))  // a repeat would arrive now
    }
    #expect(receiver.ids() == expected, "\(expected.subtracting(receiver.ids()).count) changes never delivered")
    #expect(receiver.deliveries() == expected.count, "\(receiver.deliveries()) deliveries of \(expected.count) changes")
    #expect(receiver.badSignatures() == 0)
  }

  @Test("kill -9 one of three servers under load: the others keep serving, nothing acknowledged is lost, verify clean, every change delivered")
  func killOneNode() async throws {
    let f = try ServiceFixture(stockA: 100_000, location: try postgresTestDatabase())
    defer { f.remove() }
    let receiver = WebhookReceiver()
    let (nodes, receiverPort, secret) = try await Self.threeNodes(f, receiver: receiver, topics: [.inventoryLevels])
    defer { nodes.forEach { $0.stop() } }
    let live = LivePorts(nodes.map(\.port))
    let client = LiveServiceTests.client(connections: 48)
    defer { _ = client.shutdown() }

    let acknowledgedSoFar = AckSet()
    let counter = Counter()
    let load = Task {
      await Self.race(ports: { live.ports }, clients: 32, orders: 12, prefix: "k", key: f.shopify, client: client,
                      onAcknowledged: { acknowledgedSoFar.insert(counter.next()) })
    }
    let deadline = ContinuousClock.now + .seconds(60)
    while acknowledgedSoFar.count() < 60, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
    nodes[0].kill9()
    let killedAt = acknowledgedSoFar.count()
    live.remove(nodes[0].port)
    let tally = await load.value
    #expect(killedAt < 32 * 12, "the kill came before the load ended")
    #expect(tally.serverErrors.isEmpty, "\(tally.serverErrors.prefix(3))")
    #expect(tally.acknowledged.count == 32 * 12, "every order acknowledged, by the surviving nodes after the kill")
    for (id, q) in tally.acknowledged {
      #expect(try f.ledger.order(id)?.lines.map(\.ordered) == [q], "order \(id)")
    }
    #expect(try f.level("A").committed == tally.acknowledged.values.reduce(0, +))
    #expect(try f.ledger.eventCounts().applied == 3 + tally.acknowledged.count)
    #expect(try f.ledger.verify().checks.allSatisfy { $0.violations == 0 })
    // The surviving nodes deliver every change, the killed node's claims included once their lease ends.
    let expected = Set(try f.changes(channel: "shopify", atLeast: 2 * tally.acknowledged.count).filter { $0.topic == .inventoryLevels }.map { "chg_\($0.seq)" })
    #expect(expected.count == tally.acknowledged.count, "one level change per order")
    try await receiver.run(port: receiverPort, secret: secret) {
      let deadline = ContinuousClock.now + .seconds(90)
      while !receiver.ids().isSuperset(of: expected), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }
    #expect(receiver.ids() == expected, "\(expected.subtracting(receiver.ids()).count) changes never delivered")
    #expect(receiver.badSignatures() == 0)
  }
}

/// The ports of the nodes still running.
final class LivePorts: @unchecked Sendable {
  private let lock = NSLock()
  private var list: [Int]
  init(_ ports: [Int]) { list = ports }
  var ports: [Int] { lock.withLock { list } }
  func remove(_ port: Int) { lock.withLock { list.removeAll { $0 == port } } }
}

final class Counter: @unchecked Sendable {
  private let lock = NSLock()
  private var value = 0
  func next() -> Int { lock.withLock { value += 1; return value } }
}
