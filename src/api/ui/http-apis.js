// The dashboard's HTTP API pages: the user's HTTP APIs (where each is served, its routes, CORS)
// and a page per API with its routes (target function, auth, payload format, throttle, cache),
// stages with their variables, CORS, default throttle and the custom domain names mapped to it.
// Read from the native GET endpoints only (the list with its route counts, an API with its mappings:
// one request each); every value goes in as text, as in dashboard.js.

/** `ui`: the dashboard's helpers (view, put, h, api, state, table, owner, every, me). */
export function httpApiPages(ui) {
  const { h, put, api, state, table, owner } = ui;
  const enc = encodeURIComponent;
  /** `?userId=…` / `&userId=…` for an admin looking at another user's APIs (`?user=alice`). */
  const q = (params, first) => {
    const o = owner(params);
    return o ? `${first ? '?' : '&'}${o}` : '';
  };
  /** The `?user=` a link keeps, for an admin's view of another user's pages. */
  const userParam = (params, userId) => (params.get('user') ? `?user=${enc(userId)}` : '');
  const fmtDate = (iso) => (iso ? new Date(iso).toLocaleString() : '—');
  const dash = (v) => (v === null || v === undefined || v === '' ? '—' : v);
  const throttleText = (t) => (t ? `${t.rate}/s, burst ${t.burst}` : null);
  /** An address the server wrote, as a link when it is one (never another scheme). */
  const address = (url) => (/^https?:\/\//.test(url) ? h('a', { href: url, target: '_blank', rel: 'noopener noreferrer' }, url) : url);
  const fnLink = (params, userId, name, qualifier) =>
    h(
      'span',
      {},
      h('a', { href: `#/function/${enc(name)}${userParam(params, userId)}`, 'data-function': name }, name),
      qualifier ? h('span', { class: 'muted' }, `:${qualifier}`) : null,
    );
  const vars = (v) => {
    const entries = Object.entries(v || {});
    return entries.length ? entries.map(([k, x]) => h('code', { class: 'var' }, `${k}=${x}`)) : h('span', { class: 'muted' }, 'none');
  };

  // ------------------------------------------------------------------ list
  async function httpApis(params) {
    const user = h('input', { name: 'user', value: params.get('user') || '', size: 14, placeholder: ui.me().userId });
    user.addEventListener('change', () => {
      const u = user.value.trim();
      location.hash = `#/http-apis${u ? `?user=${enc(u)}` : ''}`;
    });
    const panel = h('div', { class: 'panel', id: 'http-apis' });
    put(
      h('h2', {}, `HTTP APIs of ${params.get('user') || ui.me().userId}`),
      ui.me().scope === 'admin' ? h('div', { class: 'filters' }, h('label', {}, 'user', user)) : null,
      panel,
    );
    const load = async () => {
      // The list counts each API's routes (routeCount): one request, however many APIs.
      const { apis } = await api('GET', `/http-apis${q(params, true)}`);
      panel.replaceChildren(
        table(
          ['HTTP API', 'id', 'address', 'host form', 'routes', 'CORS', 'created', 'updated'],
          apis.map((a) =>
            h(
              'tr',
              { 'data-api': a.apiId },
              h('td', {}, h('a', { href: `#/http-api/${enc(a.apiId)}${userParam(params, a.userId)}` }, a.name)),
              h('td', {}, h('code', {}, a.apiId)),
              h('td', {}, address(a.url)),
              h('td', { class: 'muted' }, a.hostUrl),
              h('td', { 'data-routes': '' }, String(a.routeCount)),
              h('td', {}, a.cors ? h('span', { class: 's-ok' }, 'on') : h('span', { class: 'muted' }, 'off')),
              h('td', {}, fmtDate(a.createdAt)),
              h('td', {}, fmtDate(a.updatedAt)),
            ),
          ),
          'no HTTP APIs: create one with hangar http-api create NAME (then hangar http-api route add), or with the AWS SDK or CLI (API Gateway v2 CreateApi) at this address',
        ),
      );
      state(`updated ${new Date().toLocaleTimeString()}`);
    };
    await load();
    ui.every(5000, load);
  }

  // ------------------------------------------------------------------ an API
  function authCell(params, userId, a) {
    switch (a.kind) {
      case 'none':
        return h('span', { class: 'muted' }, 'none');
      case 'key':
        return 'Hangar key';
      case 'jwt':
        return h(
          'span',
          { title: a.jwksUrl ? `keys: ${a.jwksUrl}` : 'keys: the issuer’s OpenID configuration' },
          'JWT ',
          h('span', { class: 'muted' }, `${a.issuer}${a.audience.length ? ` (aud ${a.audience.join(', ')})` : ''}`),
        );
      case 'lambda':
        return h(
          'span',
          { title: a.identitySource.length ? `identity: ${a.identitySource.join(', ')}` : 'no identity sources' },
          'Lambda authorizer ',
          fnLink(params, userId, a.functionName, a.qualifier),
          h(
            'span',
            { class: 'muted' },
            ` · payload ${a.payloadFormatVersion} · TTL ${a.resultTtlS} s${a.simpleResponses ? ' · simple responses' : ''}`,
          ),
        );
      default:
        return a.kind;
    }
  }

  function routesTable(params, a, routes) {
    return table(
      ['route', 'function', 'auth', 'payload', 'throttle', 'cache TTL'],
      routes.map((r) =>
        h(
          'tr',
          { 'data-route': r.routeKey },
          h('td', {}, h('code', {}, r.routeKey)),
          h('td', {}, fnLink(params, a.userId, r.functionName, r.qualifier)),
          h('td', { class: 'wrap' }, authCell(params, a.userId, r.auth)),
          h('td', {}, r.payloadFormatVersion),
          h('td', {}, throttleText(r.throttle) ?? h('span', { class: 'muted' }, a.throttle ? 'the API’s' : 'none')),
          h('td', {}, r.cacheTtlS > 0 ? `${r.cacheTtlS} s` : h('span', { class: 'muted' }, 'off')),
        ),
      ),
      'no routes yet: hangar http-api route add',
    );
  }

  function stagesTable(a) {
    const stages = [{ name: '$default', url: a.url, stageVariables: a.stageVariables }, ...a.stages];
    return table(
      ['stage', 'address', 'variables'],
      stages.map((s) =>
        h(
          'tr',
          { 'data-stage': s.name },
          h('td', {}, s.name),
          h('td', {}, address(s.url)),
          h('td', { class: 'wrap' }, vars(s.stageVariables)),
        ),
      ),
      '',
    );
  }

  function corsPanel(c) {
    if (!c) return h('p', { class: 'muted' }, 'off: the functions answer preflights and set CORS headers themselves');
    const list = (xs) => (xs.length ? xs.join(', ') : '—');
    return h(
      'dl',
      { class: 'kv' },
      h('dt', {}, 'origins'),
      h('dd', {}, list(c.allowOrigins)),
      h('dt', {}, 'methods'),
      h('dd', {}, list(c.allowMethods)),
      h('dt', {}, 'headers'),
      h('dd', {}, list(c.allowHeaders)),
      h('dt', {}, 'exposed'),
      h('dd', {}, list(c.exposeHeaders)),
      h('dt', {}, 'max age'),
      h('dd', {}, c.maxAgeS === undefined ? '—' : `${c.maxAgeS} s`),
      h('dt', {}, 'credentials'),
      h('dd', {}, c.allowCredentials ? 'allowed' : 'no'),
    );
  }

  function domainsTable(mappings) {
    return table(
      ['domain name', 'mapping key', 'stage', 'served at'],
      mappings.map((m) =>
        h(
          'tr',
          { 'data-mapping': m.apiMappingId },
          h('td', {}, m.domainName),
          h('td', {}, m.apiMappingKey ? h('code', {}, m.apiMappingKey) : h('span', { class: 'muted' }, '(root)')),
          h('td', {}, m.stage),
          h('td', { class: 'muted' }, `${m.domainName}/${m.apiMappingKey}`),
        ),
      ),
      'no custom domain name maps to this API',
    );
  }

  async function httpApi(apiId, params) {
    const base = `/http-apis/${enc(apiId)}`;
    const title = h('h2', { id: 'api-title' });
    const about = h('div', { class: 'panel', id: 'api-about' });
    const routes = h('div', { class: 'panel', id: 'api-routes' });
    const stages = h('div', { class: 'panel', id: 'api-stages' });
    const cors = h('div', { class: 'panel', id: 'api-cors' });
    const domains = h('div', { class: 'panel', id: 'api-domains' });
    ui.view.append(
      title,
      about,
      h('h2', {}, 'Routes'),
      routes,
      h(
        'div',
        { class: 'grid2' },
        h('div', {}, h('h2', {}, 'Stages'), stages),
        h('div', {}, h('h2', {}, 'CORS'), cors, h('h2', {}, 'Custom domain names'), domains),
      ),
    );
    const load = async () => {
      const [a, r, m] = await Promise.all([
        api('GET', `${base}${q(params, true)}`),
        api('GET', `${base}/routes${q(params, true)}`),
        // The mappings of the user's domain names that point at this API: one request.
        api('GET', `${base}/domain-mappings${q(params, true)}`),
      ]);
      title.textContent = `HTTP API ${a.name} (${a.userId})`;
      about.replaceChildren(
        h(
          'dl',
          { class: 'kv' },
          h('dt', {}, 'id'),
          h('dd', {}, h('code', {}, a.apiId)),
          h('dt', {}, 'address'),
          h('dd', {}, address(a.url)),
          h('dt', {}, 'host form'),
          h('dd', {}, a.hostUrl, h('span', { class: 'muted' }, ' (a DNS name pointing at Hangar)')),
          h('dt', {}, 'default throttle'),
          h('dd', {}, dash(throttleText(a.throttle))),
          h('dt', {}, 'created'),
          h('dd', {}, fmtDate(a.createdAt)),
          h('dt', {}, 'updated'),
          h('dd', {}, fmtDate(a.updatedAt)),
        ),
      );
      routes.replaceChildren(routesTable(params, a, r.routes));
      stages.replaceChildren(stagesTable(a));
      cors.replaceChildren(corsPanel(a.cors));
      domains.replaceChildren(domainsTable(m.mappings));
      state(`updated ${new Date().toLocaleTimeString()}`);
    };
    await load();
    ui.every(5000, load);
  }

  return { httpApis, httpApi };
}
