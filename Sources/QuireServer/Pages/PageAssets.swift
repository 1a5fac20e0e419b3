/// The pages' stylesheet and script, served from the binary at `/assets/…`: no CDN, no build step.
enum PageAssets {
    static let files: [String: (contentType: String, body: String)] = [
        "quire.css": ("text/css; charset=utf-8", css),
        "quire.js": ("text/javascript; charset=utf-8", js),
    ]

    static let css = """
        :root { --ink: #1a1a1a; --muted: #4a4a4a; --line: #d0d0d0; --accent: #1d4ed8; --bad: #b91c1c; --warn-bg: #fef3c7; --ok-bg: #dcfce7; --bad-bg: #fee2e2; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: #fafafa; }
        header.top { display: flex; flex-wrap: wrap; gap: .5rem 1.5rem; align-items: center; padding: .6rem 1rem; background: #fff; border-bottom: 1px solid var(--line); }
        .brand { font-weight: 700; font-size: 1.2rem; color: var(--ink); text-decoration: none; }
        nav a { margin-right: 1rem; }
        .signout { margin-left: auto; display: flex; gap: .5rem; align-items: center; flex-wrap: wrap; }
        main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
        h1 { font-size: 1.6rem; margin: .5rem 0 1rem; }
        h2 { font-size: 1.2rem; margin: 1.2rem 0 .5rem; }
        a { color: var(--accent); }
        a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, textarea:focus-visible { outline: 3px solid #f59e0b; outline-offset: 2px; }
        .card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 1rem; margin: 1rem 0; }
        label { display: block; font-weight: 600; margin: .6rem 0 .2rem; }
        label.inline { display: inline; font-weight: 400; }
        input[type=text], input[type=email], input[type=number], select, textarea { width: 100%; max-width: 32rem; padding: .45rem; border: 1px solid #767676; border-radius: 4px; font: inherit; }
        textarea { font-family: ui-monospace, monospace; font-size: .85rem; }
        button, .button { display: inline-block; margin-top: .6rem; padding: .5rem 1rem; border: 0; border-radius: 4px; background: var(--accent); color: #fff; font: inherit; font-weight: 600; cursor: pointer; text-decoration: none; }
        button.secondary { background: #fff; color: var(--accent); border: 1px solid var(--accent); margin-top: 0; }
        button.danger { background: var(--bad); }
        .help { color: var(--muted); font-size: .9rem; margin: .2rem 0; }
        .notice { padding: .6rem .8rem; border-radius: 6px; border: 1px solid var(--line); }
        .notice.ok { background: var(--ok-bg); }
        .notice.warn { background: var(--warn-bg); }
        .notice.error { background: var(--bad-bg); }
        .empty { color: var(--muted); font-style: italic; }
        .table-wrap { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; background: #fff; }
        th, td { text-align: left; padding: .45rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f0f0f0; }
        tr.stale td { background: var(--warn-bg); }
        tr.denied td { background: var(--bad-bg); }
        .tag { display: inline-block; font-size: .75rem; padding: 0 .4rem; border-radius: 4px; background: #e5e7eb; color: var(--ink); }
        .tag.warn { background: #92400e; color: #fff; }
        progress { width: 6rem; vertical-align: middle; }
        .drop { border: 2px dashed #767676; border-radius: 8px; padding: .8rem; }
        .drop.over { border-color: var(--accent); background: #eff6ff; }
        .totals { list-style: none; padding: 0; display: flex; flex-wrap: wrap; gap: .6rem; }
        .totals li { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .5rem .8rem; }
        .totals strong { font-size: 1.3rem; }
        .charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(18rem, 1fr)); gap: 1rem; }
        figure { margin: 1rem 0; background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: .6rem; }
        figcaption { font-weight: 600; margin-bottom: .4rem; }
        svg { width: 100%; height: auto; }
        .filters { display: grid; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); gap: .2rem 1rem; align-items: end; }
        .inline-form { display: flex; flex-wrap: wrap; gap: .5rem; align-items: end; }
        .inline-form label { margin: 0; }
        .inline-form input { width: 7rem; }
        dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; }
        dl.facts dt { font-weight: 600; }
        dl.facts dd { margin: 0; }
        ol.timeline { border-left: 3px solid var(--line); padding-left: 1.2rem; }
        ol.timeline li { margin-bottom: .8rem; }
        ul.demo { list-style: none; padding: 0; }
        code { word-break: break-all; }
        .sr-only { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
        @media (max-width: 40rem) { body { font-size: 15px; } .signout { margin-left: 0; } th, td { padding: .35rem; } }
        """

    /// Live updates and drag-and-drop. Pages work without it, except that they do not refresh
    /// themselves.
    static let js = """
        "use strict";
        (function () {
          // Live: a region marked data-live is fetched again (this same URL) whenever the event
          // stream says something happened, debounced, without reloading the page.
          var live = document.querySelector("[data-live]");
          var status = document.getElementById("live-status");
          if (live && window.EventSource) {
            var timer = null;
            var refresh = function () {
              fetch(window.location.href, { credentials: "same-origin" })
                .then(function (r) { return r.ok ? r.text() : null; })
                .then(function (html) {
                  if (!html) return;
                  var doc = new DOMParser().parseFromString(html, "text/html");
                  var fresh = doc.querySelector("[data-live]");
                  if (fresh) { live.innerHTML = fresh.innerHTML; live.setAttribute("data-refreshed", String(Date.now())); }
                  if (status) status.textContent = "Updated " + new Date().toLocaleTimeString() + ".";
                });
            };
            var source = null;
            var connect = function () {
              source = new EventSource("/live");
              source.onmessage = function () {
                clearTimeout(timer);
                timer = setTimeout(refresh, 300);
              };
              source.onopen = function () { document.body.setAttribute("data-live-connected", "true"); };
            };
            connect();
            // A page kept in the back-forward cache would keep its stream, and a browser has only
            // six connections per server: close it when the page goes, open it again on return.
            window.addEventListener("pagehide", function () { if (source) { source.close(); source = null; } });
            window.addEventListener("pageshow", function (e) { if (e.persisted && !source) { connect(); refresh(); } });
          }

          // Drag and drop onto the upload form's drop zone fills its file input.
          var drop = document.querySelector("[data-drop]");
          if (drop) {
            var input = drop.querySelector("input[type=file]");
            var help = document.getElementById("drop-help");
            ["dragenter", "dragover"].forEach(function (name) {
              drop.addEventListener(name, function (e) { e.preventDefault(); drop.classList.add("over"); });
            });
            ["dragleave", "drop"].forEach(function (name) {
              drop.addEventListener(name, function () { drop.classList.remove("over"); });
            });
            drop.addEventListener("drop", function (e) {
              e.preventDefault();
              if (e.dataTransfer && e.dataTransfer.files.length) {
                input.files = e.dataTransfer.files;
                if (help) help.textContent = "Ready to import " + input.files[0].name + ".";
              }
            });
            input.addEventListener("change", function () {
              if (help && input.files.length) help.textContent = "Ready to import " + input.files[0].name + ".";
            });
          }
        })();
        """
}
