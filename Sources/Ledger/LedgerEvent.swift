import Foundation
import TimeSeries

/// What happened to stock. Each kind is applied as one all-or-nothing transaction.
public enum EventKind: String, Codable, Sendable, CaseIterable {
  /// A purchase-order line is placed: inbound +qty.
  case poOpen = "po_open"
  /// A purchase-order line's ordered quantity changes (not below what was received): inbound ±.
  case poChange = "po_change"
  /// The open remainder of a purchase-order line is cancelled: inbound −remainder.
  case poCancel = "po_cancel"
  /// Goods arrive (against a PO line or not): sellable +qty, inbound −min(qty, open), landed cost averaged in.
  case receive
  /// An order line reserves stock: committed +qty (ATP falls, on-hand stays); backordered beyond ATP if allowed.
  case reserve
  /// Part or all of an open order line is released (cancel, short pick): backordered first, then committed.
  case release
  /// Part or all of a committed order line ships: sellable −qty, committed −qty.
  case ship
  /// A drop-shipped order line: recorded for the audit trail, never touches stock or ATP.
  case dropship
  /// Stock leaves a location for another: sellable −qty at the origin, in transit +qty at the destination.
  case transferOut = "transfer_out"
  /// A transfer arrives: in transit −qty, sellable +qty at the destination.
  case transferIn = "transfer_in"
  /// A customer return of a shipped line: `restock` → quarantine (awaiting inspection), `scrap` → gone.
  case `return`
  /// Inspection of quarantined stock: `pass` → sellable, `fail` → damaged.
  case inspect
  /// A cycle count sets sellable on-hand to the counted quantity, posting the difference.
  case count
  /// An adjustment: `shrink` (sellable −), `damage` (sellable → damaged), `found` (sellable +), `dispose` (damaged −).
  case adjust
  /// Freight, duty and fees billed for a whole receipt after its lines arrived: allocated to the lines
  /// by value and added to the moving average cost (a landed-cost voucher). Moves no units.
  case landedCost = "landed_cost"
}

/// One inventory event as submitted. Quantities are whole base units; money is in micro-units of the
/// currency (1 = 0.000001) so that landed-cost allocation and moving averages stay exact integers.
public struct LedgerEvent: Codable, Sendable, Equatable {
  /// Who sent the event (`cli`, `shopify`, a file name …); with `key`, its idempotency identity.
  public var source: String
  public var key: String
  public var kind: EventKind
  /// When it happened, milliseconds since 1970 UTC; `nil` means "now" (the ledger records the time).
  public var at: Int64?
  public var sku: String?
  public var location: String?
  /// Positive for every kind except `count`, where it is the counted quantity (≥ 0).
  public var qty: Int?
  public var order: String?
  public var line: String?
  public var po: String?
  public var transfer: String?
  /// A receipt (delivery) several receive lines belong to; `landed_cost` allocates over its lines.
  public var receipt: String?
  public var toLocation: String?
  /// The reason as submitted (stable wire text, part of the idempotency payload); what it means depends on
  /// the kind — read it typed through `returnReason`, `inspectionResult` or `adjustmentReason`. An unknown
  /// value is not a parse error but a recorded refusal (`unknown_reason`) naming the accepted values.
  public var reason: String?

  /// A `return`'s disposition.
  public var returnReason: ReturnReason? { kind == .return ? reason.flatMap(ReturnReason.init) : nil }
  /// An `inspect`'s outcome.
  public var inspectionResult: InspectionResult? { kind == .inspect ? reason.flatMap(InspectionResult.init) : nil }
  /// An `adjust`'s reason.
  public var adjustmentReason: AdjustmentReason? { kind == .adjust ? reason.flatMap(AdjustmentReason.init) : nil }
  public var unitCostMicros: Int?
  public var freightMicros: Int?
  public var dutyMicros: Int?
  public var feesMicros: Int?
  /// Over-receipt tolerance in percent of the ordered quantity (PO open/change; default 0).
  public var tolerancePercent: Int?

  public init(source: String, key: String, kind: EventKind, at: Int64? = nil, sku: String? = nil, location: String? = nil,
              qty: Int? = nil, order: String? = nil, line: String? = nil, po: String? = nil, transfer: String? = nil,
              receipt: String? = nil, toLocation: String? = nil, reason: String? = nil, unitCostMicros: Int? = nil, freightMicros: Int? = nil,
              dutyMicros: Int? = nil, feesMicros: Int? = nil, tolerancePercent: Int? = nil) {
    self.source = source
    self.key = key
    self.kind = kind
    self.at = at
    self.sku = sku
    self.location = location
    self.qty = qty
    self.order = order
    self.line = line
    self.po = po
    self.transfer = transfer
    self.receipt = receipt
    self.toLocation = toLocation
    self.reason = reason
    self.unitCostMicros = unitCostMicros
    self.freightMicros = freightMicros
    self.dutyMicros = dutyMicros
    self.feesMicros = feesMicros
    self.tolerancePercent = tolerancePercent
  }

  enum CodingKeys: String, CodingKey {
    case source, key, kind, at, sku, location, qty, order, line, po, transfer, receipt
    case toLocation = "to_location", reason
    case unitCostMicros = "unit_cost_micros", freightMicros = "freight_micros", dutyMicros = "duty_micros", feesMicros = "fees_micros"
    case tolerancePercent = "tolerance_percent"
  }

  static func jsonString(_ s: String) -> String {
    var out = "\""
    for scalar in s.unicodeScalars {
      switch scalar {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
      default: out.unicodeScalars.append(scalar)
      }
    }
    return out + "\""
  }

  /// The event without its identity, as canonical JSON (sorted keys): what a replay must match.
  public var canonicalPayload: String {
    // Keys in sorted order, as JSON; written by hand because JSONEncoder dominated import time.
    var fields: [(String, String)] = []
    func text(_ name: String, _ value: String?) {
      if let value { fields.append((name, LedgerEvent.jsonString(value))) }
    }
    func number(_ name: String, _ value: (any BinaryInteger)?) {
      if let value { fields.append((name, "\(value)")) }
    }
    number("at", at)
    number("duty_micros", dutyMicros)
    number("fees_micros", feesMicros)
    number("freight_micros", freightMicros)
    text("kind", kind.rawValue)
    text("line", line)
    text("location", location)
    text("order", order)
    text("po", po)
    number("qty", qty)
    text("reason", reason)
    text("receipt", receipt)
    text("sku", sku)
    text("to_location", toLocation)
    number("tolerance_percent", tolerancePercent)
    text("transfer", transfer)
    number("unit_cost_micros", unitCostMicros)
    return "{" + fields.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}"
  }
}

/// Why the ledger refused an event (or a request). `code` is stable for scripts and connectors.
public struct LedgerError: Error, Sendable, Equatable, Codable, CustomStringConvertible {
  public enum Code: String, Sendable, Codable {
    case invalidKey = "invalid_key", missingField = "missing_field", invalidQuantity = "invalid_quantity"
    case invalidMoney = "invalid_money", invalidTime = "invalid_time", timeOutOfOrder = "time_out_of_order"
    case timeInFuture = "time_in_future", unknownSKU = "unknown_sku", unknownLocation = "unknown_location"
    case sameLocation = "same_location", insufficientStock = "insufficient_stock", lineExists = "line_exists"
    case unknownLine = "unknown_line", exceedsOpen = "exceeds_open", backordered = "backordered"
    case unknownPO = "unknown_po", poExists = "po_exists", poClosed = "po_closed", overReceipt = "over_receipt"
    case returnWithoutShipment = "return_without_shipment", unknownReason = "unknown_reason"
    case unknownReceipt = "unknown_receipt", unknownTransfer = "unknown_transfer", transferExists = "transfer_exists", kitNotAllowed = "kit_not_allowed"
    case invalidKit = "invalid_kit", keyReused = "key_reused_with_different_payload", overflow
    case busy, invalidMasterData = "invalid_master_data", notALedger = "not_a_ledger", cannotWrite = "cannot_write"
    case invalidField = "invalid_field"
    /// A cycle count's `change_from_quantity` is not the quantity on the shelf now (compare-and-swap failed).
    case changeFromQuantityStale = "change_from_quantity_stale"
    case orderExists = "order_exists", unknownOrder = "unknown_order", unknownChannel = "unknown_channel"
    case unknownSubscription = "unknown_subscription"
    /// The database server cannot be reached, refused the login, or has no such database.
    case cannotConnect = "cannot_connect"
    /// A `--db` value that is neither a usable SQLite path nor a valid PostgreSQL URL.
    case invalidConfiguration = "invalid_configuration"
  }

  public let code: Code
  public let message: String

  public init(_ code: Code, _ message: String) {
    self.code = code
    self.message = message
  }

  public var description: String { "\(code.rawValue): \(message)" }
}

/// What happened to an event: applied (with the balances it touched) or rejected (with why), and whether
/// this answer is a replay of an earlier submission with the same source and key.
public struct EventOutcome: Sendable, Codable, Equatable {
  public enum Status: String, Sendable, Codable { case applied, rejected }
  public let eventID: Int64
  public let status: Status
  public let error: LedgerError?
  public let replayed: Bool

  public var succeeded: Bool { status == .applied }
}

/// Parsing of the text forms of quantities, money and times, shared by the CLI and the importers.
public enum LedgerText {
  /// The largest freight, duty or fee one event may carry, in micro-units (sums stay inside Int64).
  public static let maximumAmountMicros = Int.max / 8

  /// A value as messages show it: quoted, control characters escaped, at most 60 characters (then "…
  /// (N bytes)"), so that a 50 MB field is not echoed back.
  public static func excerpt(_ value: String) -> String {
    guard value.count > 60 else { return value.debugDescription }
    return String(value.prefix(60)).debugDescription + "… (\(value.utf8.count) bytes)"
  }

  /// A decimal amount such as `12.34` or `0.000001` → micro-units. At most 6 decimals, no signs other
  /// than a leading '-', no separators, no exponent.
  public static func micros(_ text: String) -> Int? {
    var bytes = Array(text.utf8)
    var negative = false
    if bytes.first == UInt8(ascii: "-") {
      negative = true
      bytes.removeFirst()
    }
    guard !bytes.isEmpty else { return nil }
    var whole = 0
    var fraction = 0
    var fractionDigits = 0
    var seenPoint = false
    var digits = 0
    for b in bytes {
      if b == UInt8(ascii: ".") {
        if seenPoint { return nil }
        seenPoint = true
        continue
      }
      guard b >= 0x30 && b <= 0x39 else { return nil }
      digits += 1
      if seenPoint {
        fractionDigits += 1
        if fractionDigits > 6 { return nil }
        fraction = fraction * 10 + Int(b - 0x30)
      } else {
        let (m, o1) = whole.multipliedReportingOverflow(by: 10)
        let (a, o2) = m.addingReportingOverflow(Int(b - 0x30))
        if o1 || o2 { return nil }
        whole = a
      }
    }
    guard digits > 0 else { return nil }
    while fractionDigits < 6 {
      fraction *= 10
      fractionDigits += 1
    }
    let (m, o1) = whole.multipliedReportingOverflow(by: 1_000_000)
    let (value, o2) = m.addingReportingOverflow(fraction)
    if o1 || o2 { return nil }
    return negative ? -value : value
  }

  /// Micro-units as a decimal with 2–6 decimals (`12.34`, `3.333333`).
  public static func money(_ micros: Int) -> String {
    let sign = micros < 0 ? "-" : ""
    let m = micros.magnitude
    var fraction = String(m % 1_000_000)
    fraction = String(repeating: "0", count: 6 - fraction.count) + fraction
    while fraction.count > 2 && fraction.hasSuffix("0") { fraction.removeLast() }
    return "\(sign)\(m / 1_000_000).\(fraction)"
  }

  /// ISO 8601 (RFC 3339) → milliseconds since 1970 UTC: `2026-11-28` (midnight UTC),
  /// `2026-11-28T10:15:00Z`, `2026-11-28T10:15:00.250+01:00`; a time needs its zone (`Z` or ±hh:mm).
  /// Parsed by hand: it runs once per imported event, and Foundation's formatter cost 5× the whole import.
  public static func time(_ text: String) -> Int64? {
    if let date = CivilDate(iso: text) { return Int64(date.dayNumber) * 86_400_000 }
    let u = Array(text.utf8)
    guard u.count >= 20, let date = CivilDate(iso: String(decoding: u[0..<10], as: UTF8.self)),
      u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: "t") || u[10] == UInt8(ascii: " ")
    else { return nil }
    func digits(_ range: Range<Int>) -> Int? {
      guard range.upperBound <= u.count else { return nil }
      var v = 0
      for i in range {
        guard u[i] >= 0x30 && u[i] <= 0x39 else { return nil }
        v = v * 10 + Int(u[i] - 0x30)
      }
      return v
    }
    guard let hour = digits(11..<13), u[13] == UInt8(ascii: ":"), let minute = digits(14..<16), u[16] == UInt8(ascii: ":"),
      let second = digits(17..<19), hour < 24, minute < 60, second < 60
    else { return nil }
    var i = 19
    var millis = 0
    if i < u.count && u[i] == UInt8(ascii: ".") {
      i += 1
      let start = i
      while i < u.count && u[i] >= 0x30 && u[i] <= 0x39 { i += 1 }
      guard i > start, i - start <= 9, let fraction = digits(start..<min(i, start + 3)) else { return nil }
      millis = fraction * [100, 10, 1][min(i, start + 3) - start - 1]
    }
    var offsetMinutes = 0
    guard i < u.count else { return nil }
    if u[i] == UInt8(ascii: "Z") || u[i] == UInt8(ascii: "z") {
      i += 1
    } else if u[i] == UInt8(ascii: "+") || u[i] == UInt8(ascii: "-") {
      guard let h = digits((i + 1)..<(i + 3)), i + 3 < u.count, u[i + 3] == UInt8(ascii: ":"), let m = digits((i + 4)..<(i + 6)), h < 24, m < 60 else { return nil }
      offsetMinutes = (h * 60 + m) * (u[i] == UInt8(ascii: "-") ? -1 : 1)
      i += 6
    } else {
      return nil
    }
    guard i == u.count else { return nil }
    let seconds = Int64(date.dayNumber) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
    return seconds * 1000 + Int64(millis)
  }

  /// Milliseconds since 1970 as `2026-11-28T10:15:00.000Z`.
  public static func iso(_ ms: Int64) -> String {
    let day = ms >= 0 ? ms / 86_400_000 : (ms - 86_399_999) / 86_400_000
    let rest = Int(ms - day * 86_400_000)
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let millis = rest % 1000
    return CivilDate(dayNumber: Int(day)).description + "T" + two(rest / 3_600_000) + ":" + two(rest / 60_000 % 60) + ":" + two(rest / 1000 % 60)
      + "." + (millis < 10 ? "00" : millis < 100 ? "0" : "") + "\(millis)Z"
  }
}
