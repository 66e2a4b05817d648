import Foundation

/// Minimal inline-SVG line/area/bar charts for the self-contained HTML report (no scripts, no network).
struct SVGChart {
  let width: Double
  let height: Double
  let left = 64.0, right = 16.0, top = 44.0, bottom = 40.0
  var xRange: ClosedRange<Double>
  var yRange: ClosedRange<Double>
  var body = ""

  init(width: Double = 640, height: Double = 260, x: ClosedRange<Double>, y: ClosedRange<Double>) {
    self.width = width
    self.height = height
    xRange = x.lowerBound == x.upperBound ? x.lowerBound...(x.upperBound + 1) : x
    yRange = y.lowerBound == y.upperBound ? y.lowerBound...(y.upperBound + 1) : y
  }

  func px(_ x: Double) -> Double { left + (x - xRange.lowerBound) / (xRange.upperBound - xRange.lowerBound) * (width - left - right) }
  func py(_ y: Double) -> Double { height - bottom - (y - yRange.lowerBound) / (yRange.upperBound - yRange.lowerBound) * (height - top - bottom) }

  static func escape(_ s: String) -> String { HTMLText.escape(s) }

  static func f(_ x: Double) -> String { String(format: "%.1f", x) }

  /// "Nice" tick values covering a range.
  static func ticks(_ r: ClosedRange<Double>, count: Int = 5) -> [Double] {
    let span = r.upperBound - r.lowerBound
    guard span > 0, span.isFinite else { return [r.lowerBound] }
    let raw = span / Double(count)
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 2.5, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? raw
    var t = (r.lowerBound / step).rounded(.up) * step
    var out: [Double] = []
    while t <= r.upperBound + step * 1e-9 {
      out.append(t)
      t += step
    }
    return out
  }

  static func label(_ v: Double) -> String {
    if abs(v) < 1e-9 { return "0" }
    if abs(v) >= 1e6 { return String(format: "%.1fM", v / 1e6) }
    if abs(v) >= 1e4 { return String(format: "%.0fk", v / 1e3) }
    if v == v.rounded() { return String(format: "%.0f", v) }
    return String(format: "%.2g", v)
  }

  mutating func axes(xLabels: [(Double, String)], yTitle: String, percentY: Bool = false) {
    for t in Self.ticks(yRange) {
      body += "<line x1='\(Self.f(left))' x2='\(Self.f(width - right))' y1='\(Self.f(py(t)))' y2='\(Self.f(py(t)))' class='grid'/>"
      body += "<text x='\(Self.f(left - 6))' y='\(Self.f(py(t) + 4))' text-anchor='end' class='tick'>\(percentY ? String(format: "%.0f%%", 100 * t) : Self.label(t))</text>"
    }
    for (x, text) in xLabels {
      let anchor = px(x) > width - right - 24 ? "end" : px(x) < left + 24 ? "start" : "middle"
      body += "<text x='\(Self.f(px(x)))' y='\(Self.f(height - bottom + 16))' text-anchor='\(anchor)' class='tick'>\(Self.escape(text))</text>"
    }
    body += "<line x1='\(Self.f(left))' x2='\(Self.f(width - right))' y1='\(Self.f(height - bottom))' y2='\(Self.f(height - bottom))' class='axis'/>"
    body += "<text x='12' y='\(Self.f(top - 12))' class='ytitle'>\(Self.escape(yTitle))</text>"
  }

  mutating func line(_ points: [(Double, Double)], cssClass: String, dashed: Bool = false) {
    let valid = points.filter { $0.1.isFinite }
    guard valid.count > 1 else { return }
    let d = valid.map { "\(Self.f(px($0.0))),\(Self.f(py($0.1)))" }.joined(separator: " ")
    body += "<polyline points='\(d)' class='\(cssClass)'\(dashed ? " stroke-dasharray='5 4'" : "")/>"
  }

  mutating func band(lower: [(Double, Double)], upper: [(Double, Double)], cssClass: String) {
    guard lower.count > 1, upper.count == lower.count else { return }
    let pts = (upper + lower.reversed()).map { "\(Self.f(px($0.0))),\(Self.f(py($0.1)))" }.joined(separator: " ")
    body += "<polygon points='\(pts)' class='\(cssClass)'/>"
  }

  mutating func hline(_ y: Double, cssClass: String, label: String) {
    body += "<line x1='\(Self.f(left))' x2='\(Self.f(width - right))' y1='\(Self.f(py(y)))' y2='\(Self.f(py(y)))' class='\(cssClass)'/>"
    body += "<text x='\(Self.f(width - right - 4))' y='\(Self.f(py(y) - 4))' text-anchor='end' class='note'>\(Self.escape(label))</text>"
  }

  /// A note just above and right of a data point.
  mutating func note(at point: (Double, Double), _ text: String) {
    body += "<text x='\(Self.f(px(point.0) + 4))' y='\(Self.f(py(point.1) - 4))' class='note'>\(Self.escape(text))</text>"
  }

  mutating func vline(_ x: Double, cssClass: String, label: String) {
    body += "<line x1='\(Self.f(px(x)))' x2='\(Self.f(px(x)))' y1='\(Self.f(top))' y2='\(Self.f(height - bottom))' class='\(cssClass)'/>"
    body += "<text x='\(Self.f(px(x) + 4))' y='\(Self.f(top + 10))' class='note'>\(Self.escape(label))</text>"
  }

  mutating func bar(x0: Double, x1: Double, y: Double, cssClass: String, label: String? = nil) {
    let top = py(max(0, y)), base = py(0)
    body += "<rect x='\(Self.f(px(x0)))' y='\(Self.f(min(top, base)))' width='\(Self.f(max(1, px(x1) - px(x0))))' height='\(Self.f(abs(base - top)))' class='\(cssClass)'/>"
    if let label {
      body += "<text x='\(Self.f((px(x0) + px(x1)) / 2))' y='\(Self.f(min(top, base) - 4))' text-anchor='middle' class='note'>\(Self.escape(label))</text>"
    }
  }

  mutating func legend(_ entries: [(String, String)]) {
    var x = left
    for (cssClass, text) in entries {
      body += "<rect x='\(Self.f(x))' y='6' width='12' height='10' class='\(cssClass)'/><text x='\(Self.f(x + 16))' y='15' class='tick'>\(Self.escape(text))</text>"
      x += 22 + Double(text.count) * 6.5
    }
  }

  func svg(title: String) -> String {
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 \(Self.f(width)) \(Self.f(height))' width='\(Self.f(width))' height='\(Self.f(height))' role='img' aria-label='\(Self.escape(title))'>\(body)</svg>"
  }
}
