import Ledger

/// What one write endpoint asks of the ledger, read from its JSON body: the events (each with the JSON
/// Pointer of the body part it came from, for error messages), whether they apply all-or-nothing, the
/// preconditions, the order it concerns and the status of success.
struct WritePlan: Sendable {
  var events: [(pointer: String, event: LedgerEvent)] = []
  var atomicity: WriteRequest.Atomicity = .allOrNothing
  var preconditions: [WriteRequest.Precondition] = []
  var order: String?
  var successStatus = 200
}

/// How an order's lines are reserved.
enum OrderAllocation: String, CaseIterable, Sendable {
  /// Every line reserved (or backordered where the SKU allows it) or none: the order is refused whole.
  case allOrNothing = "all_or_nothing"
  /// Each line on its own: lines that cannot be reserved are refused, the others kept.
  case perLine = "per_line"
}

/// The body readers of the write endpoints. Each reads every field it accepts and refuses any other;
/// quantities are whole numbers ≥ 1 (a count's quantity ≥ 0), money decimal strings, times RFC 3339.
enum WritePlans {
  static let maximumQuantity = maximumEventQuantity

  /// The event a body line becomes; `source`/`key` are set when the request is submitted.
  static func event(_ kind: EventKind) -> LedgerEvent { LedgerEvent(source: "", key: "", kind: kind) }

  // MARK: Orders

  /// `POST /v1/orders`: `{order_id, location, allocation?, placed_at?, lines: [{line, sku, quantity}]}`.
  static func createOrder(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let order = try f.string("order_id")!
    let location = try f.string("location")!
    let allocation = try f.choice("allocation", OrderAllocation.self, required: false) ?? .allOrNothing
    let at = try f.time("placed_at")
    var seen = Set<String>()
    var plan = WritePlan(atomicity: allocation == .allOrNothing ? .allOrNothing : .perEvent, preconditions: [.newOrder(order)], order: order, successStatus: 201)
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      let line = try l.string("line")!
      guard seen.insert(line).inserted else {
        throw BodyError(kind: .invalidValue, pointer: l.pointer + "/line", value: line.debugDescription, message: "\(l.pointer)/line \(line.debugDescription) appears twice in the order; each line needs its own id")
      }
      var e = event(.reserve)
      (e.order, e.line, e.location, e.at) = (order, line, location, at)
      e.sku = try l.string("sku")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  /// `POST /v1/orders/{id}/cancel`: `{lines?: [{line, quantity?}]}` — without lines every open unit of every
  /// line is released; a line without quantity releases all its open units. `open` is the order as read.
  static func cancelOrder(_ body: JSONValue, order: OrderState) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    var plan = WritePlan(preconditions: [.ownOrder(order.order)], order: order.order)
    let open = Dictionary(uniqueKeysWithValues: order.lines.map { ($0.line, $0.committed + $0.backordered) })
    if let lines = try f.objects("lines", required: false, { (l: inout JSONFields) throws(BodyError) in
      let line = try l.string("line")!
      guard let available = open[line] else {
        throw BodyError(kind: .invalidValue, pointer: l.pointer + "/line", value: line.debugDescription, message: "\(l.pointer)/line \(line.debugDescription) is not a line of order \(order.order)")
      }
      let q = try l.integer("quantity", required: false, in: 1...maximumQuantity) ?? available
      return (l.pointer, line, q)
    }) {
      for (pointer, line, q) in lines where q > 0 {
        var e = event(.release)
        (e.order, e.line, e.qty) = (order.order, line, q)
        plan.events.append((pointer, e))
      }
    } else {
      for (k, line) in order.lines.enumerated() where line.committed + line.backordered > 0 {
        var e = event(.release)
        (e.order, e.line, e.qty) = (order.order, line.line, line.committed + line.backordered)
        plan.events.append(("/lines/\(k)", e))
      }
    }
    try f.finish()
    return plan
  }

  /// `POST /v1/orders/{id}/shipments`: `{shipped_at?, lines: [{line, quantity}]}` (a partial or split
  /// shipment ships what it lists; the rest stays committed).
  static func shipOrder(_ body: JSONValue, order: String) throws(BodyError) -> WritePlan {
    try orderLines(body, order: order, kind: .ship, timeField: "shipped_at", reason: false)
  }

  /// `POST /v1/orders/{id}/returns`: `{returned_at?, lines: [{line, quantity, reason: restock|scrap}]}`.
  static func returnOrder(_ body: JSONValue, order: String) throws(BodyError) -> WritePlan {
    try orderLines(body, order: order, kind: .return, timeField: "returned_at", reason: true)
  }

  private static func orderLines(_ body: JSONValue, order: String, kind: EventKind, timeField: String, reason: Bool) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let at = try f.time(timeField)
    var plan = WritePlan(preconditions: [.ownOrder(order)], order: order)
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(kind)
      (e.order, e.at) = (order, at)
      e.line = try l.string("line")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      if reason { e.reason = try l.choice("reason", ReturnReason.self)!.rawValue }
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  // MARK: Purchasing and receiving

  /// `POST /v1/purchase-orders`: `{po, location, opened_at?, lines: [{sku, quantity, unit_cost?, over_receipt_tolerance_percent?}]}`.
  static func openPurchaseOrder(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let po = try f.string("po")!
    let location = try f.string("location")!
    let at = try f.time("opened_at")
    var plan = WritePlan(successStatus: 201)
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(.poOpen)
      (e.po, e.location, e.at) = (po, location, at)
      e.sku = try l.string("sku")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      e.unitCostMicros = try l.money("unit_cost")
      e.tolerancePercent = try l.integer("over_receipt_tolerance_percent", required: false, in: 0...100, what: "a percentage")
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  /// `POST /v1/purchase-orders/{po}/cancel`: `{lines: [{sku}]}` — cancels the open remainder of each line.
  static func cancelPurchaseOrder(_ body: JSONValue, po: String) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    var plan = WritePlan()
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(.poCancel)
      e.po = po
      e.sku = try l.string("sku")
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  /// `POST /v1/receipts`: `{receipt, location, po?, received_at?, freight?, duty?, fees?, lines: [{sku,
  /// quantity, unit_cost?}]}`. Freight, duty and fees are allocated to the lines by value (landed cost).
  static func receive(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let receipt = try f.string("receipt")!
    let location = try f.string("location")!
    let po = try f.string("po", required: false)
    let at = try f.time("received_at")
    let (freight, duty, fees) = (try f.money("freight"), try f.money("duty"), try f.money("fees"))
    var plan = WritePlan(successStatus: 201)
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(.receive)
      (e.receipt, e.location, e.po, e.at) = (receipt, location, po, at)
      e.sku = try l.string("sku")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      e.unitCostMicros = try l.money("unit_cost")
      return (l.pointer, e)
    }!
    if (freight ?? 0) + (duty ?? 0) + (fees ?? 0) > 0 {
      var e = event(.landedCost)
      (e.receipt, e.freightMicros, e.dutyMicros, e.feesMicros, e.at) = (receipt, freight, duty, fees, at)
      plan.events.append(("", e))
    }
    try f.finish()
    return plan
  }

  /// `POST /v1/transfers`: `{transfer, from_location, to_location, shipped_at?, lines: [{sku, quantity}]}`.
  static func shipTransfer(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let transfer = try f.string("transfer")!
    let from = try f.string("from_location")!
    let to = try f.string("to_location")!
    let at = try f.time("shipped_at")
    var plan = WritePlan(successStatus: 201)
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(.transferOut)
      (e.transfer, e.location, e.toLocation, e.at) = (transfer, from, to, at)
      e.sku = try l.string("sku")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  /// `POST /v1/transfers/{id}/receipts`: `{received_at?, lines: [{sku, quantity}]}`.
  static func receiveTransfer(_ body: JSONValue, transfer: String) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    let at = try f.time("received_at")
    var plan = WritePlan()
    plan.events = try f.objects("lines") { (l: inout JSONFields) throws(BodyError) in
      var e = event(.transferIn)
      (e.transfer, e.at) = (transfer, at)
      e.sku = try l.string("sku")
      e.qty = try l.integer("quantity", in: 1...maximumQuantity)
      return (l.pointer, e)
    }!
    try f.finish()
    return plan
  }

  // MARK: Counts, adjustments, inspections

  /// `POST /v1/cycle-counts`: `{sku, location, quantity, change_from_quantity, counted_at?}`. `quantity` is
  /// the sellable shelf as counted (available + committed); `change_from_quantity` is required and is
  /// the shelf quantity the counter last read (compare-and-swap; a stale value is refused with 409
  /// CHANGE_FROM_QUANTITY_STALE), or null to skip the check deliberately (as Shopify's API has it).
  static func count(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    var e = event(.count)
    e.sku = try f.string("sku")
    e.location = try f.string("location")
    e.qty = try f.integer("quantity", in: 0...maximumQuantity)
    e.at = try f.time("counted_at")
    guard f.has("change_from_quantity") else {
      throw BodyError(kind: .missingField, pointer: "/change_from_quantity", value: nil,
                      message: "/change_from_quantity is required: the shelf quantity you read before counting (a whole number ≥ 0), or null to skip the check")
    }
    let from = try f.integer("change_from_quantity", required: false, nullable: true, in: 0...maximumQuantity)
    try f.finish()
    var plan = WritePlan(events: [("", e)])
    if let from { plan.preconditions = [.shelfEquals(sku: e.sku!, location: e.location!, quantity: from)] }
    return plan
  }

  /// `POST /v1/adjustments`: `{sku, location, quantity, reason: shrink|damage|found|dispose, at?}`.
  static func adjust(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    var e = event(.adjust)
    e.sku = try f.string("sku")
    e.location = try f.string("location")
    e.qty = try f.integer("quantity", in: 1...maximumQuantity)
    e.reason = try f.choice("reason", AdjustmentReason.self)!.rawValue
    e.at = try f.time("at")
    try f.finish()
    return WritePlan(events: [("", e)])
  }

  /// `POST /v1/inspections`: `{sku, location, quantity, result: pass|fail, at?}` (quarantined returns).
  static func inspect(_ body: JSONValue) throws(BodyError) -> WritePlan {
    var f = try JSONFields(body, pointer: "")
    var e = event(.inspect)
    e.sku = try f.string("sku")
    e.location = try f.string("location")
    e.qty = try f.integer("quantity", in: 1...maximumQuantity)
    e.reason = try f.choice("result", InspectionResult.self)!.rawValue
    e.at = try f.time("at")
    try f.finish()
    return WritePlan(events: [("", e)])
  }
}
