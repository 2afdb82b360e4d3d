// Hangar's browser terminal (issue 6): pick a project, open one of its terminals, type commands.
// Each line is a command of that terminal (POST /projects/{id}/terminals/{terminal}/commands);
// the terminal's WebSocket channel brings every command's output and end, in order, from the
// terminal's first command on (a reload replays them). No PTY: commands get no stdin, so line
// editing happens here (typing, backspace, history with the arrow keys, Ctrl-C to cancel the
// running command through the API, Enter).
'use strict';
(() => {
  const $ = (id) => document.getElementById(id);
  const term = new Terminal({ convertEol: true, cursorBlink: true, fontSize: 14, theme: { background: '#14161a' } });
  term.open($('term'));
  window.hangarTerminal = term;
  /** The terminal's text, line by line (tests read it). */
  window.hangarText = () => {
    const b = term.buffer.active;
    const lines = [];
    for (let i = 0; i < b.length; i++) lines.push(b.getLine(i).translateToString(true));
    return lines.join('\n');
  };

  const key = () => $('key').value.trim();
  const state = (s) => ($('state').textContent = s);
  async function api(method, path, body) {
    const res = await fetch(path, {
      method,
      headers: { authorization: `Bearer ${key()}`, ...(body ? { 'content-type': 'application/json' } : {}) },
      body: body ? JSON.stringify(body) : undefined,
    });
    const json = await res.json().catch(() => ({}));
    if (!res.ok) throw new Error(json.detail || `${res.status} ${res.statusText}`);
    return json;
  }

  /** Fills the picker; keeps the chosen project (or selects `select`). Quiet when `quiet`:
   *  a refresh after a command must not overwrite the terminal's state line. */
  async function loadProjects(select, quiet) {
    const { projects } = await api('GET', '/projects');
    const sel = $('project');
    const keep = select || sel.value;
    sel.replaceChildren(
      ...projects.map((p) => {
        const o = document.createElement('option');
        o.value = p.projectId;
        o.textContent = `${p.name} (v${p.latestVersion})`;
        return o;
      }),
    );
    if (keep && projects.some((p) => p.projectId === keep)) sel.value = keep;
    if (!quiet) state(projects.length ? 'pick a project and open a terminal' : 'create a project');
  }

  $('key').value = sessionStorage.getItem('hangar-key') || '';
  $('key').addEventListener('change', () => {
    sessionStorage.setItem('hangar-key', key());
    loadProjects().catch((e) => state(e.message));
  });
  if (key()) loadProjects().catch((e) => state(e.message));

  $('create').addEventListener('click', async () => {
    const name = $('new-project').value.trim();
    if (!name) return state('name the project first');
    try {
      const p = await api('POST', '/projects', { name });
      await loadProjects(p.projectId);
    } catch (e) {
      state(e.message);
    }
  });

  // What the screen shows. `atPrompt`: the last line is a prompt followed by what is being
  // typed (`line`), so a command starting now takes that line's place. `running`: the task
  // whose output is being shown (Ctrl-C cancels it).
  let ws = null;
  let target = null;
  let line = '';
  let atPrompt = false;
  let running = null;
  /** Commands of this terminal by task id (its earlier ones, and those sent since). */
  let commands = new Map();
  /** The task whose command line is already on screen because it was typed here. */
  let echoed = null;
  /** Commands sent and not yet answered: a task's first event waits for them, to know
   *  whether its command line is on screen already. */
  let sending = Promise.resolve();
  /** Messages are handled one at a time, in order (some wait for a command line). */
  let inbox = Promise.resolve();
  const history = [];
  let back = 0; // how far up the history the line is (0: a new line)

  /** Whether the screen's cursor is at the start of a line (output may end without a newline;
   *  xterm's own cursor lags, its writes are parsed later). */
  let fresh = true;
  const out = (text) => {
    if (!text) return;
    term.write(text);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: ESC starts the colour codes this looks for.
    fresh = /\n(\x1b\[[0-9;]*m)*$/.test(text); // a colour's reset may follow the newline
  };
  const newline = () => {
    if (!fresh) out('\r\n');
  };
  const PROMPT = '\x1b[32m$\x1b[0m ';
  const prompt = () => {
    newline();
    out(PROMPT + line);
    atPrompt = true;
  };
  /** Replaces what is typed at the prompt with `text`. */
  const retype = (text) => {
    out('\b \b'.repeat(line.length) + text);
    line = text;
  };
  const remember = (command) => {
    if (command && history.at(-1) !== command) history.push(command);
  };

  async function open() {
    const project = $('project').value;
    const terminal = $('terminal').value.trim() || 'main';
    if (!project) return state('pick or create a project first');
    if (ws) ws.close();
    target = { project, terminal };
    term.reset();
    fresh = true;
    line = '';
    atPrompt = false;
    running = null;
    echoed = null;
    history.length = 0;
    back = 0;
    state('connecting…');
    // The terminal's earlier commands, to show each command line before its replayed output
    // and to fill the history (the channel's events carry task ids, not commands).
    commands = new Map();
    try {
      const { tasks } = await api('GET', `/projects/${project}/terminals/${encodeURIComponent(terminal)}/commands?limit=500`);
      for (const t of tasks.reverse()) {
        commands.set(t.taskId, t.shell ?? t.command);
        remember(t.shell ?? t.command);
      }
    } catch (e) {
      return state(e.message);
    }
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: key() }));
      socket.send(JSON.stringify({ type: 'subscribe', channel: `terminal:${project}:${terminal}` }));
    };
    socket.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      inbox = inbox.then(() => (ws === socket ? show(m) : undefined)).catch((e) => state(e.message));
    };
    socket.onclose = () => {
      if (ws === socket) state('disconnected');
    };
  }
  $('open').addEventListener('click', () => open());

  async function show(m) {
    if (m.type === 'subscribed') {
      state(`terminal ${target.terminal}: ready`);
      if (!running) prompt();
    } else if (m.type === 'status' || m.type === 'output') {
      if (running !== m.taskId) await start(m.taskId);
      if (m.type === 'output') out(m.stream === 'stderr' ? `\x1b[33m${m.data}\x1b[0m` : m.data);
    } else if (m.type === 'end') {
      if (running !== m.taskId) await start(m.taskId);
      running = null;
      if (m.status !== 'SUCCESS') {
        newline();
        out(`\x1b[31m[${m.status}]\x1b[0m\r\n`);
      }
      prompt();
      // A command that changed files made a new version: the picker shows the latest.
      loadProjects(undefined, true).catch(() => {});
    } else if (m.type === 'error') {
      newline();
      out(`\x1b[31m${m.message}\x1b[0m\r\n`);
      state(m.code);
    }
  }

  /** A command's first event: its command line goes on screen (unless it was typed here and
   *  is there already), in place of the idle prompt. */
  async function start(taskId) {
    await sending;
    running = taskId;
    if (echoed === taskId) {
      echoed = null;
      return;
    }
    let command = commands.get(taskId);
    if (command === undefined) {
      // Sent from elsewhere (another tab, the CLI) since this terminal was opened.
      const t = await api('GET', `/tasks/${encodeURIComponent(taskId)}`).catch(() => null);
      command = t ? (t.shell ?? t.command) : '';
      commands.set(taskId, command);
      remember(command);
    }
    if (atPrompt) out('\r\x1b[2K');
    else newline();
    out(`${PROMPT}${command}\r\n`);
    atPrompt = false;
  }

  function send(command) {
    remember(command);
    back = 0;
    // Typed at an idle prompt, the command line is on screen already; typed while another
    // command runs, it is shown again when its turn comes.
    const typedAtPrompt = atPrompt && !running;
    atPrompt = false;
    const posted = api('POST', `/projects/${target.project}/terminals/${encodeURIComponent(target.terminal)}/commands`, { command }).then(
      (r) => {
        commands.set(r.taskId, command);
        if (typedAtPrompt) echoed = r.taskId;
      },
      (e) => {
        newline();
        out(`\x1b[31m${e.message}\x1b[0m\r\n`);
        if (!running) prompt();
      },
    );
    sending = sending.then(() => posted);
  }

  function cancel() {
    out('^C');
    if (!running) {
      // Nothing runs: the typed line is dropped, as a shell does.
      line = '';
      back = 0;
      return prompt();
    }
    api('POST', `/tasks/${encodeURIComponent(running)}/cancel`).catch((e) => {
      newline();
      out(`\x1b[31m${e.message}\x1b[0m\r\n`);
    });
  }

  term.onData((data) => {
    if (data === '\x1b[A' || data === '\x1bOA') {
      if (back < history.length) retype(history[history.length - ++back]);
      return;
    }
    if (data === '\x1b[B' || data === '\x1bOB') {
      if (back > 0) retype(--back === 0 ? '' : history[history.length - back]);
      return;
    }
    if (data.startsWith('\x1b')) return; // other keys with escape sequences: not handled
    for (const ch of data) {
      if (ch === '\r') {
        out('\r\n');
        const command = line.trim();
        line = '';
        if (!command || !target) {
          if (!running) prompt();
          continue;
        }
        send(command);
      } else if (ch === '\x03') {
        cancel();
      } else if (ch === '\x7f') {
        if (line) {
          line = line.slice(0, -1);
          out('\b \b');
        }
      } else if (ch >= ' ') {
        line += ch;
        out(ch);
      }
    }
  });
})();
