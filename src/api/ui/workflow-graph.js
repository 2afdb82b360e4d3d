// The dashboard's workflow pages without the DOM (issue 24): a state machine's definition as a
// graph (states, Next/Default/Choices/Catch edges, Parallel branches and Map processors nested),
// its layout (rows by BFS depth from StartAt, nested groups measured from the inside out), and an
// execution's history read back into threads — the root, each Parallel branch, each Map
// iteration — with each state's entries: status, input, output, error, attempts. An ES module
// the browser loads from /ui/ and Node's tests import (types: workflow-graph.d.ts).

// ------------------------------------------------------------------ graph

// The graph of a definition. `prefix` names nested graphs' states apart: state A of Par's branch
// 0 is "Par/0/A", state B of Map's processor "Map/*/B".
export function graphOf(definition, prefix = '') {
  const states = definition && typeof definition.States === 'object' && definition.States !== null ? definition.States : {};
  const names = Object.keys(states);
  const nodes = [];
  const edges = [];
  const edge = (from, to, kind, label) => {
    if (typeof to === 'string' && to in states) edges.push({ from: prefix + from, to: prefix + to, kind, label });
  };
  for (const name of names) {
    const s = states[name] || {};
    const path = prefix + name;
    const type = String(s.Type);
    const node = { name, path, type, end: s.End === true || type === 'Succeed' || type === 'Fail', state: s };
    if (type === 'Parallel' && Array.isArray(s.Branches)) node.branches = s.Branches.map((b, i) => graphOf(b, `${path}/${i}/`));
    if (type === 'Map' && (s.ItemProcessor || s.Iterator)) node.processor = graphOf(s.ItemProcessor || s.Iterator, `${path}/*/`);
    nodes.push(node);
    edge(name, s.Next, 'next', '');
    if (type === 'Choice') {
      (Array.isArray(s.Choices) ? s.Choices : []).forEach((c, i) => {
        edge(name, c?.Next, 'choice', `rule ${i + 1}`);
      });
      edge(name, s.Default, 'default', 'default');
    }
    for (const c of Array.isArray(s.Catch) ? s.Catch : []) edge(name, c?.Next, 'catch', (c?.ErrorEquals || []).join(', '));
  }
  const startAt = typeof definition?.StartAt === 'string' && definition.StartAt in states ? prefix + definition.StartAt : null;
  return { startAt, nodes, edges };
}

/** The node at a path, nested ones included; null if there is none. */
export function nodeAt(graph, path) {
  for (const n of graph.nodes) {
    if (n.path === path) return n;
    for (const g of [...(n.branches || []), ...(n.processor ? [n.processor] : [])]) {
      const found = nodeAt(g, path);
      if (found) return found;
    }
  }
  return null;
}

/** Rows: BFS depth from StartAt along every edge; states it does not reach go below, in order. */
export function rowsOf(graph) {
  const depth = new Map();
  const out = new Map();
  for (const e of graph.edges) {
    if (!out.has(e.from)) out.set(e.from, []);
    out.get(e.from).push(e.to);
  }
  const queue = graph.startAt ? [graph.startAt] : [];
  if (graph.startAt) depth.set(graph.startAt, 0);
  while (queue.length) {
    const at = queue.shift();
    for (const to of out.get(at) || [])
      if (!depth.has(to)) {
        depth.set(to, depth.get(at) + 1);
        queue.push(to);
      }
  }
  let below = Math.max(-1, ...depth.values()) + 1;
  for (const n of graph.nodes) if (!depth.has(n.path)) depth.set(n.path, below++);
  const rows = [];
  // In BFS order within a row: a row reads in the order the states were found.
  const order = [...depth.entries()].sort((a, b) => a[1] - b[1]);
  for (const [path, d] of order) (rows[d] ||= []).push(path);
  return rows.filter(Boolean);
}

// ------------------------------------------------------------------ layout

export const SIZES = { nodeW: 168, nodeH: 34, gapX: 28, gapY: 44, pad: 14, head: 28, marker: 9 };

/**
 * Absolute positions for every drawable: groups (expanded Parallel/Map nodes) before the nodes
 * inside them, leaf nodes, edges as SVG paths, Start/End markers of the top graph. `expanded`
 * says which Parallel/Map nodes show their insides (by path); the others are drawn as leaves.
 */
export function layout(graph, expanded = () => true, sizes = SIZES) {
  const box = measure(graph, expanded, sizes, true);
  const out = { width: box.w, height: box.h, nodes: [], edges: [], markers: [] };
  place(box, 0, 0, out, sizes);
  return out;
}

function measure(graph, expanded, z, markers) {
  const sized = new Map();
  for (const n of graph.nodes) {
    const inner = n.branches || (n.processor ? [n.processor] : null);
    if (inner && expanded(n.path)) {
      const kids = inner.map((g) => measure(g, expanded, z, false));
      const w = Math.max(z.nodeW, kids.reduce((s, k) => s + k.w, 0) + z.gapX * (kids.length - 1) + 2 * z.pad);
      const h = z.head + Math.max(z.nodeH, ...kids.map((k) => k.h)) + z.pad;
      sized.set(n.path, { node: n, w, h, kids });
    } else sized.set(n.path, { node: n, w: z.nodeW, h: z.nodeH, kids: null });
  }
  const rows = rowsOf(graph).map((paths) => paths.map((p) => sized.get(p)));
  const top = markers ? 2 * z.marker + z.gapY : 0;
  const bottom = markers ? 2 * z.marker + z.gapY : 0;
  const rowW = rows.map((r) => r.reduce((s, b) => s + b.w, 0) + z.gapX * (r.length - 1));
  const w = Math.max(z.nodeW, ...rowW) + 2 * z.pad;
  let y = top + z.pad;
  const at = new Map();
  rows.forEach((r, i) => {
    let x = (w - rowW[i]) / 2;
    const rh = Math.max(...r.map((b) => b.h));
    for (const b of r) {
      at.set(b.node.path, { ...b, x, y, row: i });
      x += b.w + z.gapX;
    }
    y += rh + z.gapY;
  });
  const h = Math.max(y - z.gapY + z.pad, z.nodeH + 2 * z.pad) + bottom;
  return { graph, w, h, at, markers };
}

function place(box, ox, oy, out, z) {
  const abs = new Map();
  for (const [path, b] of box.at) {
    const x = ox + b.x;
    const y = oy + b.y;
    abs.set(path, { x, y, w: b.w, h: b.h, row: b.row });
    const n = b.node;
    out.nodes.push({
      path,
      name: n.name,
      type: n.type,
      x,
      y,
      w: b.w,
      h: b.h,
      group: b.kids !== null,
      nested: !!(n.branches || n.processor),
    });
    if (b.kids) {
      let kx = x + (b.w - (b.kids.reduce((s, k) => s + k.w, 0) + z.gapX * (b.kids.length - 1))) / 2;
      for (const k of b.kids) {
        place(k, kx, y + z.head, out, z);
        kx += k.w + z.gapX;
      }
    }
  }
  for (const e of box.graph.edges) {
    const a = abs.get(e.from);
    const b = abs.get(e.to);
    if (a && b) out.edges.push({ ...e, d: edgePath(a, b) });
  }
  if (box.markers) {
    const cx = ox + box.w / 2;
    const start = { x: cx, y: oy + z.marker };
    const end = { x: cx, y: oy + box.h - z.marker };
    out.markers.push({ kind: 'start', ...start, r: z.marker }, { kind: 'end', ...end, r: z.marker });
    const first = box.graph.startAt && abs.get(box.graph.startAt);
    if (first)
      out.edges.push({
        from: 'Start',
        to: box.graph.startAt,
        kind: 'start',
        label: '',
        d: curve(start.x, start.y + z.marker, first.x + first.w / 2, first.y),
      });
    // From the last row straight down; from higher up along a lane right of the graph, so that
    // the edge does not cross the states below.
    const lastRow = Math.max(...[...abs.values()].map((a) => a.row));
    const lane = ox + box.w + 16;
    for (const n of box.graph.nodes) {
      const a = n.end && abs.get(n.path);
      if (!a) continue;
      const d =
        a.row === lastRow
          ? curve(a.x + a.w / 2, a.y + a.h, end.x, end.y - z.marker)
          : `M${a.x + a.w},${a.y + a.h / 2} L${lane},${a.y + a.h / 2} L${lane},${end.y} L${end.x + z.marker},${end.y}`;
      out.edges.push({ from: n.path, to: 'End', kind: 'end', label: '', d });
    }
  }
}

const curve = (x1, y1, x2, y2) => {
  const dy = Math.max(12, (y2 - y1) / 2);
  return `M${x1},${y1} C${x1},${y1 + dy} ${x2},${y2 - dy} ${x2},${y2}`;
};

/** Down to a later row: bottom to top; along a row: side to side; back up (a loop): round the right. */
function edgePath(a, b) {
  if (b.row > a.row) return curve(a.x + a.w / 2, a.y + a.h, b.x + b.w / 2, b.y);
  if (b.row === a.row && b.x > a.x) return `M${a.x + a.w},${a.y + a.h / 2} L${b.x},${b.y + b.h / 2}`;
  if (b.row === a.row && b.x < a.x) return `M${a.x},${a.y + a.h / 2} L${b.x + b.w},${b.y + b.h / 2}`;
  const x1 = a.x + a.w;
  const y1 = a.y + a.h / 2;
  const x2 = b.x + b.w;
  const y2 = b.y + b.h / 2;
  const out = Math.max(x1, x2) + 40;
  return `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2},${y2}`;
}

// ------------------------------------------------------------------ an execution

/** What colour a state's last entry gets; `not-run` for a state the thread never entered. */
export const STATE_STATUSES = ['not-run', 'running', 'succeeded', 'caught', 'failed', 'aborted'];

const ENTERED = /^(\w+)StateEntered$/;
const EXITED = /^(\w+)StateExited$/;

/**
 * An execution's history (native events: {id, previousEventId, type, timestamp, details}, oldest
 * first) as threads. Each event continues the thread of its previous event, except a state entered
 * right after ParallelStateStarted (a branch's first) or MapIterationStarted (an iteration's
 * first, its index in that event): those start a thread of their own under the Parallel's or the
 * Map's entry. `graph` (graphOf the definition) tells which branch a first state belongs to.
 */
export function runOf(events, graph) {
  const root = thread('root', 0, graph || null);
  const byId = new Map();
  const threadOf = new Map();
  for (const e of events) {
    byId.set(e.id, e);
    const d = e.details || {};
    if (e.type.startsWith('Execution')) {
      threadOf.set(e.id, root);
      executionEvent(root, e, d);
      continue;
    }
    const prev = byId.get(e.previousEventId);
    let t = threadOf.get(e.previousEventId) || root;
    if (ENTERED.test(e.type) && prev && t.current) {
      if (prev.type === 'ParallelStateStarted') t = branchThread(t.current, d.name);
      else if (prev.type === 'MapIterationStarted') t = iterationThread(t.current, prev.details?.index);
    }
    threadOf.set(e.id, t);
    stateEvent(t, e, d);
  }
  settle(root, null);
  return root;
}

function thread(kind, index, graph) {
  return { kind, index, graph, status: 'running', error: null, cause: null, states: {}, current: null, last: null };
}

function branchThread(entry, first) {
  const node = entry.node;
  let i = node?.branches ? node.branches.findIndex((g, j) => !entry.branches[j] && g.startAt === `${node.path}/${j}/${first}`) : -1;
  if (i < 0) i = entry.branches.findIndex((b) => !b);
  if (i < 0) i = entry.branches.length;
  return (entry.branches[i] = thread('branch', i, node?.branches?.[i] || null));
}

function iterationThread(entry, index) {
  const i = Number.isInteger(index) ? index : entry.iterations.length;
  return (entry.iterations[i] ||= thread('iteration', i, entry.node?.processor || null));
}

function executionEvent(root, e, d) {
  if (e.type === 'ExecutionStarted') {
    root.input = d.input;
    root.startedAt = e.timestamp;
  } else if (e.type === 'ExecutionSucceeded') {
    root.status = 'succeeded';
    root.output = d.output;
  } else if (e.type !== 'ExecutionStarted') {
    root.status = e.type === 'ExecutionAborted' ? 'aborted' : 'failed';
    root.error = d.error ?? (e.type === 'ExecutionTimedOut' ? 'States.Timeout' : null);
    root.cause = d.cause ?? null;
  }
  if (e.type !== 'ExecutionStarted') root.stoppedAt = e.timestamp;
}

function stateEvent(t, e, d) {
  const entered = ENTERED.exec(e.type);
  if (entered) {
    const name = String(d.name);
    const node = t.graph?.nodes.find((n) => n.name === name) || null;
    const entry = {
      name,
      type: entered[1],
      node,
      status: 'running',
      input: d.input,
      output: undefined,
      error: null,
      cause: null,
      enteredAt: e.timestamp,
      exitedAt: null,
      attempts: 0,
      failedLast: false,
      branches: [],
      iterations: [],
      items: null,
    };
    (t.states[name] ||= []).push(entry);
    t.current = t.last = entry;
    return;
  }
  const entry = t.current;
  if (!entry) return;
  if (EXITED.test(e.type)) {
    entry.status = entry.failedLast ? 'caught' : 'succeeded';
    entry.output = d.output;
    entry.exitedAt = e.timestamp;
    t.current = null;
    return;
  }
  switch (e.type) {
    case 'TaskScheduled':
      entry.attempts++;
      entry.failedLast = false;
      entry.parameters = d.parameters;
      entry.resource = d.resource;
      return;
    case 'TaskSucceeded':
      entry.failedLast = false;
      return;
    case 'TaskFailed':
    case 'TaskTimedOut':
    case 'ParallelStateFailed':
    case 'MapStateFailed':
      entry.failedLast = true;
      entry.error = d.error ?? (e.type === 'TaskTimedOut' ? 'States.Timeout' : null);
      entry.cause = d.cause ?? null;
      return;
    case 'MapStateStarted':
      entry.items = typeof d.length === 'number' ? d.length : null;
      return;
    case 'MapIterationSucceeded':
    case 'MapIterationFailed': {
      const it = iterationThread(entry, d.index);
      it.status = e.type === 'MapIterationSucceeded' ? 'succeeded' : 'failed';
      return;
    }
    default:
      return;
  }
}

/**
 * Ends what the events leave open: a thread whose parent ended while it ran was stopped
 * (`aborted`), a branch whose Parallel went on succeeded, and the state a failed thread was in
 * failed (a Fail state, a Task out of retries), with the thread's error when it has none.
 */
function settle(t, parentEnded) {
  if (t.status === 'running' && parentEnded) {
    const last = t.last;
    if (t.kind !== 'branch') t.status = 'aborted';
    else if (parentEnded === 'succeeded' || (last && last.status !== 'running')) t.status = 'succeeded';
    else t.status = last && (last.type === 'Fail' || last.failedLast) ? 'failed' : 'aborted';
  }
  const running = t.status === 'running';
  for (const entries of Object.values(t.states))
    for (const entry of entries) {
      if (entry.status === 'running' && !running) {
        entry.status = t.status === 'failed' && entry === t.current ? 'failed' : 'aborted';
        if (entry.status === 'failed' && !entry.error) {
          entry.error = t.error;
          entry.cause = t.cause;
        }
      }
      const ended = entry.status === 'running' ? null : entry.status === 'succeeded' || entry.status === 'caught' ? 'succeeded' : 'failed';
      for (const b of entry.branches) if (b) settle(b, ended);
      for (const it of entry.iterations) if (it) settle(it, ended);
    }
}

/** A Map entry's iterations counted by status; `pending` were not started (yet). */
export function iterationCounts(entry) {
  const c = { total: entry.items ?? entry.iterations.length, running: 0, succeeded: 0, failed: 0, aborted: 0, pending: 0 };
  let started = 0;
  for (const it of entry.iterations)
    if (it) {
      started++;
      c[it.status]++;
    }
  c.pending = Math.max(0, c.total - started);
  return c;
}

/**
 * Each drawn state's status for one view of an execution: every path of the graph (nested ones
 * included) → { status, entry, entries } for the state's last entry in the thread shown there.
 * A Parallel's branch i is shown from its last entry's branch i; a Map's processor from the
 * iteration `iterations.get(mapPath)` (default 0) of its last entry.
 */
export function statusesOf(graph, run, iterations = new Map()) {
  const out = new Map();
  const walk = (g, t) => {
    for (const n of g.nodes) {
      const entries = t?.states[n.name] || [];
      const entry = entries[entries.length - 1] || null;
      const view = { status: entry ? entry.status : 'not-run', entry, entries: entries.length };
      if (n.processor && entry) {
        view.counts = iterationCounts(entry);
        view.iteration = iterations.get(n.path) ?? 0;
      }
      out.set(n.path, view);
      if (n.branches)
        n.branches.forEach((b, i) => {
          walk(b, entry?.branches[i] || null);
        });
      if (n.processor) walk(n.processor, entry?.iterations[iterations.get(n.path) ?? 0] || null);
    }
  };
  walk(graph, run);
  return out;
}

/** Where a history page ends: the id to ask the next events after. */
export const lastEventId = (events) => (events.length ? events[events.length - 1].id : null);
