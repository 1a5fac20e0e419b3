/// The pages' Mustache templates, compiled into the binary (no files to ship beside it).
///
/// Every page extends `layout`, filling its `title` and `content` blocks. `{{…}}` escapes HTML;
/// the only triple-brace values are SVG charts the server draws from numbers.
enum PageTemplates {
    static let all: [String: String] = [
        "layout": layout, "signin": signin, "workspace": workspace, "session": session, "monitor": monitor,
        "audit": audit, "history": history, "explain": explain, "notfound": notFound, "error": error,
        "cleanup": cleanup,
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
            <a href="/cleanup">Cleanup</a>
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
        {{#hasOffers}}
        <section class="card" aria-labelledby="offers-heading">
          <h2 id="offers-heading">Offered to you</h2>
          <p class="help">Another admin wants to hand these sessions over to you. Nothing changes hands until you accept.</p>
          <ul class="offers">
          {{#offers}}
            <li data-offer="{{id}}">
              <p><strong>{{name}}</strong> · {{fileName}} · {{status}} · from {{fromEmail}} · until <time datetime="{{until}}">{{until}}</time></p>
              <form method="post" action="/sessions/{{id}}" class="inline-form">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <input type="hidden" name="action" value="accept">
                <button type="submit" aria-label="Accept {{name}}">Accept</button>
                <button type="submit" name="allow_duplicate" value="true" class="secondary" aria-label="Accept {{name}} even if I already imported this file">Accept even if I already imported this file</button>
              </form>
              <form method="post" action="/sessions/{{id}}" class="inline-form">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <input type="hidden" name="action" value="decline">
                <button type="submit" class="secondary" aria-label="Decline {{name}}">Decline</button>
              </form>
            </li>
          {{/offers}}
          </ul>
        </section>
        {{/hasOffers}}
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
          <dt>Owner</dt><dd id="owner">{{ownerEmail}}</dd>
          <dt>Status</dt><dd id="status">{{statusName}}</dd>
          <dt>Step</dt><dd id="step">{{step}}</dd>
          <dt>Progress</dt><dd><progress max="100" value="{{progress}}" aria-label="Progress">{{progress}}%</progress> <span id="progress">{{progress}}%</span></dd>
          <dt>Questions imported</dt><dd id="questions">{{questionsImported}} of {{questionCount}}</dd>
          <dt>Version</dt><dd>{{version}}</dd>
          <dt>Last access</dt><dd><time datetime="{{lastAccessedAt}}">{{lastAccess}}</time></dd>
        </dl>
        {{/session}}
        {{#sharedNote}}<p class="help" id="shared-note">{{sharedNote}}</p>{{/sharedNote}}
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
        {{#shareable}}
        <section class="card" aria-labelledby="share-heading">
          <h2 id="share-heading">Work on it together</h2>
          {{#hasCollaborators}}
          <div class="table-wrap">
          <table id="collaborators">
            <caption>Shared with</caption>
            <thead><tr><th scope="col">Colleague</th><th scope="col">Role</th><th scope="col"><span class="sr-only">Remove</span></th></tr></thead>
            <tbody>
            {{#collaborators}}
            <tr data-collaborator="{{email}}">
              <td>{{email}}</td>
              <td>{{role}}</td>
              <td><form method="post" action="/sessions/{{session.id}}">
                <input type="hidden" name="csrf" value="{{csrf}}">
                <input type="hidden" name="action" value="unshare">
                <input type="hidden" name="with" value="{{email}}">
                <button type="submit" class="secondary" aria-label="Stop sharing with {{email}}">Stop sharing</button>
              </form></td>
            </tr>
            {{/collaborators}}
            </tbody>
          </table>
          </div>
          {{/hasCollaborators}}
          {{^hasCollaborators}}<p class="help">Nobody else works on this session yet.</p>{{/hasCollaborators}}
          <form method="post" action="/sessions/{{session.id}}" id="share-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="share">
            <label for="share-with">Colleague's email</label>
            <input type="email" id="share-with" name="with" required>
            <label for="share-role">Role</label>
            <select id="share-role" name="role">
              {{#roles}}<option value="{{value}}">{{label}}</option>{{/roles}}
            </select>
            <button type="submit">Share session</button>
          </form>
        </section>
        <section class="card" aria-labelledby="offer-heading">
          <h2 id="offer-heading">Hand it over</h2>
          {{#pendingOffer}}<p id="pending-offer">{{pendingOffer}}</p>{{/pendingOffer}}
          {{#offerable}}
          <p class="help">Offer this session to another admin: it becomes theirs when they accept, within 7 days.</p>
          <form method="post" action="/sessions/{{session.id}}" id="offer-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="offer">
            <label for="offer-to">Offer to (email)</label>
            <input type="email" id="offer-to" name="to" required>
            <button type="submit">Offer session</button>
          </form>
          {{/offerable}}
        </section>
        {{/shareable}}
        {{#transferable}}
        <section class="card" aria-labelledby="transfer-heading">
          <h2 id="transfer-heading">Transfer the session</h2>
          <p class="help">As a system admin you can assign this session to another admin at once; it is theirs from then on.</p>
          <form method="post" action="/sessions/{{session.id}}" id="transfer-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="transfer">
            <label for="transfer-to">New owner (email)</label>
            <input type="email" id="transfer-to" name="to" required>
            <label for="transfer-reason">Reason (optional)</label>
            <input type="text" id="transfer-reason" name="reason" autocomplete="off">
            <button type="submit">Transfer session</button>
          </form>
        </section>
        {{/transferable}}
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
        {{#notices}}<p class="notice {{kind}}" role="{{role}}">{{text}}</p>{{/notices}}
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
          <li><strong id="total-offers">{{totals.pendingOffers}}</strong> offers waiting for an answer</li>
          <li>Last sweep: <span id="last-sweep">{{#totals.lastSweepAt}}<time datetime="{{totals.lastSweepAt}}">{{totals.lastSweep}}</time>{{/totals.lastSweepAt}}{{^totals.lastSweepAt}}{{totals.lastSweep}}{{/totals.lastSweepAt}}</span></li>
        </ul>
        {{#hasRows}}
        <div class="table-wrap">
        <table>
          <caption class="sr-only">Every active session, stalest first</caption>
          <thead><tr><th scope="col">Owner</th><th scope="col">Shared with</th><th scope="col">Session</th><th scope="col">Hours idle</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Questions</th><th scope="col"><span class="sr-only">Hand over</span></th></tr></thead>
          <tbody>
          {{#rows}}
          <tr data-session="{{id}}"{{#stale}} class="stale"{{/stale}}>
            <td>{{ownerEmail}}</td>
            <td class="collaborators">{{collaborators}}</td>
            <td>{{name}}<br><span class="help">{{fileName}}</span></td>
            <td>{{hours}}{{#stale}} <span class="tag warn">stale</span>{{/stale}}</td>
            <td>{{step}}</td>
            <td><progress max="100" value="{{progress}}" aria-label="Progress of {{name}}">{{progress}}%</progress> <span class="progress-text">{{progress}}%</span></td>
            <td>{{questionsImported}} of {{questionCount}}</td>
            <td><a href="/monitor?transfer={{id}}#transfer-heading" aria-label="Transfer {{name}}">Transfer</a></td>
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
        <section class="card" aria-labelledby="transfer-heading">
          <h2 id="transfer-heading">Transfer a session</h2>
          <p class="help">Assign anyone's session (or a legacy one) to another admin, for instance when its owner is on leave. It is theirs at once; the former owner can no longer reach it.</p>
          <form method="post" action="/monitor" id="transfer-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <label for="transfer-session">Session id</label>
            <input type="text" id="transfer-session" name="session_id" value="{{transfer.sessionID}}" autocomplete="off" required spellcheck="false">
            <label for="transfer-to">New owner (email)</label>
            <input type="email" id="transfer-to" name="to" value="{{transfer.to}}" required>
            <label for="transfer-reason">Reason (optional)</label>
            <input type="text" id="transfer-reason" name="reason" value="{{transfer.reason}}" autocomplete="off">
            <button type="submit">Transfer session</button>
          </form>
        </section>
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

    static let cleanup = """
        {{<layout}}
        {{$title}}Cleanup{{/title}}
        {{$content}}
        <h1>Clean up sessions</h1>
        {{#isSystemAdmin}}<p class="help">As a system admin you clean up everyone's sessions.</p>{{/isSystemAdmin}}
        {{^isSystemAdmin}}<p class="help">You clean up your own sessions and the legacy ones from the old system.</p>{{/isSystemAdmin}}
        {{#notices}}<p class="notice {{kind}}" role="{{role}}">{{text}}</p>{{/notices}}
        <form method="post" action="/cleanup" class="card filters" id="cleanup-form">
          <input type="hidden" name="csrf" value="{{csrf}}">
          <input type="hidden" name="action" value="preview">
          <p class="help">Every filter you give must match. Nothing is deleted until you have seen the list and confirmed it.</p>
          <div><input type="checkbox" id="c-legacy" name="legacy" value="true"{{#filter.legacy}} checked{{/filter.legacy}}> <label for="c-legacy" class="inline">Legacy sessions (from the old system)</label></div>
          <div><input type="checkbox" id="c-expired" name="expired" value="true"{{#filter.expired}} checked{{/filter.expired}}> <label for="c-expired" class="inline">Expired sessions</label></div>
          <div><label for="c-status">Status</label>
            <select id="c-status" name="status">{{#statuses}}<option value="{{value}}"{{#selected}} selected{{/selected}}>{{label}}</option>{{/statuses}}</select></div>
          <div><label for="c-older">Last changed at least (e.g. 90d)</label><input type="text" id="c-older" name="older_than" value="{{filter.olderThan}}" autocomplete="off"></div>
          <div><label for="c-owner">Owner (email){{^isSystemAdmin}}: only yourself{{/isSystemAdmin}}</label><input type="text" id="c-owner" name="owner" value="{{filter.owner}}" autocomplete="off"></div>
          <div><label for="c-idle">Not used for at least (hours)</label><input type="number" id="c-idle" name="idle_hours" min="0" step="any" value="{{filter.idleHours}}"></div>
          <div><button type="submit">List what would be deleted</button></div>
        </form>
        {{#preview}}
        <section class="card" aria-labelledby="preview-heading">
          <h2 id="preview-heading">These sessions would be deleted</h2>
          <p id="cleanup-count">{{countText}}</p>
          <div class="table-wrap">
          <table id="cleanup-matches">
            <caption class="sr-only">Sessions the filters match</caption>
            <thead><tr><th scope="col">Session</th><th scope="col">Owner</th><th scope="col">Status</th></tr></thead>
            <tbody>
            {{#matches}}<tr data-session="{{id}}"><td>{{name}}<br><span class="help">{{id}}</span></td><td>{{ownerEmail}}</td><td>{{status}}</td></tr>{{/matches}}
            </tbody>
          </table>
          </div>
          {{#moreNote}}<p class="help">{{moreNote}}</p>{{/moreNote}}
          <form method="post" action="/cleanup" id="confirm-form">
            <input type="hidden" name="csrf" value="{{csrf}}">
            <input type="hidden" name="action" value="confirm">
            <input type="hidden" name="expected" value="{{expected}}">
            <input type="hidden" name="command_id" value="{{commandID}}">
            {{#filter.legacy}}<input type="hidden" name="legacy" value="true">{{/filter.legacy}}
            {{#filter.expired}}<input type="hidden" name="expired" value="true">{{/filter.expired}}
            <input type="hidden" name="status" value="{{filter.status}}">
            <input type="hidden" name="older_than" value="{{filter.olderThan}}">
            <input type="hidden" name="owner" value="{{filter.owner}}">
            <input type="hidden" name="idle_hours" value="{{filter.idleHours}}">
            <p>Each one gets its own <code>session.deleted</code> in the log, all under one command id. This cannot be undone.</p>
            <button type="submit" class="danger">Delete these sessions</button>
          </form>
        </section>
        {{/preview}}
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
