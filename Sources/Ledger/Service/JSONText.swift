/// JSON written by hand for the write path's hot objects (a level, an order), which every write encodes
/// three times inside its transaction (two change payloads and the stored response): Foundation's
/// `JSONEncoder` spent about a fifth of the writer thread on them. The output is byte for byte what
/// `JSONEncoder` with `[.sortedKeys, .withoutEscapingSlashes]` writes (keys in the same sorted order,
/// the same escapes); `JSONTextTests` holds the two side by side.
public enum JSONText {
  /// `s` as a JSON string literal: `"` and `\` escaped, `\b \f \n \r \t` for those control characters,
  /// `\u00XX` for the other ones below U+0020; everything else (`/` included) as it is.
  public static func append(_ s: String, to out: inout String) {
    out.append("\"")
    var plain = true
    for b in s.utf8 where b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") { plain = false; break }
    if plain {
      out.append(s)
    } else {
      for scalar in s.unicodeScalars {
        switch scalar {
        case "\"": out.append("\\\"")
        case "\\": out.append("\\\\")
        case "\u{08}": out.append("\\b")
        case "\u{0C}": out.append("\\f")
        case "\n": out.append("\\n")
        case "\r": out.append("\\r")
        case "\t": out.append("\\t")
        case _ where scalar.value < 0x20:
          let hex = String(scalar.value, radix: 16)
          out.append("\\u" + String(repeating: "0", count: 4 - hex.count) + hex)
        default: out.unicodeScalars.append(scalar)
        }
      }
    }
    out.append("\"")
  }

  /// `"key":` — keys here are fixed ASCII names.
  @inline(__always) static func key(_ k: StaticString, _ out: inout String, first: Bool = false) {
    if !first { out.append(",") }
    out.append("\"")
    out.append(k.description)
    out.append("\":")
  }
}

extension InventoryLevel {
  /// This level as JSON (keys sorted, as `JSONEncoder` with `.sortedKeys` writes them).
  public func appendJSON(to out: inout String) {
    out.append("{")
    JSONText.key("available", &out, first: true); out.append(String(available))
    JSONText.key("backordered", &out); out.append(String(backordered))
    JSONText.key("committed", &out); out.append(String(committed))
    JSONText.key("in_transit", &out); out.append(String(inTransit))
    JSONText.key("incoming", &out); out.append(String(incoming))
    JSONText.key("is_kit", &out); out.append(isKit ? "true" : "false")
    JSONText.key("location", &out); JSONText.append(location, to: &out)
    JSONText.key("on_hand", &out); out.append(String(onHand))
    JSONText.key("region", &out); JSONText.append(region, to: &out)
    JSONText.key("sku", &out); JSONText.append(sku, to: &out)
    JSONText.key("sku_available", &out); out.append(String(skuAvailable))
    JSONText.key("unavailable", &out); out.append(String(unavailable))
    out.append("}")
  }

  public var jsonText: String {
    var out = ""
    out.reserveCapacity(256)
    appendJSON(to: &out)
    return out
  }
}

extension OrderState {
  /// This order as JSON (keys sorted, as `JSONEncoder` with `.sortedKeys` writes them).
  public func appendJSON(to out: inout String) {
    out.append("{")
    JSONText.key("channel", &out, first: true); JSONText.append(channel, to: &out)
    JSONText.key("lines", &out)
    out.append("[")
    for (k, l) in lines.enumerated() {
      if k > 0 { out.append(",") }
      out.append("{")
      JSONText.key("backordered", &out, first: true); out.append(String(l.backordered))
      JSONText.key("committed", &out); out.append(String(l.committed))
      JSONText.key("line", &out); JSONText.append(l.line, to: &out)
      JSONText.key("location", &out); JSONText.append(l.location, to: &out)
      JSONText.key("ordered", &out); out.append(String(l.ordered))
      JSONText.key("released", &out); out.append(String(l.released))
      JSONText.key("returned", &out); out.append(String(l.returned))
      JSONText.key("shipped", &out); out.append(String(l.shipped))
      JSONText.key("sku", &out); JSONText.append(l.sku, to: &out)
      out.append("}")
    }
    out.append("]")
    JSONText.key("order", &out); JSONText.append(order, to: &out)
    JSONText.key("status", &out); JSONText.append(status.rawValue, to: &out)
    out.append("}")
  }

  public var jsonText: String {
    var out = ""
    out.reserveCapacity(128 + 160 * lines.count)
    appendJSON(to: &out)
    return out
  }
}
