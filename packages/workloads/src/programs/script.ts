/**
 * The scripted-process program: runs a scenario's `steps` against the kernel, one syscall per
 * step, and records what each returned. Signals are handled as Linux delivers them: on the way
 * back from a syscall the kernel hands over the handled signals, and their handler steps run
 * before the next step (a `wait` step blocks and takes its signal instead; an unhandled fatal
 * signal ends the program, the kernel having killed the task).
 */
import { F_GETLEASE, F_GETSIG, F_SETLEASE, F_SETSIG, type SyscallRequest, type SyscallResponse, leaseTypeName, signame } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import type { Expect, Ref, Step } from '../scenario/types.js';
import { type Expectation, type RepeatStats, type StepRecord, summarize } from './records.js';
import { rdmaSync } from '../nic/uverbs.js';

export interface ScriptInput {
  readonly name: string;
  readonly steps: readonly Step[];
  /** Instance pids of every process name (a `kill` of a name hits all its instances). */
  readonly targets: Readonly<Record<string, readonly string[]>>;
}

export interface ScriptOutput {
  readonly steps: StepRecord[];
  readonly expectations: Expectation[];
  /** Why the program stopped early: killed by a signal, exit step, or null. */
  readonly stopped: string | null;
}

type Value = number | { addr: number; length: number };

class Killed extends Error {
  constructor(readonly sig: string) {
    super(`killed by ${sig}`);
  }
}
class Exited extends Error {
  constructor(readonly code: number) {
    super(`exit(${code})`);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

function text(bytes: Uint8Array | undefined): string {
  return bytes === undefined ? '' : dec.decode(bytes).replace(/\0+$/, '');
}

function matches(e: Expect, ret: number | string | null, errno: string | null, raw: number): boolean {
  switch (e.kind) {
    case 'ok':
      return errno === null;
    case 'errno':
      return errno === e.name;
    case 'ret':
      return errno === null && raw === e.value;
    case 'lease':
      return errno === null && (ret === e.value || raw === e.bits);
  }
}

function expectText(es: readonly Expect[]): string {
  return es.map((e) => (e.kind === 'ok' ? 'ok' : e.kind === 'errno' ? e.name : e.kind === 'lease' ? e.value : (e.text ?? String(e.value)))).join(' | ');
}

export class ScriptRunner {
  private readonly ctx: ProcessContext;
  private readonly input: ScriptInput;
  private readonly vars = new Map<string, Value>();
  private readonly handlers = new Map<number, readonly Step[]>();
  readonly records: StepRecord[] = [];
  readonly expectations: Expectation[] = [];
  private depth = 0;

  constructor(ctx: ProcessContext, input: ScriptInput) {
    this.ctx = ctx;
    this.input = input;
  }

  private us(): number {
    return Math.round(this.ctx.now() / 1000);
  }

  private fd(ref: Ref): number {
    const v = typeof ref === 'number' ? ref : this.vars.get(ref);
    return typeof v === 'number' ? v : -1;
  }

  private mapping(ref: Ref): { addr: number; length: number } {
    const v = typeof ref === 'number' ? { addr: ref, length: 4096 } : this.vars.get(ref);
    return typeof v === 'object' ? v : { addr: 0, length: 0 };
  }

  /** Enter the kernel; deliver what comes back (death, handlers). */
  private async sys(req: SyscallRequest): Promise<SyscallResponse> {
    const r = await this.ctx.syscall(req);
    if (r.killed !== null) throw new Killed(r.killed);
    for (const h of r.handlers) await this.runHandler(h.signo);
    return r;
  }

  /** A pending signal noticed while in user mode: enter the kernel to take it. */
  private async checkSignals(): Promise<void> {
    if (this.ctx.signalFlagged()) await this.sys({ op: 'null' });
  }

  private async runHandler(signo: number): Promise<void> {
    const steps = this.handlers.get(signo);
    if (steps === undefined || steps.length === 0) return;
    if (this.depth > 8) return; // a handler interrupted by its own signal over and over
    this.depth++;
    try {
      await this.runSteps(steps, signame(signo));
    } finally {
      this.depth--;
    }
  }

  async runSteps(steps: readonly Step[], handler?: string): Promise<void> {
    for (const step of steps) {
      await this.checkSignals();
      if (step.op === 'repeat') {
        await this.runRepeat(step);
        continue;
      }
      const { after, expectOk: _ok, ...rec } = await this.runStep(step);
      this.records.push(handler === undefined ? rec : { ...rec, handler });
      this.ctx.progress(this.output(null));
      if (after !== undefined) await after();
    }
  }

  private async runRepeat(step: Extract<Step, { op: 'repeat' }>): Promise<void> {
    const per = step.steps.map(() => ({ samples: [] as number[], ok: 0, errnos: {} as Record<string, number>, expectFailed: 0 }));
    const startUs = this.us();
    let n = 0;
    for (; n < step.arg; n++) {
      for (let i = 0; i < step.steps.length; i++) {
        await this.checkSignals();
        const inner = step.steps[i]!;
        if (inner.op === 'repeat') {
          await this.runRepeat(inner);
          continue;
        }
        const r = await this.runStep(inner, true);
        if (r.after !== undefined) await r.after();
        const s = per[i]!;
        s.samples.push(r.endUs - r.startUs);
        if (r.errno === null) s.ok++;
        else s.errnos[r.errno] = (s.errnos[r.errno] ?? 0) + 1;
        if (r.expectOk === false) s.expectFailed++;
      }
    }
    const stats: RepeatStats[] = step.steps.map((inner, i) => ({ index: inner.index, op: inner.op, ...summarize(per[i]!) }));
    this.records.push({ index: step.index, op: 'repeat', args: { count: step.arg }, ret: n, errno: null, startUs, endUs: this.us(), repeat: stats });
    step.steps.forEach((inner, i) => {
      if (inner.expect === undefined) return;
      const failed = per[i]!.expectFailed;
      this.expectations.push({ what: `${this.input.name}: ${inner.path} ${inner.op} expect ${expectText(inner.expect)} (×${n})`, ok: failed === 0, detail: failed === 0 ? `all ${n} held` : `${failed} of ${n} did not hold` });
    });
  }

  /** Run one step; record it (and its expectation, unless inside a repeat). */
  private async runStep(step: Step, inRepeat = false): Promise<StepRecord & { expectOk?: boolean; after?: () => Promise<void> }> {
    const startUs = this.us();
    let after: (() => Promise<void>) | undefined;
    let ret: number | string | null = null;
    let raw = 0;
    let errno: string | null = null;
    let data: string | undefined;
    const done = (r: SyscallResponse): void => {
      raw = r.ret;
      ret = r.errno === null ? r.ret : -1;
      errno = r.errno;
    };
    // The first argument is `arg`, except for fcntl, whose own named `arg` (the lease type or
    // signal) would overwrite it: there the fd is recorded as `fd`.
    const first = step.arg === undefined ? {} : flatArgs({ [step.op === 'fcntl' ? 'fd' : 'arg']: step.arg });
    const args: Record<string, unknown> = { ...first, ...flatArgs(step.args) };
    switch (step.op) {
      case 'open':
        done(await this.sys({ op: 'open', path: step.arg, flags: step.args.flags.value }));
        break;
      case 'close':
      case 'dup':
        done(await this.sys({ op: step.op, fd: this.fd(step.arg) }));
        break;
      case 'read':
      case 'pread': {
        const r = await this.sys(step.op === 'read' ? { op: 'read', fd: this.fd(step.arg), length: step.args.length } : { op: 'pread', fd: this.fd(step.arg), length: step.args.length, offset: step.args.offset });
        done(r);
        if (r.errno === null) data = text(r.data);
        break;
      }
      case 'write':
        done(await this.sys({ op: 'write', fd: this.fd(step.arg), data: enc.encode(step.args.data) }));
        break;
      case 'pwrite':
        done(await this.sys({ op: 'pwrite', fd: this.fd(step.arg), data: enc.encode(step.args.data), offset: step.args.offset }));
        break;
      case 'truncate':
        done(await this.sys({ op: 'truncate', path: step.arg, length: step.args.length }));
        break;
      case 'ftruncate':
        done(await this.sys({ op: 'ftruncate', fd: this.fd(step.arg), length: step.args.length }));
        break;
      case 'fallocate':
        done(await this.sys({ op: 'fallocate', fd: this.fd(step.arg), mode: step.args.mode.value, offset: step.args.offset, length: step.args.length }));
        break;
      case 'fcntl': {
        const a = step.args;
        const cmd = a.cmd === 'F_SETLEASE' ? F_SETLEASE : a.cmd === 'F_GETLEASE' ? F_GETLEASE : a.cmd === 'F_SETSIG' ? F_SETSIG : F_GETSIG;
        const arg = a.cmd === 'F_SETLEASE' ? a.arg.value : a.cmd === 'F_SETSIG' ? a.arg.signo : 0;
        const r = await this.sys({ op: 'fcntl', fd: this.fd(step.arg), cmd, arg });
        done(r);
        if (a.cmd === 'F_GETLEASE' && r.errno === null) ret = leaseTypeName(r.ret);
        break;
      }
      case 'mmap': {
        const r = await this.sys({ op: 'mmap', fd: this.fd(step.arg), length: step.args.length, ...(step.args.offset === undefined ? {} : { offset: step.args.offset }) });
        done(r);
        if (r.errno === null && step.as !== undefined) this.vars.set(step.as, { addr: r.ret, length: step.args.length });
        break;
      }
      case 'munmap': {
        const m = this.mapping(step.arg);
        done(await this.sys({ op: 'munmap', addr: m.addr, length: m.length }));
        break;
      }
      case 'load': {
        const m = this.mapping(step.arg);
        const r = await this.sys({ op: 'load', addr: m.addr + step.args.offset, length: step.args.length ?? 1 });
        done(r);
        if (r.errno === null) ret = data = text(r.data);
        break;
      }
      case 'store': {
        const m = this.mapping(step.arg);
        const bytes = step.args.data !== undefined ? enc.encode(step.args.data) : new Uint8Array(step.args.length ?? 1).fill(0x5a);
        done(await this.sys({ op: 'store', addr: m.addr + step.args.offset, data: bytes }));
        break;
      }
      case 'ibv_reg_mr': {
        const m = this.mapping(step.arg);
        done(await this.sys({ op: 'ibv_reg_mr', addr: m.addr, length: m.length }));
        break;
      }
      case 'ibv_dereg_mr':
        done(await this.sys({ op: 'ibv_dereg_mr', key: this.fd(step.arg) }));
        break;
      case 'rdma_write':
      case 'rdma_read': {
        // One WR on this process's QP, then its completion (nic/uverbs.ts); signals are taken
        // (their handlers run) while waiting.
        const c = await rdmaSync(this.ctx, step.op === 'rdma_write' ? 'write' : 'read', this.fd(step.arg), step.args.offset, step.args.length, { onWake: () => this.checkSignals() });
        ret = c.errno === null ? 0 : -1;
        errno = c.errno;
        break;
      }
      case 'signal': {
        const r = await this.sys({ op: 'sigaction', signo: step.arg.signo, disposition: 'handler' });
        done(r);
        if (r.errno === null) this.handlers.set(step.arg.signo, step.steps);
        break;
      }
      case 'wait': {
        const r = await this.sys({ op: 'sigtimedwait', signos: [step.arg.signo], timeoutNs: step.args.timeout === undefined ? null : step.args.timeout * 1000 });
        done(r);
        // "a handler, if any, runs then": after the wait is recorded.
        if (r.errno === null) after = () => this.runHandler(r.ret);
        break;
      }
      case 'sleep': {
        const until = this.ctx.now() + step.arg * 1000;
        for (;;) {
          const left = until - this.ctx.now();
          if (left <= 0) break;
          const r = await this.sys({ op: 'nanosleep', ns: left });
          if (r.errno === null) break;
        }
        ret = 0;
        break;
      }
      case 'barrier': {
        let arrived = false;
        for (;;) {
          const r = await this.sys({ op: 'barrier', name: step.arg, arrived });
          arrived = true;
          if (r.errno !== 'EINTR') {
            done(r);
            break;
          }
        }
        break;
      }
      case 'kill': {
        const names = this.input.targets[step.arg] ?? [];
        let last: SyscallResponse | null = null;
        for (const n of names) last = await this.sys({ op: 'kill', pid: this.ctx.pids[n] ?? -1, signo: step.args.signo.signo });
        if (last !== null) done(last);
        else {
          ret = -1;
          errno = 'ESRCH';
        }
        break;
      }
      case 'exit':
        this.records.push({ index: step.index, op: 'exit', args, ret: null, errno: null, startUs, endUs: startUs });
        await this.ctx.syscall({ op: 'exit', code: step.arg });
        throw new Exited(step.arg);
      case 'repeat':
        break; // handled by runRepeat
    }
    if (errno === null && step.as !== undefined && step.op !== 'mmap') this.vars.set(step.as, raw);
    const rec: StepRecord = { index: step.index, op: step.op, args, ret, errno, startUs, endUs: this.us(), ...(data === undefined ? {} : { data }) };
    const expectOk = this.expect(step, ret, errno, raw, inRepeat);
    return { ...rec, ...(expectOk === undefined ? {} : { expectOk }), ...(after === undefined ? {} : { after }) };
  }

  private expect(step: Step, ret: number | string | null, errno: string | null, raw: number, inRepeat: boolean): boolean | undefined {
    if (step.expect === undefined) return undefined;
    const ok = matchAny(step.expect, ret, errno, raw);
    if (!inRepeat) {
      const got = errno === null ? `returned ${typeof ret === 'string' ? ret : String(ret)}` : `failed with ${errno}`;
      this.expectations.push({ what: `${this.input.name}: ${step.path} ${step.op} expect ${expectText(step.expect)}`, ok, detail: got });
    }
    return ok;
  }

  output(stopped: string | null): ScriptOutput {
    return { steps: this.records, expectations: this.expectations, stopped };
  }
}

function matchAny(es: readonly Expect[], ret: number | string | null, errno: string | null, raw: number): boolean {
  return es.some((e) => matches(e, ret, errno, raw));
}

function flatArgs(args: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    if (v !== null && typeof v === 'object' && 'text' in v) out[k] = (v as { text: string }).text;
    else if (v !== null && typeof v === 'object' && 'name' in v) out[k] = (v as { name: string }).name;
    else out[k] = v;
  }
  return out;
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export async function runProgram(ctx: ProcessContext, input: unknown): Promise<ScriptOutput> {
  const inp = input as ScriptInput;
  const runner = new ScriptRunner(ctx, inp);
  try {
    await runner.runSteps(inp.steps);
    await ctx.syscall({ op: 'exit', code: 0 });
    return runner.output(null);
  } catch (e) {
    if (e instanceof Killed) return runner.output(`killed by ${e.sig}`);
    if (e instanceof Exited) return runner.output(`exit(${e.code})`);
    throw e;
  }
}
