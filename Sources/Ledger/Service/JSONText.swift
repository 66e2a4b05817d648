/// JSON written by hand for the write path's hot objects (a level, an order), which every write encodes
/// three times inside its transaction (two change payloads and the stored response): Foundation's
/// `JSONEncoder` spent about a fifth of the writer thread on them, and appending to a `String` piece by
/// piece still cost about 30,000 instructions a level; bytes into one buffer cost a fraction of that. The
/// output is byte for byte what `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes (keys
/// in the same sorted order, the same escapes); `JSONTextTests` holds the two side by side.
public struct JSONWriter {
  public private(set) var bytes: [UInt8] = []

  public init(capacity: Int = 256) { bytes.reserveCapacity(capacity) }

  /// The JSON written so far.
  public var text: String { String(decoding: bytes, as: UTF8.self) }

  /// Fixed ASCII text: punctuation and `"key":` (keys here are fixed ASCII names).
  @inline(__always) public mutating func raw(_ s: StaticString) {
    s.withUTF8Buffer { bytes.append(contentsOf: $0) }
  }

  public mutating func bool(_ b: Bool) { b ? raw("true") : raw("false") }

  /// A decimal integer, as `JSONEncoder` writes it.
  public mutating func int(_ v: Int) {
    if v == 0 { bytes.append(UInt8(ascii: "0")); return }
    var magnitude = v.magnitude
    var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                 UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
    var count = 0
    withUnsafeMutableBytes(of: &digits) { buffer in
      while magnitude > 0 {
        buffer[19 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
        magnitude /= 10
        count += 1
      }
      if v < 0 { bytes.append(UInt8(ascii: "-")) }
      bytes.append(contentsOf: buffer[(20 - count)...])
    }
  }

  /// `s` as a JSON string literal: `"` and `\` escaped, `\b \f \n \r \t` for those control characters,
  /// `\u00XX` for the other ones below U+0020; everything else (`/` and non-ASCII included) as it is.
  public mutating func string(_ s: String) {
    bytes.append(UInt8(ascii: "\""))
    var s = s
    s.withUTF8 { utf8 in
      for b in utf8 {
        switch b {
        case UInt8(ascii: "\""): raw("\\\"")
        case UInt8(ascii: "\\"): raw("\\\\")
        case 0x08: raw("\\b")
        case 0x0C: raw("\\f")
        case UInt8(ascii: "\n"): raw("\\n")
        case UInt8(ascii: "\r"): raw("\\r")
        case UInt8(ascii: "\t"): raw("\\t")
        case 0..<0x20:
          let hex: [UInt8] = Array("0123456789abcdef".utf8)
          raw("\\u00")
          bytes.append(hex[Int(b >> 4)])
          bytes.append(hex[Int(b & 0xF)])
        default: bytes.append(b)
        }
      }
    }
    bytes.append(UInt8(ascii: "\""))
  }
}

extension InventoryLevel {
  /// This level as JSON (keys sorted, as `JSONEncoder` with `.sortedKeys` writes them).
  public func appendJSON(to out: inout JSONWriter) {
    out.raw("{\"available\":"); out.int(available)
    out.raw(",\"backordered\":"); out.int(backordered)
    out.raw(",\"committed\":"); out.int(committed)
    out.raw(",\"in_transit\":"); out.int(inTransit)
    out.raw(",\"incoming\":"); out.int(incoming)
    out.raw(",\"is_kit\":"); out.bool(isKit)
    out.raw(",\"location\":"); out.string(location)
    out.raw(",\"on_hand\":"); out.int(onHand)
    out.raw(",\"region\":"); out.string(region)
    out.raw(",\"sku\":"); out.string(sku)
    out.raw(",\"sku_available\":"); out.int(skuAvailable)
    out.raw(",\"unavailable\":"); out.int(unavailable)
    out.raw("}")
  }

  public var jsonText: String {
    var out = JSONWriter()
    appendJSON(to: &out)
    return out.text
  }
}

extension OrderState {
  /// This order as JSON (keys sorted, as `JSONEncoder` with `.sortedKeys` writes them).
  public func appendJSON(to out: inout JSONWriter) {
    out.raw("{\"channel\":"); out.string(channel)
    out.raw(",\"lines\":[")
    for (k, l) in lines.enumerated() {
      out.raw(k > 0 ? ",{\"backordered\":" : "{\"backordered\":"); out.int(l.backordered)
      out.raw(",\"committed\":"); out.int(l.committed)
      out.raw(",\"line\":"); out.string(l.line)
      out.raw(",\"location\":"); out.string(l.location)
      out.raw(",\"ordered\":"); out.int(l.ordered)
      out.raw(",\"released\":"); out.int(l.released)
      out.raw(",\"returned\":"); out.int(l.returned)
      out.raw(",\"shipped\":"); out.int(l.shipped)
      out.raw(",\"sku\":"); out.string(l.sku)
      out.raw("}")
    }
    out.raw("],\"order\":"); out.string(order)
    out.raw(",\"status\":"); out.string(status.rawValue)
    out.raw("}")
  }

  public var jsonText: String {
    var out = JSONWriter(capacity: 128 + 160 * lines.count)
    appendJSON(to: &out)
    return out.text
  }
}
