import Foundation
import HummingbirdTesting
import Ledger
import Testing

@testable import StockService

/// Every endpoint through the router (`.router`: no socket), with the ledger checked directly after.
@Suite("Stock service: endpoints")
struct StockAPITests {
  static let order1 = #"{"order_id":"1001","location":"WH1","lines":[{"line":"1","sku":"A","quantity":3},{"line":"2","sku":"C","quantity":1}]}"#

  /// The published test vector of the Standard Webhooks specification (the one its reference libraries
  /// test against): matching it means any of those libraries verifies our deliveries.
  @Test("Webhook signatures reproduce the Standard Webhooks test vector")
  func standardWebhooksVector() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let (id, timestamp, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", Int64(1_614_265_330), #"{"test": 2432232314}"#)
    #expect(WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: secret) == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
    #expect(WebhookSignature.verify(id: id, timestamp: timestamp, body: body, secret: secret, header: "v1,bm90IGl0 v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
    #expect(!WebhookSignature.verify(id: id, timestamp: timestamp + 1, body: body, secret: secret, header: "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="))
    #expect(WebhookSignature.sign(id: id, timestamp: timestamp, body: body, secret: "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw") == nil)
  }

  @Test("The webhook listener refuses a missing header, a stale timestamp and a wrong signature")
  func listenerChecks() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let (id, ts, body) = ("msg_p5jXN8AQM9LWM0D4loKWxJek", Int64(1_614_265_330), #"{"test": 2432232314}"#)
    let signature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    #expect(WebhookListener.problem(id: id, timestamp: "\(ts)", signature: signature, body: body, secret: secret, now: ts + 300) == nil)
    #expect(WebhookListener.problem(id: id, timestamp: "\(ts)", signature: signature, body: body, secret: secret, now: ts + 301)?.contains("more than 300 s") == true)
    #expect(WebhookListener.problem(id: nil, timestamp: "\(ts)", signature: signature, body: body, secret: secret, now: ts) == "no webhook-id header")
    #expect(WebhookListener.problem(id: id, timestamp: "soon", signature: signature, body: body, secret: secret, now: ts)?.contains("webhook-timestamp") == true)
    #expect(WebhookListener.problem(id: id, timestamp: "\(ts)", signature: nil, body: body, secret: secret, now: ts) == "no webhook-signature header")
    #expect(WebhookListener.problem(id: id, timestamp: "\(ts)", signature: signature, body: body + " ", secret: secret, now: ts)?.contains("does not match") == true)
  }

  @Test("An order reserves its lines; a retry replays the stored response; the same key with another body is 422")
  func orderAndIdempotency() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let first = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "k-1", json: Self.order1)
      #expect(first.status == 201)
      #expect(first.headers[.init("Idempotent-Replayed")!] == nil)
      let a = try f.level("A")
      #expect(a.committed == 3 && a.available == 7 && a.onHand == 10)
      let order = first.json["order"] as? [String: Any]
      #expect(order?["status"] as? String == "open")

      let again = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "k-1", json: Self.order1)
      #expect(again.status == 201 && again.text == first.text)
      #expect(again.headers[.init("Idempotent-Replayed")!] == "true")
      #expect(try f.level("A").committed == 3)

      let other = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "k-1", json: Self.order1.replacingOccurrences(of: "\"quantity\":3", with: "\"quantity\":4"))
      #expect(other.status == 422 && other.code == "IDEMPOTENCY_KEY_REUSED")
      #expect(other.contentType == "application/problem+json")

      // The same key from another channel is another request (keys are per channel).
      let amazon = try await client.call(.post, "/v1/orders", key: f.amazon, idempotency: "k-1", json: Self.order1.replacingOccurrences(of: "1001", with: "2001"))
      #expect(amazon.status == 201)
      #expect(try f.level("A").committed == 6)

      // An order id that exists is refused, whichever channel sends it.
      let taken = try await client.call(.post, "/v1/orders", key: f.amazon, idempotency: "k-2", json: Self.order1)
      #expect(taken.status == 409 && taken.code == "ORDER_EXISTS")
    }
  }

  @Test("Metrics: order lines reserved and refusals by reason, counted once (a replay is not counted again)")
  func metricsCounts() async throws {
    let f = try ServiceFixture(stockA: 2)
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let fits = #"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":1},{"line":"2","sku":"C","quantity":1}]}"#
      #expect(try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "m-1", json: fits).status == 201)
      #expect(try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "m-1", json: fits).status == 201)
      let short = #"{"order_id":"2","location":"WH1","lines":[{"line":"1","sku":"A","quantity":5}]}"#
      #expect(try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "m-2", json: short).status == 409)
      let metrics = try await client.call(.get, "/metrics", key: nil).text
      #expect(metrics.contains("replenish_reservations_total 2\n"))
      #expect(metrics.contains(#"replenish_refusals_total{reason="INSUFFICIENT_STOCK"} 1"#))
    }
  }

  @Test("All-or-nothing refuses the whole order; per_line keeps the lines that fit and backorders where allowed")
  func allocationModes() async throws {
    let f = try ServiceFixture(stockA: 2)
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let whole = #"{"order_id":"9","location":"WH1","lines":[{"line":"1","sku":"C","quantity":2},{"line":"2","sku":"A","quantity":5}]}"#
      let refused = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "w", json: whole)
      #expect(refused.status == 409 && refused.code == "INSUFFICIENT_STOCK")
      let errors = refused.json["errors"] as? [[String: Any]]
      #expect(errors?.count == 1 && errors?.first?["pointer"] as? String == "/lines/1")
      #expect(try f.level("C").committed == 0)
      // Nothing was kept, not even the order id: it can be sent again under a new key.
      let perLine = whole.replacingOccurrences(of: "\"lines\"", with: "\"allocation\":\"per_line\",\"lines\"")
      let partial = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "p", json: perLine)
      #expect(partial.status == 201)
      let results = partial.json["results"] as? [[String: Any]]
      #expect(results?.map { $0["status"] as? String } == ["applied", "refused"])
      #expect(try f.level("C").committed == 2 && f.level("A").committed == 0)
      // B allows backorders: beyond ATP the rest waits as backordered.
      let back = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "b",
                                       json: #"{"order_id":"10","location":"WH1","lines":[{"line":"1","sku":"B","quantity":5}]}"#)
      #expect(back.status == 201)
      let b = try f.level("B")
      #expect(b.committed == 2 && b.backordered == 3 && b.available == 0)
    }
  }

  @Test("Ship part, ship the rest, return to quarantine, inspect; cancel releases what is open")
  func orderLifecycle() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      _ = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "o", json: Self.order1)
      let s1 = try await client.call(.post, "/v1/orders/1001/shipments", key: f.shopify, idempotency: "s1", json: #"{"lines":[{"line":"1","quantity":1}]}"#)
      #expect(s1.status == 200)
      var a = try f.level("A")
      #expect(a.onHand == 9 && a.committed == 2 && a.available == 7)
      let s2 = try await client.call(.post, "/v1/orders/1001/shipments", key: f.shopify, idempotency: "s2", json: #"{"lines":[{"line":"1","quantity":2}]}"#)
      #expect(s2.status == 200)
      let over = try await client.call(.post, "/v1/orders/1001/shipments", key: f.shopify, idempotency: "s3", json: #"{"lines":[{"line":"1","quantity":1}]}"#)
      #expect(over.status == 409 && over.code == "EXCEEDS_OPEN")
      let r = try await client.call(.post, "/v1/orders/1001/returns", key: f.shopify, idempotency: "r1", json: #"{"lines":[{"line":"1","quantity":2,"reason":"restock"}]}"#)
      #expect(r.status == 200)
      a = try f.level("A")
      #expect(a.unavailable == 2 && a.available == 7 && a.onHand == 9)
      let pass = try await client.call(.post, "/v1/inspections", key: f.warehouse, idempotency: "i1", json: #"{"sku":"A","location":"WH1","quantity":2,"result":"pass"}"#)
      #expect(pass.status == 200)
      #expect(try f.level("A").available == 9)
      let cancel = try await client.call(.post, "/v1/orders/1001/cancel", key: f.shopify, idempotency: "c1", json: "{}")
      #expect(cancel.status == 200)
      #expect(try f.level("C").committed == 0)
      let state = try await client.call(.get, "/v1/orders/1001", key: f.shopify)
      #expect(state.status == 200 && state.json["status"] as? String == "fulfilled")
      let nothing = try await client.call(.post, "/v1/orders/1001/cancel", key: f.shopify, idempotency: "c2", json: "{}")
      #expect(nothing.status == 409 && nothing.code == "NOTHING_TO_APPLY")
    }
  }

  @Test("Purchase order, receipt with landed cost, transfer through in-transit, adjustments")
  func stockMovements() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let po = try await client.call(.post, "/v1/purchase-orders", key: f.warehouse, idempotency: "po",
                                     json: #"{"po":"PO-1","location":"WH1","lines":[{"sku":"A","quantity":20,"unit_cost":"2.50"}]}"#)
      #expect(po.status == 201)
      #expect(try f.level("A").incoming == 20)
      let receipt = try await client.call(.post, "/v1/receipts", key: f.warehouse, idempotency: "rc",
                                          json: #"{"receipt":"R-1","location":"WH1","po":"PO-1","freight":"10.00","lines":[{"sku":"A","quantity":20}]}"#)
      #expect(receipt.status == 201)
      var a = try f.level("A")
      #expect(a.incoming == 0 && a.onHand == 30)
      // (10 × 2.00 + 20 × 2.50) / 30 = 2.333333 (rounded to the micro-unit), + 10 freight / 30 = 0.333333
      let cost = try f.ledger.positions(sku: "A", location: "WH1", asOf: nil).first?.averageUnitCostMicros
      #expect(cost == 2_666_666, "\(receipt.text)")
      let t = try await client.call(.post, "/v1/transfers", key: f.warehouse, idempotency: "t",
                                    json: #"{"transfer":"T-1","from_location":"WH1","to_location":"WH2","lines":[{"sku":"A","quantity":4}]}"#)
      #expect(t.status == 201)
      #expect(try f.level("A", "WH2").inTransit == 4)
      let tin = try await client.call(.post, "/v1/transfers/T-1/receipts", key: f.warehouse, idempotency: "ti", json: #"{"lines":[{"sku":"A","quantity":4}]}"#)
      #expect(tin.status == 200)
      #expect(try f.level("A", "WH2").available == 4)
      let shrink = try await client.call(.post, "/v1/adjustments", key: f.warehouse, idempotency: "ad", json: #"{"sku":"A","location":"WH1","quantity":1,"reason":"shrink"}"#)
      #expect(shrink.status == 200)
      a = try f.level("A")
      #expect(a.onHand == 25)
      let regions = try await client.call(.get, "/v1/inventory-levels?sku=A&group_by=region", key: f.warehouse)
      let rows = regions.json["inventory_levels"] as? [[String: Any]]
      #expect(rows?.map { $0["location"] as? String } == ["EU", "US"])
    }
  }

  @Test("Cycle count: change_from_quantity is compare-and-swap (stale → 409, nothing changed), required, null skips")
  func cycleCountCompareAndSwap() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let stale = try await client.call(.post, "/v1/cycle-counts", key: f.warehouse, idempotency: "c1", json: #"{"sku":"A","location":"WH1","quantity":8,"change_from_quantity":9}"#)
      #expect(stale.status == 409 && stale.code == "CHANGE_FROM_QUANTITY_STALE")
      #expect(stale.text.contains("holds 10"))
      #expect(try f.level("A").onHand == 10)
      let missing = try await client.call(.post, "/v1/cycle-counts", key: f.warehouse, idempotency: "c2", json: #"{"sku":"A","location":"WH1","quantity":8}"#)
      #expect(missing.status == 422 && missing.code == "MISSING_FIELD")
      let good = try await client.call(.post, "/v1/cycle-counts", key: f.warehouse, idempotency: "c3", json: #"{"sku":"A","location":"WH1","quantity":8,"change_from_quantity":10}"#)
      #expect(good.status == 200)
      #expect(try f.level("A").onHand == 8)
      let unchecked = try await client.call(.post, "/v1/cycle-counts", key: f.warehouse, idempotency: "c4", json: #"{"sku":"A","location":"WH1","quantity":7,"change_from_quantity":null}"#)
      #expect(unchecked.status == 200)
      #expect(try f.level("A").onHand == 7)
    }
  }

  @Test("Bad input: each gets its own 4xx code, problem+json naming the field, and changes nothing")
  func badInput() async throws {
    var fixture = try ServiceFixture()
    fixture.settings.maximumBodyBytes = 4096
    let f = fixture
    defer { f.remove() }
    let before = try f.ledger.eventCounts()
    try await f.application().test(.router) { client in
      let cases: [(body: String, status: Int, code: String, pointer: String?)] = [
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":2.5}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":2.0}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":-1}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":0}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":1e2}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":"2"}]}"#, 422, "INVALID_TYPE", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":99999999999999999999}]}"#, 422, "INVALID_QUANTITY", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","qty":2}]}"#, 422, "MISSING_FIELD", "/lines/0/quantity"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":2,"price":3}]}"#, 422, "UNKNOWN_FIELD", "/lines/0/price"),
        (#"{"order_id":"1","location":"WH1","lines":[]}"#, 422, "INVALID_VALUE", "/lines"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":1},{"line":"1","sku":"C","quantity":1}]}"#, 422, "INVALID_VALUE", "/lines/1/line"),
        (#"{"order_id":"1","location":"WH1","allocation":"some","lines":[{"line":"1","sku":"A","quantity":1}]}"#, 422, "INVALID_VALUE", "/allocation"),
        (#"{"order_id":"1","location":"WH9","lines":[{"line":"1","sku":"A","quantity":1}]}"#, 422, "UNKNOWN_LOCATION", "/lines/0"),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"ZZ","quantity":1}]}"#, 422, "UNKNOWN_SKU", "/lines/0"),
        (#"{"order_id":"1","order_id":"2","location":"WH1","lines":[]}"#, 400, "MALFORMED_JSON", nil),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A","quantity":1}]"#, 400, "MALFORMED_JSON", nil),
        (#"[1,2]"#, 422, "INVALID_TYPE", nil),
        (String(repeating: "[", count: 40) + String(repeating: "]", count: 40), 400, "MALFORMED_JSON", nil),
        (#"{"order_id":"1","location":"WH1","lines":[{"line":"1","sku":"A\u0000","quantity":1}]}"#, 422, "INVALID_VALUE", "/lines/0/sku"),
        (#"{"order_id":"1","location":"WH1","placed_at":"yesterday","lines":[{"line":"1","sku":"A","quantity":1}]}"#, 422, "INVALID_VALUE", "/placed_at"),
        (#"{"order_id":"1","location":"WH1","placed_at":null,"lines":[{"line":"1","sku":"A","quantity":1}]}"#, 422, "INVALID_TYPE", "/placed_at"),
        (#"{"order_id":"1","location":"WH1","allocation":null,"lines":[{"line":"1","sku":"A","quantity":1}]}"#, 422, "INVALID_TYPE", "/allocation"),
        ("{\"order_id\":\"" + String(repeating: "x", count: 5000) + "\"}", 413, "BODY_TOO_LARGE", nil),
      ]
      for (k, c) in cases.enumerated() {
        let r = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "bad-\(k)", json: c.body)
        #expect(r.status == c.status, "case \(k): \(r.text)")
        #expect(r.code == c.code, "case \(k): \(r.text)")
        #expect(r.contentType == "application/problem+json", "case \(k)")
        if let pointer = c.pointer {
          let pointers = (r.json["errors"] as? [[String: Any]])?.compactMap { $0["pointer"] as? String } ?? []
          #expect(pointers.contains(pointer), "case \(k): \(r.text)")
        }
      }
      let noKey = try await client.call(.post, "/v1/orders", key: f.shopify, json: Self.order1)
      #expect(noKey.status == 400 && noKey.code == "IDEMPOTENCY_KEY_MISSING")
      let badKey = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: String(repeating: "k", count: 201), json: Self.order1)
      #expect(badKey.status == 400 && badKey.code == "IDEMPOTENCY_KEY_INVALID")
      let form = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "form", json: Self.order1, contentType: "application/x-www-form-urlencoded")
      #expect(form.status == 415)
      let query = try await client.call(.get, "/v1/inventory-levels?skus=A", key: f.shopify)
      #expect(query.status == 400 && query.code == "INVALID_QUERY")
      let limit = try await client.call(.get, "/v1/changes?limit=0", key: f.shopify)
      #expect(limit.status == 400 && limit.code == "INVALID_QUERY")
      let unknownRoute = try await client.call(.get, "/v1/nothing", key: f.shopify)
      #expect(unknownRoute.status == 404 && unknownRoute.contentType == "application/problem+json")
      let control = try await client.call(.get, "/v1/changes?channel=a%0Fb", key: f.shopify)
      #expect(control.status == 400 && control.code == "INVALID_QUERY", "\(control.text)")
      let twice = try await client.call(.get, "/v1/changes?limit=1&limit=2", key: f.shopify)
      #expect(twice.status == 400 && twice.code == "INVALID_QUERY", "\(twice.text)")
      // A path the service has, with a method it does not: 405 and the methods it has.
      let method = try await client.call(.delete, "/v1/orders", key: f.shopify)
      #expect(method.status == 405 && method.code == "METHOD_NOT_ALLOWED" && method.headers[.allow] == "POST", "\(method.text)")
      let templated = try await client.call(.put, "/v1/orders/o1/cancel", key: f.shopify)
      #expect(templated.status == 405 && templated.headers[.allow] == "POST")
    }
    let after = try f.ledger.eventCounts()
    #expect(after.applied == before.applied && after.movements == before.movements)
    #expect(try f.ledger.verify().checks.allSatisfy { $0.violations == 0 })
  }

  @Test("Who may do what: no key 401, missing scope 403, another channel's order is not found, admin may act for a channel")
  func access() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let none = try await client.call(.get, "/v1/inventory-levels", key: nil)
      #expect(none.status == 401 && none.code == "UNAUTHENTICATED")
      let wrong = try await client.call(.get, "/v1/inventory-levels", key: "rk_00000000_00000000000000000000000000000000")
      #expect(wrong.status == 401)
      let readOnly = try await client.call(.post, "/v1/orders", key: f.readOnly, idempotency: "x", json: Self.order1)
      #expect(readOnly.status == 403 && readOnly.code == "FORBIDDEN")
      let warehouseOrders = try await client.call(.post, "/v1/orders", key: f.warehouse, idempotency: "x", json: Self.order1)
      #expect(warehouseOrders.status == 403)
      _ = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "o", json: Self.order1)
      let peek = try await client.call(.get, "/v1/orders/1001", key: f.amazon)
      #expect(peek.status == 404 && peek.code == "UNKNOWN_ORDER")
      let cancel = try await client.call(.post, "/v1/orders/1001/cancel", key: f.amazon, idempotency: "c", json: "{}")
      #expect(cancel.status == 404)
      let ship = try await client.call(.post, "/v1/orders/1001/shipments", key: f.amazon, idempotency: "s", json: #"{"lines":[{"line":"1","quantity":1}]}"#)
      #expect(ship.status == 404 && ship.code == "UNKNOWN_ORDER")
      #expect(try f.level("A").committed == 3)
      let otherFeed = try await client.call(.get, "/v1/availability?channel=shopify", key: f.amazon)
      #expect(otherFeed.status == 403)
      let admin = try await client.call(.get, "/v1/availability?channel=amazon&sku=A", key: f.admin)
      #expect(admin.status == 200)
      // amazon: 20 % held back (rounded up), at most 5: ATP 7 → 7 − 2 = 5.
      let rows = admin.json["availability"] as? [[String: Any]]
      #expect(rows?.first?["available_to_sell"] as? Int == 5 && rows?.first?["available"] as? Int == 7)
      let channels = try await client.call(.get, "/v1/channels", key: f.shopify)
      #expect(channels.status == 403)
      let put = try await client.call(.put, "/v1/channels/shopify", key: f.admin, json: #"{"buffer":3}"#)
      #expect(put.status == 200)
      let feed = try await client.call(.get, "/v1/availability?sku=A", key: f.shopify)
      #expect((feed.json["availability"] as? [[String: Any]])?.first?["available_to_sell"] as? Int == 4)
    }
  }

  @Test("Change feed: a cursor over every inventory change and the channel's own order changes; kits follow their components")
  func changeFeed() async throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    try await f.application().test(.router) { client in
      _ = try await client.call(.post, "/v1/orders", key: f.shopify, idempotency: "o", json: Self.order1)
      _ = try f.changes(channel: "shopify", atLeast: 4)  // A, C and K's levels and the order (on PostgreSQL, once positioned)
      let mine = try await client.call(.get, "/v1/changes?after=0", key: f.shopify)
      let changes = mine.json["changes"] as? [[String: Any]] ?? []
      let types = changes.map { $0["type"] as? String ?? "" }
      #expect(types.filter { $0 == "orders/updated" }.count == 1)
      // A, C and the kit K (built from C) changed.
      let skus = Set(changes.compactMap { ($0["data"] as? [String: Any])?["sku"] as? String })
      #expect(skus == ["A", "C", "K"])
      let kit = changes.first { ($0["data"] as? [String: Any])?["sku"] as? String == "K" }?["data"] as? [String: Any]
      #expect(kit?["available"] as? Int == 4)  // ⌊(9 − 1) / 2⌋
      let a = changes.first { ($0["data"] as? [String: Any])?["sku"] as? String == "A" }?["data"] as? [String: Any]
      #expect(a?["available_to_sell"] as? Int == 6)  // shopify holds 1 back of ATP 7
      let theirs = try await client.call(.get, "/v1/changes?after=0", key: f.amazon)
      let theirTypes = (theirs.json["changes"] as? [[String: Any]] ?? []).map { $0["type"] as? String ?? "" }
      #expect(!theirTypes.contains("orders/updated") && theirTypes.count == types.count - 1)
      let next = mine.json["next_after"] as? Int ?? 0
      let empty = try await client.call(.get, "/v1/changes?after=\(next)", key: f.shopify)
      #expect((empty.json["changes"] as? [Any])?.isEmpty == true && empty.json["next_after"] as? Int == next)
    }
  }

  @Test("The OpenAPI document and the router list the same operations")
  func contract() throws {
    let f = try ServiceFixture()
    defer { f.remove() }
    let api = StockAPI(ledger: f.ledger, committer: GroupCommitter(ledger: f.ledger), metrics: ServiceMetrics(), settings: f.settings)
    let routed = Set(api.routes().operations.map { "\($0.method) \($0.path)" })
    var documented = Set<String>()
    var path = ""
    for line in OpenAPIDocument.yaml.split(separator: "\n") {
      if line.hasPrefix("  /"), line.hasSuffix(":") { path = String(line.dropFirst(2).dropLast()) }
      for method in ["get", "post", "put", "delete", "patch"] where line == "    \(method):" && !path.isEmpty {
        documented.insert("\(method.uppercased()) \(path)")
      }
      if line.hasPrefix("components:") { break }
    }
    #expect(documented.count > 20)
    #expect(routed == documented, "only routed: \(routed.subtracting(documented).sorted()); only documented: \(documented.subtracting(routed).sorted())")
  }
}
