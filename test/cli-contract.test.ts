/**
 * The `leasebreak run` contract (architecture §7–§9): bad input exits 2 naming the file, the key
 * path and the allowed keys; a failed expectation exits 1 with status "failed"; --out writes the
 * same report as --json; the report has every key of §8; deterministic runs replay exactly.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, cliJson } from './cli.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'leasebreak-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function scenario(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  return path;
}

/** A small scenario with a lease break, a handler-less wait, signals and a barrier. */
const GOOD = 'leases/write-open-breaks-read-lease.yaml';

/** Every key path of a JSON value: objects by key, arrays through their elements (`[]`). */
function keyPaths(v: unknown, at = '', out = new Set<string>()): Set<string> {
  if (Array.isArray(v)) {
    for (const x of v) keyPaths(x, `${at}[]`, out);
  } else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const p = at === '' ? k : `${at}.${k}`;
      out.add(p);
      keyPaths(x, p, out);
    }
  }
  return out;
}

describe('leasebreak run: bad input (exit 2)', () => {
  it('an unknown step key names the file, the key path and the allowed keys', async () => {
    const file = await scenario(
      'unknown-step-key.yaml',
      ['name: unknown-step-key', 'files:', '  - { path: /pmem/a, size: 4KiB }', 'processes:', '  - name: p', '    steps:', '      - { open: /pmem/a, flagz: O_RDONLY, as: fd }', ''].join('\n'),
    );
    const r = await cli(['run', file, '--mode', 'deterministic']);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown-step-key.yaml');
    expect(r.stderr).toContain('processes[0].steps[0]');
    expect(r.stderr).toContain('"flagz"');
    expect(r.stderr).toMatch(/allowed: flags, as, expect/);
    expect(r.stdout).toBe('');
  });

  it('an unknown nested key (kernel.*) names its path and every allowed knob', async () => {
    const file = await scenario(
      'unknown-kernel-key.yaml',
      ['name: unknown-kernel-key', 'kernel: { leaseBreakTme: 200ms }', 'processes:', '  - name: p', '    steps:', '      - { sleep: 1ms }', ''].join('\n'),
    );
    const r = await cli(['run', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown-kernel-key.yaml');
    expect(r.stderr).toContain('kernel');
    expect(r.stderr).toContain('"leaseBreakTme"');
    for (const k of ['pmem', 'blockSize', 'leaseBreakTime', 'leasesEnable', 'allowLongtermPin', 'idleRefcount', 'skipWaitWhenUnmapped', 'hungTaskTimeout']) {
      expect(r.stderr).toContain(k);
    }
  });

  it('an unknown top-level key lists the scenario keys', async () => {
    const file = await scenario('unknown-top-key.yaml', ['name: unknown-top-key', 'kernal: {}', 'processes:', '  - name: p', '    steps:', '      - { sleep: 1ms }', ''].join('\n'));
    const r = await cli(['run', file]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain('unknown-top-key.yaml');
    expect(r.stderr).toContain('"kernal"');
    expect(r.stderr).toMatch(/allowed: name, description, policy, kernel, files, processes, duration, seed, runs, mode, expect/);
  });

  it('--mode bogus', async () => {
    const r = await cli(['run', GOOD, '--mode', 'bogus']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--mode');
    expect(r.stderr).toContain('bogus');
  });

  it('--poll-us: an integer of µs, 0 turns polling off', async () => {
    const bad = await cli(['run', GOOD, '--poll-us', '-5']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--poll-us');
    const big = await cli(['run', GOOD, '--poll-us', '20000']);
    expect(big.code).toBe(2);
    expect(big.stderr).toContain('at most 10000');
    // The same Linux answer with every hop a sleep and a wake.
    const off = await cli(['run', GOOD, '--poll-us', '0', '--json']);
    expect(off.code, off.stderr).toBe(0);
    expect(JSON.parse(off.stdout).status).toBe('passed');
  });
});

describe('--ring-mib: the threads runtime\'s event rings', () => {
  it('bad values exit 2 naming the flag, the form and the range (run and matrix)', async () => {
    for (const [args, want] of [
      [['run', GOOD, '--ring-mib', '0'], /--ring-mib: N is a whole number of MiB from 1 to 1024.*got "0"/],
      [['run', GOOD, '--ring-mib', 'kernel=4096'], /--ring-mib: N is a whole number of MiB from 1 to 1024.*got "kernel=4096"/],
      [['run', GOOD, '--ring-mib', 'kernal=8'], /--ring-mib: expected N or RING=N \(RING: kernel, process, lifecycle; N a whole number of MiB from 1 to 1024\), got "kernal=8"/],
      [['matrix', '--scenarios', 'truncate-vs-pin', '--policy', 'mainline', '--ring-mib', '1.5'], /--ring-mib: expected N or RING=N .*got "1\.5"/],
    ] as const) {
      const r = await cli(args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(want);
      expect(r.stdout).toBe('');
    }
  });

  it('sizes the rings: 12 000 preads overflow a 1 MiB kernel ring, the warning says to raise it; 2 MiB holds them', async () => {
    // 24 005 kernel events (an enter and an exit per syscall) take about 1.25 MiB of records.
    const file = await scenario(
      'many-syscalls.yaml',
      ['name: many-syscalls', 'files:', '  - { path: /pmem/a, size: 4KiB }', 'processes:', '  - name: p', '    steps:', '      - { open: /pmem/a, flags: O_RDONLY, as: fd }', '      - repeat: 12000', '        steps:', '          - { pread: fd, length: 8, offset: 0 }', 'mode: threads', ''].join('\n'),
    );
    type Events = { events: { count: number; dropped: number; droppedBy: Record<string, number> } };
    const small = await cliJson<Events>(['run', file, '--ring-mib', 'kernel=1']);
    expect(small.code, small.stderr).toBe(0);
    expect(small.json.events.count).toBeGreaterThan(24_000);
    expect(small.json.events.droppedBy['kernel']).toBeGreaterThan(0);
    expect(small.json.events.droppedBy).toEqual({ kernel: small.json.events.dropped, lifecycle: 0, p: 0 });
    expect(small.stderr).toMatch(/^leasebreak: warning: 1 run\(s\) emitted more events than their event rings hold/);
    expect(small.stderr).toContain('raise the full ring with --ring-mib (MiB now: kernel 1, process 64, lifecycle 8), e.g. --ring-mib kernel=2');

    const enough = await cliJson<Events>(['run', file, '--ring-mib', '2', '--ring-mib', 'lifecycle=1']);
    expect(enough.code, enough.stderr).toBe(0);
    expect(enough.json.events.count).toBe(small.json.events.count);
    expect(enough.json.events.droppedBy).toEqual({ kernel: 0, lifecycle: 0, p: 0 });
    expect(enough.stderr).toBe('');
  });
});

describe('leasebreak run: a failed expectation (exit 1)', () => {
  it('reports status "failed" and says which expectation did not hold', async () => {
    // Linux answers EAGAIN here (the caller's own fd is writable): expecting 0 must fail.
    const file = await scenario(
      'wrong-expectation.yaml',
      [
        'name: wrong-expectation',
        'files:',
        '  - { path: /pmem/a, size: 4KiB }',
        'processes:',
        '  - name: p',
        '    steps:',
        '      - { open: /pmem/a, flags: O_RDWR, as: fd }',
        '      - { fcntl: fd, cmd: F_SETLEASE, arg: F_RDLCK, expect: 0 }',
        '',
      ].join('\n'),
    );
    const r = await cliJson<{ status: string; expectations: { what: string; ok: boolean; detail: string }[] }>(['run', file, '--mode', 'deterministic']);
    expect(r.code, r.stderr).toBe(1);
    expect(r.json.status).toBe('failed');
    const bad = r.json.expectations.filter((e) => !e.ok);
    expect(bad).toHaveLength(1);
    expect(bad[0]!.detail).toContain('EAGAIN');
  });
});

describe('leasebreak run: the report', () => {
  it('--out DIR writes DIR/report.json with the same report as --json', async () => {
    const out = join(dir, 'out');
    const written = await cli(['run', GOOD, '--mode', 'deterministic', '--seed', '7', '--out', out]);
    expect(written.code, written.stderr).toBe(0);
    const file = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as Record<string, unknown>;
    const printed = await cliJson<Record<string, unknown>>(['run', GOOD, '--mode', 'deterministic', '--seed', '7']);
    expect(printed.code, printed.stderr).toBe(0);
    expect([...keyPaths(file)].sort()).toEqual([...keyPaths(printed.json)].sort());
    expect(Object.keys(file)).toEqual(Object.keys(printed.json));
    // deterministic: the very same run
    expect(file).toEqual(printed.json);

    // --out together with --json: the file is what was printed
    const out2 = join(dir, 'out2');
    const both = await cliJson<Record<string, unknown>>(['run', GOOD, '--mode', 'threads', '--out', out2]);
    expect(both.code, both.stderr).toBe(0);
    expect(JSON.parse(await readFile(join(out2, 'report.json'), 'utf8'))).toEqual(both.json);
  });

  it('--out DIR also writes DIR/report.html: one self-contained page holding the report', async () => {
    const out = join(dir, 'out-html');
    const r = await cli(['run', GOOD, '--mode', 'deterministic', '--seed', '7', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(await readFile(join(out, 'report.json'), 'utf8')) as { scenario: string };
    const html = await readFile(join(out, 'report.html'), 'utf8');
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('id="data"');
    expect(html).toContain(`data-scenario="${report.scenario}"`);
    expect(html).not.toMatch(/https?:/);
  });

  it('has every key of architecture §8', async () => {
    const r = await cliJson<Record<string, unknown>>(['run', GOOD, '--mode', 'deterministic']);
    expect(r.code, r.stderr).toBe(0);
    const keys = keyPaths(r.json);
    const required = [
      'scenario',
      'policy',
      'mode',
      'seed',
      'status',
      'durationMs',
      'outcomes',
      ...['corruption', 'dataLeak', 'staleOffset', 'lostWrite', 'hang', 'delayedOk', 'informedFailure'].map((k) => `outcomes.${k}`),
      ...['EPERM', 'ETXTBSY', 'EOPNOTSUPP', 'EINTR'].map((k) => `outcomes.informedFailure.${k}`),
      'violations',
      'leaseBreaks',
      'leaseBreaks.count',
      'leaseBreaks.timedOut',
      'leaseBreaks.latencyUs',
      ...['p50', 'p90', 'p99', 'p999', 'max'].map((k) => `leaseBreaks.latencyUs.${k}`),
      'leaseBreaks.phasesUs',
      ...['notify', 'holder', 'wake'].map((k) => `leaseBreaks.phasesUs.${k}`),
      'processes',
      ...['name', 'pid', 'exit', 'steps', 'signals'].map((k) => `processes[].${k}`),
      ...['index', 'op', 'args', 'ret', 'errno', 'startUs', 'endUs'].map((k) => `processes[].steps[].${k}`),
      ...['signo', 'atUs', 'fd'].map((k) => `processes[].signals[].${k}`),
      'expectations',
      ...['what', 'ok', 'detail'].map((k) => `expectations[].${k}`),
      'pins',
      'pins.leaked',
      'replay',
      'replay.seed',
      'replay.schedule',
    ];
    const missing = required.filter((k) => !keys.has(k));
    expect(missing).toEqual([]);
    const rep = r.json as { status: string; mode: string; seed: number; violations: unknown; replay: { seed: number; schedule: unknown } };
    expect(['passed', 'failed', 'error', 'interrupted']).toContain(rep.status);
    expect(rep.mode).toBe('deterministic');
    expect(Array.isArray(rep.violations)).toBe(true);
    expect(rep.replay.seed).toBe(rep.seed);
    expect(Array.isArray(rep.replay.schedule)).toBe(true);
  });

  it('deterministic mode: the same seed gives the same events.hash', async () => {
    const run = () => cliJson<{ events: { hash: string; count: number }; replay: { schedule: number[] } }>(['run', GOOD, '--mode', 'deterministic', '--seed', '5']);
    const a = await run();
    const b = await run();
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.json.events.hash).toMatch(/\S/);
    expect(a.json.events.count).toBeGreaterThan(0);
    expect(b.json.events.hash).toBe(a.json.events.hash);
    expect(b.json.replay.schedule).toEqual(a.json.replay.schedule);
  });
});

describe('multi-run commands: progress on stderr, only results on stdout', () => {
  // test/cli.ts spawns with pipes: stderr is not a terminal, so progress is plain lines (and NO_COLOR=1).
  const plain = (stderr: string): void => {
    expect(stderr).not.toMatch(/[\x1b\r]/);
  };

  it('run --runs N: the report array on stdout, a last progress line on stderr; --quiet: nothing', async () => {
    const r = await cliJson<unknown[]>(['run', GOOD, '--mode', 'deterministic', '--runs', '3']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toHaveLength(3);
    plain(r.stderr);
    expect(r.stderr).toMatch(/^run: 3\/3 done in \d+\.\ds$/m);

    const human = await cli(['run', GOOD, '--mode', 'deterministic', '--runs', '3']);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).not.toContain('done in');
    expect(human.stdout.match(/^\S.* · policy .* · seed \d+ · PASSED/gm)).toHaveLength(3);

    const quiet = await cli(['run', GOOD, '--mode', 'deterministic', '--runs', '3', '--quiet']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout.match(/ · PASSED/g)).toHaveLength(3);
  });

  it('a single run shows no progress', async () => {
    const r = await cli(['run', GOOD, '--mode', 'deterministic']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe('');
  });

  it('matrix: the table alone on stdout (or the JSON with --json), progress on stderr; -q silences it', async () => {
    const args = ['matrix', '--scenarios', 'truncate-vs-pin', '--policy', 'ext4-4.19,mainline', '--runs', '1', '--mode', 'deterministic', '--duration', '50ms'];
    const table = await cli(args);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^scenario\s+│ ext4-4.19\s+│ mainline/);
    expect(lines[2]).toMatch(/^truncate-vs-pin │/);
    plain(table.stderr);
    expect(table.stderr).toMatch(/^matrix: 2\/2 done in \d+\.\ds$/m);

    const json = await cliJson<{ matrix: unknown[]; reports: unknown[] }>(args);
    expect(json.code, json.stderr).toBe(0);
    expect(json.json.matrix).toHaveLength(2);
    plain(json.stderr);
    expect(json.stderr).toMatch(/^matrix: 2\/2 done in/m);

    const quiet = await cli([...args, '-q']);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stderr).toBe('');
    expect(quiet.stdout.trimEnd().split('\n')).toHaveLength(3);
  });
});
