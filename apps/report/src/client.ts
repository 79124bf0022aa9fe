/**
 * The page's only script (inlined): it reads the data block, checks the page against it (any
 * mismatch is a console error, which the browser test fails on), wires the run filter and the
 * "open on link" behaviour, then sets `data-ready` on <body>. Everything it shows is already in
 * the static HTML; without script the page loses only the filter.
 */
export const CLIENT_JS = `(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('data').textContent);
  var reports = data.reports || [];
  var rows = document.querySelectorAll('tr[data-run-row]');
  if (rows.length !== reports.length) console.error('leasebreak report: ' + rows.length + ' run rows for ' + reports.length + ' reports');
  for (var i = 0; i < reports.length; i++) {
    var listed = document.querySelectorAll('tr[data-violation][data-run-index="' + i + '"]').length;
    var want = (reports[i].violations || []).length;
    if (listed !== want) console.error('leasebreak report: run ' + (i + 1) + ' shows ' + listed + ' violations of ' + want);
  }
  for (var j = 0; j < reports.length; j++) {
    var ev = reports[j].events || {};
    if (!ev.droppedBy) continue;
    var threads = Object.keys(Object.assign({}, ev.countBy || {}, ev.droppedBy)).length;
    var threadRows = document.querySelectorAll('[data-events][data-run-index="' + j + '"] tr[data-events-thread]').length;
    if (threadRows !== threads) console.error('leasebreak report: run ' + (j + 1) + ' shows events of ' + threadRows + ' threads of ' + threads);
  }
  if (data.matrix) {
    var cells = document.querySelectorAll('td[data-outcome-cell]').length;
    var n = data.matrix.scenarios.length * data.matrix.policies.length;
    if (cells !== n) console.error('leasebreak report: ' + cells + ' matrix cells for ' + n);
  }
  var status = document.getElementById('filter-status');
  var text = document.getElementById('filter-text');
  var count = document.getElementById('filter-count');
  function apply() {
    var s = status ? status.value : '';
    var q = text ? text.value.trim().toLowerCase() : '';
    var shown = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var hay = (r.getAttribute('data-scenario') + ' ' + r.getAttribute('data-policy') + ' ' + r.getAttribute('data-seed')).toLowerCase();
      var ok = (s === '' || r.getAttribute('data-status') === s) && (q === '' || hay.indexOf(q) >= 0);
      r.classList.toggle('hidden', !ok);
      if (ok) shown++;
    }
    if (count) count.textContent = shown === rows.length ? rows.length + ' runs' : shown + ' of ' + rows.length + ' runs';
  }
  if (status) status.addEventListener('change', apply);
  if (text) text.addEventListener('input', apply);
  apply();
  function openTarget() {
    var id = decodeURIComponent(location.hash.slice(1));
    if (!id) return;
    var t = document.getElementById(id);
    if (!t) return;
    var d = t.tagName === 'DETAILS' ? t : t.querySelector('details');
    if (d) d.open = true;
  }
  window.addEventListener('hashchange', openTarget);
  openTarget();
  var all = document.getElementById('toggle-runs');
  if (all) all.addEventListener('click', function () {
    var ds = document.querySelectorAll('section.run > details');
    var open = all.getAttribute('data-open') !== '1';
    for (var i = 0; i < ds.length; i++) ds[i].open = open;
    all.setAttribute('data-open', open ? '1' : '0');
    all.textContent = open ? 'collapse all runs' : 'expand all runs';
  });
  document.body.setAttribute('data-ready', String(reports.length));
})();
`;
