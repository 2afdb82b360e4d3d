// The dashboard's workflow pages (issue 24): state machines, a state machine drawn as a graph
// with its executions, and an execution on that graph — each state coloured by its status, its
// input, output, error and attempts beside it, Parallel branches and Map processors nested (a
// Map shows one iteration at a time, picked by index), live while it runs. The DOM only: the
// graph, its layout and the reading of the history are workflow-graph.js's.
import { graphOf, iterationCounts, lastEventId, layout, nodeAt, runOf, statusesOf } from './workflow-graph.js';

/** How many of an execution's events its page lists (the newest). */
const SHOWN_EVENTS = 300;

/** `ui`: the dashboard's helpers (view, h, svgEl, api, state, table, tree, status, fmtTime, fmtMs, owner, every, me). */
export function workflowPages(ui) {
  const { h, svgEl, api, state, table, tree, status, fmtTime, fmtMs, owner } = ui;
  const q = (params, first) => {
    const o = owner(params);
    return o ? `${first ? '?' : '&'}${o}` : '';
  };
  const userParam = (params) => (params.get('user') ? `?user=${encodeURIComponent(params.get('user'))}` : '');
  const enc = encodeURIComponent;
  /** Appends to the page what is there (a `null` is a part the page leaves out). */
  const put = (...parts) => ui.view.append(...parts.filter((x) => x !== null && x !== undefined && x !== false));

  // ------------------------------------------------------------------ list
  async function workflows(params) {
    const [machines, executions] = await Promise.all([
      api('GET', `/state-machines?limit=500${q(params)}`),
      api('GET', `/executions?limit=50${q(params)}`),
    ]);
    put(
      h('h2', {}, `State machines of ${params.get('user') || ui.me().userId}`),
      h(
        'div',
        { class: 'panel', id: 'state-machines' },
        table(
          ['state machine', 'type', 'states', 'updated'],
          machines.stateMachines.map((m) =>
            h(
              'tr',
              {},
              h('td', {}, h('a', { href: `#/state-machine/${enc(m.name)}${userParam(params)}` }, m.name)),
              h('td', {}, m.type),
              h('td', {}, countStates(m.definition)),
              h('td', {}, fmtTime(m.updatedAt)),
            ),
          ),
          'no state machines: create one with hangar workflow create',
        ),
      ),
      h('h2', {}, 'Recent executions'),
      h('div', { class: 'panel', id: 'executions' }, executionsTable(executions.executions, params, true)),
    );
  }

  const countStates = (text) => {
    try {
      return String(Object.keys(JSON.parse(text).States || {}).length);
    } catch {
      return '?';
    }
  };

  function executionsTable(rows, params, withMachine) {
    return table(
      ['execution', ...(withMachine ? ['state machine'] : []), 'status', 'started', 'stopped'],
      rows.map((e) =>
        h(
          'tr',
          { 'data-execution': e.id },
          h('td', {}, h('a', { href: `#/execution/${enc(e.id)}${userParam(params)}` }, e.name)),
          withMachine ? h('td', {}, e.stateMachineName) : null,
          h('td', {}, status(e.status)),
          h('td', {}, fmtTime(e.startedAt)),
          h('td', {}, fmtTime(e.stoppedAt)),
        ),
      ),
      'no executions yet',
    );
  }

  // ------------------------------------------------------------------ a state machine
  async function stateMachine(name, params) {
    const m = await api('GET', `/state-machines/${enc(name)}${q(params, true)}`);
    const definition = parse(m.definition);
    const graph = graphOf(definition);
    const side = h('div', { class: 'panel wf-side', id: 'wf-state' }, h('p', { class: 'muted' }, 'choose a state for its definition'));
    const canvas = h('div', { class: 'panel wf-canvas', id: 'wf-canvas' });
    const runs = h('div', { class: 'panel', id: 'executions' });
    const input = h('textarea', { id: 'wf-input', rows: 3 }, '{}');
    const start = h('button', { type: 'button', id: 'wf-start' }, 'Start execution');
    start.addEventListener('click', async () => {
      start.disabled = true;
      try {
        const body = { input: JSON.parse(input.value || '{}') };
        const r = await api('POST', `/state-machines/${enc(name)}/executions${q(params, true)}`, body);
        if (r.id) location.hash = `#/execution/${enc(r.id)}${userParam(params)}`;
        else state(`${r.status}: EXPRESS executions are not kept`);
      } catch (e) {
        state(e.message, true);
      } finally {
        start.disabled = false;
      }
    });
    put(
      h('h2', {}, `State machine ${m.name} (${m.userId}) · ${m.type} · revision ${m.revisionId.slice(0, 8)}`),
      m.description ? h('p', { class: 'muted' }, m.description) : null,
      h('div', { class: 'wf-split' }, canvas, side),
      h('h2', {}, 'Start'),
      h('div', { class: 'filters' }, h('label', { style: 'flex:1' }, 'input (JSON)', input), start),
      h('h2', {}, 'Executions'),
      runs,
    );
    const g = drawer(canvas, graph, (path) => {
      const node = nodeAt(graph, path);
      side.replaceChildren(h('h3', {}, path), node ? tree(node.state, null, 0) : null);
    });
    g.draw(null);
    const load = async () => {
      const r = await api('GET', `/executions?stateMachine=${enc(name)}&limit=50${q(params)}`);
      runs.replaceChildren(executionsTable(r.executions, params, false));
    };
    await load();
    ui.every(5000, load);
  }

  const parse = (text) => {
    try {
      return JSON.parse(text);
    } catch {
      return { States: {} };
    }
  };

  // ------------------------------------------------------------------ the graph
  /**
   * Draws a graph into `canvas` as SVG; `draw(statuses)` redraws it with each state's status
   * (null: the definition alone). Parallel and Map groups fold and unfold on their header's
   * toggle; clicking a state selects it (`onSelect(path)`), and the selection stays across
   * redraws.
   */
  function drawer(canvas, graph, onSelect) {
    const folded = new Set();
    let selected = null;
    let last = null;
    const draw = (statuses) => {
      last = statuses;
      const lay = layout(graph, (p) => !folded.has(p));
      const svg = svgEl('svg', {
        id: 'wf-graph',
        class: 'wf-graph',
        viewBox: `0 0 ${lay.width + 60} ${lay.height}`,
        width: lay.width + 60,
        height: lay.height,
      });
      const defs = svgEl('defs', {});
      const arrow = svgEl('marker', {
        id: 'wf-arrow',
        viewBox: '0 0 10 10',
        refX: 9,
        refY: 5,
        markerWidth: 7,
        markerHeight: 7,
        orient: 'auto',
      });
      arrow.append(svgEl('path', { d: 'M0,0 L10,5 L0,10 z', class: 'wf-arrowhead' }));
      defs.append(arrow);
      svg.append(defs);
      const text = (attrs, s) => {
        const t = svgEl('text', attrs);
        t.textContent = s;
        return t;
      };
      for (const n of lay.nodes.filter((x) => x.group)) {
        const v = statuses?.get(n.path);
        const g = svgEl('g', { class: `wf-group st-${v ? v.status : 'none'}`, 'data-group': n.path, 'data-status': v?.status ?? '' });
        g.append(svgEl('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: 8 }));
        const head = svgEl('g', {
          class: `wf-head${selected === n.path ? ' selected' : ''}`,
          'data-state': n.name,
          'data-path': n.path,
          'data-status': v?.status ?? '',
        });
        head.append(
          svgEl('rect', { x: n.x, y: n.y, width: n.w, height: 24, rx: 8 }),
          text({ x: n.x + 10, y: n.y + 16, class: 'wf-name' }, clip(n.name, Math.floor((n.w - 110) / 7))),
          text({ x: n.x + n.w - 30, y: n.y + 16, class: 'wf-type', 'text-anchor': 'end' }, groupNote(n, v)),
        );
        clickable(head, () => select(n.path));
        g.append(head, toggle(n, '−'));
        svg.append(g);
      }
      for (const e of lay.edges) {
        const p = svgEl('path', {
          d: e.d,
          class: `wf-edge e-${e.kind}`,
          'marker-end': 'url(#wf-arrow)',
          'data-from': e.from,
          'data-to': e.to,
        });
        if (e.label) {
          const t = svgEl('title', {});
          t.textContent = e.label;
          p.append(t);
        }
        svg.append(p);
      }
      for (const m of lay.markers) {
        svg.append(svgEl('circle', { cx: m.x, cy: m.y, r: m.r, class: `wf-marker m-${m.kind}` }));
        svg.append(text({ x: m.x - m.r - 6, y: m.y + 4, class: 'wf-type', 'text-anchor': 'end' }, m.kind === 'start' ? 'Start' : 'End'));
      }
      for (const n of lay.nodes.filter((x) => !x.group)) {
        const v = statuses?.get(n.path);
        const st = v ? v.status : 'none';
        const g = svgEl('g', {
          class: `wf-node st-${st}${selected === n.path ? ' selected' : ''}`,
          'data-state': n.name,
          'data-path': n.path,
          'data-status': v?.status ?? '',
        });
        g.append(
          svgEl('rect', { x: n.x, y: n.y, width: n.w, height: n.h, rx: 6 }),
          text({ x: n.x + 10, y: n.y + 21, class: 'wf-name' }, clip(n.name, n.nested ? 12 : 15)),
          text(
            { x: n.x + n.w - (n.nested ? 24 : 8), y: n.y + 21, class: 'wf-type', 'text-anchor': 'end' },
            v?.counts ? mapNote(v) : n.type,
          ),
        );
        const t = svgEl('title', {});
        t.textContent = `${n.path} (${n.type})${v ? `: ${v.status}` : ''}`;
        g.append(t);
        clickable(g, () => select(n.path));
        svg.append(g);
        if (n.nested) svg.append(toggle(n, '+'));
      }
      canvas.replaceChildren(svg);
    };
    const toggle = (n, sign) => {
      const t = svgEl('text', {
        x: n.x + n.w - 10,
        y: n.y + (n.group ? 17 : 22),
        class: 'wf-toggle',
        'data-toggle': n.path,
        'text-anchor': 'end',
      });
      t.textContent = sign;
      t.setAttribute('aria-label', `${sign === '+' ? 'unfold' : 'fold'} ${n.name}`);
      clickable(t, () => {
        if (folded.has(n.path)) folded.delete(n.path);
        else folded.add(n.path);
        draw(last);
        refocus(`[data-toggle="${CSS.escape(n.path)}"]`);
      });
      return t;
    };
    const select = (path) => {
      selected = path;
      draw(last);
      onSelect(path);
      refocus(`[data-path="${CSS.escape(path)}"]`);
    };
    /** After a redraw, the keyboard's place is on the same state again (if it was in the graph). */
    const refocus = (sel) => {
      if (canvas.contains(document.activeElement) || document.activeElement === document.body) canvas.querySelector(sel)?.focus();
    };
    return { draw, select, selected: () => selected };
  }

  /** A click, or Enter or Space on it once tabbed to. */
  function clickable(el, fn) {
    el.setAttribute('tabindex', '0');
    el.setAttribute('role', 'button');
    el.addEventListener('click', (ev) => {
      ev.stopPropagation();
      fn();
    });
    el.addEventListener('keydown', (ev) => {
      if (ev.key !== 'Enter' && ev.key !== ' ') return;
      ev.preventDefault();
      fn();
    });
  }

  const clip = (s, n) => (s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s);
  const mapNote = (v) => `✓${v.counts.succeeded} ✗${v.counts.failed}${v.counts.running ? ` ▶${v.counts.running}` : ''}`;
  const groupNote = (n, v) =>
    v?.counts ? `${mapNote(v)} · #${v.iteration} of ${v.counts.total}` : n.type === 'Map' ? 'Map · one iteration' : n.type;

  // ------------------------------------------------------------------ an execution
  async function execution(id, params) {
    const base = `/executions/${enc(id)}`;
    let ex = await api('GET', `${base}${q(params, true)}`);
    // The definition this execution runs: the machine's when it started (it may have changed since).
    const graph = graphOf(parse(ex.definition));
    const info = h('dl', { class: 'kv', id: 'wf-info' });
    const side = h(
      'div',
      { class: 'panel wf-side', id: 'wf-state' },
      h('p', { class: 'muted' }, 'choose a state for its input and output'),
    );
    const canvas = h('div', { class: 'panel wf-canvas', id: 'wf-canvas' });
    const events = h('div', { class: 'panel', id: 'wf-events' });
    const stop = h('button', { type: 'button', id: 'wf-stop', hidden: true }, 'Stop');
    const iterations = new Map(); // a Map's path → the iteration shown
    let history = [];
    let run = null;
    let views = new Map();
    stop.addEventListener('click', async () => {
      stop.disabled = true;
      try {
        await api('POST', `${base}/stop${q(params, true)}`, { error: 'Stopped', cause: 'stopped from the dashboard' });
        await refresh();
      } catch (e) {
        state(e.message, true);
      } finally {
        stop.disabled = false;
      }
    });
    put(
      h(
        'h2',
        {},
        'Execution ',
        ex.name,
        ' of ',
        h('a', { href: `#/state-machine/${enc(ex.stateMachineName)}${userParam(params)}` }, ex.stateMachineName),
      ),
      h('div', { class: 'filters' }, stop),
      info,
      h('p', { class: 'muted', id: 'wf-revision' }, `revision ${ex.revisionId.slice(0, 8)} of the state machine`),
      legend(),
      h('div', { class: 'wf-split' }, canvas, side),
      h('h2', {}, 'History'),
      events,
    );

    const g = drawer(canvas, graph, () => showState());
    // Redrawn only when what it shows changed, so the JSON the reader unfolded stays so while the page polls.
    let shownSig = '';
    const showState = () => {
      const path = g.selected();
      if (!path) return;
      const v = views.get(path);
      const e = v?.entry;
      const sig = JSON.stringify([path, v?.status, v?.entries, v?.iteration, v?.counts, e?.enteredAt, e?.exitedAt, e?.attempts, e?.error]);
      if (sig === shownSig) return;
      shownSig = sig;
      side.replaceChildren(...stateDetail(path, nodeAt(graph, path), v));
    };

    function stateDetail(path, node, v) {
      const e = v?.entry;
      const head = [h('h3', {}, node?.name ?? path, ' ', v ? h('span', { class: `st-text st-${v.status}` }, v.status) : null), where(path)];
      if (!e) return [...head, h('p', { class: 'muted' }, 'not reached in this execution (or in the branch or iteration shown)')];
      const rows = [
        ['type', e.type],
        ['status', h('span', { class: `st-text st-${e.status}` }, e.status)],
        ['entered', e.enteredAt],
        ['exited', e.exitedAt ?? '—'],
        ['took', e.exitedAt ? fmtMs(Date.parse(e.exitedAt) - Date.parse(e.enteredAt)) : '—'],
        ...(v.entries > 1 ? [['times entered', String(v.entries)]] : []),
        ...(e.attempts ? [['attempts', `${e.attempts} (${e.attempts - 1} retries)`]] : []),
        ...(e.resource ? [['resource', e.resource]] : []),
        ...(e.error ? [['error', e.error]] : []),
        ...(e.cause ? [['cause', e.cause]] : []),
      ];
      const out = [...head, h('dl', { class: 'kv', id: 'wf-state-info' }, ...rows.flatMap(([k, x]) => [h('dt', {}, k), h('dd', {}, x)]))];
      if (node?.processor) out.push(iterationPicker(path, e, v));
      if (node?.branches)
        out.push(
          h('h4', {}, 'Branches'),
          h(
            'div',
            { class: 'wf-chips' },
            node.branches.map((_, i) => h('span', { class: `wf-chip st-${e.branches[i]?.status ?? 'not-run'}` }, `branch ${i}`)),
          ),
        );
      out.push(
        h('h4', {}, 'Input'),
        h('div', { class: 'json', id: 'wf-state-input' }, tree(e.input, null, 0)),
        h('h4', {}, 'Output'),
        h(
          'div',
          { class: 'json', id: 'wf-state-output' },
          e.output === undefined ? h('span', { class: 'muted' }, '—') : tree(e.output, null, 0),
        ),
      );
      return out;
    }

    /** Where a nested state is: in which Parallel's branch, in which Map's iteration shown. */
    function where(path) {
      const parts = path.split('/');
      if (parts.length === 1) return null;
      const steps = [];
      for (let i = 1; i < parts.length; i += 2) {
        const owner = parts.slice(0, i).join('/');
        steps.push(parts[i] === '*' ? `${parts[i - 1]}: iteration ${iterations.get(owner) ?? 0}` : `${parts[i - 1]}: branch ${parts[i]}`);
      }
      return h('p', { class: 'muted', id: 'wf-state-where' }, steps.join(' › '));
    }

    function iterationPicker(path, e, v) {
      const c = iterationCounts(e);
      const pick = (i) => {
        iterations.set(path, Math.max(0, Math.min(c.total - 1, i)));
        redraw();
      };
      const at = v.iteration ?? 0;
      const number = h('input', { type: 'number', id: 'wf-iteration', min: 0, max: Math.max(0, c.total - 1), value: at, size: 5 });
      number.addEventListener('change', () => pick(Number(number.value) || 0));
      const chips = [];
      for (let i = 0; i < Math.min(c.total, 500); i++) {
        const it = e.iterations[i];
        chips.push(
          h(
            'button',
            {
              type: 'button',
              class: `wf-chip st-${it ? it.status : 'not-run'}${i === at ? ' on' : ''}`,
              'data-iteration': i,
              title: `iteration ${i}: ${it ? it.status : 'not started'}`,
              onclick: () => pick(i),
            },
            String(i),
          ),
        );
      }
      return h(
        'div',
        { id: 'wf-iterations' },
        h('h4', {}, 'Iterations'),
        h(
          'p',
          { id: 'wf-iteration-counts' },
          `${c.total} items: ${c.succeeded} succeeded, ${c.failed} failed`,
          c.running ? `, ${c.running} running` : '',
          c.aborted ? `, ${c.aborted} stopped` : '',
          c.pending ? `, ${c.pending} not started` : '',
        ),
        h(
          'div',
          { class: 'filters' },
          h('button', { type: 'button', id: 'wf-iteration-prev', onclick: () => pick(at - 1) }, '‹'),
          h('label', {}, 'iteration shown', number),
          h('button', { type: 'button', id: 'wf-iteration-next', onclick: () => pick(at + 1) }, '›'),
        ),
        h('div', { class: 'wf-chips' }, chips),
      );
    }

    const redraw = () => {
      run = runOf(history, graph);
      views = statusesOf(graph, run, iterations);
      g.draw(views);
      showState();
    };

    // One read at a time (the poll and Stop's), each after the one before: both append to the history.
    let reading = Promise.resolve();
    const refresh = () => {
      const next = reading.then(read);
      reading = next.catch(() => {});
      return next;
    };
    let drawnSig = '';
    const read = async () => {
      ex = await api('GET', `${base}${q(params, true)}`);
      // Only the events after the last one read: a long history is read once.
      for (;;) {
        const after = lastEventId(history);
        const r = await api('GET', `${base}/history?limit=500${after === null ? '' : `&cursor=${after}`}${q(params)}`);
        history = history.concat(r.events);
        if (!r.nextCursor) break;
      }
      state(`updated ${new Date().toLocaleTimeString()}`);
      const sig = JSON.stringify([ex.status, ex.stoppedAt, history.length]);
      if (sig === drawnSig) return ex.status === 'RUNNING';
      drawnSig = sig;
      const rows = [
        ['status', status(ex.status)],
        ['id', ex.id],
        ['started', ex.startedAt],
        ['stopped', ex.stoppedAt ?? '—'],
        ...(ex.parentId ? [['started by', h('a', { href: `#/execution/${enc(ex.parentId)}${userParam(params)}` }, ex.parentId)]] : []),
        ...(ex.error ? [['error', ex.error]] : []),
        ...(ex.cause ? [['cause', ex.cause]] : []),
        ['input', h('div', { class: 'json' }, tree(ex.input, null, 1))],
        ['output', ex.output === null ? '—' : h('div', { class: 'json' }, tree(ex.output, null, 1))],
      ];
      info.replaceChildren(...rows.flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]));
      stop.hidden = ex.status !== 'RUNNING';
      redraw();
      // The newest events only: a Map of thousands of items writes a history too long for a table.
      const shown = history.slice(-SHOWN_EVENTS);
      events.replaceChildren(
        history.length > shown.length ? h('p', { class: 'muted' }, `the last ${shown.length} of ${history.length} events`) : '',
        table(
          ['#', 'event', 'state', 'time'],
          shown.map((e) =>
            h(
              'tr',
              {},
              h('td', {}, String(e.id)),
              h('td', {}, e.type),
              h('td', {}, e.details?.name ?? (e.details?.index !== undefined ? `iteration ${e.details.index}` : '')),
              h('td', {}, fmtTime(e.timestamp)),
            ),
          ),
          'no events',
        ),
      );
      return ex.status === 'RUNNING';
    };
    // Live while it runs: the history is polled (each poll reads only the new events).
    if (await refresh())
      ui.every(1000, async () => {
        if (!(await refresh())) ui.every(0, null);
      });
  }

  const legend = () =>
    h(
      'div',
      { class: 'legend', id: 'wf-legend' },
      ['not-run', 'running', 'succeeded', 'caught', 'failed', 'aborted'].map((s) => h('span', { class: `wf-key st-${s}` }, s)),
    );

  return { workflows, stateMachine, execution };
}
