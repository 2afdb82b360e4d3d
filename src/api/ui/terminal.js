// Hangar's browser terminal (issue 6): pick a project, open one of its terminals, type commands.
// Each line is a command of that terminal (POST /projects/{id}/terminals/{terminal}/commands);
// the terminal's WebSocket channel brings every command's output and end, in order. No PTY:
// commands get no stdin, so line editing happens here (typing, backspace, Enter).
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

  async function loadProjects(select) {
    const { projects } = await api('GET', '/projects');
    const sel = $('project');
    sel.innerHTML = '';
    for (const p of projects) {
      const o = document.createElement('option');
      o.value = p.projectId;
      o.textContent = `${p.name} (v${p.latestVersion})`;
      sel.append(o);
    }
    if (select) sel.value = select;
    state(projects.length ? 'pick a project and open a terminal' : 'create a project');
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

  let ws = null;
  let line = '';
  let target = null;
  const prompt = () => term.write('\x1b[32m$\x1b[0m ');

  function open() {
    const project = $('project').value;
    const terminal = $('terminal').value.trim() || 'main';
    if (!project) return state('pick or create a project first');
    if (ws) ws.close();
    target = { project, terminal };
    term.reset();
    state('connecting…');
    const socket = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`);
    ws = socket;
    socket.onopen = () => {
      socket.send(JSON.stringify({ type: 'auth', token: key() }));
      socket.send(JSON.stringify({ type: 'subscribe', channel: `terminal:${project}:${terminal}` }));
    };
    socket.onmessage = (ev) => {
      const m = JSON.parse(ev.data);
      if (m.type === 'subscribed') {
        state(`terminal ${terminal}: ready`);
        prompt();
      } else if (m.type === 'output') {
        term.write(m.stream === 'stderr' ? `\x1b[33m${m.data}\x1b[0m` : m.data);
      } else if (m.type === 'end') {
        if (m.status !== 'SUCCESS') term.write(`\x1b[31m[${m.status}]\x1b[0m\r\n`);
        prompt();
      } else if (m.type === 'error') {
        term.write(`\x1b[31m${m.message}\x1b[0m\r\n`);
        state(m.code);
      }
    };
    socket.onclose = () => {
      if (ws === socket) state('disconnected');
    };
  }
  $('open').addEventListener('click', open);

  term.onData((data) => {
    for (const ch of data) {
      if (ch === '\r') {
        term.write('\r\n');
        const command = line.trim();
        line = '';
        if (!command || !target) {
          prompt();
          continue;
        }
        api('POST', `/projects/${target.project}/terminals/${target.terminal}/commands`, { command }).catch((e) => {
          term.write(`\x1b[31m${e.message}\x1b[0m\r\n`);
          prompt();
        });
      } else if (ch === '\x7f') {
        if (line) {
          line = line.slice(0, -1);
          term.write('\b \b');
        }
      } else if (ch >= ' ') {
        line += ch;
        term.write(ch);
      }
    }
  });
})();
