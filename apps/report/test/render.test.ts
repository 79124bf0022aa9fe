import type { Report } from '@leasebreak/workloads';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { EVIL, EVIL_SCRIPT, matrixOf, realReports, syntheticReport } from './fixtures.js';

/** The opening tag of the first element carrying all these attributes (values exact). */
function tagWith(html: string, want: Record<string, string | number | true>): string | undefined {
  for (const m of html.matchAll(/<[a-z]+\b[^>]*>/g)) {
    const tag = m[0];
    if (Object.entries(want).every(([k, v]) => (v === true ? new RegExp(`\\s${k}(\\s|>|=)`).test(tag) : tag.includes(` ${k}="${v}"`)))) return tag;
  }
  return undefined;
}

function countTags(html: string, want: Record<string, string | number | true>): number {
  let n = 0;
  for (const m of html.matchAll(/<[a-z]+\b[^>]*>/g)) {
    const tag = m[0];
    if (Object.entries(want).every(([k, v]) => (v === true ? new RegExp(`\\s${k}(\\s|>|=)`).test(tag) : tag.includes(` ${k}="${v}"`)))) n++;
  }
  return n;
}

function attr(tag: string | undefined, name: string): string | undefined {
  return tag?.match(new RegExp(`\\s${name}="([^"]*)"`))?.[1];
}

/** The page without the contents of its <script> and <style> elements: what the HTML parser reads as markup. */
function markup(html: string): string {
  return html.replace(/(<script[^>]*>)[\s\S]*?(<\/script>)/g, '$1$2').replace(/(<style>)[\s\S]*?(<\/style>)/g, '$1$2');
}

/** Every attribute name of every tag, read as a browser would (quoted values skipped whole). */
function attributeNames(html: string): Set<string> {
  const names = new Set<string>();
  for (const m of markup(html).matchAll(/<[a-zA-Z][^\s>\/]*((?:\s+[^\s=>]+(?:="[^"]*")?)*)\s*\/?>/g)) {
    for (const a of m[1]!.matchAll(/\s+([^\s=>]+)(?:="[^"]*")?/g)) names.add(a[1]!.toLowerCase());
  }
  return names;
}

function dataBlock(html: string): unknown {
  const m = html.match(/<script type="application\/json" id="data">([\s\S]*?)<\/script>/);
  if (m === null) throw new Error('no data block');
  return JSON.parse(m[1]!);
}

describe('renderReport', () => {
  it('escapes every string that comes from a scenario or a report', () => {
    const evil = syntheticReport({ name: EVIL, policy: EVIL_SCRIPT, proc: EVIL });
    const html = renderReport({ reports: [evil], title: EVIL, matrix: { cells: [{ scenario: EVIL, policy: EVIL_SCRIPT, runs: 1, seen: { corruption: 1, [EVIL]: 1 }, text: EVIL }], scenarios: [EVIL], policies: [EVIL_SCRIPT] } });
    expect(html).not.toContain('<img');
    const names = attributeNames(html);
    expect([...names].filter((n) => n.startsWith('on'))).toEqual([]);
    expect(names.has('src')).toBe(false);
    // Only our two script elements: the data block and the page script.
    expect(html.match(/<script/g)).toHaveLength(2);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    // A process name is a thread name in the events table: escaped in the attribute and the cell.
    expect(html).toContain('data-events-thread="&lt;img src=x onerror=alert(1)&gt;"');
    expect(html).toContain('<td>&lt;img src=x onerror=alert(1)&gt;</td><td class="num">20</td>');
    // The data block round-trips the hostile strings intact.
    const data = dataBlock(html) as { reports: Report[]; title: string };
    expect(data.title).toBe(EVIL);
    expect(data.reports[0]!.scenario).toBe(EVIL);
    expect(data.reports[0]!.policy).toBe(EVIL_SCRIPT);
    expect(data.reports[0]!.processes[0]!.name).toBe(EVIL);
  });

  it('escapes quotes in attribute values', () => {
    const html = renderReport({ reports: [syntheticReport({ name: `a" onmouseover="alert(3)`, proc: `p' data-pwned='1` })] });
    expect(markup(html)).not.toContain('" onmouseover="');
    expect(html).toContain('data-scenario="a&quot; onmouseover=&quot;alert(3)"');
    expect(markup(html)).not.toContain(`p' data-pwned='1`);
    expect([...attributeNames(html)].filter((n) => n.startsWith('on') || n === 'data-pwned')).toEqual([]);
  });

  it('shows every number of every report', () => {
    const a = syntheticReport();
    const b = syntheticReport({ name: 'second', policy: 'mainline', seed: 8, status: 'passed' });
    const reports = [a, b];
    const html = renderReport({ reports });
    reports.forEach((r, i) => {
      const row = html.slice(html.indexOf(tagWith(html, { 'data-run-row': true, 'data-run-index': i })!));
      const rowHtml = row.slice(0, row.indexOf('</tr>'));
      expect(attr(tagWith(html, { 'data-run-row': true, 'data-run-index': i }), 'data-status')).toBe(r.status);
      expect(attr(tagWith(html, { 'data-run-row': true, 'data-run-index': i }), 'data-seed')).toBe(String(r.seed));
      for (const k of ['corruption', 'dataLeak', 'staleOffset', 'lostWrite', 'hang', 'delayedOk'] as const) {
        expect(rowHtml).toContain(`data-outcome="${k}" data-value="${r.outcomes[k]}"`);
      }
      for (const [e, n] of Object.entries(r.outcomes.informedFailure)) expect(rowHtml).toContain(`data-${e.toLowerCase()}="${n}"`);
      expect(rowHtml).toContain(`data-outcome="leaseBreaks" data-value="${r.leaseBreaks.count}"`);
      expect(rowHtml).toContain(`data-outcome="pinsLeaked" data-value="${r.pins.leaked}"`);
      // Latency: the total and each phase, every percentile.
      for (const [metric, v] of [['total', r.leaseBreaks.latencyUs], ...Object.entries(r.leaseBreaks.phasesUs)] as const) {
        const tag = tagWith(html, { 'data-latency-row': true, 'data-run-index': i, 'data-metric': metric });
        for (const k of ['p50', 'p90', 'p99', 'p999', 'max'] as const) expect(attr(tag, `data-latency-${k}`)).toBe(String(v[k]));
      }
      // Violations, with their evidence.
      expect(countTags(html, { 'data-violation': true, 'data-run-index': i })).toBe(r.violations.length);
      for (const v of r.violations) {
        const tag = tagWith(html, { 'data-violation': true, 'data-run-index': i, 'data-pfn': v.pfn });
        expect(attr(tag, 'data-class')).toBe(v.class);
        expect(attr(tag, 'data-at-us')).toBe(String(v.atUs));
        expect(attr(tag, 'data-victim-offset')).toBe(String(v.victim.offset));
        expect(attr(tag, 'data-intended-offset')).toBe(String(v.intended.offset));
        expect(attr(tag, 'data-writer')).toBe(v.writer.process);
      }
      // The timeline: one bar per step, one tick per signal, one bar per listed lease break.
      const tl = html.slice(html.indexOf(`data-timeline="${i}"`));
      const svg = tl.slice(0, tl.indexOf('</svg>'));
      expect(svg.match(/<rect class="bar /g)).toHaveLength(r.processes.reduce((a, p) => a + Math.max(p.steps.length, ((p.workload as { startedNs?: unknown[] } | undefined)?.startedNs ?? []).length), 0));
      expect(svg.match(/data-signal=/g)).toHaveLength(r.processes.reduce((a, p) => a + p.signals.length, 0));
      expect(svg.match(/data-lease-break=/g)).toHaveLength(r.leaseBreaks.breaks!.length);
    });
    // Text a reader sees: formatted values.
    expect(html).toContain('123.4 µs');
    expect(html).toContain('9.88 ms');
    expect(html).toContain('/pmem/holder-victim + 8192 (0x2000)');
  });

  it('shows events emitted / kept / dropped per thread, highlighted when a ring dropped', () => {
    const a = syntheticReport();
    const b = syntheticReport({ name: 'second', seed: 8, dropped: false });
    const html = renderReport({ reports: [a, b] });
    const panel = (i: number): string => {
      const at = html.indexOf(tagWith(html, { 'data-events': true, 'data-run-index': i })!);
      return html.slice(at, html.indexOf('</details>', at));
    };
    [a, b].forEach((r, i) => {
      const p = panel(i);
      const threads = Object.keys(r.events.droppedBy!);
      expect(countTags(p, { 'data-events-thread': true })).toBe(threads.length);
      for (const t of threads) {
        const tag = tagWith(p, { 'data-events-thread': t });
        const count = r.events.countBy![t]!;
        const dropped = r.events.droppedBy![t]!;
        expect([attr(tag, 'data-count'), attr(tag, 'data-kept'), attr(tag, 'data-dropped')]).toEqual([String(count), String(count - dropped), String(dropped)]);
        // As text: the thread, then emitted, kept, dropped.
        const row = p.slice(p.indexOf(tag!), p.indexOf('</tr>', p.indexOf(tag!)));
        expect(row.replace(/<[^>]+>/g, '|').split('|').filter((x) => x !== '')).toEqual([t, String(count), String(count - dropped), String(dropped)]);
        expect(tag!.includes('class="dropped"')).toBe(dropped > 0);
      }
      expect(attr(tagWith(html, { 'data-run': true, 'data-run-index': i }), 'data-events-dropped')).toBe(String(r.events.dropped));
    });
    // Run 0 dropped: the panel is open, marked, and says where; run 1 kept everything.
    const open0 = tagWith(html, { 'data-events': true, 'data-run-index': 0 })!;
    expect(open0).toMatch(/class="events dropped"/);
    expect(open0).toMatch(/\sopen(\s|>)/);
    expect(panel(0)).toContain('Events: 7 of 99 not kept (kernel 5, holder 2)');
    expect(panel(0)).toContain('--ring-mib');
    const open1 = tagWith(html, { 'data-events': true, 'data-run-index': 1 })!;
    expect(open1).not.toMatch(/dropped"|\sopen(\s|>)/);
    expect(panel(1)).toContain('Events: 99, all kept');
    expect(attr(tagWith(html, { 'data-kpi': 'events-dropped' }), 'class')).toBe('kpi bad');
    expect(html).toContain('<div class="v">7</div><div class="k">events not kept (full event rings) in 1 run(s)</div>');
    // Nothing dropped anywhere: no KPI.
    expect(renderReport({ reports: [b] })).not.toContain('data-kpi="events-dropped"');
  });

  it('events per thread from older reports: no counts → dashes; no droppedBy → no panel', () => {
    const r = syntheticReport();
    const { countBy: _, ...noCounts } = r.events;
    const html = renderReport({ reports: [{ ...r, events: noCounts }] });
    const tag = tagWith(html, { 'data-events-thread': 'kernel' })!;
    expect(attr(tag, 'data-dropped')).toBe('5');
    expect(attr(tag, 'data-count')).toBeUndefined();
    expect(html.slice(html.indexOf(tag), html.indexOf('</tr>', html.indexOf(tag)))).toContain('<td class="num">—</td><td class="num">—</td><td class="num pos c-corruption">5</td>');
    const old = renderReport({ reports: [{ ...r, events: { hash: 'x', count: 3 } }] });
    expect(countTags(old, { 'data-events': true })).toBe(0);
    expect(markup(old)).not.toContain('data-events-thread');
    expect(old).not.toContain('data-kpi="events-dropped"');
  });

  it('draws the matrix: one cell per scenario × policy, with what was seen', () => {
    const reports = [syntheticReport(), syntheticReport({ policy: 'mainline', status: 'passed' }), syntheticReport({ name: 'other', policy: 'no-break', status: 'error' })];
    const m = matrixOf(reports, ['synthetic-race', 'other'], ['no-break', 'mainline']);
    const html = renderReport({ reports, matrix: m });
    expect(countTags(html, { 'data-outcome-cell': true })).toBe(4);
    const cell = tagWith(html, { 'data-outcome-cell': true, 'data-scenario': 'synthetic-race', 'data-policy': 'no-break' });
    expect(attr(cell, 'data-seen-corruption')).toBe('1');
    expect(attr(cell, 'data-seen-eintr')).toBe('1');
    expect(attr(cell, 'data-worst')).toBe('violation');
    expect(attr(tagWith(html, { 'data-outcome-cell': true, 'data-scenario': 'other', 'data-policy': 'no-break' }), 'data-seen-error')).toBe('1');
    // A scenario × policy that never ran is an empty cell, not a missing one.
    expect(attr(tagWith(html, { 'data-outcome-cell': true, 'data-scenario': 'other', 'data-policy': 'mainline' }), 'data-runs')).toBe('0');
  });

  it('needs no network: no http: or https: address anywhere', () => {
    const html = renderReport({ reports: [syntheticReport()], matrix: matrixOf([syntheticReport()], ['synthetic-race'], ['no-break']) });
    expect(html).not.toMatch(/https?:/i);
    expect(html).not.toMatch(/\s(src|href)="(?!#)/);
    expect(html).toContain(`default-src 'none'`);
  });

  it('is deterministic: the same input gives the same bytes', () => {
    const a = renderReport({ reports: [syntheticReport(), syntheticReport({ seed: 9 })] });
    const b = renderReport({ reports: structuredClone([syntheticReport(), syntheticReport({ seed: 9 })]) });
    expect(b).toBe(a);
  });

  it('renders reports without the per-break list (older report.json) and empty inputs', () => {
    const r = syntheticReport();
    const { breaks: _, ...lb } = r.leaseBreaks;
    const html = renderReport({ reports: [{ ...r, leaseBreaks: lb }] });
    expect(html).toContain('lists no single breaks');
    const empty = renderReport({ reports: [] });
    expect(empty).toContain('No runs.');
    expect(empty).toContain('data-runs="0"');
  });

  it('renders real deterministic runs: their outcomes, latencies and violations', async () => {
    const reports = await realReports();
    const html = renderReport({ reports });
    expect(html).not.toMatch(/https?:/i);
    const [leases, noBreak, mainline] = reports as [Report, Report, Report];
    expect(leases.leaseBreaks.count).toBeGreaterThan(0);
    expect(attr(tagWith(html, { 'data-latency-row': true, 'data-run-index': 0, 'data-metric': 'total' }), 'data-latency-p50')).toBe(String(leases.leaseBreaks.latencyUs.p50));
    expect(noBreak.violations.length).toBeGreaterThan(0);
    expect(countTags(html, { 'data-violation': true, 'data-run-index': 1 })).toBe(noBreak.violations.length);
    expect(countTags(html, { 'data-violation': true, 'data-run-index': 2 })).toBe(mainline.violations.length);
    // Events per thread, from the report the runner built: the deterministic runtime's one buffer.
    reports.forEach((r, i) => {
      const at = html.indexOf(tagWith(html, { 'data-events': true, 'data-run-index': i })!);
      const row = tagWith(html.slice(at), { 'data-events-thread': 'all' });
      expect([attr(row, 'data-count'), attr(row, 'data-kept'), attr(row, 'data-dropped')]).toEqual([String(r.events.count), String(r.events.count), '0']);
    });
    expect(renderReport({ reports })).toBe(html);
  });
});
