// The rrstat page. Everything that comes from the API is put into the page
// as text (textContent, attribute values), never as HTML; the page's
// Content-Security-Policy enforces it with Trusted Types.
'use strict';

(function () {
  const KEY = 'rrstat.token';
  const $ = (id) => document.getElementById(id);

  // el makes an element with attributes and children (strings become text).
  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) {
      e.append(typeof c === 'string' ? document.createTextNode(c) : c);
    }
    return e;
  }

  function setText(id, text, kind) {
    const e = $(id);
    e.textContent = text || '';
    e.className = 'status' + (kind ? ' ' + kind : '');
  }

  function token() { return sessionStorage.getItem(KEY) || ''; }

  // api calls the service with the token and returns {status, ok, body, res}.
  async function api(path, opts) {
    opts = opts || {};
    const headers = Object.assign({}, opts.headers || {});
    headers['Authorization'] = 'Bearer ' + token();
    const res = await fetch(path, Object.assign({}, opts, { headers, cache: 'no-store', credentials: 'omit' }));
    let body = null;
    const type = res.headers.get('Content-Type') || '';
    if (type.startsWith('application/json')) {
      try { body = await res.json(); } catch (e) { body = null; }
    }
    return { status: res.status, ok: res.ok, body, res };
  }

  function errorText(r) {
    if (r.body && typeof r.body.error === 'string') return r.body.error + ' (HTTP ' + r.status + ')';
    return 'HTTP ' + r.status;
  }

  let role = '';

  async function useToken() {
    const t = token();
    for (const id of ['snapshots-section', 'upload-section', 'report-section', 'reports-section']) $(id).hidden = true;
    role = '';
    delete document.body.dataset.role;
    if (!t) { setText('token-status', 'No token yet.'); return; }
    setText('token-status', 'Checking the token…');
    // The page asks whose token it holds; it never tries an endpoint to
    // find out (a refused try would be logged against the person).
    const who = await api('/api/whoami');
    if (who.status === 401 || who.status === 429) { setText('token-status', 'The service does not accept this token: ' + errorText(who), 'error'); return; }
    if (!who.ok || !who.body) { setText('token-status', 'The service answered ' + errorText(who), 'error'); return; }
    role = who.body.role === 'analyst' ? 'analyst' : 'donor';
    setText('token-status', role === 'analyst'
      ? 'Signed in as ' + who.body.name + ' with an analyst token.'
      : 'Signed in as ' + who.body.name + ' with a donor token: you can make and fetch donor reports.', 'ok');
    document.body.dataset.role = role;
    $('report-section').hidden = false;
    $('reports-section').hidden = false;
    const aud = $('report-audience');
    for (const o of aud.options) o.disabled = role !== 'analyst' && o.value !== 'donor';
    if (role !== 'analyst') aud.value = 'donor';
    showK();
    if (role === 'analyst') {
      $('snapshots-section').hidden = false;
      $('upload-section').hidden = false;
      await refreshSnapshots();
    }
    await refreshReports();
  }

  // showK shows the k field for donor reports only: analyst reports
  // suppress nothing.
  function showK() {
    $('report-k-label').hidden = $('report-audience').value !== 'donor';
  }

  function showSnapshots(body) {
    const tb = $('snapshots').tBodies[0];
    tb.replaceChildren();
    const list = (body && body.snapshots) || [];
    for (const sn of list) {
      tb.append(el('tr', {},
        el('td', { text: sn.country }),
        el('td', { class: 'mono', text: sn.snapshot_id }),
        el('td', { text: String(sn.loaded_at || '').replace('T', ' ').replace(/(\.\d+)?Z$/, '') }),
        el('td', { text: sn.source }),
        el('td', { class: 'num', text: String(sn.persons) }),
        el('td', { class: 'num', text: String(sn.rows) }),
        el('td', { text: sn.current ? 'current' : '' })));
    }
    setText('snapshots-status', list.length ? '' : 'The store holds no snapshot yet: upload an export.');
  }

  async function refreshSnapshots() {
    const r = await api('/api/snapshots');
    if (r.ok) showSnapshots(r.body); else setText('snapshots-status', errorText(r), 'error');
  }

  // fileLinks makes one link per file of a report. A link points at the
  // API; a click fetches the file with the token and saves it.
  function fileLinks(rep) {
    const span = el('span', { class: 'files' });
    for (const f of rep.files || []) {
      const a = el('a', {
        href: '/api/reports/' + encodeURIComponent(rep.id) + '/' + encodeURIComponent(f),
        class: 'download', 'data-report': rep.id, 'data-file': f, text: f,
      });
      a.addEventListener('click', (ev) => { ev.preventDefault(); download(a); });
      span.append(a, ' ');
    }
    return span;
  }

  function showReports(body) {
    const tb = $('reports').tBodies[0];
    tb.replaceChildren();
    const list = (body && body.reports) || [];
    for (const rep of list) {
      tb.append(el('tr', {},
        el('td', { text: rep.period }),
        el('td', { text: rep.audience + (rep.audience === 'donor' ? ' (k = ' + rep.k + ')' : '') }),
        el('td', { text: (rep.countries || []).join(', ') }),
        el('td', { text: String(rep.generated_at || '').replace('T', ' ').replace(/Z$/, '') }),
        el('td', {}, fileLinks(rep))));
    }
    setText('reports-status', list.length ? '' : 'No report yet.');
  }

  async function refreshReports() {
    const r = await api('/api/reports');
    if (r.ok) showReports(r.body); else setText('reports-status', errorText(r), 'error');
  }

  // download fetches a file with the token and hands it to the browser as
  // a download. The blob is typed application/octet-stream, so even
  // dashboard.html is saved, never shown in this page's origin (where the
  // token is).
  async function download(a) {
    a.classList.add('busy');
    try {
      const r = await api(a.getAttribute('href'));
      if (!r.ok) { setText('reports-status', 'Download of ' + a.dataset.file + ' failed: ' + errorText(r), 'error'); return; }
      const blob = await r.res.blob();
      const disp = r.res.headers.get('Content-Disposition') || '';
      const m = /filename="([^"]+)"/.exec(disp);
      const name = m ? m[1] : a.dataset.file;
      const url = URL.createObjectURL(new Blob([blob], { type: 'application/octet-stream' }));
      const save = el('a', { href: url, download: name });
      document.body.append(save);
      save.click();
      save.remove();
      setTimeout(() => URL.revokeObjectURL(url), 30000);
    } finally {
      a.classList.remove('busy');
    }
  }

  // rejectsTable shows every rejected row of a load, a page at a time.
  const PAGE = 25;
  function rejectsTable(rej) {
    const box = el('div', { class: 'rejects', id: 'rejects' });
    const caption = el('p', { id: 'rejects-caption' });
    const table = el('table', {}, el('thead', {}, el('tr', {},
      el('th', { text: 'file' }), el('th', { class: 'num', text: 'line' }), el('th', { text: 'column' }),
      el('th', { text: 'value' }), el('th', { text: 'reason' }))));
    const tb = el('tbody');
    table.append(tb);
    const prev = el('button', { type: 'button', class: 'secondary', id: 'rejects-prev', text: '‹ Previous' });
    const next = el('button', { type: 'button', class: 'secondary', id: 'rejects-next', text: 'Next ›' });
    let page = 0;
    const pages = Math.max(1, Math.ceil(rej.length / PAGE));
    function draw() {
      tb.replaceChildren();
      for (const x of rej.slice(page * PAGE, (page + 1) * PAGE)) {
        tb.append(el('tr', {}, el('td', { text: x.file }), el('td', { class: 'num', text: String(x.line) }),
          el('td', { text: x.column || '' }), el('td', { class: 'mono value', text: x.value === undefined ? '' : String(x.value) }),
          el('td', { text: x.reason })));
      }
      caption.textContent = rej.length + ' rejected row' + (rej.length === 1 ? '' : 's') +
        (pages > 1 ? ' (page ' + (page + 1) + ' of ' + pages + ', rows ' + (page * PAGE + 1) + '–' + Math.min(rej.length, (page + 1) * PAGE) + ')' : '') + ':';
      prev.disabled = page === 0;
      next.disabled = page >= pages - 1;
    }
    prev.addEventListener('click', () => { if (page > 0) { page--; draw(); } });
    next.addEventListener('click', () => { if (page < pages - 1) { page++; draw(); } });
    draw();
    box.append(caption, table);
    if (pages > 1) box.append(el('div', { class: 'row pager' }, prev, next));
    return box;
  }

  async function upload(ev) {
    ev.preventDefault();
    const file = $('upload-file').files[0];
    const out = $('upload-result');
    out.replaceChildren();
    if (!file) { out.append(el('p', { class: 'status error', text: 'Choose a file first.' })); return; }
    $('upload-submit').disabled = true;
    out.append(el('p', { class: 'status', text: 'Uploading and loading ' + file.name + '…' }));
    try {
      const q = '?encoding=' + encodeURIComponent($('upload-encoding').value) + '&name=' + encodeURIComponent(file.name);
      const r = await api('/api/exports' + q, { method: 'POST', body: file, headers: { 'Content-Type': 'application/octet-stream' } });
      out.replaceChildren();
      const sum = r.body && r.body.exports && r.body.exports[0];
      if (!sum) {
        // Refused before loading (too large, too slow ...): the reason.
        out.append(el('p', { class: 'status error', id: 'upload-status', 'data-status': 'refused',
          text: 'The upload was refused: ' + errorText(r) + ' Nothing was loaded; the store is as it was.' }));
        return;
      }
      const line = sum.status === 'failed'
        ? 'Failed: ' + (sum.error || 'the export was refused').replace(/\.?$/, '.') + ' Nothing was loaded; the store is as it was.'
        : (sum.status === 'loaded' ? 'Loaded ' : 'Unchanged: identical to the current snapshot of ') + sum.country + ' (snapshot ' + sum.snapshot_id + ').';
      out.append(el('p', { class: 'status ' + (sum.status === 'failed' ? 'error' : 'ok'), id: 'upload-status', 'data-status': sum.status, text: line }));
      // The counts, when rows were read at all (a refused export has none).
      const tables = Object.entries(sum.tables || {});
      if (tables.some(([, c]) => c.rows_read > 0)) {
        const t = el('table', { id: 'upload-counts' }, el('thead', {}, el('tr', {},
          el('th', { text: 'table' }), el('th', { class: 'num', text: 'rows read' }), el('th', { class: 'num', text: 'loaded' }),
          el('th', { class: 'num', text: 'merged' }), el('th', { class: 'num', text: 'rejected' }))));
        const tb = el('tbody');
        for (const [name, c] of tables) {
          tb.append(el('tr', {}, el('td', { text: name }), el('td', { class: 'num', text: String(c.rows_read) }),
            el('td', { class: 'num', text: String(c.loaded) }), el('td', { class: 'num', text: String(c.merged) }),
            el('td', { class: 'num', text: String(c.rejected) })));
        }
        t.append(tb);
        out.append(t);
      }
      const rej = sum.rejects || [];
      if (rej.length) out.append(rejectsTable(rej));
      for (const w of sum.warnings || []) out.append(el('p', { class: 'warning', text: 'Warning: ' + w }));
      await refreshSnapshots();
    } catch (e) {
      out.replaceChildren(el('p', { class: 'status error', id: 'upload-status', text: 'The upload failed: ' + e }));
    } finally {
      $('upload-submit').disabled = false;
    }
  }

  async function makeReport(ev) {
    ev.preventDefault();
    const out = $('report-result');
    out.replaceChildren(el('p', { class: 'status', text: 'Making the report…' }));
    $('report-submit').disabled = true;
    try {
      const countries = $('report-countries').value.split(/[\s,;]+/).filter((c) => c !== '' && c.toLowerCase() !== 'all');
      const body = {
        period: $('report-period').value.trim(),
        audience: $('report-audience').value,
        countries,
      };
      if (body.audience === 'donor') body.k = parseInt($('report-k').value, 10) || 5;
      const win = parseInt($('report-window').value, 10);
      if (win) body.window = win;
      body.lang = $('report-lang').value;
      const r = await api('/api/reports', { method: 'POST', body: JSON.stringify(body), headers: { 'Content-Type': 'application/json' } });
      out.replaceChildren();
      if (r.status !== 201) { out.append(el('p', { class: 'status error', id: 'report-status', text: errorText(r) })); return; }
      const rep = r.body;
      out.append(el('p', { class: 'status ok', id: 'report-status', 'data-report': rep.id,
        text: 'Made the ' + rep.audience + ' report for ' + rep.period + ' (' + (rep.countries || []).join(', ') + '). Files:' }),
      el('p', {}, fileLinks(rep)));
      await refreshReports();
    } catch (e) {
      out.replaceChildren(el('p', { class: 'status error', id: 'report-status', text: 'The request failed: ' + e }));
    } finally {
      $('report-submit').disabled = false;
    }
  }

  document.addEventListener('DOMContentLoaded', () => {
    $('token-form').addEventListener('submit', (ev) => {
      ev.preventDefault();
      const t = $('token').value.trim();
      $('token').value = '';
      if (t) sessionStorage.setItem(KEY, t);
      useToken();
    });
    $('token-forget').addEventListener('click', () => {
      sessionStorage.removeItem(KEY);
      useToken();
    });
    $('upload-form').addEventListener('submit', upload);
    $('report-audience').addEventListener('change', showK);
    $('report-form').addEventListener('submit', makeReport);
    useToken();
  });
})();
