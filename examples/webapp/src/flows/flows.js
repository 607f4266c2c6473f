// The flow explorer: "Run" starts a run (POST /flows/run/{flow}), then polls
// /flows/trace/{run_id} and draws each hop as it appears; clicking a hop shows its request,
// response (secrets masked by the server) and decoded tokens.
'use strict';

const SVG = 'http://www.w3.org/2000/svg';
const X0 = 90;
const TOP = 60;
const STEP = 36;

function el(name, attrs, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function h(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

function pretty(v) {
  return JSON.stringify(v, null, 2);
}

function setup(section) {
  const flow = section.dataset.flow;
  const lanes = section.dataset.lifelines.split('|').map((s) => s.split('='));
  const index = Object.fromEntries(lanes.map(([id], i) => [id, i]));
  const DX = 820 / Math.max(lanes.length - 1, 1);
  const svg = section.querySelector('svg');
  const detail = section.querySelector('.detail');
  const state = section.querySelector('.state');
  const button = section.querySelector('button.run');

  function reset(rows) {
    const height = TOP + Math.max(rows, 3) * STEP + 20;
    svg.setAttribute('viewBox', `0 0 1000 ${height}`);
    svg.replaceChildren();
    lanes.forEach(([id, label], i) => {
      const x = X0 + i * DX;
      svg.append(el('line', { class: 'lifeline', x1: x, y1: 40, x2: x, y2: height - 5 }));
      const g = el('g', { class: 'actor', 'data-lane': id });
      g.append(el('rect', { x: x - DX / 2 + 5, y: 8, width: DX - 10, height: 30, rx: 6 }));
      g.append(el('text', { x, y: 28 }, label));
      svg.append(g);
    });
  }

  function show(hop) {
    svg.querySelectorAll('.hop').forEach((g) => g.classList.toggle('selected', g.dataset.seq === String(hop.seq)));
    const tokens = hop.tokens.map((t) =>
      h('div', { class: 'jwt', 'data-token': t.name },
        h('h4', {}, `${t.name} (token_use: `, h('span', { class: 'token-use' }, t.token_use ?? '-'), ')'),
        h('p', {}, 'Signature: ', h('span', { class: `signature ${t.verified ? 'ok' : 'bad'}` }, t.signature)),
        h('p', {}, 'Expiry: ', h('span', { class: 'expiry' }, t.expiry)),
        h('div', { class: 'cols' },
          h('div', {}, h('h5', {}, 'Header'), h('pre', { class: 'jwt-header' }, pretty(t.header))),
          h('div', {}, h('h5', {}, 'Payload'), h('pre', { class: 'jwt-payload' }, pretty(t.payload))))));
    detail.replaceChildren(
      h('h3', {}, `#${hop.seq} ${hop.label} → ${hop.status}`),
      h('div', { class: 'cols' },
        h('div', {}, h('h4', {}, 'Request'), h('pre', { class: 'request' }, pretty(hop.request))),
        h('div', {}, h('h4', {}, 'Response'), h('pre', { class: 'response' }, pretty(hop.response)))),
      ...(hop.cogito
        ? [h('div', { class: 'traced' }, h('h4', {}, 'Reported by cogito (trace stream)'), h('pre', { class: 'cogito' }, pretty(hop.cogito)))]
        : []),
      ...tokens);
    detail.classList.add('open');
  }

  function draw(hop) {
    const y = TOP + (hop.seq - 1) * STEP + 18;
    const x1 = X0 + index[hop.from] * DX;
    const x2 = X0 + index[hop.to] * DX;
    const dir = x2 >= x1 ? 1 : -1;
    const ok = hop.status < 400;
    const g = el('g', {
      class: `hop${ok ? '' : ' err'}`,
      'data-seq': hop.seq,
      'data-from': hop.from,
      'data-to': hop.to,
      'data-status': hop.status,
      'data-label': hop.label,
      'data-tokens': hop.tokens.length,
      'data-cogito': hop.cogito ? `${hop.cogito.method} ${hop.cogito.path}${hop.cogito.operation ? ` ${hop.cogito.operation}` : ''} ${hop.cogito.status}` : '',
    });
    g.append(el('line', { x1, y1: y, x2, y2: y }));
    g.append(el('polygon', {
      points: `${x2},${y} ${x2 - dir * 9},${y - 5} ${x2 - dir * 9},${y + 5}`,
      fill: ok ? '#4f46e5' : '#b91c1c',
    }));
    g.append(el('text', { x: Math.min(x1, x2) + 8, y: y - 6 }, `${hop.seq}. ${hop.label} → ${hop.status}${hop.tokens.length ? ' [JWT]' : ''}${hop.cogito ? ' · traced by cogito' : ''}`));
    g.addEventListener('click', () => show(hop));
    svg.append(g);
  }

  button.addEventListener('click', async () => {
    button.disabled = true;
    section.dataset.state = 'running';
    state.className = 'state';
    state.textContent = 'running…';
    detail.classList.remove('open');
    reset(3);
    let drawn = 0;
    try {
      const res = await fetch(`/flows/run/${flow}`, { method: 'POST' });
      const { run_id: runId } = await res.json();
      section.dataset.runId = runId;
      for (;;) {
        const run = await (await fetch(`/flows/trace/${runId}`)).json();
        if (run.hops.length > drawn) {
          const rows = Math.max(run.hops.length, 3);
          const vb = svg.getAttribute('viewBox').split(' ');
          const need = TOP + rows * STEP + 20;
          if (Number(vb[3]) < need) {
            svg.setAttribute('viewBox', `0 0 1000 ${need}`);
            svg.querySelectorAll('line.lifeline').forEach((l) => l.setAttribute('y2', need - 5));
          }
          for (const hop of run.hops.slice(drawn)) {
            draw(hop);
            await new Promise((r) => setTimeout(r, 250));
          }
          drawn = run.hops.length;
        }
        if (run.done) {
          section.dataset.state = run.error ? 'failed' : 'done';
          state.className = `state ${section.dataset.state}`;
          state.textContent = run.error ? `failed: ${run.error}` : `done: ${drawn} hops`;
          window.flowRuns = window.flowRuns || {};
          window.flowRuns[flow] = run;
          const last = [...run.hops].reverse().find((x) => x.tokens.length);
          if (last) show(last);
          break;
        }
        await new Promise((r) => setTimeout(r, 150));
      }
    } catch (e) {
      section.dataset.state = 'failed';
      state.className = 'state failed';
      state.textContent = `failed: ${e}`;
    } finally {
      button.disabled = false;
    }
  });

  reset(3);
}

document.querySelectorAll('section.flow').forEach(setup);
