/**
 * The one simulator event union. Every thread writes these; the trace export, histograms and the
 * HTML report all read this one stream. Times are nanoseconds since the run started (real time
 * under threads, virtual time under the deterministic runtime).
 */

export type SimEvent =
  | { readonly kind: 'syscall.enter'; readonly t: number; readonly pid: number; readonly op: string; readonly args?: unknown }
  | { readonly kind: 'syscall.exit'; readonly t: number; readonly pid: number; readonly op: string; readonly ret: unknown; readonly errno: string | null }
  | { readonly kind: 'lease.transition'; readonly t: number; readonly lease: number; readonly ino: number; readonly owner: number; readonly from: string; readonly to: string; readonly event: string }
  | { readonly kind: 'lease.break'; readonly t: number; readonly ino: number; readonly breaker: number; readonly lease: number; readonly owner: number; readonly target: 'F_UNLCK' | 'F_RDLCK'; readonly layout: boolean; readonly deadline: number | null }
  | { readonly kind: 'lease.break.wait'; readonly t: number; readonly ino: number; readonly breaker: number; readonly until: number | null }
  | { readonly kind: 'lease.break.done'; readonly t: number; readonly ino: number; readonly breaker: number; readonly result: string; readonly startedAt: number }
  | { readonly kind: 'signal.send'; readonly t: number; readonly pid: number; readonly signo: string; readonly fd: number | null; readonly from: number | null }
  | { readonly kind: 'signal.deliver'; readonly t: number; readonly pid: number; readonly signo: string; readonly fd: number | null; readonly how: 'handler' | 'wait' | 'kill' | 'ignore' }
  | { readonly kind: 'signal.pending'; readonly t: number; readonly pid: number; readonly signo: string; readonly fd: number | null }
  | { readonly kind: 'task.exit'; readonly t: number; readonly pid: number; readonly code: number | string }
  | { readonly kind: 'barrier'; readonly t: number; readonly pid: number; readonly name: string; readonly open: boolean }
  | { readonly kind: 'gup.pin'; readonly t: number; readonly pid: number; readonly pin: number; readonly pfns: readonly number[]; readonly longterm: boolean }
  | { readonly kind: 'gup.unpin'; readonly t: number; readonly pid: number; readonly pin: number }
  | { readonly kind: 'dax.busy'; readonly t: number; readonly pid: number; readonly ino: number; readonly pfn: number; readonly fn: string; readonly action: 'wait' | 'ETXTBSY' }
  | { readonly kind: 'dax.busy.done'; readonly t: number; readonly pid: number; readonly ino: number; readonly pfn: number; readonly result: string }
  | { readonly kind: 'layout.change'; readonly t: number; readonly pid: number; readonly ino: number; readonly op: string; readonly waited: boolean; readonly errno: string | null }
  | { readonly kind: 'mr.reg'; readonly t: number; readonly pid: number; readonly key: number; readonly ino: number; readonly pgoff: number; readonly npages: number; readonly odp: boolean }
  | { readonly kind: 'mr.dereg'; readonly t: number; readonly pid: number; readonly key: number }
  | {
      readonly kind: 'dma.write';
      readonly t: number;
      readonly writer: number;
      /** MR key, or DIO_SOURCE_BASE + the DIO's id. */
      readonly source: number;
      readonly pfn: number;
      readonly intended: { readonly ino: number; readonly index: number };
      readonly owner: { readonly ino: number; readonly index: number; readonly generation: number };
      readonly op: 'write' | 'read';
    }
  /**
   * The NIC took a work request off queue pair `qp` (the posting process's index in the spec;
   * `from` is its pid) and starts it: `bytes` from byte `offset` of MR `key`, spanning `pages`
   * pages. `pid` is the NIC daemon's. One per WR, never per page.
   */
  | { readonly kind: 'nic.wr.start'; readonly t: number; readonly pid: number; readonly from: number; readonly qp: number; readonly wrId: number; readonly key: number; readonly op: NicWrOp; readonly offset: number; readonly bytes: number; readonly pages: number }
  /** The WR is done (its completion is posted next): `status` 'ok' or an errno name; what moved. */
  | { readonly kind: 'nic.wr.end'; readonly t: number; readonly pid: number; readonly from: number; readonly qp: number; readonly wrId: number; readonly key: number; readonly op: NicWrOp; readonly status: string; readonly bytes: number; readonly pages: number; readonly violations: number }
  | { readonly kind: 'hang'; readonly t: number; readonly pid: number; readonly op: string; readonly blockedNs: number; readonly chain: readonly string[] }
  | { readonly kind: 'sched.pick'; readonly t: number; readonly pid: number; readonly choices: number }
  | { readonly kind: 'note'; readonly t: number; readonly pid: number | null; readonly text: string };

export type SimEventKind = SimEvent['kind'];

/** A NIC work request's operation (an unknown opcode completes EINVAL as `invalid`). */
export type NicWrOp = 'write' | 'read' | 'invalid';

/** Most events a run keeps in memory (a few hundred MiB at most); the rest are counted as dropped. */
export const MAX_EVENTS = 2_000_000;

export interface EventSink {
  emit(e: SimEvent): void;
}

/** A sink that keeps everything in memory (single-thread runs, tests). */
export class MemorySink implements EventSink {
  readonly events: SimEvent[] = [];
  emit(e: SimEvent): void {
    this.events.push(e);
  }
}

/** Discards events. */
export const NULL_SINK: EventSink = { emit() {} };
