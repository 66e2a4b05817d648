import CSV
import Foundation
import Testing
import TestSupport

@testable import Ledger

/// What must not change when an event is refused: balances and movements.
struct StockState: Equatable {
  let positions: [Position]
  let movements: Int

  init(_ store: LedgerStore) throws {
    positions = try store.positions()
    movements = try store.eventCounts().movements
  }
}

@Suite("Ledger: idempotency and the bad-input catalogue")
struct LedgerBadInputTests {
  @Test("A replay returns the original outcome; a rejected key stays rejected; a reused key with another payload is its own error", arguments: LedgerBackend.underTest)
  func idempotency(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    let first = try apply(store, .receive, key: "r1", sku: "A", qty: 5)
    let replay = try apply(store, .receive, key: "r1", sku: "A", qty: 5)
    #expect(replay.replayed && replay.eventID == first.eventID && replay.succeeded)
    #expect(try position(store, "A").sellable == 5)
    let before = try StockState(store)
    #expect(throws: LedgerError(.keyReused, "")) {
      do { _ = try apply(store, .receive, key: "r1", sku: "A", qty: 6) } catch let e as LedgerError { throw LedgerError(e.code, "") }
    }
    #expect(try StockState(store) == before)
    let refused = try apply(store, .reserve, key: "o1", sku: "A", qty: 9, order: "O1")
    #expect(refused.error?.code == .insufficientStock)
    try apply(store, .receive, sku: "A", qty: 10)
    let again = try apply(store, .reserve, key: "o1", sku: "A", qty: 9, order: "O1")
    #expect(again.replayed && again.error?.code == .insufficientStock)  // stays rejected: use a new key
    #expect(try position(store, "A").committed == 0)
    try expectVerified(store)
  }

  @Test("Bad events: each gets its specific error and changes no stock", arguments: LedgerBackend.underTest)
  func badEvents(_ backend: LedgerBackend) throws {
    let store = try freshLedger(backend)
    try apply(store, .receive, sku: "A", qty: 5)
    try apply(store, .reserve, sku: "A", qty: 2, order: "O1")
    try apply(store, .poOpen, sku: "C", qty: 3, po: "P1")
    try apply(store, .poCancel, sku: "C", po: "P1")
    let before = try StockState(store)
    let cases: [(String, LedgerError.Code, () throws -> EventOutcome)] = [
      ("qty 0", .invalidQuantity, { try apply(store, .receive, sku: "A", qty: 0) }),
      ("negative qty", .invalidQuantity, { try apply(store, .receive, sku: "A", qty: -3) }),
      ("missing qty", .missingField, { try apply(store, .receive, sku: "A") }),
      ("overflowing qty", .overflow, { try apply(store, .receive, sku: "A", qty: Int.max) }),
      ("unknown SKU", .unknownSKU, { try apply(store, .receive, sku: "Z", qty: 1) }),
      ("SQL-looking SKU", .unknownSKU, { try apply(store, .receive, sku: "A'; DROP TABLE positions; --", qty: 1) }),
      ("confusable SKU (Cyrillic А)", .unknownSKU, { try apply(store, .receive, sku: "\u{0410}", qty: 1) }),
      ("unknown location", .unknownLocation, { try apply(store, .receive, sku: "A", location: "MARS", qty: 1) }),
      ("transfer to the same location", .sameLocation, { try apply(store, .transferOut, sku: "A", qty: 1, transfer: "T", to: "WH1") }),
      ("release more than open", .exceedsOpen, { try apply(store, .release, location: nil, qty: 3, order: "O1") }),
      ("ship more than committed", .exceedsOpen, { try apply(store, .ship, location: nil, qty: 3, order: "O1") }),
      ("release an unknown line", .unknownLine, { try apply(store, .release, location: nil, qty: 1, order: "O1", line: "9") }),
      ("ship an unknown order", .unknownLine, { try apply(store, .ship, location: nil, qty: 1, order: "O9") }),
      ("receive against a closed PO", .poClosed, { try apply(store, .receive, sku: "C", location: nil, qty: 1, po: "P1") }),
      ("receive against an unknown PO", .unknownPO, { try apply(store, .receive, sku: "C", location: nil, qty: 1, po: "P9") }),
      ("return without a shipment", .returnWithoutShipment, { try apply(store, .return, location: nil, qty: 1, order: "O1", reason: "restock") }),
      ("unknown adjustment reason", .unknownReason, { try apply(store, .adjust, sku: "A", qty: 1, reason: "theft?") }),
      ("missing order", .missingField, { try apply(store, .reserve, sku: "A", qty: 1) }),
      ("over-long SKU (256 bytes)", .invalidField, { try apply(store, .receive, sku: String(repeating: "S", count: 256), qty: 1) }),
      ("control characters in an order id", .invalidField, { try apply(store, .reserve, sku: "A", qty: 1, order: "O\n2") }),
      ("time in the future", .timeInFuture, { try apply(store, .receive, sku: "A", qty: 1, at: currentMillis() + 86_400_000) }),
      ("time before the SKU's last event", .timeOutOfOrder, { try apply(store, .receive, sku: "A", qty: 1, at: 0) }),
      ("kit received directly", .kitNotAllowed, { try apply(store, .receive, sku: "K", qty: 1) }),
    ]
    for (label, code, body) in cases {
      let outcome = try body()
      #expect(outcome.error?.code == code, "\(label): got \(outcome.error?.description ?? "applied")")
      #expect(try StockState(store) == before, "\(label) changed stock")
    }
    // Identity problems are refused before anything is recorded.
    for (label, key) in [("missing key", ""), ("key over 255 bytes", String(repeating: "k", count: 256)), ("key with a control character", "a\u{7}b")] {
      #expect(throws: LedgerError.self, "\(label)") { try apply(store, .receive, key: key, sku: "A", qty: 1) }
    }
    #expect(try StockState(store) == before)
    try expectVerified(store)
  }

  @Test("Event files: malformed CSV and JSON Lines are refused whole with line and column; BOM and CRLF are read")
  func eventFiles() throws {
    func error(_ text: String, name: String = "events.csv") -> CSVError? {
      do {
        _ = try EventFile.read(path: temporaryFile(text, name: name), defaultSource: "f")
        return nil
      } catch { return error }
    }
    #expect(error("")?.kind == .emptyFile)
    #expect(error("key,kind,key\n1,receive,2\n")?.kind == .duplicateColumn)
    #expect(error("sku,qty\nA,1\n")?.kind == .missingColumn)
    #expect(error("key,kind,sku,qty,colour\n1,receive,A,1,red\n")?.kind == .missingColumn)  // unknown column
    #expect(error("key;kind;sku;qty\n1;receive;A;1\n")?.kind == .wrongDelimiter)
    #expect(error("key,kind,sku,qty\n1,receive,A,1\n2,receive,A")?.kind == .truncatedRow)
    #expect(error("key,kind,sku,qty\n1,receive,\"A\nB\",1\n")?.kind == .invalidText)
    #expect(error("key,kind,sku,qty\n1,receive,A,1,\n")?.kind == .fieldCount)
    let badUTF8 = temporaryFile([UInt8]("key,kind,sku,qty\n1,receive,A".utf8) + [0xFF] + [UInt8](",1\n".utf8), name: "e.csv")
    #expect(throws: CSVError.self) { try EventFile.read(path: badUTF8, defaultSource: "f") }
    for (qty, label) in [("1,000", "quoted thousands"), ("10 ", "trailing space"), ("NaN", "NaN"), ("inf", "inf"), ("1e309", "1e309"), ("1.5", "fraction"), ("٣", "Arabic digit"), ("99999999999999999999", "overflow")] {
      let e = error("key,kind,sku,qty\n1,receive,A,\"\(qty)\"\n")
      #expect(e?.kind == .invalidNumber && e?.line == 2 && e?.column == 4 && e?.columnName == "qty", "\(label)")
    }
    #expect(error("key,kind,sku,qty\n1,teleport,A,1\n")?.columnName == "kind")
    #expect(error("key,kind,sku,qty,at\n1,receive,A,1,2026-02-30\n")?.columnName == "at")
    #expect(error("key,kind,sku,qty,unit_cost\n1,receive,A,1,\"1,50\"\n")?.columnName == "unit_cost")
    let ok = try EventFile.read(path: temporaryFile("\u{FEFF}key,kind,sku,location,qty,unit_cost\r\n1,receive,A,WH1,3,2.5\r\n", name: "bom.csv"), defaultSource: "f")
    #expect(ok.count == 1 && ok[0].event.qty == 3 && ok[0].event.unitCostMicros == 2_500_000 && ok[0].event.source == "f")
    #expect(error("{\"key\":\"1\",\"kind\":\"receive\",\"qty\":1.5}\n", name: "e.jsonl")?.columnName == "qty")
    #expect(error("{\"key\":\"1\",\"kind\":\"receive\",\"colour\":1}\n", name: "e.jsonl")?.kind == .missingColumn)
    #expect(error("not json\n", name: "e.jsonl")?.line == 1)
    let jsonl = try EventFile.read(path: temporaryFile("{\"key\":\"1\",\"kind\":\"receive\",\"sku\":\"A\",\"qty\":3}\n\n", name: "ok.jsonl"), defaultSource: "f")
    #expect(jsonl.count == 1 && jsonl[0].event.qty == 3)
  }

  @Test("Import: per row records refusals and applies the rest; --atomic rolls the whole file back", arguments: LedgerBackend.underTest)
  func importModes(_ backend: LedgerBackend) throws {
    let text = "key,kind,sku,location,qty,order,line\nr,receive,A,WH1,3,,\no1,reserve,A,WH1,2,O1,1\no2,reserve,A,WH1,2,O2,1\n"
    let entries = try EventFile.read(path: temporaryFile(text, name: "e.csv"), defaultSource: "file")
    let atomic = try freshLedger(backend)
    let (outcomes, committed) = try atomic.apply(batch: entries.map(\.event), atomic: true)
    #expect(!committed && outcomes[2].error?.code == .insufficientStock)
    #expect(try StockState(atomic).movements == 0 && atomic.eventCounts().applied == 0)
    let perRow = try freshLedger(backend)
    let (rowOutcomes, rowCommitted) = try perRow.apply(batch: entries.map(\.event), atomic: false)
    #expect(rowCommitted && rowOutcomes.map(\.succeeded) == [true, true, false])
    #expect(try position(perRow, "A").committed == 2)
    // Replaying the file changes nothing.
    let before = try StockState(perRow)
    let (replays, _) = try perRow.apply(batch: entries.map(\.event), atomic: false)
    let after = try StockState(perRow)
    #expect(replays.allSatisfy(\.replayed) && after == before)
    try expectVerified(perRow)
  }

  @Test("Money and time text: exact micro-units, calendar-checked dates")
  func texts() {
    #expect(LedgerText.micros("12.34") == 12_340_000)
    #expect(LedgerText.micros("0.000001") == 1)
    #expect(LedgerText.micros("1.0000001") == nil)
    #expect(LedgerText.micros("1,5") == nil && LedgerText.micros("1e3") == nil && LedgerText.micros(".") == nil)
    #expect(LedgerText.money(3_333_333) == "3.333333" && LedgerText.money(12_300_000) == "12.30")
    #expect(LedgerText.time("1970-01-02") == 86_400_000)
    #expect(LedgerText.time("2024-02-29") != nil && LedgerText.time("2023-02-29") == nil)
    #expect(LedgerText.time("2026-11-28T10:00:00Z") == LedgerText.time("2026-11-28T11:00:00+01:00"))
    // Cross-checked with Foundation's ISO 8601 formatter.
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    for text in ["2026-11-28T10:15:00.250+01:00", "1999-12-31T23:59:59.999-05:30", "2024-02-29T00:00:00.000Z"] {
      #expect(LedgerText.time(text) == Int64((formatter.date(from: text)!.timeIntervalSince1970 * 1000).rounded()), "\(text)")
    }
    #expect(LedgerText.time("2026-11-28T10:15:00.5Z") == LedgerText.time("2026-11-28T10:15:00Z")! + 500)
    for bad in ["2026-11-28T10:15:00", "2026-11-28T25:00:00Z", "2026-11-28T10:15:00Zjunk", "2026-11-28T10:15Z", "2026-02-30T10:00:00Z"] {
      #expect(LedgerText.time(bad) == nil, "\(bad)")
    }
    for ms: Int64 in [0, 1_764_325_500_250, -1, 951_782_400_000] {
      #expect(LedgerText.iso(ms) == formatter.string(from: Date(timeIntervalSince1970: Double(ms) / 1000)))
      #expect(LedgerText.time(LedgerText.iso(ms)) == ms)
    }
  }
}
