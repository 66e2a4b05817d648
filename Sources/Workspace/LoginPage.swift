import Planning

/// Signing in with an API key (`replenish serve key create --channel NAME --scope inventory:read
/// --scope inventory:write`): the key is exchanged for a session cookie and never shown again.
public struct LoginPage: Sendable {
  public var error: String?
  public init(error: String? = nil) { self.error = error }

  public func html() -> String {
    var h = "<h1>Sign in</h1>"
    h += "<p class=muted>Use your API key (<code>rk_…</code>) from <code>replenish serve key create</code>. Buyers need inventory:read to see the plan and inventory:write to approve and release.</p>"
    if let error { h += "<div class=alert role=alert id=login-error>\(HTMLText.escape(error))</div>" }
    h += "<form method=post action=\"/ui/login\" class=line-form>"
    h += "<label for=key>API key</label><input id=key name=key type=password autocomplete=current-password required size=48"
      + (error != nil ? " aria-invalid=true aria-describedby=login-error" : "") + ">"
    h += "<button class=primary>Sign in</button></form>"
    return Layout.page(title: "Sign in", user: nil, csrf: nil, body: h)
  }
}

/// A page-level message (a SKU that is not known, a plan missing, an expired session).
public struct MessagePage: Sendable {
  public var title: String
  public var message: String
  public var user: String?
  public var csrf: String?
  public init(title: String, message: String, user: String?, csrf: String?) { (self.title, self.message, self.user, self.csrf) = (title, message, user, csrf) }

  public func html() -> String {
    Layout.page(title: title, user: user, csrf: csrf, body: "<h1>\(HTMLText.escape(title))</h1><div class=alert role=alert>\(HTMLText.escape(message))</div><p><a href=\"/ui/buyer\">Back to the suggestions</a></p>")
  }
}
