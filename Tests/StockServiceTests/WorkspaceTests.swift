import Foundation
import HTTPTypes
import HummingbirdTesting
import Ledger
import NIOCore
import Testing

@testable import Planning
@testable import StockService

/// The browser workspace through the router (the browser itself: `make test-browser`): sign-in, the
/// session cookie and CSRF token, forms that refuse bad input at the line and change nothing, approve and
/// release, a stale second release ordering once.
@Suite("Workspace: sessions, forms, releases")
struct WorkspaceTests {
  struct Page {
    let status: Int
    let headers: HTTPFields
    let html: String
    var location: String? { headers[.location] }
    /// The session's CSRF token, as the page's forms carry it.
    var csrf: String? { WorkspaceTests.csrf(in: html) }
  }

  /// The session's CSRF token in a page's forms.
  static func csrf(in html: String) -> String? {
    guard let range = html.range(of: "name=csrf value=\"") else { return nil }
    return String(html[range.upperBound...].prefix(64))
  }

  static func form(_ fields: [(String, String)]) -> String {
    fields.map { name, value in
      name + "=" + (value.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")
    }.joined(separator: "&")
  }

  @Test("Sign in, buyer page, refused quantities at the line, approve with rounding, release a PO's approved lines, a stale release orders once")
  func buyerFlow() async throws {
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) })
    defer { f.remove() }
    let plan = try PurchaseReleasing.readPlan(folder: f.folder)
    try await f.application().test(.router) { client in
      #expect(try await client.page(.get, "/").location == "/ui/login")
      #expect(try await client.page(.get, "/ui/buyer").location == "/ui/login", "no session: to the login page")
      let wrong = try await client.page(.post, "/ui/login", form: [("key", "rk_00000000_" + String(repeating: "0", count: 32))])
      #expect(wrong.status == 401 && wrong.html.contains("not known or has been revoked"))
      let login = try await client.page(.post, "/ui/login", form: [("key", f.warehouse)])
      #expect(login.status == 303 && login.location == "/ui/buyer")
      let setCookie = try #require(login.headers[.setCookie])
      #expect(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Strict"))
      let cookie = String(setCookie.split(separator: ";")[0])

      let page = try await client.page(.get, "/ui/buyer", cookie: cookie)
      #expect(page.status == 200 && page.html.contains("S1 → WH1") && page.html.contains("PO-2026-12-01-S1-WH1"))
      #expect(page.headers[HTTPField.Name("Content-Security-Policy")!]?.contains("default-src 'none'") == true)
      let csrf = try #require(page.csrf)

      // A form without the session's token is refused and changes nothing.
      let forged = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", "x"), ("line_id", "A@WH1"), ("quantity", "24"), ("action", "approve")])
      #expect(forged.status == 403 && forged.html.contains("Form expired"))

      // Bad quantities: 422, the message at the line, the typed value kept, nothing recorded.
      for (typed, expected) in [("0", "from 1 to 240"), ("-5", "from 1 to 240"), ("twelve", "whole number"), ("241", "at most 240"), ("2.5", "whole number")] {
        let bad = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", csrf), ("line_id", "A@WH1"), ("quantity", typed), ("action", "approve")])
        #expect(bad.status == 422 && bad.html.contains("id=\"e-A_WH1\" role=alert") && bad.html.contains(expected), "\(typed)")
        #expect(bad.html.contains("value=\"\(typed)\" aria-invalid=true"), "\(typed) kept in the field")
      }
      #expect(try f.ledger.decisions(planID: plan.planID).isEmpty)

      // Approve A at 30 (→ 36, case pack 12) and C as suggested; defer B.
      let approved = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", csrf), ("line_id", "A@WH1"), ("quantity", "30"), ("action", "approve")])
      #expect(approved.status == 303 && approved.location == "/ui/buyer#line-A_WH1")
      let confirmed = try await client.page(.get, "/ui/buyer", cookie: cookie)
      #expect(confirmed.html.contains("A@WH1 approved at 36 — buyer set 30 → 36"), "the notice")
      #expect(!(try await client.page(.get, "/ui/buyer", cookie: cookie)).html.contains("approved at 36 —"), "a notice is shown once")
      _ = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", csrf), ("line_id", "C@WH1"), ("quantity", "18"), ("action", "approve")])
      _ = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", csrf), ("line_id", "B@WH1"), ("quantity", "10"), ("action", "defer")])
      let decisions = try f.ledger.decisions(planID: plan.planID)
      #expect(decisions["A@WH1"]?.quantity == 36 && decisions["A@WH1"]?.kind == .approved && decisions["B@WH1"]?.kind == .deferred)
      let after = try await client.page(.get, "/ui/buyer", cookie: cookie)
      #expect(after.html.contains("B@WH1 deferred."))
      #expect(after.html.contains("Release 2 approved lines"))

      // Release S1's approved lines: incoming rises by exactly 36 and 18; the edit and its rounding are kept.
      let released = try await client.page(.post, "/ui/release", cookie: cookie, form: [("csrf", csrf), ("po", "PO-2026-12-01-S1-WH1")])
      #expect(released.status == 303)
      #expect(try f.incoming("A") == 36)
      #expect(try f.incoming("C") == 18)
      #expect(try f.incoming("B") == 0)
      let records = try f.ledger.releases(planID: plan.planID)
      #expect(records.map(\.release.lineID) == ["A@WH1", "C@WH1"] && records[0].release.adjustment.contains("buyer set 30 → 36"))
      #expect(records.allSatisfy { $0.release.releasedBy == "warehouse" })
      let notice = try await client.page(.get, "/ui/buyer", cookie: cookie)
      #expect(notice.html.contains("Released — A@WH1: 36 ordered on PO-2026-12-01-S1-WH1; C@WH1: 18 ordered"))

      // The same line from a stale page: nothing changes, and the buyer is told who released it.
      let stale = try await client.page(.post, "/ui/lines", cookie: cookie, form: [("csrf", csrf), ("line_id", "C@WH1"), ("quantity", "20"), ("action", "release")])
      #expect(stale.status == 303)
      #expect(try f.incoming("C") == 18)
      #expect(try await client.page(.get, "/ui/buyer", cookie: cookie).html.contains("C@WH1: already released by warehouse (18), nothing changed"))

      // The PO document, the SKU page, a filter, an unknown filter value, a SKU nobody knows.
      let document = try await client.page(.get, "/ui/plans/\(plan.planID)/purchase-orders/PO-2026-12-01-S1-WH1", cookie: cookie)
      #expect(document.status == 200 && document.html.contains("Purchase order PO-2026-12-01-S1-WH1"))
      let sku = try await client.page(.get, "/ui/sku?sku=A", cookie: cookie)
      #expect(sku.status == 200 && sku.html.contains("36 ordered on PO-2026-12-01-S1-WH1 by warehouse"))
      let filtered = try await client.page(.get, "/ui/buyer?class=&supplier=S2&state=", cookie: cookie)
      #expect(filtered.html.contains("S2 → WH1") && !filtered.html.contains("S1 → WH1"))
      #expect(try await client.page(.get, "/ui/buyer?state=lost", cookie: cookie).status == 400)
      #expect(try await client.page(.get, "/ui/buyer?priority=-1", cookie: cookie).status == 400)
      // Every fixture line has priority 1: ≥ 1 keeps them, ≥ 1.5 none.
      #expect(try await client.page(.get, "/ui/buyer?priority=1", cookie: cookie).html.contains("S2 → WH1"))
      #expect(try await client.page(.get, "/ui/buyer?priority=1.5", cookie: cookie).html.contains("No lines match these filters."))
      #expect(try await client.page(.get, "/ui/sku?sku=NOPE", cookie: cookie).status == 404)

      // Log out: the cookie no longer opens anything.
      let out = try await client.page(.post, "/ui/logout", cookie: cookie, form: [("csrf", csrf)])
      #expect(out.status == 303 && out.location == "/ui/login")
      #expect(try await client.page(.get, "/ui/buyer", cookie: cookie).location == "/ui/login")
    }
  }

  @Test("A read-only key sees the plan without forms and cannot post one")
  func readOnly() async throws {
    let f = try ServiceFixture().offering(planIn: { try PlanReleaseAPITests.writePlan(into: $0) })
    defer { f.remove() }
    try await f.application().test(.router) { client in
      let cookie = try await client.signIn(f.readOnly)
      let page = try await client.execute(uri: "/ui/buyer", method: .get, headers: [.cookie: cookie])
      let html = String(buffer: page.body)
      #expect(html.contains("This key may read only") && !html.contains("value=approve"))
      let csrf = try #require(Self.csrf(in: html))
      let post = try await client.execute(uri: "/ui/lines", method: .post, headers: [.cookie: cookie, .contentType: "application/x-www-form-urlencoded"],
                                          body: ByteBuffer(string: Self.form([("csrf", csrf), ("line_id", "A@WH1"), ("quantity", "24"), ("action", "release")])))
      #expect(post.status == .forbidden)
      #expect(try f.incoming("A") == 0)
    }
  }

  @Test("Form bodies: percent escapes and + decoded; a repeated field, bad escapes and invalid UTF-8 refused")
  func formBodies() throws {
    #expect(try FormBody.parse(Array("a=1+2&b=%C3%A9t%C3%A9&c=".utf8)) == ["a": "1 2", "b": "été", "c": ""])
    for bad in ["a=1&a=2", "a=%zz", "a=%4", "a=%ff"] {
      #expect(throws: Problem.self, "\(bad)") { try FormBody.parse(Array(bad.utf8)) }
    }
  }
}

extension TestClientProtocol {
  /// A workspace page: GET, or POST of a URL-encoded form, with the session cookie when given.
  func page(_ method: HTTPRequest.Method, _ uri: String, cookie: String? = nil, form: [(String, String)]? = nil) async throws -> WorkspaceTests.Page {
    var headers: HTTPFields = [:]
    if let cookie { headers[.cookie] = cookie }
    if form != nil { headers[.contentType] = "application/x-www-form-urlencoded" }
    let r = try await execute(uri: uri, method: method, headers: headers, body: form.map { ByteBuffer(string: WorkspaceTests.form($0)) })
    return WorkspaceTests.Page(status: Int(r.status.code), headers: r.headers, html: String(buffer: r.body))
  }

  /// Signs in to the workspace with an API key; returns the session cookie (`name=value`).
  func signIn(_ key: String) async throws -> String {
    let login = try await execute(uri: "/ui/login", method: .post, headers: [.contentType: "application/x-www-form-urlencoded"],
                                  body: ByteBuffer(string: WorkspaceTests.form([("key", key)])))
    return String(try #require(login.headers[.setCookie]).split(separator: ";")[0])
  }
}
