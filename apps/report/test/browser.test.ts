/**
 * The report in a real headless Chromium (Debian's, through playwright-core, which never downloads
 * a browser): real deterministic runs plus a synthetic matrix and a report with hostile names,
 * opened over file:// with every other request aborted. It must load with no console error, no
 * page error and no dialog, set `data-ready`, and hold the runs' numbers in its DOM. One
 * screenshot goes to test/out/report.png.
 *
 * CI installs Chromium (.ci/run); without /usr/bin/chromium this test fails and says how to
 * install it. LEASEBREAK_SKIP_BROWSER=1 skips it on a developer's machine, with a warning.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { Report } from '@leasebreak/workloads';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { renderReport } from '../src/index.js';
import { EVIL, matrixOf, realReports, syntheticReport } from './fixtures.js';

const CHROMIUM = process.env.LEASEBREAK_CHROMIUM ?? '/usr/bin/chromium';
const SKIP = process.env.LEASEBREAK_SKIP_BROWSER === '1';
const OUT = fileURLToPath(new URL('./out/', import.meta.url));

/** Chromium's flags for a closed network, as root, with no GPU (style-and-ecosystem B.11). */
const FLAGS = ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

if (SKIP) {
  const bar = '!'.repeat(78);
  console.warn(`\n${bar}\n!! LEASEBREAK_SKIP_BROWSER=1: the HTML report's browser test is SKIPPED.\n!! CI runs it; install Chromium (apt-get install -y chromium) to run it here.\n${bar}\n`);
}

describe.skipIf(SKIP)('the HTML report in headless Chromium', () => {
  it('loads self-contained, without errors, and shows the runs\' numbers', { timeout: 180_000 }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        `${CHROMIUM} not found: the report's browser test needs Debian's Chromium. Install it with\n` +
          `    apt-get update && apt-get install -y chromium\n` +
          `(CI's .ci/run does this), point LEASEBREAK_CHROMIUM at another binary, or set LEASEBREAK_SKIP_BROWSER=1 to skip this test locally.`,
      );
    }
    const t0 = performance.now();
    const real = await realReports();
    const evil = syntheticReport({ name: EVIL, proc: EVIL, policy: 'no-break' });
    const reports: Report[] = [...real, evil];
    const scenarios = [...new Set(reports.map((r) => r.scenario))];
    const policies = ['mainline', 'no-break'];
    const matrix = matrixOf(reports, scenarios, policies);
    const html = renderReport({ reports, matrix, title: 'leasebreak report: browser test' });

    const dir = mkdtempSync(join(tmpdir(), 'leasebreak-report-'));
    const file = join(dir, 'report.html');
    writeFileSync(file, html);
    const profile = join(dir, 'profile');
    const problems: string[] = [];
    const blocked: string[] = [];
    const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: FLAGS, viewport: { width: 1400, height: 1000 } });
    try {
      const page = await context.newPage();
      await page.route('**/*', (route) => {
        const url = route.request().url();
        if (url.startsWith('file:')) return route.continue();
        blocked.push(url);
        return route.abort();
      });
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
      });
      page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
      page.on('dialog', (d) => {
        problems.push(`dialog: ${d.message()}`);
        void d.dismiss();
      });
      await page.goto(pathToFileURL(file).href);
      await page.waitForSelector('body[data-ready]', { timeout: 30_000 });

      expect(await page.getAttribute('body', 'data-ready')).toBe(String(reports.length));
      expect(await page.locator('tr[data-run-row]').count()).toBe(reports.length);

      // The outcome matrix: one cell per scenario × policy, counting what the runs saw.
      expect(await page.locator('td[data-outcome-cell]').count()).toBe(scenarios.length * policies.length);
      const [leases, noBreak, mainline] = real as [Report, Report, Report];
      const dioCell = page.locator(`td[data-outcome-cell][data-scenario="${noBreak.scenario}"][data-policy="no-break"]`);
      expect(noBreak.outcomes.corruption + noBreak.outcomes.staleOffset + noBreak.outcomes.lostWrite).toBeGreaterThan(0);
      for (const k of ['corruption', 'staleOffset', 'lostWrite'] as const) expect(await dioCell.getAttribute(`data-seen-${k.toLowerCase()}`)).toBe(noBreak.outcomes[k] > 0 ? '1' : '0');
      expect(await dioCell.getAttribute('data-worst')).toBe('violation');
      const okCell = page.locator(`td[data-outcome-cell][data-scenario="${mainline.scenario}"][data-policy="mainline"]`);
      expect(await okCell.getAttribute('data-seen-delayedok')).toBe(mainline.outcomes.delayedOk > 0 ? '1' : '0');
      const leaseCell = page.locator(`td[data-outcome-cell][data-scenario="${leases.scenario}"][data-policy="mainline"]`);
      expect(await leaseCell.getAttribute('data-seen-eintr')).toBe('1');
      expect(await page.locator(`td[data-outcome-cell][data-scenario="${leases.scenario}"][data-policy="no-break"]`).getAttribute('data-runs')).toBe('0');

      // Runs: every count in its row.
      for (const [i, r] of reports.entries()) {
        const row = page.locator(`tr[data-run-row][data-run-index="${i}"]`);
        expect(await row.getAttribute('data-status')).toBe(r.status);
        for (const k of ['corruption', 'dataLeak', 'staleOffset', 'lostWrite', 'hang', 'delayedOk'] as const) {
          expect(await row.locator(`td[data-outcome="${k}"]`).getAttribute('data-value')).toBe(String(r.outcomes[k]));
        }
        expect(await row.locator('td[data-outcome="informedFailure"]').getAttribute('data-eintr')).toBe(String(r.outcomes.informedFailure.EINTR));
      }

      // Lease-break latency: the real run's p50, as data and as text.
      expect(leases.leaseBreaks.count).toBeGreaterThan(0);
      const total = page.locator('tr[data-latency-row][data-run-index="0"][data-metric="total"]');
      expect(await total.getAttribute('data-latency-p50')).toBe(String(leases.leaseBreaks.latencyUs.p50));
      expect(await total.getAttribute('data-latency-max')).toBe(String(leases.leaseBreaks.latencyUs.max));
      expect(await page.locator('section[data-run][data-run-index="0"]').getAttribute('data-latency-p50')).toBe(String(leases.leaseBreaks.latencyUs.p50));
      expect(await page.locator('[data-latency-card][data-run-index="0"] svg[data-chart="percentiles"] circle').count()).toBe(4 * 5);
      expect(await page.locator('[data-latency-card][data-run-index="0"] svg[data-chart="histogram"]').getAttribute('data-samples')).toBe(String(leases.leaseBreaks.breaks!.filter((b) => b.result !== 'EWOULDBLOCK').length));

      // Violations: every listed one, with its evidence.
      expect(await page.locator('tr[data-violation][data-run-index="1"]').count()).toBe(noBreak.violations.length);
      const v0 = noBreak.violations[0]!;
      const first = page.locator('tr[data-violation][data-run-index="1"]').first();
      expect(await first.getAttribute('data-pfn')).toBe(String(v0.pfn));
      expect(await first.getAttribute('data-class')).toBe(v0.class);
      expect(await first.locator('td').nth(3).innerText()).toContain(v0.victim.path);
      expect(await page.locator(`tr[data-violation][data-run-index="${reports.length - 1}"]`).count()).toBe(evil.violations.length);

      // The timeline of the lease run: a bar per step, the breaks highlighted.
      const steps = leases.processes.reduce((a, p) => a + p.steps.length, 0);
      expect(await page.locator('svg[data-timeline="0"] rect.bar').count()).toBe(steps);
      expect(await page.locator('svg[data-timeline="0"] [data-lease-break]').count()).toBe(leases.leaseBreaks.breaks!.length);
      expect(await page.locator('svg[data-timeline="0"] rect.break-band').count()).toBeGreaterThan(0);

      // Events per thread: the hostile run dropped 7 of 99 (kernel 5, its process 2): open,
      // highlighted, every number in its row; a real run kept everything in its one buffer.
      const last = reports.length - 1;
      const events = page.locator(`details[data-events][data-run-index="${last}"]`);
      expect(await events.getAttribute('open')).not.toBeNull();
      expect(await events.evaluate((e) => e.classList.contains('dropped'))).toBe(true);
      expect(await events.locator('summary').innerText()).toBe(`Events: 7 of 99 not kept (kernel 5, ${EVIL} 2)`);
      const threads = Object.keys(evil.events.droppedBy!);
      expect(await events.locator('tr[data-events-thread]').count()).toBe(threads.length);
      for (const t of threads) {
        const row = events.locator(`tr[data-events-thread="${t}"]`);
        const count = evil.events.countBy![t]!;
        const dropped = evil.events.droppedBy![t]!;
        expect(await row.locator('td').allInnerTexts()).toEqual([t, String(count), String(count - dropped), String(dropped)]);
        expect(await row.evaluate((e) => e.classList.contains('dropped'))).toBe(dropped > 0);
        if (dropped > 0) expect(await row.locator('td').nth(3).evaluate((e) => (globalThis as unknown as { getComputedStyle(x: unknown): { color: string } }).getComputedStyle(e).color)).toBe('rgb(180, 35, 24)');
      }
      expect(await page.locator('[data-kpi="events-dropped"] .v').innerText()).toBe('7');
      const kept = page.locator('details[data-events][data-run-index="0"]');
      expect(await kept.getAttribute('open')).toBeNull();
      expect(await kept.locator('tr[data-events-thread="all"]').getAttribute('data-count')).toBe(String(leases.events.count));
      expect(await kept.locator('tr[data-events-thread="all"]').getAttribute('data-dropped')).toBe('0');

      // Hostile names are text, not markup.
      expect(await page.locator(`tr[data-run-row][data-run-index="${reports.length - 1}"] td`).nth(1).innerText()).toBe(EVIL);
      expect(await page.locator('img').count()).toBe(0);

      // The run filter works (the page's script ran).
      await page.selectOption('#filter-status', 'failed');
      expect(await page.locator('tr[data-run-row]:not(.hidden)').count()).toBe(reports.filter((r) => r.status === 'failed').length);
      await page.selectOption('#filter-status', '');

      mkdirSync(OUT, { recursive: true });
      await page.screenshot({ path: join(OUT, 'report.png'), fullPage: true });
    } finally {
      await context.close();
      rmSync(dir, { recursive: true, force: true });
    }
    expect(problems).toEqual([]);
    expect(blocked).toEqual([]);
    console.log(`report browser test: ${reports.length} runs, ${(html.length / 1024).toFixed(0)} KiB of HTML, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  });
});
