import Foundation
import Ledger

/// An error response (RFC 9457 `application/problem+json`): `code` is stable for connectors, `detail`
/// names the field, the value and what is accepted; `errors` lists per-field or per-line problems, each
/// with a JSON Pointer into the request body.
struct Problem: Error, Sendable, Encodable {
  struct Item: Sendable, Encodable {
    var pointer: String
    var code: String
    var detail: String
    var value: String?
  }

  var status: Int
  var code: String
  var title: String
  var detail: String
  var errors: [Item] = []
  /// Seconds, for 429 and 503.
  var retryAfter: Int? = nil

  enum CodingKeys: String, CodingKey { case type, title, status, code, detail, errors }

  func encode(to encoder: any Encoder) throws {
    var c = encoder.container(keyedBy: CodingKeys.self)
    try c.encode("urn:replenish:problem:\(code.lowercased())", forKey: .type)
    try c.encode(title, forKey: .title)
    try c.encode(status, forKey: .status)
    try c.encode(code, forKey: .code)
    try c.encode(detail, forKey: .detail)
    if !errors.isEmpty { try c.encode(errors, forKey: .errors) }
  }

  init(status: Int, code: String, title: String, detail: String, errors: [Item] = []) {
    self.status = status
    self.code = code
    self.title = title
    self.detail = detail
    self.errors = errors
  }

  init(_ error: BodyError) {
    let status = error.kind == .malformed ? 400 : 422
    self.init(status: status, code: error.kind.rawValue, title: error.kind == .malformed ? "Malformed request body" : "Invalid request body",
              detail: error.message, errors: [Item(pointer: error.pointer, code: error.kind.rawValue, detail: error.message, value: error.value)])
  }

  /// A ledger refusal, with its HTTP status: a conflict with the stock's state → 409, something wrong
  /// in what was sent → 422, the ledger unable to write → 503.
  init(_ error: LedgerError, pointer: String? = nil) {
    let status = Self.status(error.code)
    self.init(status: status, code: error.code.rawValue.uppercased(), title: Self.title(error.code), detail: error.message,
              errors: pointer.map { [Item(pointer: $0, code: error.code.rawValue.uppercased(), detail: error.message)] } ?? [])
    if status == 503 { retryAfter = 1 }
  }

  static func status(_ code: LedgerError.Code) -> Int {
    switch code {
    case .insufficientStock, .lineExists, .exceedsOpen, .backordered, .poExists, .poClosed, .overReceipt, .returnWithoutShipment,
      .transferExists, .changeFromQuantityStale, .orderExists:
      409
    case .unknownOrder, .unknownSubscription: 404
    case .busy, .cannotWrite, .notALedger, .cannotConnect: 503
    default: 422
    }
  }

  static func title(_ code: LedgerError.Code) -> String {
    switch code {
    case .insufficientStock: "Not enough available stock"
    case .changeFromQuantityStale: "The quantity changed since it was read"
    case .unknownSKU: "Unknown SKU"
    case .unknownLocation: "Unknown location"
    case .unknownOrder: "Unknown order"
    case .busy, .cannotWrite, .notALedger, .cannotConnect: "The ledger cannot be written now"
    default: "Refused by the ledger"
    }
  }

  static func missingScope(_ scope: APIScope) -> Problem {
    Problem(status: 403, code: "FORBIDDEN", title: "Not allowed for this key", detail: "this API key lacks the scope \(scope.rawValue)")
  }

  static let unauthenticated = Problem(status: 401, code: "UNAUTHENTICATED", title: "No valid API key",
                                       detail: "send an API key as `Authorization: Bearer rk_…` (keys are created with `replenish serve key create`)")
}
