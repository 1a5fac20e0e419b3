/// The pages' Mustache templates, compiled into the binary (no files to ship beside it).
///
/// Every page extends `layout`, filling its `title` and `content` blocks. `{{…}}` escapes HTML;
/// the only triple-brace values are SVG charts the server draws from numbers.
enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "signin": signin, "workspace": workspace, "session": session, "monitor": monitor,
        "audit": audit, "history": history, "explain": explain, "notfound": notFound, "error": error,
    ]

    static let layout = """
        <!doctype html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{{$title}}quire{{/title}} · quire</title>
        <link rel="stylesheet" href="/assets/quire.css">
        <script src="/assets/quire.js" defer></script>
        </head>
        <body>
        <header class="top">
          <a class="brand" href="/">quire</a>
          {{#viewer}}
          <nav aria-label="Main">
            <a href="/">Workspace</a>
            {{#isSystemAdmin}}<a href="/monitor">Monitor</a>{{/isSystemAdmin}}
            <a href="/audit">Audit</a>
          </nav>
          <form class="signout" method="post" action="/logout">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <span class="who">Signed in as <strong>{{email}}</strong> ({{roleName}})</span>
            <button type="submit" class="secondary">Sign out</button>
          </form>
          {{/viewer}}
        </header>
        <main id="main">
        {{$content}}{{/content}}
        </main>
        </body>
        </html>
        """

    static let signin = """
        {{<layout}}
        {{$title}}Sign in{{/title}}
        {{$content}}
        <h1>Sign in to quire</h1>
        <p>quire keeps your exam-paper import sessions. Each user has their own isolated workspace.</p>
        {{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
        <form method="post" action="/login" class="card">
          <label for="token">Your access token</label>
          <textarea id="token" name="token" rows="3" required autocomplete="off" spellcheck="false"
            aria-describedby="token-help"></textarea>
          <p id="token-help" class="help">The bearer token your school's web app signed you in with, or one from <code>quire token issue --user you@school.example</code>.</p>
          <button type="submit">Sign in</button>
        </form>
        {{#hasDemo}}
        <section class="card" aria-labelledby="demo-heading">
          <h2 id="demo-heading">Demo users</h2>
          <p>This is a demo server: sign in as one of its users with one click. Try an admin in one window and the other admin in another.</p>
          <ul class="demo">
          {{#demo}}
            <li><form method="post" action="/login">
              <input type="hidden" name="token" value="{{token}}">
              <button type="submit">Sign in as {{email}}</button> <span class="help">{{roleName}}</span>
            </form></li>
          {{/demo}}
          </ul>
        </section>
        {{/hasDemo}}
        {{/content}}
        {{/layout}}
        """

    static let workspace = """
        {{<layout}}
        {{$title}}Your workspace{{/title}}
        {{$content}}
        <h1>Past papers setup</h1>
        {{#notices}}<p class="notice {{kind}}" role="{{role}}">{{text}}{{#link}} <a href="{{link}}">{{linkText}}</a>{{/link}}</p>{{/notices}}
        <div data-live>
        {{#inProgress}}
        <section class="card resume" aria-labelledby="resume-heading">
          <h2 id="resume-heading">Your Import Session In Progress</h2>
          <p><strong>{{name}}</strong> · {{fileName}} · step {{step}} · {{progress}}% · {{questionsImported}} of {{questionCount}} questions imported · last used {{lastAccess}}</p>
          <p><a class="button" href="/sessions/{{id}}">Resume</a></p>
          <p class="help">Other users can work on their own imports simultaneously.</p>
        </section>
        {{/inProgress}}
        <section aria-labelledby="recent-heading">
          <h2 id="recent-heading">Your recent import sessions</h2>
          <p class="help">Each user has their own isolated workspace.</p>
          {{#hasSessions}}
          <div class="table-wrap">
          <table>
            <caption class="sr-only">Your recent import sessions, most recently used first</caption>
            <thead><tr><th scope="col">Session</th><th scope="col">Status</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Questions</th><th scope="col">Last access</th></tr></thead>
            <tbody>
            {{#sessions}}
            <tr data-session="{{id}}">
              <td><a href="/sessions/{{id}}">{{name}}</a><br><span class="help">{{fileName}}</span>{{#legacy}} <span class="tag">legacy</span>{{/legacy}}{{#sharedNote}} <span class="tag">{{sharedNote}}</span>{{/sharedNote}}</td>
              <td>{{statusName}}</td>
              <td>{{step}}</td>
              <td><progress max="100" value="{{progress}}" aria-label="Progress of {{name}}">{{progress}}%</progress> {{progress}}%</td>
              <td>{{questionsImported}} of {{questionCount}}</td>
              <td><time datetime="{{lastAccessedAt}}" title="{{lastAccessedAt}}">{{lastAccess}}</time></td>
            </tr>
            {{/sessions}}
            </tbody>
          </table>
          </div>
          {{#moreNote}}<p class="help">{{moreNote}}</p>{{/moreNote}}
          {{/hasSessions}}
          {{^hasSessions}}<p class="empty">You have no import sessions yet. Import a paper below to start one.</p>{{/hasSessions}}
        </section>
        </div>
        <section class="card" aria-labelledby="upload-heading">
          <h2 id="upload-heading">Import a paper</h2>
          <form method="post" action="/sessions" enctype="multipart/form-data" id="upload-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <div class="drop" data-drop>
              <label for="paper">Paper file (JSON)</label>
              <input type="file" id="paper" name="paper" accept=".json,application/json" required aria-describedby="drop-help">
              <p id="drop-help" class="help">Choose a file, or drag and drop it here.</p>
            </div>
            <label for="session-name">Session name (optional)</label>
            <input type="text" id="session-name" name="name" autocomplete="off">
            <p><input type="checkbox" id="allow-duplicate" name="allow_duplicate" value="true">
              <label for="allow-duplicate" class="inline">Import it even if I already imported this file</label></p>
            <button type="submit">Import paper</button>
          </form>
        </section>
        {{/content}}
        {{/layout}}
        """

    static let session = """
        {{<layout}}
        {{$title}}{{session.name}}{{/title}}
        {{$content}}
        <p><a href="/">← Your workspace</a></p>
        <h1>{{session.name}}</h1>
        {{#notices}}<p class="notice {{kind}}" role="{{role}}">{{text}}</p>{{/notices}}
        {{#session}}
        <dl class="facts">
          <dt>File</dt><dd>{{fileName}}</dd>
          <dt>Status</dt><dd id="status">{{statusName}}</dd>
          <dt>Step</dt><dd id="step">{{step}}</dd>
          <dt>Progress</dt><dd><progress max="100" value="{{progress}}" aria-label="Progress">{{progress}}%</progress> <span id="progress">{{progress}}%</span></dd>
          <dt>Questions imported</dt><dd id="questions">{{questionsImported}} of {{questionCount}}</dd>
          <dt>Version</dt><dd>{{version}}</dd>
          <dt>Last access</dt><dd><time datetime="{{lastAccessedAt}}">{{lastAccess}}</time></dd>
        </dl>
        {{/session}}
        {{#changeable}}
        <section class="card" aria-labelledby="progress-heading">
          <h2 id="progress-heading">Record progress</h2>
          <form method="post" action="/sessions/{{session.id}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="progress">
            <input type="hidden" name="version" value="{{session.version}}">
            <label for="step-select">Step</label>
            <select id="step-select" name="step">
              {{#steps}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{value}}</option>{{/steps}}
            </select>
            <label for="progress-input">Progress (0–100 %)</label>
            <input type="number" id="progress-input" name="progress" min="0" max="100" value="{{session.progress}}" required>
            <label for="questions-input">Questions imported (0–{{session.questionCount}})</label>
            <input type="number" id="questions-input" name="questions_imported" min="0" max="{{session.questionCount}}" value="{{session.questionsImported}}" required>
            <button type="submit">Save progress</button>
          </form>
        </section>
        <section class="card" aria-labelledby="complete-heading">
          <h2 id="complete-heading">Complete the import</h2>
          <form method="post" action="/sessions/{{session.id}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="complete">
            <input type="hidden" name="version" value="{{session.version}}">
            <button type="submit">Mark as completed</button>
          </form>
        </section>
        {{/changeable}}
        {{#reopenable}}
        <section class="card" aria-labelledby="reopen-heading">
          <h2 id="reopen-heading">Reopen the import</h2>
          <p class="help">This session expired after being idle longer than the stale-session timeout. Reopen it to go on importing.</p>
          <form method="post" action="/sessions/{{session.id}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="reopen">
            <input type="hidden" name="version" value="{{session.version}}">
            <button type="submit">Reopen session</button>
          </form>
        </section>
        {{/reopenable}}
        {{#legacyNote}}<p class="help">{{legacyNote}}</p>{{/legacyNote}}
        {{#deletable}}
        <section class="card" aria-labelledby="delete-heading">
          <h2 id="delete-heading">Delete the session</h2>
          <form method="post" action="/sessions/{{session.id}}">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="delete">
            <input type="hidden" name="version" value="{{session.version}}">
            <label for="reason">Reason (optional)</label>
            <input type="text" id="reason" name="reason" autocomplete="off">
            <button type="submit" class="danger">Delete session</button>
          </form>
        </section>
        {{/deletable}}
        <p><a href="/sessions/{{session.id}}/history">History of this session</a></p>
        {{/content}}
        {{/layout}}
        """

    static let monitor = """
        {{<layout}}
        {{$title}}Monitor{{/title}}
        {{$content}}
        <h1>Active import sessions</h1>
        <form method="get" action="/monitor" class="inline-form">
          <label for="stale-hours">Stale after (hours idle)</label>
          <input type="number" id="stale-hours" name="stale_hours" min="0" step="0.5" value="{{staleHours}}">
          <button type="submit" class="secondary">Apply</button>
        </form>
        <p id="live-status" class="help" role="status" aria-live="polite">Updates live as sessions change.</p>
        <div data-live>
        <ul class="totals" aria-label="Totals">
          <li><strong id="total-active">{{totals.active}}</strong> active sessions</li>
          <li><strong id="total-stale">{{totals.stale}}</strong> stale (idle ≥ {{staleHours}} h)</li>
          <li><strong>{{totals.owners}}</strong> admins importing</li>
          <li><strong>{{totals.imported}}</strong> of {{totals.questions}} questions imported</li>
          <li><strong>{{totals.denied}}</strong> denied attempts in the last 24 h</li>
          <li><strong id="total-expired">{{totals.expired}}</strong> expired (timeout: {{totals.expireAfter}})</li>
        </ul>
        {{#hasRows}}
        <div class="table-wrap">
        <table>
          <caption class="sr-only">Every active session, stalest first</caption>
          <thead><tr><th scope="col">Owner</th><th scope="col">Session</th><th scope="col">Hours idle</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Questions</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr data-session="{{id}}"{{#stale}} class="stale"{{/stale}}>
            <td>{{ownerEmail}}</td>
            <td>{{name}}<br><span class="help">{{fileName}}</span></td>
            <td>{{hours}}{{#stale}} <span class="tag warn">stale</span>{{/stale}}</td>
            <td>{{step}}</td>
            <td><progress max="100" value="{{progress}}" aria-label="Progress of {{name}}">{{progress}}%</progress> <span class="progress-text">{{progress}}%</span></td>
            <td>{{questionsImported}} of {{questionCount}}</td>
          </tr>
          {{/rows}}
          </tbody>
        </table>
        </div>
        {{#moreNote}}<p class="help">{{moreNote}}</p>{{/moreNote}}
        {{/hasRows}}
        {{^hasRows}}<p class="empty">Nobody has an import in progress.</p>{{/hasRows}}
        <div class="charts">
          <figure><figcaption>Active sessions by hours idle</figcaption>{{{idleChart}}}</figure>
          <figure><figcaption>Events per hour, last {{chartHours}} hours</figcaption>{{{eventsChart}}}</figure>
        </div>
        <section aria-labelledby="denied-heading">
          <h2 id="denied-heading">Denied attempts in the last 24 hours</h2>
          {{#hasDenied}}
          <div class="table-wrap">
          <table>
            <thead><tr><th scope="col">When</th><th scope="col">Who</th><th scope="col">Tried</th><th scope="col">Target</th><th scope="col">Explain</th></tr></thead>
            <tbody>
            {{#denied}}<tr><td><time datetime="{{recordedAt}}">{{when}}</time></td><td>{{actor}}</td><td>{{command}}</td><td>{{target}}</td><td>{{#commandID}}<a href="/explain/{{commandID}}">explain</a>{{/commandID}}</td></tr>{{/denied}}
            </tbody>
          </table>
          </div>
          {{/hasDenied}}
          {{^hasDenied}}<p class="empty">No denied attempts.</p>{{/hasDenied}}
        </section>
        </div>
        {{/content}}
        {{/layout}}
        """

    static let audit = """
        {{<layout}}
        {{$title}}Audit{{/title}}
        {{$content}}
        <h1>Audit trail</h1>
        {{^isSystemAdmin}}<p class="help">You see your own actions.</p>{{/isSystemAdmin}}
        <form method="get" action="/audit" class="card filters">
          <div><label for="f-actor">Actor (email, id or system)</label><input type="text" id="f-actor" name="actor" value="{{filter.actor}}"></div>
          <div><label for="f-session">Session id</label><input type="text" id="f-session" name="session" value="{{filter.session}}"></div>
          <div><label for="f-type">Type (prefix, e.g. session.)</label><input type="text" id="f-type" name="type" value="{{filter.type}}"></div>
          <div><label for="f-since">Since (time or 24h, 7d)</label><input type="text" id="f-since" name="since" value="{{filter.since}}"></div>
          <div><label for="f-until">Until</label><input type="text" id="f-until" name="until" value="{{filter.until}}"></div>
          <div><input type="checkbox" id="f-denied" name="denied" value="true"{{#filter.denied}} checked{{/filter.denied}}> <label for="f-denied" class="inline">Denied attempts only</label></div>
          <div><label for="f-limit">Rows per page</label><input type="number" id="f-limit" name="limit" min="1" max="1000" value="{{filter.limit}}"></div>
          <div><button type="submit">Filter</button></div>
        </form>
        {{#error}}<p class="notice error" role="alert">{{error}}</p>{{/error}}
        <p>Download this filter: <a href="/audit/download?{{downloadQuery}}&amp;format=csv">CSV</a> · <a href="/audit/download?{{downloadQuery}}&amp;format=jsonl">JSON lines</a></p>
        {{#hasRows}}
        <div class="table-wrap">
        <table>
          <caption class="sr-only">Audit events, newest first</caption>
          <thead><tr><th scope="col">#</th><th scope="col">When</th><th scope="col">Who</th><th scope="col">What</th><th scope="col">Session</th><th scope="col">Details</th></tr></thead>
          <tbody>
          {{#rows}}
          <tr{{#denied}} class="denied"{{/denied}}>
            <td>{{position}}</td>
            <td><time datetime="{{recordedAt}}">{{recordedAt}}</time></td>
            <td>{{actor}}</td>
            <td>{{type}}</td>
            <td>{{#sessionID}}<a href="/sessions/{{sessionID}}/history">{{sessionShort}}</a>{{/sessionID}}</td>
            <td><code>{{summary}}</code>{{#commandID}} <a href="/explain/{{commandID}}">explain</a>{{/commandID}}</td>
          </tr>
          {{/rows}}
          </tbody>
        </table>
        </div>
        {{#olderLink}}<p><a href="{{olderLink}}">Older events →</a></p>{{/olderLink}}
        {{/hasRows}}
        {{^hasRows}}<p class="empty">No events match.</p>{{/hasRows}}
        {{/content}}
        {{/layout}}
        """

    static let history = """
        {{<layout}}
        {{$title}}History{{/title}}
        {{$content}}
        <p><a href="/sessions/{{id}}">← The session</a></p>
        <h1>History of {{name}}</h1>
        <ol class="timeline">
        {{#entries}}
          <li>
            <p><strong>{{type}}</strong> by {{actor}} · <time datetime="{{recordedAt}}">{{recordedAt}}</time>{{#version}} · version {{version}}{{/version}}{{#commandID}} · <a href="/explain/{{commandID}}">explain</a>{{/commandID}}</p>
            {{#hasChanges}}<ul>{{#changes}}<li>{{field}}: {{from}} → {{to}}</li>{{/changes}}</ul>{{/hasChanges}}
          </li>
        {{/entries}}
        </ol>
        {{/content}}
        {{/layout}}
        """

    static let explain = """
        {{<layout}}
        {{$title}}Explain {{commandID}}{{/title}}
        {{$content}}
        <h1>Command {{commandID}}</h1>
        <p>Outcome: <strong id="outcome">{{outcome}}</strong></p>
        {{#reason}}<p id="reason">{{reason}}</p>{{/reason}}
        {{#hasFacts}}<h2>Facts at that moment</h2><dl class="facts">{{#facts}}<dt>{{key}}</dt><dd>{{value}}</dd>{{/facts}}</dl>{{/hasFacts}}
        {{#hasEvents}}<h2>Events it appended</h2><ul>{{#events}}<li>#{{position}} {{type}} at {{recordedAt}}</li>{{/events}}</ul>{{/hasEvents}}
        {{/content}}
        {{/layout}}
        """

    static let notFound = """
        {{<layout}}
        {{$title}}Not found{{/title}}
        {{$content}}
        <h1>Not found</h1>
        <p class="notice error" role="alert">{{message}}</p>
        <p><a href="/">Back to your workspace</a></p>
        {{/content}}
        {{/layout}}
        """

    static let error = """
        {{<layout}}
        {{$title}}{{heading}}{{/title}}
        {{$content}}
        <h1>{{heading}}</h1>
        <p class="notice error" role="alert">{{message}}</p>
        <p><a href="/">Back to your workspace</a></p>
        {{/content}}
        {{/layout}}
        """
}
