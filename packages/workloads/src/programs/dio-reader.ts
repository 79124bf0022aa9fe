/**
 * The `dio-reader` stress program: direct I/O from a simulated disk into a buffer that is a DAX
 * mapping of `file` — the transient GUP pin of the 2018 threads (Dan Williams' "dma is transient"
 * assumption; Dave Chinner's insert-range case). Each read pins the buffer's pages
 * (pin_user_pages, no FOLL_LONGTERM), keeps them pinned for `inFlight` while the disk's DMA runs,
 * then the data lands in the pinned frames — wherever those frames belong by then. A frame no
 * longer owned by the file block it was pinned as is a `dma.write` kernel event (the checker's
 * corruption / lostWrite / staleOffset).
 *
 * It opens the file O_RDWR and maps its first `pages` pages; each operation reads `chunk` bytes
 * into the next chunk of the buffer (page-aligned chunks, round robin). A read whose pages lie past
 * EOF (a truncate shrank the file) fails EFAULT at once, as GUP does: counted, and paced.
 *
 * `munmap: true` is the io_submit variant: the read is submitted asynchronously (the pages stay
 * pinned by the I/O), the buffer is munmap()ed while the DMA is in flight, the program waits for
 * the completion (a sleep of `inFlight`, as io_getevents would) and maps the buffer again. Before
 * v6.15 (`skipWaitWhenUnmapped`) dax_layout_busy_page sees no mapping and skips the wait: the
 * pinned blocks are freed under the DMA.
 *
 * Input: { name, durationNs, options: DioReaderOptions } (inFlight in µs). Output: DioReaderOutput.
 */
import { O_RDWR } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { OpStats, PacedProgram } from './pacing.js';
import { type LatencySummary, PROGRESS_EVERY, sleepUntil, summarizeLatency, stressEntry, sys } from './stress.js';
import { type DioReaderOptions, parseDioReaderOptions } from './validators.js';

const PAGE = 4096;

export interface DioReaderInput {
  readonly name: string;
  readonly durationNs: number;
  readonly options: DioReaderOptions;
}

export interface DioReaderOutput {
  readonly workload: 'dio-reader';
  readonly name: string;
  readonly file: string;
  readonly pages: number;
  readonly chunk: number;
  /** µs each read keeps its pages pinned. */
  readonly inFlight: number;
  readonly rate: number;
  readonly munmap: boolean;
  readonly startNs: number;
  readonly endNs: number;
  /** Reads issued. */
  readonly count: number;
  readonly ok: number;
  readonly missed: number;
  /** Failed reads by errno (EFAULT: part of the buffer is past EOF). */
  readonly errnos: Record<string, number>;
  /** Bytes the disk DMAed into pinned pages. */
  readonly bytes: number;
  /** munmap mode: buffers unmapped while their DMA was in flight. */
  readonly unmappedInFlight: number;
  /** Call-to-completion latency of the successful reads, ns; null in progress reports. */
  readonly latency: LatencySummary | null;
  readonly error: string | null;
  readonly stopped: string | null;
  readonly done: boolean;
}

class DioReader extends PacedProgram<DioReaderOutput> {
  private readonly reads = new OpStats();
  private readonly okLatency: number[] = [];
  private fd = -1;
  private addr: number | null = null;
  private bytes = 0;
  private unmappedInFlight = 0;

  constructor(
    ctx: ProcessContext,
    name: string,
    durationNs: number,
    private readonly opts: DioReaderOptions,
  ) {
    super(ctx, name, durationNs, opts.rate);
  }

  protected async setup(): Promise<boolean> {
    const o = await sys(this.ctx, { op: 'open', path: this.opts.file, flags: O_RDWR });
    if (o.errno !== null) {
      this.error = `open(${this.opts.file}, O_RDWR) failed: ${o.errno}`;
      return false;
    }
    this.fd = o.ret;
    return this.map();
  }

  private async map(): Promise<boolean> {
    const m = await sys(this.ctx, { op: 'mmap', fd: this.fd, length: this.opts.pages * PAGE });
    if (m.errno !== null) {
      this.error = `mmap(${this.opts.pages * PAGE} bytes of ${this.opts.file}) failed: ${m.errno}`;
      return false;
    }
    this.addr = m.ret;
    return true;
  }

  protected async loop(): Promise<void> {
    const o = this.opts;
    const step = Math.max(1, Math.ceil(o.chunk / PAGE));
    const chunks = Math.ceil(o.pages / step);
    const ns = o.inFlight * 1000;
    for (let i = 0; ; i++) {
      const intended = await this.pacer.next();
      if (intended === null) return;
      if (this.addr === null && !(await this.map())) return;
      const first = (i % chunks) * step;
      const length = Math.min(o.chunk, (o.pages - first) * PAGE);
      const t0 = this.ctx.now();
      const r = await sys(this.ctx, { op: 'dio_read', addr: this.addr! + first * PAGE, length, ns, ...(o.munmap ? { async: true } : {}) });
      if (r.errno === null && o.munmap) {
        // The buffer goes away while the disk still writes into its pages; then wait for the
        // completion (io_getevents) before mapping it again.
        await sys(this.ctx, { op: 'munmap', addr: this.addr!, length: o.pages * PAGE });
        this.addr = null;
        this.unmappedInFlight++;
        await sleepUntil(this.ctx, t0 + ns + 1000);
      }
      const lat = this.ctx.now() - t0;
      this.reads.add(r.errno, lat);
      if (r.errno === null) {
        this.bytes += r.ret;
        this.okLatency.push(lat);
      }
      if (this.reads.count % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
      await this.pacer.done(intended);
    }
  }

  output(stopped: string | null, done: boolean): DioReaderOutput {
    const o = this.opts;
    return {
      workload: 'dio-reader',
      name: this.name,
      file: o.file,
      pages: o.pages,
      chunk: o.chunk,
      inFlight: o.inFlight,
      rate: o.rate,
      munmap: o.munmap,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      count: this.reads.count,
      ok: this.reads.ok,
      missed: this.pacer.missed,
      errnos: { ...this.reads.errnos },
      bytes: this.bytes,
      unmappedInFlight: this.unmappedInFlight,
      latency: done ? summarizeLatency(this.okLatency) : null,
      error: this.error,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof DioReader>[3], DioReaderOutput, DioReaderInput>('dio-reader', parseDioReaderOptions, (ctx, inp, o) => new DioReader(ctx, inp.name, inp.durationNs, o).run());
