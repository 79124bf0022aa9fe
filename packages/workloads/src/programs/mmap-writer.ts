/**
 * The `mmap-writer` stress program: CPU stores through a shared DAX mapping of one file — the
 * access that, unlike DMA, always goes by file offset: each store faults through the page table,
 * so after a layout change it lands in whatever block backs the offset now (never stale).
 *
 * It opens the file O_RDWR, maps its first `pages` pages (MAP_SHARED, PROT_READ|PROT_WRITE) and
 * stores 64 bytes at the start of page i mod `pages` per operation. A store past EOF (the file was
 * truncated) raises SIGBUS: the program handles it, as a program with a sigsetjmp handler would,
 * and counts it. Stores wait while a layout change holds the invalidate lock (the fault blocks).
 *
 * Input: { name, durationNs, options: MmapWriterOptions }. Output: MmapWriterOutput.
 */
import { O_RDWR, SIGNALS, signame } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { OpStats, PacedProgram } from './pacing.js';
import { type LatencySummary, PROGRESS_EVERY, summarizeLatency, sys, stressEntry, tally } from './stress.js';
import { type MmapWriterOptions, parseMmapWriterOptions } from './validators.js';

const PAGE = 4096;
const STORE_BYTES = 64;
const SIGBUS = SIGNALS['SIGBUS']!;

export interface MmapWriterInput {
  readonly name: string;
  readonly durationNs: number;
  readonly options: MmapWriterOptions;
}

export interface MmapWriterOutput {
  readonly workload: 'mmap-writer';
  readonly name: string;
  readonly file: string;
  readonly pages: number;
  readonly rate: number;
  readonly startNs: number;
  readonly endNs: number;
  /** Stores issued. */
  readonly count: number;
  readonly ok: number;
  readonly missed: number;
  /** Failed stores by errno (EFAULT: the access faulted). */
  readonly errnos: Record<string, number>;
  /** The fatal signals the faults raised (handled), by name: SIGBUS past EOF. */
  readonly faults: Record<string, number>;
  /** Call-to-return latency of the stores, ns; null in progress reports. */
  readonly latency: LatencySummary | null;
  readonly error: string | null;
  readonly stopped: string | null;
  readonly done: boolean;
}

class MmapWriter extends PacedProgram<MmapWriterOutput> {
  private readonly stores = new OpStats();
  private readonly faults: Record<string, number> = {};
  private readonly data = new Uint8Array(STORE_BYTES).fill(0x4d); // 'M'

  constructor(
    ctx: ProcessContext,
    name: string,
    durationNs: number,
    private readonly opts: MmapWriterOptions,
  ) {
    super(ctx, name, durationNs, opts.rate);
  }

  private addr = 0;

  protected async setup(): Promise<boolean> {
    const addr = await this.map();
    if (addr === null) return false;
    this.addr = addr;
    return true;
  }

  private async map(): Promise<number | null> {
    await sys(this.ctx, { op: 'sigaction', signo: SIGBUS, disposition: 'handler' });
    const o = await sys(this.ctx, { op: 'open', path: this.opts.file, flags: O_RDWR });
    if (o.errno !== null) {
      this.error = `open(${this.opts.file}, O_RDWR) failed: ${o.errno}`;
      return null;
    }
    const m = await sys(this.ctx, { op: 'mmap', fd: o.ret, length: this.opts.pages * PAGE });
    if (m.errno !== null) {
      this.error = `mmap(${this.opts.pages * PAGE} bytes of ${this.opts.file}) failed: ${m.errno}`;
      return null;
    }
    return m.ret;
  }

  protected async loop(): Promise<void> {
    const addr = this.addr;
    for (let i = 0; ; i++) {
      const intended = await this.pacer.next();
      if (intended === null) return;
      const t0 = this.ctx.now();
      const r = await sys(this.ctx, { op: 'store', addr: addr + (i % this.opts.pages) * PAGE, data: this.data });
      this.stores.add(r.errno, this.ctx.now() - t0);
      if (r.fault !== undefined) tally(this.faults, r.fault);
      for (const h of r.handlers) if (h.signo !== SIGBUS) tally(this.faults, signame(h.signo));
      if (this.stores.count % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
      await this.pacer.done(intended);
    }
  }

  output(stopped: string | null, done: boolean): MmapWriterOutput {
    return {
      workload: 'mmap-writer',
      name: this.name,
      file: this.opts.file,
      pages: this.opts.pages,
      rate: this.opts.rate,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      count: this.stores.count,
      ok: this.stores.ok,
      missed: this.pacer.missed,
      errnos: { ...this.stores.errnos },
      faults: { ...this.faults },
      latency: done ? summarizeLatency(this.stores.latencyNs) : null,
      error: this.error,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof MmapWriter>[3], MmapWriterOutput, MmapWriterInput>('mmap-writer', parseMmapWriterOptions, (ctx, inp, o) => new MmapWriter(ctx, inp.name, inp.durationNs, o).run());
