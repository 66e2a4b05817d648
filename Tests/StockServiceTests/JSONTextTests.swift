import Foundation
@testable import Ledger
import Testing

@testable import StockService

/// The hand-written JSON of the write path against `JSONEncoder` with the options the rest of the service
/// uses: the same bytes, for ordinary and awkward strings.
@Suite("Hand-written JSON = JSONEncoder")
struct JSONTextTests {
  static func encoder(_ value: some Encodable) throws -> String {
    let e = JSONEncoder()
    e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    return String(decoding: try e.encode(value), as: UTF8.self)
  }

  static let names = ["A", "SKU-10080", "a/b", #"quo"te"#, #"back\slash"#, "tab\there", "new\nline", "bell\u{07}", "esc\u{1B}x", "\u{08}\u{0C}\r",
                      "déjà vu", "日本", "emoji 📦", "\u{7F}del", "\u{2028}sep", ""]

  @Test("Levels, orders and write responses: the same bytes", arguments: names)
  func same(name: String) throws {
    var p = Position(sku: name, location: "WH/" + name, region: name + "R")
    (p.sellable, p.committed, p.backordered, p.inbound, p.inTransit, p.quarantine, p.damaged, p.isKit) = (1_000_000_000_000, 7, 3, 12, 4, 2, 1, name.count % 2 == 0)
    let level = InventoryLevel(p, skuAvailable: -5)
    #expect(level.jsonText == (try Self.encoder(level)))
    let order = OrderState(order: name, channel: "shop" + name, status: .fulfilled, lines: [
      OrderLineState(line: "1" + name, sku: name, location: "L", ordered: 3, committed: 1, backordered: 0, shipped: 2, released: 0, returned: 1),
      OrderLineState(line: "2", sku: "B", location: name, ordered: 1, committed: 0, backordered: 1, shipped: 0, released: 0, returned: 0),
    ])
    #expect(order.jsonText == (try Self.encoder(order)))
    let response = WriteResponse(results: [.init(pointer: "/lines/0", status: "applied", eventID: 42, code: nil, detail: nil),
                                           .init(pointer: "/lines/1", status: "refused", eventID: 0, code: "INSUFFICIENT_STOCK", detail: name)],
                                 order: order, inventoryLevels: [level, level])
    #expect(response.jsonText == (try Self.encoder(response)))
    let bare = WriteResponse(results: [], order: nil, inventoryLevels: [])
    #expect(bare.jsonText == (try Self.encoder(bare)))
  }
}
