import Foundation

/// Text for the HTML pages the tool writes (the report, PO documents, the workspace).
public enum HTMLText {
  /// `&`, `<`, `>`, `"` and `'` escaped, so text is safe in element content and quoted attributes.
  public static func escape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for c in text {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      case "'": out += "&#39;"
      default: out.append(c)
      }
    }
    return out
  }

  /// A number with thousands separators and `decimals` places: 1,234.50.
  public static func grouped(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return "" }
    let text = String(format: "%.\(decimals)f", abs(value))
    let parts = text.split(separator: ".", maxSplits: 1)
    var whole = Substring(parts[0])
    var groups: [Substring] = []
    while whole.count > 3 {
      groups.insert(whole.suffix(3), at: 0)
      whole = whole.dropLast(3)
    }
    groups.insert(whole, at: 0)
    let negative = value < 0 && text.contains { $0 != "0" && $0 != "." }
    return (negative ? "-" : "") + groups.joined(separator: ",") + (parts.count > 1 ? "." + parts[1] : "")
  }
}
