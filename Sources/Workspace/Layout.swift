import Planning

/// The frame every workspace page shares: one self-contained document (inline CSS and script, no
/// network), a skip link and a navigation bar, readable from phone width to 1280 px and beyond.
public enum Layout {
  /// `refreshSeconds`: the page reloads itself (a background run's progress), without any script.
  public static func page(title: String, user: String?, csrf: String?, active: String = "", body: String, refreshSeconds: Int? = nil) -> String {
    let nav: String
    if let user, let csrf {
      nav = """
        <nav aria-label="Workspace"><a href="/ui/buyer"\(active == "buyer" ? " aria-current=page" : "")>Buyer</a>
        <a href="/ui/planner"\(active == "planner" ? " aria-current=page" : "")>Planner</a>
        <a href="/ui/analyst"\(active == "analyst" ? " aria-current=page" : "")>Analyst</a>
        <form class=inline method=get action="/ui/sku" role=search><label for=sku-search class=sr>Find a SKU</label>
        <input id=sku-search name=sku placeholder="SKU" size=10 required><button>Open</button></form>
        <span class=who>\(HTMLText.escape(user))</span>
        <form class=inline method=post action="/ui/logout"><input type=hidden name=csrf value="\(HTMLText.escape(csrf))"><button>Log out</button></form></nav>
        """
    } else {
      nav = ""
    }
    return """
      <!doctype html>
      <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
      <title>\(HTMLText.escape(title)) · Replenish</title>\(refreshSeconds.map { "<meta http-equiv=refresh content=\($0)>" } ?? "")
      <style>\(css)\(PlanCharts.css)</style></head>
      <body><a class=skip href="#main">Skip to content</a>
      <header><b>Replenish</b>\(nav)</header>
      <main id=main>
      \(body)
      </main>
      <script>\(script)</script>
      </body></html>

      """
  }

  /// Sortable tables: a header button sorts its table's body by that column (numbers by `data-v`), again
  /// in reverse. Everything else works without scripts.
  static let script = """
    document.querySelectorAll('button.sort').forEach(function(b){b.addEventListener('click',function(){
    var th=b.closest('th'),table=b.closest('table'),i=Array.prototype.indexOf.call(th.parentNode.children,th);
    var dir=th.getAttribute('aria-sort')==='ascending'?-1:1;
    table.querySelectorAll('th').forEach(function(h){h.removeAttribute('aria-sort')});
    th.setAttribute('aria-sort',dir===1?'ascending':'descending');
    var body=table.tBodies[0],rows=Array.prototype.slice.call(body.rows);
    function key(r){var c=r.children[i];var v=c.getAttribute('data-v');return v!==null?parseFloat(v):c.textContent.trim().toLowerCase()}
    rows.sort(function(x,y){var a=key(x),z=key(y);return (a<z?-1:a>z?1:0)*dir});
    rows.forEach(function(r){body.appendChild(r)})})});
    """

  static let css = """
    :root{--ink:#17202a;--muted:#5d6d7e;--line:#d5dbe1;--accent:#1a5fb4;--bad:#a51d2d;--good:#26734d;--bg:#f6f8fa}
    *{box-sizing:border-box}body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--ink);background:#fff}
    header{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;padding:.6rem 1rem;background:var(--ink);color:#fff}
    header nav{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:center;flex:1}header a{color:#fff}
    header a[aria-current]{font-weight:700;text-decoration:underline}.who{margin-left:auto;opacity:.85}
    main{padding:1rem;max-width:84rem;margin:0 auto}h1{font-size:1.35rem;margin:.2rem 0 .8rem}h2{font-size:1.1rem;margin:1.4rem 0 .4rem}
    .skip{position:absolute;left:-999px}.skip:focus{left:.5rem;top:.5rem;background:#fff;color:var(--ink);padding:.3rem;z-index:2}
    .sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
    .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(10rem,1fr));gap:.6rem;margin:.5rem 0 1rem}
    .card{border:1px solid var(--line);border-radius:6px;padding:.5rem .7rem;background:var(--bg)}.card b{display:block;font-size:1.2rem}
    .muted{color:var(--muted)}.scroll{overflow-x:auto;-webkit-overflow-scrolling:touch}
    table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:.35rem .5rem;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
    th{background:var(--bg);white-space:nowrap}td.n,th.n{text-align:right}
    button,input,select{font:inherit}button{cursor:pointer;border:1px solid var(--line);background:#fff;border-radius:4px;padding:.2rem .55rem}
    button.primary{background:var(--accent);color:#fff;border-color:var(--accent)}button.sort{border:0;background:none;padding:0;font-weight:700}
    :focus-visible{outline:3px solid #f5c211;outline-offset:2px}
    input[type=text],input:not([type]),input[type=password]{border:1px solid #8a99a8;border-radius:4px;padding:.2rem .4rem}
    form.inline{display:inline-flex;gap:.3rem;align-items:center;flex-wrap:wrap;margin:0}
    .line-form{display:flex;gap:.3rem;align-items:center;flex-wrap:wrap}.line-form input{width:5.5rem}
    .err{color:var(--bad);font-weight:600}.notice{border-left:4px solid var(--good);background:#eef7f1;padding:.5rem .8rem;margin:.5rem 0}
    .alert{border-left:4px solid var(--bad);background:#fbeeee;padding:.5rem .8rem;margin:.5rem 0}
    .tag{display:inline-block;border-radius:3px;padding:0 .35rem;font-size:.85em;border:1px solid var(--line);white-space:nowrap}
    .tag.released{background:#e3f2e8;border-color:#9fcfb0}.tag.approved{background:#e5eefb;border-color:#9bb9e8}.tag.deferred,.tag.deferred-budget,.tag.held-below-minimum{background:#fdf1e1;border-color:#e8c28f}
    details summary{cursor:pointer;color:var(--accent)}dl.deriv{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.3rem 0}dl.deriv dt{color:var(--muted)}
    .filters{display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:end;margin:.5rem 0}.filters label{display:flex;flex-direction:column;font-size:.9em}
    section.po{border:1px solid var(--line);border-radius:6px;padding:.5rem .8rem;margin:.8rem 0}
    section.po header{all:unset;display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:baseline}
    form.scenario fieldset{border:1px solid var(--line);border-radius:6px;margin:.5rem 0;display:flex;flex-wrap:wrap;gap:.5rem 1rem;align-items:flex-start}
    form.scenario label{display:flex;flex-direction:column;font-size:.9em}.months{display:flex;flex-wrap:wrap;gap:.3rem .6rem;width:100%}
    textarea{font:inherit;border:1px solid #8a99a8;border-radius:4px}progress{width:16rem}
    @media (max-width:700px){main{padding:.5rem}th,td{padding:.3rem}.hide-narrow{display:none}}
    @media print{header,nav,form,.filters{display:none}}
    """

  /// A number for people: thousands grouped, `decimals` places.
  public static func number(_ value: Double, _ decimals: Int = 0) -> String { HTMLText.grouped(value, decimals) }
}
