/**
 * `leasebreak run … --out DIR` writes a Perfetto trace beside the report: DIR/trace.json for one
 * run; for several, trace-<policy>-<seed>.json each and trace.json for the first.
 */
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateChromeTrace } from '@leasebreak/trace';
import { cli } from './cli.js';

const LEASE = fileURLToPath(new URL('./leases/truncate-breaks-lease.yaml', import.meta.url));
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leasebreak-trace-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The trace files in DIR (beside report.json and the rest). */
const traces = async (out: string): Promise<string[]> => (await readdir(out)).filter((f) => f.startsWith('trace')).sort();

interface Trace {
  traceEvents: { name: string; ph: string; cat?: string; pid: number; args?: Record<string, unknown> }[];
  otherData: Record<string, unknown>;
}

describe('leasebreak run --out: trace.json', () => {
  it('one run: DIR/trace.json, a valid trace of that run', async () => {
    const out = join(dir, 'one');
    const r = await cli(['run', LEASE, '--mode', 'deterministic', '--seed', '3', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await traces(out)).toEqual(['trace.json']);
    const t = JSON.parse(await readFile(join(out, 'trace.json'), 'utf8')) as Trace;
    expect(validateChromeTrace(t)).toEqual([]);
    expect(t.otherData).toMatchObject({ scenario: 'truncate-breaks-lease', policy: 'mainline', seed: 3, mode: 'deterministic' });
    expect(t.traceEvents.filter((e) => e.ph === 'M' && e.name === 'process_name').map((e) => e.args!['name'])).toEqual(['kernel', 'rholder', 'wholder', 'truncer']);
    expect(t.traceEvents.filter((e) => e.cat === 'break' && e.ph === 's')).toHaveLength(2);
    expect(t.traceEvents.some((e) => e.ph === 'X' && e.name === 'do_sys_truncate')).toBe(true);
  });

  it('several runs: one file per run, and trace.json for the first', async () => {
    const out = join(dir, 'many');
    const r = await cli(['run', LEASE, '--mode', 'deterministic', '--policy', 'mainline,no-break', '--runs', '2', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(await traces(out)).toEqual(['trace-mainline-1.json', 'trace-mainline-2.json', 'trace-no-break-1.json', 'trace-no-break-2.json', 'trace.json']);
    expect(await readFile(join(out, 'trace.json'), 'utf8')).toBe(await readFile(join(out, 'trace-mainline-1.json'), 'utf8'));
    const t = JSON.parse(await readFile(join(out, 'trace-no-break-2.json'), 'utf8')) as Trace;
    expect(validateChromeTrace(t)).toEqual([]);
    expect(t.otherData).toMatchObject({ policy: 'no-break', seed: 2 });
  });
});
