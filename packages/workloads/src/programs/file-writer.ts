/**
 * The `file-writer` stress program: keeps allocating blocks in other files, so that blocks a
 * truncate or punch freed are handed out again (the allocator gives recently freed blocks first)
 * — the reuse that turns a stale DMA into cross-file corruption.
 *
 * Round robin over `files` (each opened O_WRONLY at the start), one page per operation: write
 * number i goes to file i mod F at page ⌊i / F⌋ mod `pages`. A file's round starts with
 * ftruncate(fd, 0), so every write of the round allocates a block. The data is plain (0x46, 'F'):
 * nothing is stamped; the DMA stamps tell a victim's pages apart.
 *
 * Input: { name, durationNs, options: FileWriterOptions }. Output: FileWriterOutput.
 */
import { O_WRONLY } from '@leasebreak/model';
import type { ProcessContext } from '@leasebreak/runtime';
import { OpStats, PacedProgram } from './pacing.js';
import { type LatencySummary, PROGRESS_EVERY, summarizeLatency, stressEntry, sys } from './stress.js';
import { type FileWriterOptions, parseFileWriterOptions } from './validators.js';

const PAGE = 4096;

export interface FileWriterInput {
  readonly name: string;
  readonly durationNs: number;
  readonly options: FileWriterOptions;
}

export interface FileWriterOutput {
  readonly workload: 'file-writer';
  readonly name: string;
  readonly files: readonly string[];
  readonly pages: number;
  readonly rate: number;
  readonly startNs: number;
  readonly endNs: number;
  /** pwrite calls (one page each). */
  readonly count: number;
  readonly ok: number;
  readonly missed: number;
  readonly errnos: Record<string, number>;
  /** Bytes written. */
  readonly bytes: number;
  /** Writes per file path. */
  readonly perFile: Record<string, number>;
  /** The ftruncate(fd, 0) that starts each round. */
  readonly truncates: { readonly count: number; readonly ok: number; readonly errnos: Record<string, number> };
  /** Call-to-return latency of the writes, ns; null in progress reports. */
  readonly latency: LatencySummary | null;
  readonly error: string | null;
  readonly stopped: string | null;
  readonly done: boolean;
}

class FileWriter extends PacedProgram<FileWriterOutput> {
  private readonly fds: number[] = [];
  private readonly writes = new OpStats();
  private readonly truncs = new OpStats();
  private readonly perFile: Record<string, number> = {};
  private readonly data = new Uint8Array(PAGE).fill(0x46);
  private bytes = 0;

  constructor(
    ctx: ProcessContext,
    name: string,
    durationNs: number,
    private readonly opts: FileWriterOptions,
  ) {
    super(ctx, name, durationNs, opts.rate);
  }

  protected async setup(): Promise<boolean> {
    for (const f of this.opts.files) {
      const r = await sys(this.ctx, { op: 'open', path: f, flags: O_WRONLY });
      if (r.errno !== null) {
        this.error = `open(${f}, O_WRONLY) failed: ${r.errno}`;
        return false;
      }
      this.fds.push(r.ret);
    }
    return true;
  }

  protected async loop(): Promise<void> {
    const F = this.fds.length;
    for (let i = 0; ; i++) {
      const intended = await this.pacer.next();
      if (intended === null) return;
      const f = i % F;
      const page = Math.floor(i / F) % this.opts.pages;
      const fd = this.fds[f]!;
      if (page === 0) {
        const t0 = this.ctx.now();
        const r = await sys(this.ctx, { op: 'ftruncate', fd, length: 0 });
        this.truncs.add(r.errno, this.ctx.now() - t0);
      }
      const t0 = this.ctx.now();
      const r = await sys(this.ctx, { op: 'pwrite', fd, data: this.data, offset: page * PAGE });
      this.writes.add(r.errno, this.ctx.now() - t0);
      if (r.errno === null) {
        this.bytes += r.ret;
        const path = this.opts.files[f]!;
        this.perFile[path] = (this.perFile[path] ?? 0) + 1;
      }
      if (this.writes.count % PROGRESS_EVERY === 0) this.ctx.progress(this.output(null, false));
      await this.pacer.done(intended);
    }
  }

  output(stopped: string | null, done: boolean): FileWriterOutput {
    return {
      workload: 'file-writer',
      name: this.name,
      files: this.opts.files,
      pages: this.opts.pages,
      rate: this.opts.rate,
      startNs: this.startNs,
      endNs: done ? this.finishedAt : this.ctx.now(),
      count: this.writes.count,
      ok: this.writes.ok,
      missed: this.pacer.missed,
      errnos: { ...this.writes.errnos },
      bytes: this.bytes,
      perFile: { ...this.perFile },
      truncates: { count: this.truncs.count, ok: this.truncs.ok, errnos: { ...this.truncs.errnos } },
      latency: done ? summarizeLatency(this.writes.latencyNs) : null,
      error: this.error,
      stopped,
      done,
    };
  }
}

/** The program entry point (loaded by URL in the process's thread, or called directly). */
export const runProgram = stressEntry<ConstructorParameters<typeof FileWriter>[3], FileWriterOutput, FileWriterInput>('file-writer', parseFileWriterOptions, (ctx, inp, o) => new FileWriter(ctx, inp.name, inp.durationNs, o).run());
