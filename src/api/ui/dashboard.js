// Hangar's dashboard (issue 7): overview, tasks, task detail with live log and timeline,
// dead letters with redrive, a submit form; functions and a page per function (issue 23);
// workflows (issue 24, workflows.js); HTTP APIs and a page per API (http-apis.js). Plain DOM and the public API, no framework and no CDN;
// every value from the server goes in as text (never as HTML). The key stays in this tab's
// sessionStorage, shared with the terminal page. An ES module: it imports the workflow and HTTP
// API pages.
import { httpApiPages } from './http-apis.js';
import { workflowPages } from './workflows.js';

(() => {
  const $ = (id) => document.getElementById(id);
  const view = $('view');
  /** Appends to the page what is there: a `null` is a part the page leaves out (append would
   *  write it as the text "null"). */
  const put = (...parts) => view.append(...parts.filter((x) => x !== null && x !== undefined));
  const key = () => $('key').value.trim();
  const state = (s, bad) => {
    $('state').textContent = s;
    $('state').className = bad ? 'error' : '';
  };

  /** h('td', { class: 'x' }, 'text', node...) → element; strings become text nodes. */
  function h(tag, attrs, ...kids) {
    const el = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
      else el.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) if (kid !== null && kid !== undefined) el.append(kid instanceof Node ? kid : String(kid));
    return el;
  }
  const svgEl = (tag, attrs) => {
    const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    return el;
  };

  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { ...(key() ? { authorization: `Bearer ${key()}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) {
      const err = new Error(json.detail || `${res.status} ${res.statusText}`);
      err.status = res.status;
      if (res.status === 401) refused(err);
      throw err;
    }
    return json;
  }

  /** Where the admin key is, for the pages that ask for a key. */
  const whereIsTheKey = () =>
    h(
      'p',
      {},
      'The admin key is in ',
      h('code', {}, 'data/admin.key'),
      " under the server's ",
      h('code', {}, 'HANGAR_DATA_DIR'),
      ' (',
      h('code', {}, './data'),
      ' of the directory Hangar was started in, by default): ',
      h('code', {}, 'cat data/admin.key'),
      '. An admin makes user keys with ',
      h('code', {}, 'hangar key create --user <name>'),
      '.',
    );

  /** A key the API does not accept: one clear message instead of the page's empty panels. */
  function refused(err) {
    leave();
    leave = () => {};
    if (refresher) clearInterval(refresher);
    refresher = null;
    state('key refused', true);
    view.replaceChildren(
      h(
        'div',
        { class: 'panel notice', id: 'bad-key' },
        h('h2', {}, 'This API key was not accepted'),
        h('p', {}, `The server answered: ${err.message}. Check the key above (it starts with hk_), or ask an admin for a new one.`),
        whereIsTheKey(),
      ),
    );
  }

  /** Who the key is ({ userId, scope }), read once per key. */
  let me = null;
  let meKey = null;
  async function whoAmI() {
    if (meKey !== key()) {
      me = await api('GET', '/me');
      meKey = key();
    }
    return me;
  }
  const isAdmin = () => me?.scope === 'admin';

  const fmtTime = (iso) => (iso ? new Date(iso).toLocaleTimeString() : '—');
  const fmtMs = (ms) =>
    ms === null || ms === undefined ? '—' : ms < 1000 ? `${Math.round(ms)} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  const status = (s) => h('span', { class: `s-${s}` }, s);
  /** An argument as a shell would need it typed (quoted only when it must be). */
  const quote = (a) => (/^[A-Za-z0-9_./=:,@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);
  /** What a task runs: its shell line, its argv, or the name of a built-in workload. `command`
   *  of an `args` task is only a label (by default the argv joined), so it is not added to it. */
  const commandLine = (t) => t.shell ?? (t.args ? t.args.map(quote).join(' ') : t.command);
  const table = (heads, rows, empty) =>
    rows.length
      ? h(
          'table',
          {},
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              heads.map((x) => h('th', {}, x)),
            ),
          ),
          h('tbody', {}, rows),
        )
      : h('p', { class: 'muted' }, empty);

  // ------------------------------------------------------------------ routing
  let leave = () => {};
  let refresher = null;
  /** Which nav link a detail page belongs to. */
  const NAV_OF = { task: 'tasks', function: 'functions', 'http-api': 'http-apis', 'state-machine': 'workflows', execution: 'workflows' };
  /** The page's refresher: `fn` every `ms` until the page is left (or `every(0)`); a call still
   *  running when the next is due is not overlapped. */
  function every(ms, fn) {
    if (refresher) clearInterval(refresher);
    refresher = null;
    if (!ms || !fn) return;
    let busy = false;
    refresher = setInterval(() => {
      if (busy) return;
      busy = true;
      Promise.resolve()
        .then(fn)
        .catch((e) => state(e.message, true))
        .finally(() => (busy = false));
    }, ms);
  }
  function route() {
    leave();
    leave = () => {};
    if (refresher) clearInterval(refresher);
    refresher = null;
    const [path, query] = location.hash.replace(/^#/, '').split('?');
    const parts = (path || '/').split('/').filter(Boolean);
    const params = new URLSearchParams(query || '');
    const page = parts[0] || 'overview';
    for (const a of document.querySelectorAll('nav a[data-nav]')) a.classList.toggle('on', a.dataset.nav === (NAV_OF[page] || page));
    view.replaceChildren();
    if (!key()) {
      view.append(
        h(
          'div',
          { class: 'panel notice', id: 'need-key' },
          h('h2', {}, 'Enter an API key above'),
          h('p', {}, 'An admin key shows everything; a user key its own tasks.'),
          whereIsTheKey(),
        ),
      );
      return;
    }
    const pages = {
      overview,
      tasks,
      task: () => taskDetail(decodeURIComponent(parts[1] || '')),
      dlq,
      submit,
      functions,
      function: () => fnDetail(decodeURIComponent(parts[1] || ''), params),
      'http-apis': () => http.httpApis(params),
      'http-api': () => http.httpApi(decodeURIComponent(parts[1] || ''), params),
      workflows: () => wf.workflows(params),
      'state-machine': () => wf.stateMachine(decodeURIComponent(parts[1] || ''), params),
      execution: () => wf.execution(decodeURIComponent(parts[1] || ''), params),
    };
    const show = pages[page] || overview;
    state('');
    whoAmI()
      .then(() => show(params))
      .catch((e) => {
        if (e.status !== 401) state(e.message, true);
      });
  }
  window.addEventListener('hashchange', route);

  $('key').value = sessionStorage.getItem('hangar-key') || '';
  $('key').addEventListener('change', () => {
    // A change event comes again when the field loses focus: the page is redrawn only for a
    // new key, else the redraw would swallow the click that took the focus away.
    if (key() === (sessionStorage.getItem('hangar-key') || '')) return;
    sessionStorage.setItem('hangar-key', key());
    route();
  });

  // ------------------------------------------------------------------ overview
  async function overview() {
    const cards = h('div', { class: 'cards', id: 'cards' });
    const queues = h('div', { class: 'panel', id: 'queues' });
    const thru = h('div', { class: 'panel', id: 'throughput' });
    const lat = h('div', { class: 'panel', id: 'latency' });
    const workers = h('div', { class: 'panel', id: 'workers' });
    const scaler = h('div', { class: 'panel', id: 'autoscaler' });
    const alerts = h('div', { class: 'panel', id: 'alerts' });
    // A user key reads its own tasks' counts, charts and queues; workers, alerts and the
    // autoscaler are the operator's (admin keys only), so they are not shown to users.
    const admin = isAdmin();
    put(
      admin
        ? null
        : h('p', { class: 'muted', id: 'whose' }, `Your tasks (user ${me.userId}). Workers, alerts and the autoscaler need an admin key.`),
      cards,
      h(
        'div',
        { class: 'grid2' },
        h('div', {}, h('h2', {}, 'Throughput, last hour (tasks finished per minute)'), thru),
        h('div', {}, h('h2', {}, 'Latency, last hour (mean wait and run time per minute)'), lat),
      ),
      admin
        ? h(
            'div',
            { class: 'grid2' },
            h('div', {}, h('h2', {}, 'Queues'), queues, h('h2', {}, 'Alerts'), alerts),
            h('div', {}, h('h2', {}, 'Workers'), workers, h('h2', {}, 'Autoscaler'), scaler),
          )
        : h('div', {}, h('h2', {}, 'Your queues'), queues),
    );
    const load = async () => {
      const adminOnly = (el) => (e) => {
        if (e.status === 403) el.replaceChildren(h('p', { class: 'muted' }, 'needs an admin key'));
        else throw e;
      };
      await Promise.all([
        api('GET', '/stats').then((s) => {
          const c = s.counts;
          // Each card opens the list of its tasks.
          const card = (label, n, cls, href) =>
            h('a', { class: 'card', href, 'data-card': label }, h('b', { class: cls }, n.toLocaleString()), h('span', {}, label));
          cards.replaceChildren(
            card('queued', c.PENDING, 's-PENDING', '#/tasks?status=PENDING'),
            card('running', c.RUNNING, 's-RUNNING', '#/tasks?status=RUNNING'),
            card('succeeded', c.SUCCESS, 's-SUCCESS', '#/tasks?status=SUCCESS'),
            card(
              'failed',
              c.FAILED + c.TIMEOUT,
              's-FAILED',
              c.TIMEOUT > 0 && c.FAILED === 0 ? '#/tasks?status=TIMEOUT' : '#/tasks?status=FAILED',
            ),
            card('cancelled', c.CANCELLED, 's-CANCELLED', '#/tasks?status=CANCELLED'),
            card('dead letters', c.deadLettered, 's-FAILED', '#/dlq'),
          );
          const minutes = series(s, (b) => b);
          thru.replaceChildren(
            chart(
              minutes,
              [
                ['finished', '#8fbf7f'],
                ['failed', '#e0787a'],
              ],
              (v) => String(Math.round(v)),
            ),
            legend([
              ['finished', '#8fbf7f'],
              ['failed', '#e0787a'],
            ]),
          );
          lat.replaceChildren(
            chart(
              minutes,
              [
                ['avgWaitMs', '#e5c07b'],
                ['avgRunMs', '#7fa7d9'],
              ],
              fmtMs,
            ),
            legend([
              ['wait', '#e5c07b'],
              ['run', '#7fa7d9'],
            ]),
          );
        }, adminOnly(cards)),
        api('GET', '/queues').then((q) => {
          queues.replaceChildren(
            table(
              ['queue', 'waiting', 'running', 'by priority'],
              q.queues.map((x) =>
                h(
                  'tr',
                  {},
                  h('td', {}, x.queue),
                  h('td', {}, x.pending),
                  h('td', {}, x.running),
                  h('td', { class: 'wrap muted' }, x.byPriority.map((p) => `p${p.priority}: ${p.pending}/${p.running}`).join('  ')),
                ),
              ),
              'no task waiting or running',
            ),
          );
        }),
        !admin
          ? null
          : api('GET', '/workers').then((w) => {
              workers.replaceChildren(
                table(
                  ['worker', 'host', 'slots', 'running', 'state', 'last seen'],
                  w.workers.map((x) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, x.workerId),
                      h('td', {}, x.host),
                      h('td', {}, x.slots),
                      h('td', {}, x.running),
                      h('td', {}, status(x.state)),
                      h('td', {}, fmtTime(x.lastSeen)),
                    ),
                  ),
                  'no live worker',
                ),
              );
            }, adminOnly(workers)),
        !admin
          ? null
          : api('GET', '/autoscaler?limit=10').then((a) => {
              scaler.replaceChildren(
                h('p', {}, a.desired === null ? 'no decision yet (autoscaler off, or nothing happened)' : `desired workers: ${a.desired}`),
                table(
                  ['time', 'action', 'depth', 'workers', 'desired', 'why', 'by'],
                  a.decisions.map((d) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, fmtTime(d.at)),
                      h('td', {}, status(d.action)),
                      h('td', {}, d.depth),
                      h(
                        'td',
                        {},
                        `${d.current}${d.action === 'launch' ? ` +${d.workers.length}` : d.action === 'retire' ? ` −${d.workers.length}` : ''}`,
                      ),
                      h('td', {}, d.desired),
                      h('td', { class: 'wrap muted' }, d.reason),
                      h('td', { class: 'muted' }, d.autoscaler ?? '—'),
                    ),
                  ),
                  'no decision recorded',
                ),
              );
            }, adminOnly(scaler)),
        !admin
          ? null
          : api('GET', '/alerts').then((a) => {
              alerts.replaceChildren(
                table(
                  ['rule', 'state', 'since', 'detail'],
                  a.alerts.map((x) =>
                    h(
                      'tr',
                      {},
                      h('td', {}, x.name),
                      h('td', {}, status(x.state)),
                      h('td', {}, fmtTime(x.since)),
                      h('td', { class: 'wrap muted' }, x.message),
                    ),
                  ),
                  'no alert rule configured',
                ),
              );
            }, adminOnly(alerts)),
      ]);
      state(`updated ${new Date().toLocaleTimeString()}`);
    };
    await load();
    refresher = setInterval(() => load().catch((e) => state(e.message, true)), 5000);
  }

  /** One entry per bucket of the window (empty buckets as zeros / no value). */
  function series(stats) {
    const start = Date.parse(stats.since);
    const n = Math.floor((Date.now() - start) / stats.bucketMs) + 1; // the current bucket too
    const byAt = new Map(stats.timeline.map((b) => [Date.parse(b.at), b]));
    return Array.from({ length: n }, (_, i) => {
      const at = start + i * stats.bucketMs;
      return byAt.get(at) || { at, finished: 0, failed: 0, avgWaitMs: null, avgRunMs: null };
    });
  }

  function legend(items) {
    return h(
      'div',
      { class: 'legend' },
      items.map(([label, color]) => [h('i', { style: `background:${color}` }), label]),
    );
  }

  /** A line chart of several fields over the buckets, in SVG (no library). */
  function chart(points, fields, fmt) {
    const W = 600,
      H = 140,
      L = 44,
      B = 16;
    const svg = svgEl('svg', { viewBox: `0 0 ${W} ${H}`, class: 'chart', preserveAspectRatio: 'none' });
    const max = Math.max(1e-9, ...points.flatMap((p) => fields.map(([f]) => p[f] ?? 0)));
    const x = (i) => L + (i / Math.max(1, points.length - 1)) * (W - L - 4);
    const y = (v) => 4 + (1 - v / max) * (H - B - 8);
    svg.append(svgEl('line', { x1: L, x2: W, y1: y(0), y2: y(0), stroke: '#333944' }));
    const top = svgEl('text', { x: 2, y: 12 });
    top.textContent = fmt(max);
    const zero = svgEl('text', { x: 2, y: y(0) });
    zero.textContent = '0';
    const left = svgEl('text', { x: L, y: H - 2 });
    left.textContent = points.length ? new Date(points[0].at).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '';
    const right = svgEl('text', { x: W - 40, y: H - 2 });
    right.textContent = 'now';
    svg.append(top, zero, left, right);
    for (const [f, color] of fields) {
      const d = points
        .map((p, i) => (p[f] === null || p[f] === undefined ? null : `${x(i).toFixed(1)},${y(p[f]).toFixed(1)}`))
        .filter(Boolean);
      if (d.length > 1)
        svg.append(
          svgEl('polyline', {
            points: d.join(' '),
            fill: 'none',
            stroke: color,
            'stroke-width': 1.5,
            'vector-effect': 'non-scaling-stroke',
          }),
        );
      for (const pt of d.length === 1 ? d : []) {
        const [cx, cy] = pt.split(',');
        svg.append(svgEl('circle', { cx, cy, r: 2.5, fill: color }));
      }
    }
    return svg;
  }

  // ------------------------------------------------------------------ task list
  async function tasks(params) {
    const f = {
      command: h('input', {
        name: 'command',
        type: 'search',
        value: params.get('command') || '',
        size: 24,
        placeholder: 'part of the command',
      }),
      status: h(
        'select',
        { name: 'status' },
        ['', 'PENDING', 'RUNNING', 'SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].map((s) =>
          h('option', { value: s, selected: params.get('status') === s }, s || 'any'),
        ),
      ),
      queue: h('input', { name: 'queue', value: params.get('queue') || '', size: 12 }),
      userId: h('input', { name: 'userId', value: params.get('userId') || '', size: 12 }),
    };
    const apply = h('button', { type: 'submit' }, 'Filter');
    const form = h(
      'form',
      { class: 'filters', id: 'filters' },
      h('label', {}, 'search', f.command),
      h('label', {}, 'status', f.status),
      h('label', {}, 'queue', f.queue),
      isAdmin() ? h('label', {}, 'user', f.userId) : null,
      apply,
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = new URLSearchParams();
      for (const [k, el] of Object.entries(f)) if (el.value) q.set(k, el.value);
      location.hash = `#/tasks?${q}`;
    });
    const list = pagedTable(
      'task-rows',
      'task-more',
      ['task', 'status', 'command', 'queue', 'priority', 'user', 'created', 'took'],
      'no task matches',
      (t) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/task/${encodeURIComponent(t.taskId)}` }, t.taskId)),
          h('td', {}, status(t.status)),
          h('td', { class: 'wrap' }, commandLine(t).slice(0, 80)),
          h('td', {}, t.queue),
          h('td', {}, t.priority),
          h('td', {}, t.userId ?? '—'),
          h('td', {}, fmtTime(t.createdAt)),
          h('td', {}, fmtMs(t.duration)),
        ),
    );
    view.append(h('h2', {}, 'Tasks'), form, list.panel, list.more);
    const q = new URLSearchParams({ limit: '50' });
    for (const k of ['command', 'status', 'queue', 'userId']) if (params.get(k)) q.set(k, params.get(k));
    await list.load(`/tasks?${q}`);
  }

  /**
   * A table filled a page at a time from a listing that returns { tasks, nextCursor }: a
   * "More" button reads the next page, as far as the operator goes.
   */
  function pagedTable(bodyId, moreId, columns, empty, row) {
    const body = h('tbody', { id: bodyId });
    const more = h('button', { type: 'button', id: moreId }, 'More');
    const panel = h(
      'div',
      { class: 'panel' },
      h(
        'table',
        {},
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            columns.map((x) => h('th', {}, x)),
          ),
        ),
        body,
      ),
    );
    let cursor = null;
    let path = '';
    const page = async () => {
      const r = await api('GET', cursor ? `${path}&cursor=${encodeURIComponent(cursor)}` : path);
      for (const t of r.tasks) body.append(row(t));
      if (!body.children.length) body.append(h('tr', {}, h('td', { colspan: columns.length, class: 'muted' }, empty)));
      cursor = r.nextCursor;
      more.hidden = !cursor;
    };
    more.addEventListener('click', () => page().catch((e) => state(e.message, true)));
    return { panel, more, load: (p) => ((path = p), page()) };
  }

  /** A JSON value as a tree: objects and arrays fold (<details>), the first levels open. */
  function tree(v, label, depth) {
    if (v === null || typeof v !== 'object') {
      const cls = typeof v === 'string' ? 'j-str' : typeof v === 'number' ? 'j-num' : 'j-lit';
      return h(
        'div',
        { class: 'j-leaf' },
        label === null ? null : h('span', { class: 'j-key' }, `${label}: `),
        h('span', { class: cls }, JSON.stringify(v)),
      );
    }
    const entries = Array.isArray(v) ? v.map((x, i) => [i, x]) : Object.entries(v);
    const size = Array.isArray(v) ? `[${entries.length}]` : `{${entries.length}}`;
    return h(
      'details',
      { open: depth < 2 && entries.length <= 50 },
      h('summary', {}, label === null ? null : h('span', { class: 'j-key' }, `${label} `), h('span', { class: 'muted' }, size)),
      h(
        'div',
        { class: 'j-kids' },
        entries.map(([k, x]) => tree(x, k, depth + 1)),
      ),
    );
  }

  // ------------------------------------------------------------------ task detail
  async function taskDetail(id) {
    const info = h('dl', { class: 'kv', id: 'task-info' });
    const bar = h('div', { class: 'timeline', id: 'task-bar' });
    const hist = h('div', { class: 'panel', id: 'task-history' });
    const log = h('pre', { id: 'log' });
    const result = h('div', { id: 'result' });
    const actions = h('div', { class: 'filters' });
    // Each attempt's output apart: the picker shows one attempt, by default the latest.
    const pick = h('select', { id: 'attempt-pick', title: 'attempt' });
    const logs = new Map(); // attempt → [{ stream, data }]
    let shown = 1;
    let picked = false; // the user chose an attempt: a new one does not take its place
    const chunk = (c) => (c.stream === 'stderr' ? h('span', { class: 'err' }, c.data) : c.data);
    const showAttempt = (n) => {
      shown = n;
      pick.value = String(n);
      log.dataset.attempt = String(n);
      log.replaceChildren(...(logs.get(n) || []).map(chunk));
    };
    const attempts = (n) => {
      for (let i = pick.options.length + 1; i <= n; i++) pick.append(h('option', { value: i }, `attempt ${i}`));
      if (!picked && n > shown) showAttempt(n);
    };
    pick.addEventListener('change', () => {
      picked = true;
      showAttempt(Number(pick.value));
    });
    attempts(1);
    view.append(h('h2', {}, `Task ${id}`), actions, info, result, h('h2', {}, 'Timeline'), bar, hist, h('h2', {}, 'Live log ', pick), log);

    // Status and end messages each refresh: only the last one started draws, so an earlier
    // read that answers late cannot put an ended task back to RUNNING.
    let latest = 0;
    const refresh = async () => {
      const mine = ++latest;
      const [t, hi] = await Promise.all([
        api('GET', `/tasks/${encodeURIComponent(id)}`),
        api('GET', `/tasks/${encodeURIComponent(id)}/history`),
      ]);
      if (mine !== latest) return t;
      const rows = [
        ['status', status(t.status)],
        ['attempt', `${t.attempt} of ${t.attemptLimit}`],
        ['command', commandLine(t)],
        ...(t.args && t.command !== t.args.join(' ') ? [['label', t.command]] : []),
        ['queue', `${t.queue} (${t.queueType}, priority ${t.priority})`],
        ['user', t.userId ?? '—'],
        ['created', t.createdAt],
        ['started', t.startedAt ?? '—'],
        ['completed', t.completedAt ?? '—'],
        ['took', fmtMs(t.duration)],
        ['error', t.error ? `${t.error.code}: ${t.error.message}` : '—'],
      ];
      info.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
      // Redrawn only when it changes, so what the reader opened or closed stays so.
      const json = t.detailedResults ? JSON.stringify(t.detailedResults) : '';
      if (result.dataset.json !== json) {
        result.dataset.json = json;
        result.replaceChildren(
          ...(t.detailedResults ? [h('h2', {}, 'Result'), h('div', { class: 'panel json' }, tree(t.detailedResults, 'result', 0))] : []),
        );
      }
      attempts(t.attempt);
      actions.replaceChildren(
        h(
          'a',
          {
            class: 'button',
            id: 'rerun',
            href: `#/submit?from=${encodeURIComponent(id)}`,
            title: 'a new task with the same command and settings, in the submit form',
          },
          'Re-run',
        ),
        ...(t.status === 'PENDING' || t.status === 'RUNNING'
          ? [
              h(
                'button',
                {
                  id: 'cancel',
                  onclick: () => api('POST', `/tasks/${encodeURIComponent(id)}/cancel`).then(refresh, (e) => state(e.message, true)),
                },
                'Cancel',
              ),
            ]
          : []),
        ...(t.deadLettered
          ? [
              h(
                'button',
                {
                  id: 'redrive',
                  onclick: () =>
                    api('POST', `/dlq/${encodeURIComponent(id)}/redrive`).then(
                      () => route(),
                      (e) => state(e.message, true),
                    ),
                },
                'Redrive',
              ),
            ]
          : []),
      );
      // The bar: waiting (yellow) and running (blue) spans of each attempt, to scale.
      const events = hi.history.map((e) => ({ ...e, t: Date.parse(e.at) }));
      const t0 = events[0]?.t ?? Date.now();
      const t1 = Math.max(Date.now(), t0 + 1);
      const end = ['SUCCESS', 'FAILED', 'TIMEOUT', 'CANCELLED'].includes(t.status) ? events.at(-1).t : t1;
      const span = Math.max(1, end - t0);
      bar.replaceChildren(
        ...events.map((e, i) => {
          const next = i + 1 < events.length ? events[i + 1].t : end;
          const color = e.status === 'RUNNING' ? '#7fa7d9' : e.status === 'PENDING' ? '#e5c07b' : 'transparent';
          return h('div', {
            title: `${e.status} ${fmtMs(next - e.t)}`,
            style: `width:${((100 * (next - e.t)) / span).toFixed(2)}%;background:${color}`,
          });
        }),
      );
      hist.replaceChildren(
        table(
          ['time', '+', 'status', 'attempt', 'worker', 'reason'],
          events.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, fmtTime(e.at)),
              h('td', {}, `+${fmtMs(e.t - t0)}`),
              h('td', {}, status(e.status)),
              h('td', {}, e.attempt),
              h('td', {}, e.workerId ?? '—'),
              h('td', { class: 'wrap muted' }, e.reason ?? ''),
            ),
          ),
          'no history',
        ),
      );
      return t;
    };
    await refresh();

    // Live output over the WebSocket: every chunk from the first attempt on, then the end.
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    leave = () => socket.close();
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: key() }));
      socket.send(JSON.stringify({ type: 'subscribe', channel: `task:${id}` }));
    };
    socket.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'output') {
        if (!logs.has(m.attempt)) logs.set(m.attempt, []);
        logs.get(m.attempt).push({ stream: m.stream, data: m.data });
        attempts(m.attempt);
        if (m.attempt === shown) log.append(chunk(m));
      } else if (m.type === 'status') refresh().catch(() => {});
      else if (m.type === 'end') {
        log.dataset.ended = m.status;
        refresh().catch(() => {});
        state(`task ended: ${m.status}`);
      } else if (m.type === 'error') state(m.message, true);
    };
  }

  // ------------------------------------------------------------------ dead letters
  async function dlq() {
    const list = pagedTable(
      'dlq-rows',
      'dlq-more',
      ['task', 'status', 'command', 'error', 'attempts', 'completed', ''],
      'the dead-letter queue is empty',
      (t) =>
        h(
          'tr',
          {},
          h('td', {}, h('a', { href: `#/task/${encodeURIComponent(t.taskId)}` }, t.taskId)),
          h('td', {}, status(t.status)),
          h('td', { class: 'wrap' }, commandLine(t).slice(0, 60)),
          h('td', { class: 'wrap muted' }, t.error ? `${t.error.code}: ${t.error.message}`.slice(0, 120) : ''),
          h('td', {}, t.attempt),
          h('td', {}, fmtTime(t.completedAt)),
          h(
            'td',
            {},
            h(
              'button',
              {
                'data-redrive': t.taskId,
                onclick: async (e) => {
                  e.target.disabled = true;
                  try {
                    await api('POST', `/dlq/${encodeURIComponent(t.taskId)}/redrive`);
                    state(`redriven: ${t.taskId}`);
                    route();
                  } catch (err) {
                    state(err.message, true);
                    e.target.disabled = false;
                  }
                },
              },
              'Redrive',
            ),
          ),
        ),
    );
    list.panel.id = 'dlq';
    // Redrive all: the ids are read first, then each is redriven once, so a task that fails
    // again and comes back is not redriven a second time.
    const all = h('button', { type: 'button', id: 'redrive-all' }, 'Redrive all');
    all.addEventListener('click', async () => {
      all.disabled = true;
      try {
        const ids = [];
        for (let cursor = null, first = true; first || cursor; first = false) {
          const page = await api('GET', `/dlq?limit=500${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
          ids.push(...page.tasks.map((t) => t.taskId));
          cursor = page.nextCursor;
        }
        if (!ids.length || !confirm(`Redrive ${ids.length} dead-lettered task(s)?`)) return;
        let done = 0;
        const failed = [];
        for (let i = 0; i < ids.length; i += 8) {
          await Promise.all(
            ids.slice(i, i + 8).map((id) =>
              api('POST', `/dlq/${encodeURIComponent(id)}/redrive`).then(
                () => done++,
                (e) => failed.push(`${id}: ${e.message}`),
              ),
            ),
          );
          state(`redriving: ${done} of ${ids.length}`);
        }
        route();
        state(failed.length ? `redriven: ${done}; not redriven: ${failed.join('; ')}` : `redriven: ${done}`, failed.length > 0);
      } catch (err) {
        state(err.message, true);
      } finally {
        all.disabled = false;
      }
    });
    view.append(
      h('h2', {}, 'Dead-letter queue: tasks whose last attempt failed'),
      h('div', { class: 'filters' }, all),
      list.panel,
      list.more,
    );
    await list.load('/dlq?limit=100');
  }

  // ------------------------------------------------------------------ functions
  /** `?userId=` for an admin looking at another user's functions (`#/functions?user=alice`). */
  const owner = (params) => (params.get('user') ? `userId=${encodeURIComponent(params.get('user'))}` : '');

  async function functions(params) {
    const user = h('input', { name: 'user', value: params.get('user') || '', size: 14, placeholder: me.userId });
    const go = () => {
      location.hash = `#/functions${user.value.trim() ? `?user=${encodeURIComponent(user.value.trim())}` : ''}`;
    };
    user.addEventListener('change', go);
    const q = owner(params);
    const r = await api('GET', `/functions?limit=500${q ? `&${q}` : ''}`);
    put(
      h('h2', {}, `Functions of ${params.get('user') || me.userId}`),
      isAdmin() ? h('div', { class: 'filters' }, h('label', {}, 'user', user)) : null,
      h(
        'div',
        { class: 'panel', id: 'functions' },
        table(
          ['function', 'runtime', 'memory', 'timeout', 'modified'],
          r.functions.map((f) =>
            h(
              'tr',
              {},
              h(
                'td',
                {},
                h('a', { href: `#/function/${encodeURIComponent(f.name)}${q ? `?user=${encodeURIComponent(f.userId)}` : ''}` }, f.name),
              ),
              h('td', {}, f.runtime),
              h('td', {}, `${f.memoryMb} MB`),
              h('td', {}, `${f.timeoutS} s`),
              h('td', {}, fmtTime(f.lastModified)),
            ),
          ),
          'no functions: deploy one with hangar function deploy',
        ),
      ),
    );
  }

  /** Figures of a function's recent invocations (the records the page read). */
  function fnStats(recs) {
    const d = recs.map((r) => r.durationMs).sort((a, b) => a - b);
    const pct = (q) => (d.length ? d[Math.min(d.length - 1, Math.floor(q * d.length))] : null);
    // Peak concurrency: the most invocations running at one instant (a sweep over starts and ends).
    const ev = recs
      .flatMap((r) => [
        [Date.parse(r.startedAt), 1],
        [Date.parse(r.endedAt), -1],
      ])
      .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    let running = 0;
    let peak = 0;
    for (const [, k] of ev) peak = Math.max(peak, (running += k));
    return {
      n: recs.length,
      errors: recs.filter((r) => r.status !== 'success').length,
      cold: recs.filter((r) => r.initDurationMs !== null).length,
      p50: pct(0.5),
      p99: pct(0.99),
      peak,
    };
  }

  /** Per minute of the last hour: invocations, errors and mean duration. */
  function fnSeries(recs) {
    const now = Date.now();
    const start = now - (now % 60_000) - 59 * 60_000;
    const points = Array.from({ length: 60 }, (_, i) => ({ at: start + i * 60_000, invocations: 0, errors: 0, total: 0, avgMs: null }));
    for (const r of recs) {
      const p = points[Math.floor((Date.parse(r.endedAt) - start) / 60_000)];
      if (!p) continue;
      p.invocations++;
      if (r.status !== 'success') p.errors++;
      p.total += r.durationMs;
      p.avgMs = p.total / p.invocations;
    }
    return points;
  }

  /** The function's circuit breaker as a card: its state (this API process's), and in its title
   *  the configuration, failures counted and the next probe. */
  function breakerCard(card, b) {
    if (!b)
      return card('circuit breaker', 'none', '', 'no circuit breaker: hangar function breaker NAME --threshold N --window S --cooldown S');
    const cls = b.state === 'open' ? 's-FAILED' : b.state === 'half-open' ? 's-RUNNING' : 's-SUCCESS';
    const detail = [
      `opens at ${b.failureThreshold} failures in ${b.windowSeconds} s; probes after ${b.cooldownSeconds} s`,
      b.state === 'closed' ? `${b.failuresInWindow} failures in the window` : `opened ${fmtTime(b.openedAt)}`,
      b.nextProbeAt ? `next probe ${fmtTime(b.nextProbeAt)}` : '',
    ];
    return card('circuit breaker', b.state, cls, detail.filter(Boolean).join('\n'));
  }

  async function fnDetail(name, params) {
    const q = owner(params);
    const base = `/functions/${encodeURIComponent(name)}`;
    const cards = h('div', { class: 'cards', id: 'fn-cards' });
    const calls = h('div', { class: 'panel', id: 'fn-calls' });
    const dur = h('div', { class: 'panel', id: 'fn-duration' });
    const recent = h('div', { class: 'panel', id: 'fn-invocations' });
    const log = h('pre', { id: 'log' }, 'choose an invocation above for its log');
    const f = await api('GET', `${base}${q ? `?${q}` : ''}`);
    view.append(
      h('h2', {}, `Function ${f.name} (${f.userId}) · ${f.runtime} · ${f.memoryMb} MB · ${f.timeoutS} s`),
      cards,
      h(
        'div',
        { class: 'grid2' },
        h('div', {}, h('h2', {}, 'Invocations and errors per minute, last hour'), calls),
        h('div', {}, h('h2', {}, 'Mean duration per minute, last hour'), dur),
      ),
      h('h2', {}, 'Recent invocations'),
      recent,
      h('h2', {}, 'Log'),
      log,
    );
    const showLog = async (id) => {
      const r = await api('GET', `${base}/logs?requestId=${encodeURIComponent(id)}${q ? `&${q}` : ''}`);
      log.textContent = r.logs[0]?.log ?? 'this invocation is no longer kept';
      log.dataset.requestId = id;
    };
    const load = async () => {
      // The function again for its circuit breaker's state, which moves as invocations fail.
      const [recs, now] = await Promise.all([
        api('GET', `${base}/invocations?limit=200${q ? `&${q}` : ''}`).then((r) => r.invocations),
        api('GET', `${base}${q ? `?${q}` : ''}`),
      ]);
      const s = fnStats(recs);
      const card = (label, v, cls, title) =>
        h('div', { class: 'card', 'data-card': label, ...(title ? { title } : {}) }, h('b', { class: cls }, v), h('span', {}, label));
      cards.replaceChildren(
        breakerCard(card, now.circuitBreaker),
        card('invocations', s.n, 's-ok'),
        card('errors', s.errors, s.errors ? 's-FAILED' : ''),
        card('cold starts', s.cold, ''),
        card('duration p50', fmtMs(s.p50), ''),
        card('duration p99', fmtMs(s.p99), ''),
        card('peak concurrency', s.peak, 's-RUNNING'),
      );
      const points = fnSeries(recs);
      calls.replaceChildren(
        chart(
          points,
          [
            ['invocations', '#7fa7d9'],
            ['errors', '#e0787a'],
          ],
          (v) => String(Math.round(v)),
        ),
        legend([
          ['invocations', '#7fa7d9'],
          ['errors', '#e0787a'],
        ]),
      );
      dur.replaceChildren(chart(points, [['avgMs', '#e5c07b']], fmtMs));
      recent.replaceChildren(
        table(
          ['request', 'ended', 'status', 'version', 'duration', 'init', 'memory', ''],
          recs
            .slice(0, 50)
            .map((r) =>
              h(
                'tr',
                {},
                h('td', {}, h('code', {}, r.requestId)),
                h('td', {}, fmtTime(r.endedAt)),
                h(
                  'td',
                  {},
                  h(
                    'span',
                    { class: r.status === 'success' ? 's-SUCCESS' : 's-FAILED' },
                    r.errorType ? `${r.status}: ${r.errorType}` : r.status,
                  ),
                ),
                h('td', {}, r.executedVersion),
                h('td', {}, fmtMs(r.durationMs)),
                h('td', {}, r.initDurationMs === null ? '' : fmtMs(r.initDurationMs)),
                h('td', {}, r.maxMemoryUsedMb === null ? '' : `${r.maxMemoryUsedMb} / ${r.memoryMb} MB`),
                h(
                  'td',
                  {},
                  h('button', { 'data-log': r.requestId, onclick: () => showLog(r.requestId).catch((e) => state(e.message, true)) }, 'log'),
                ),
              ),
            ),
          'no invocations kept yet',
        ),
      );
      state(`updated ${new Date().toLocaleTimeString()}`);
    };
    await load();
    refresher = setInterval(() => load().catch((e) => state(e.message, true)), 5000);
  }

  // ------------------------------------------------------------------ submit
  /** The submit form; `#/submit?from=<taskId>` fills it from that task (re-run). */
  async function submit(params) {
    const BUILTIN = ['cpu-intensive', 'io-intensive', 'memory-intensive', 'network-test', 'error', 'timeout', 'noop'];
    const kind = h(
      'select',
      { id: 'kind' },
      h('option', { value: 'shell' }, 'shell command'),
      h('option', { value: 'args' }, 'program (argv, no shell)'),
      BUILTIN.map((k) => h('option', { value: k }, k)),
    );
    const shell = h('textarea', { id: 'shell', rows: 4, placeholder: 'echo hello; sleep 1; echo done' });
    const argv = h('textarea', { id: 'args', rows: 4, placeholder: 'one argument a line:\npython3\n-c\nprint("hi")' });
    const num = (id, min, max, value, size) => h('input', { id, type: 'number', min, max, value, size });
    const priority = num('priority', 0, 10, 1, 3);
    const queue = h('input', { id: 'queue', value: 'default', size: 12 });
    const timeout = num('timeout', 1, undefined, 300, 6);
    const attempts = h('input', { id: 'attempts', type: 'number', min: 1, max: 100, size: 4, placeholder: 'default' });
    const cpu = num('cpu', 1, undefined, 256, 6);
    const memory = num('memory', 1, undefined, 512, 6);
    const network = h('select', { id: 'network' }, h('option', { value: 'none' }, 'none'), h('option', { value: 'egress' }, 'egress'));
    const project = h('select', { id: 'project' }, h('option', { value: '' }, '—'));
    const env = h('textarea', { id: 'env', rows: 3, placeholder: 'NAME=value, one a line' });
    const secrets = h('input', { id: 'secrets', size: 30, placeholder: 'API_TOKEN, DB_PASSWORD' });
    const go = h('button', { type: 'submit', id: 'go' }, 'Submit');
    const note = h('p', { class: 'muted', id: 'from' });
    const form = h(
      'form',
      { class: 'submit', id: 'submit-form' },
      note,
      h('label', {}, 'what', kind),
      h('label', { id: 'shell-label' }, 'shell command', shell),
      h('label', { id: 'args-label', hidden: true }, 'program and arguments', argv),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'priority (0-10, ≥ 5: priority queue)', priority),
        h('label', {}, 'queue', queue),
        h('label', {}, 'timeout (s)', timeout),
        h('label', {}, 'attempts', attempts),
      ),
      h(
        'div',
        { class: 'row' },
        h('label', {}, 'cpu (1024 = 1 vCPU)', cpu),
        h('label', {}, 'memory (MB)', memory),
        h('label', {}, 'network', network),
        h('label', {}, 'project (its files)', project),
      ),
      h('label', {}, 'environment', env),
      h('label', {}, 'secrets (names, set as environment variables)', secrets),
      h('div', {}, go),
    );
    const showKind = () => {
      form.querySelector('#shell-label').hidden = kind.value !== 'shell';
      form.querySelector('#args-label').hidden = kind.value !== 'args';
    };
    kind.addEventListener('change', showKind);
    view.append(h('h2', {}, 'Submit a task'), form);

    const projects = await api('GET', '/projects').catch(() => ({ projects: [] }));
    project.append(...projects.projects.map((p) => h('option', { value: p.projectId }, `${p.name} (v${p.latestVersion})`)));
    const from = params.get('from');
    if (from) {
      // Re-run: everything the task's view shows (its environment is not shown by the API).
      const t = await api('GET', `/tasks/${encodeURIComponent(from)}`);
      kind.value = t.shell !== null ? 'shell' : t.args ? 'args' : BUILTIN.includes(t.command) ? t.command : 'shell';
      if (t.shell !== null) shell.value = t.shell;
      else if (t.args) argv.value = t.args.join('\n');
      else if (!BUILTIN.includes(t.command)) shell.value = t.command;
      priority.value = t.priority;
      queue.value = t.queue;
      timeout.value = t.timeout;
      attempts.value = t.maxAttempts;
      cpu.value = t.resources.cpu;
      memory.value = t.resources.memory;
      network.value = t.network;
      project.value = t.projectId ?? '';
      secrets.value = (t.secrets || []).join(', ');
      note.replaceChildren(
        'A copy of task ',
        h('a', { href: `#/task/${encodeURIComponent(from)}` }, from),
        ' (its environment is not copied: the API does not show it).',
      );
      showKind();
    }

    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      go.disabled = true;
      try {
        const vars = {};
        for (const line of env.value
          .split('\n')
          .map((l) => l.trim())
          .filter(Boolean)) {
          const eq = line.indexOf('=');
          if (eq < 1) throw new Error(`environment: "${line}" is not NAME=value`);
          vars[line.slice(0, eq)] = line.slice(eq + 1);
        }
        const names = secrets.value.split(/[\s,]+/).filter(Boolean);
        const what =
          kind.value === 'shell'
            ? { shell: shell.value }
            : kind.value === 'args'
              ? { args: argv.value.replace(/\n+$/, '').split('\n') }
              : { command: kind.value };
        const body = {
          ...what,
          priority: Number(priority.value),
          queue: queue.value || undefined,
          timeout: Number(timeout.value),
          ...(attempts.value ? { maxAttempts: Number(attempts.value) } : {}),
          resources: { cpu: Number(cpu.value), memory: Number(memory.value) },
          network: network.value,
          ...(project.value ? { project: project.value } : {}),
          ...(Object.keys(vars).length ? { env: vars } : {}),
          ...(names.length ? { secrets: names } : {}),
        };
        const r = await api('POST', '/tasks', body);
        location.hash = `#/task/${encodeURIComponent(r.taskId)}`;
      } catch (err) {
        state(err.message, true);
      } finally {
        go.disabled = false;
      }
    });
  }

  // ------------------------------------------------------------------ workflows
  const wf = workflowPages({ view, h, svgEl, api, state, table, tree, status, fmtTime, fmtMs, owner, every, me: () => me });
  const http = httpApiPages({ view, put, h, api, state, table, owner, every, me: () => me });

  route();
})();
