/**
 * Every kind of bad input gives one error that names the key path, says what is wrong and what
 * is allowed, with the line it is on (exit code 2 material, architecture.md §8/§9).
 */
import { describe, expect, test } from 'vitest';
import { POLICY_NAMES, STEP_OPS, WORKLOAD_NAMES, formatScenarioErrors, loadScenario } from '../src/index.js';
import { errors, oneError, withSteps } from './helpers.js';

const PROC = 'processes:\n  - { name: p, steps: [ { sleep: 1ms } ] }\n';

describe('unknown keys', () => {
  test('at the top level', () => {
    oneError(`name: x\nseeed: 3\n${PROC}`, {
      path: '',
      line: 2,
      includes: ['unknown key "seeed"', 'did you mean seed?', 'allowed: name, description, policy, kernel, files, processes, duration, seed, runs, mode, expect'],
    });
  });

  test('in kernel', () => {
    oneError(`kernel:\n  pmem: 64MiB\n  leaseBreak: 1s\n${PROC}`, {
      path: 'kernel',
      line: 3,
      includes: ['unknown key "leaseBreak" in kernel', 'allowed: pmem, blockSize, leaseBreakTime, leasesEnable, allowLongtermPin, idleRefcount, skipWaitWhenUnmapped, hungTaskTimeout'],
    });
  });

  test('in a file, a process, expect and expect.outcomes', () => {
    oneError(`files: [ { path: /a, size: 0, owner: 1 } ]\n${PROC}`, { path: 'files[0]', line: 1, includes: ['"owner"', 'allowed: path, size, uid, mode'] });
    oneError('processes:\n  - name: p\n    user: 3\n    steps: []\n', { path: 'processes[0]', line: 3, includes: ['"user"', 'allowed: name, uid, count, steps, workload, with'] });
    oneError(`${PROC}expect: { corruption: 0 }\n`, { path: 'expect', line: 3, includes: ['"corruption"', 'allowed: outcomes'] });
    oneError(`${PROC}expect: { outcomes: { corruptions: 0 } }\n`, {
      path: 'expect.outcomes',
      line: 3,
      includes: ['"corruptions"', 'did you mean corruption?', 'allowed: corruption, dataLeak, staleOffset, lostWrite, hang, delayedOk, informedFailure'],
    });
  });

  test('in a step: names the op and its allowed keys', () => {
    const e = oneError(withSteps('{ open: /pmem/a, flags: O_RDWR, as: fd }', '{ mmap: fd, length: 4KiB }', '{ open: /pmem/a, flag: O_RDWR }'), {
      path: 'processes[0].steps[2]',
      line: 6,
      includes: ['unknown key "flag" for open', 'allowed: flags, as, expect'],
    });
    expect(formatScenarioErrors([e])).toBe(
      'scenario.yaml:6: processes[0].steps[2]: unknown key "flag" for open (did you mean flags?); allowed: flags, as, expect',
    );
  });

  test('a named argument of another op', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ read: fd, length: 1, offset: 0 }'), {
      path: 'processes[0].steps[1]',
      line: 5,
      includes: ['unknown key "offset" for read', 'allowed: length, as, expect'],
    });
  });

  test('nested in a repeat and a handler', () => {
    oneError(withSteps('{ repeat: 2, steps: [ { sleep: 1ms, as: x, expect: 0, extra: 1 } ] }'), {
      path: 'processes[0].steps[0].steps[0]',
      includes: ['unknown key "extra" for sleep', 'allowed: as, expect'],
    });
    oneError('processes:\n  - name: p\n    steps:\n      - signal: SIGIO\n        steps:\n          - { sleep: 1ms }\n          - { sleep: 1ms, timeout: 1s }\n', {
      path: 'processes[0].steps[0].steps[1]',
      line: 7,
      includes: ['unknown key "timeout" for sleep'],
    });
  });

  test('ops without a result take no as/expect', () => {
    oneError(withSteps('{ exit: 0, expect: 0 }'), { path: 'processes[0].steps[0]', includes: ['unknown key "expect" for exit', 'allowed: none'] });
    oneError(withSteps('{ repeat: 2, steps: [], as: r }'), { path: 'processes[0].steps[0]', includes: ['unknown key "as" for repeat', 'allowed: steps'] });
  });
});

describe('step operations', () => {
  test('an unknown op', () => {
    oneError(withSteps('{ sleep: 1ms }', '{ opne: /pmem/a, flags: O_RDWR }'), {
      path: 'processes[0].steps[1]',
      line: 5,
      includes: ['unknown operation "opne"', 'did you mean open?', `exactly one operation key: ${STEP_OPS.join(', ')}`],
    });
  });

  test('two ops in one step', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ close: fd, dup: fd }'), {
      path: 'processes[0].steps[1]',
      line: 5,
      includes: ['2 operations in one step: "close", "dup"', 'exactly one operation key'],
    });
  });

  test('a step with no op, or not an object', () => {
    oneError(withSteps('{ as: fd }'), { path: 'processes[0].steps[0]', includes: ['no operation in this step', 'open, close'] });
    oneError(withSteps('open'), { path: 'processes[0].steps[0]', includes: ['expected a step', 'got "open"'] });
  });

  test('a missing required argument names the op and its arguments', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ pread: fd, length: 4KiB }'), {
      path: 'processes[0].steps[1].offset',
      line: 5,
      includes: ['missing "offset" for pread', 'required: length, offset', 'optional: as, expect'],
    });
  });
});

describe('bad values', () => {
  test('an unknown open flag', () => {
    oneError(withSteps('{ open: /pmem/a, flags: O_RDWR|O_CREATE }'), {
      path: 'processes[0].steps[0].flags',
      line: 4,
      includes: ['unknown open flag "O_CREATE" in "O_RDWR|O_CREATE"', 'did you mean O_CREAT?', 'allowed: O_RDONLY, O_WRONLY, O_RDWR, O_CREAT'],
    });
  });

  test('an unknown fallocate mode; the FALLOC_FL_ prefix is optional', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ fallocate: fd, mode: PUNCH_HOLE|KEEP_SZE, offset: 0, length: 1 }'), {
      path: 'processes[0].steps[1].mode',
      includes: ['unknown fallocate mode "KEEP_SZE"', 'FALLOC_FL_KEEP_SIZE', 'prefix may be left out'],
    });
  });

  test('fcntl: unknown cmd, bad lease type, arg where none is taken', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ fcntl: fd, cmd: F_SETLEASES, arg: F_RDLCK }'), {
      path: 'processes[0].steps[1].cmd',
      includes: ['unknown fcntl cmd "F_SETLEASES"', 'allowed: F_SETSIG, F_GETSIG, F_SETLEASE, F_GETLEASE'],
    });
    oneError(withSteps('{ open: /a, as: fd }', '{ fcntl: fd, cmd: F_SETLEASE, arg: F_RDLCK|F_LAYOTU }'), {
      path: 'processes[0].steps[1].arg',
      includes: ['unknown lease type "F_LAYOTU"', 'F_RDLCK, F_WRLCK or F_UNLCK, optionally |F_LAYOUT and |F_UNBREAK'],
    });
    oneError(withSteps('{ open: /a, as: fd }', '{ fcntl: fd, cmd: F_SETLEASE }'), { path: 'processes[0].steps[1].arg', includes: ['missing "arg" for fcntl F_SETLEASE'] });
    oneError(withSteps('{ open: /a, as: fd }', '{ fcntl: fd, cmd: F_GETLEASE, arg: F_RDLCK }'), { path: 'processes[0].steps[1].arg', includes: ['F_GETLEASE takes no "arg"'] });
    oneError(withSteps('{ open: /a, as: fd }', '{ fcntl: fd, cmd: F_SETSIG, arg: SIGFOO }'), {
      path: 'processes[0].steps[1].arg',
      includes: ['unknown signal "SIGFOO"', 'SIGIO', 'SIGRTMIN+N (N 0..30)'],
    });
  });

  test('a bad size unit', () => {
    oneError(`kernel: { pmem: 64MB }\n${PROC}`, {
      path: 'kernel.pmem',
      line: 1,
      includes: ['bad size "64MB": unknown unit "MB"', 'did you mean MiB?', 'B, KiB, MiB or GiB'],
    });
    oneError(withSteps('{ open: /a, as: fd }', '{ mmap: fd, length: 1.5B }'), { path: 'processes[0].steps[1].length', includes: ['not a whole number of bytes'] });
  });

  test('a bad duration', () => {
    oneError(`duration: 2min\n${PROC}`, { path: 'duration', line: 1, includes: ['bad duration "2min": unknown unit "min"', 'us, ms or s'] });
    oneError(withSteps('{ wait: SIGIO, timeout: soon }'), { path: 'processes[0].steps[0].timeout', includes: ['bad duration "soon"', 'us, ms or s'] });
    oneError(withSteps('{ sleep: -5ms }'), { path: 'processes[0].steps[0].sleep', includes: ['must not be negative'] });
  });

  test('an unknown policy, alone or in a list', () => {
    oneError(`policy: ira-rfc\n${PROC}`, { path: 'policy', line: 1, includes: ['unknown policy "ira-rfc"', `allowed: ${POLICY_NAMES.join(', ')}`] });
    oneError(`policy: [mainline, odp, nobreak]\n${PROC}`, { path: 'policy', includes: ['unknown policy "nobreak"', 'did you mean no-break?'] });
    oneError(`policy: [mainline, mainline]\n${PROC}`, { path: 'policy', includes: ['listed twice'] });
  });

  test('an unknown errno in expect (in a list: names the entry)', () => {
    oneError(withSteps('{ open: /a, expect: ENOENTT }'), {
      path: 'processes[0].steps[0].expect',
      line: 4,
      includes: ['unknown expect value "ENOENTT"', 'did you mean ENOENT?', 'an errno name (EPERM, ENOENT', 'EWOULDBLOCK, ENOTSUP', 'ok'],
    });
    oneError(withSteps('{ open: /a, expect: [0, EAGAIN, EBOGUS] }'), { path: 'processes[0].steps[0].expect[2]', includes: ['unknown expect value "EBOGUS"'] });
  });

  test('an unknown workload; workload values and types', () => {
    oneError('processes:\n  - { name: w, workload: rdma-writr }\n', {
      path: 'processes[0].workload',
      line: 2,
      includes: ['unknown workload "rdma-writr"', 'did you mean rdma-writer?', `allowed: ${WORKLOAD_NAMES.join(', ')}`],
    });
    oneError('processes:\n  - { name: w, workload: truncator, with: 3 }\n', { path: 'processes[0].with', includes: ['expected an object of options'] });
  });

  test('types and ranges', () => {
    oneError(`seed: -1\n${PROC}`, { path: 'seed', includes: ['expected a seed', 'from 0 to 4294967295', 'got -1'] });
    oneError(`runs: 0\n${PROC}`, { path: 'runs', includes: ['≥ 1'] });
    oneError(`mode: fast\n${PROC}`, { path: 'mode', includes: ['unknown mode "fast"', 'allowed: threads, deterministic'] });
    oneError(`kernel: { allowLongtermPin: yes }\n${PROC}`, { path: 'kernel.allowLongtermPin', includes: ['expected true or false, got "yes"'] });
    oneError(`kernel: { blockSize: 3000 }\n${PROC}`, { path: 'kernel.blockSize', includes: ['power of two'] });
    oneError(withSteps('{ write: 3, data: 42 }'), { path: 'processes[0].steps[0].data', includes: ['got the number 42', 'quote it'] });
    oneError(withSteps('{ truncate: pmem/a, length: 0 }'), { path: 'processes[0].steps[0].truncate', includes: ['expected an absolute path'] });
    oneError(withSteps('{ wait: SIGRTMIN+31 }'), { path: 'processes[0].steps[0].wait', includes: ['0..30'] });
    oneError(withSteps('{ exit: 256 }'), { path: 'processes[0].steps[0].exit', includes: ['from 0 to 255'] });
    oneError('processes: []\n', { path: 'processes', includes: ['at least one process'] });
    oneError('name: x\n', { path: 'processes', includes: ['missing required key "processes"'] });
    oneError('processes:\n  - { steps: [] }\n', { path: 'processes[0].name', line: 2, includes: ['missing required key "name"'] });
  });
});

describe('processes', () => {
  test('steps and workload together', () => {
    oneError('processes:\n  - name: both\n    workload: truncator\n    steps: [ { sleep: 1ms } ]\n', {
      path: 'processes[0]',
      line: 3,
      includes: ['both "steps" and "workload"', 'either steps', 'or workload'],
    });
  });

  test('neither steps nor workload; with without a workload', () => {
    oneError('processes:\n  - name: idle\n', { path: 'processes[0]', includes: ['needs "steps"', 'lease-holder, lease-breaker'] });
    oneError('processes:\n  - { name: s, steps: [], with: { a: 1 } }\n', { path: 'processes[0]', includes: ['"with" configures a workload'] });
  });

  test('duplicate process names and file paths', () => {
    oneError('processes:\n  - { name: a, steps: [] }\n  - { name: a, steps: [] }\n', { path: 'processes[1].name', line: 3, includes: ['"a" is already used by processes[0]'] });
    oneError(`files: [ { path: /a, size: 0 }, { path: /a, size: 1 } ]\n${PROC}`, { path: 'files[1].path', includes: ['already declared by files[0]'] });
  });

  test('kill of an unknown process', () => {
    oneError('processes:\n  - { name: holder, steps: [] }\n  - name: killer\n    steps:\n      - { kill: holdr, signo: SIGUSR1 }\n', {
      path: 'processes[1].steps[0].kill',
      line: 5,
      includes: ['no process named "holdr"', 'did you mean holder?', 'processes: holder, killer'],
    });
  });
});

describe('as references', () => {
  test('an unknown name', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ mmap: fd, length: 4KiB, as: buf }', '{ ibv_reg_mr: bfu }'), {
      path: 'processes[0].steps[2].ibv_reg_mr',
      line: 6,
      includes: ['"bfu" is not bound by an earlier "as" in process "p"', 'did you mean buf?', 'names bound before this step: fd, buf'],
    });
  });

  test('a name bound only later', () => {
    oneError(withSteps('{ close: fd }', '{ open: /a, as: fd }'), { path: 'processes[0].steps[0].close', line: 4, includes: ['no names are bound before this step'] });
  });

  test('names bound in another process do not count', () => {
    oneError('processes:\n  - { name: a, steps: [ { open: /a, as: fd } ] }\n  - { name: b, steps: [ { close: fd } ] }\n', {
      path: 'processes[1].steps[0].close',
      includes: ['in process "b"'],
    });
  });

  test('a handler sees names bound before it; its own names stay inside it', () => {
    const good = withSteps(
      '{ open: /a, as: fd }',
      '{ signal: SIGIO, steps: [ { fcntl: fd, cmd: F_SETLEASE, arg: F_UNLCK }, { open: /b, as: h }, { close: h } ] }',
      '{ repeat: 3, steps: [ { dup: fd, as: d }, { close: d } ] }',
      '{ close: d }',
    );
    expect(loadScenario(good, 's.yaml').ok).toBe(true);
    oneError(withSteps('{ signal: SIGIO, steps: [ { close: fd } ] }', '{ open: /a, as: fd }'), { path: 'processes[0].steps[0].steps[0].close', includes: ['"fd" is not bound'] });
    oneError(withSteps('{ signal: SIGIO, steps: [ { open: /b, as: h } ] }', '{ close: h }'), { path: 'processes[0].steps[1].close', includes: ['"h" is not bound'] });
  });

  test('the right kind of thing: fd, mapping, MR', () => {
    oneError(withSteps('{ open: /a, as: fd }', '{ ibv_reg_mr: fd }'), {
      path: 'processes[0].steps[1].ibv_reg_mr',
      includes: ['"fd" is an fd (bound by open at processes[0].steps[0]); ibv_reg_mr takes a mapping (bound by mmap) or a number'],
    });
    oneError(withSteps('{ open: /a, as: fd }', '{ mmap: fd, length: 1, as: m }', '{ rdma_write: m, offset: 0, length: 1 }'), {
      path: 'processes[0].steps[2].rdma_write',
      includes: ['"m" is a mapping', 'takes an MR'],
    });
  });

  test('numbers are always accepted', () => {
    expect(loadScenario(withSteps('{ close: 3, expect: EBADF }', '{ munmap: 4096 }'), 's.yaml').ok).toBe(true);
  });
});

describe('several errors', () => {
  test('are all reported, in line order', () => {
    const errs = errors(
      ['name: many', 'policy: nope', 'kernel: { pmem: 1 TB }', 'processes:', '  - name: p', '    steps:', '      - { open: /a, flags: O_BAD }', 'colour: red', ''].join('\n'),
    );
    expect(errs.map((e) => [e.line, e.path])).toEqual([
      [2, 'policy'],
      [3, 'kernel.pmem'],
      [7, 'processes[0].steps[0].flags'],
      [8, ''],
    ]);
  });
});
