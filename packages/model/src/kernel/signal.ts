/**
 * Signals (kernel/signal.c, fs/fcntl.c send_sigio): per-task dispositions, blocked mask and
 * pending queue; generation, merging, interruption of sleeps, and dequeueing for delivery.
 *
 * - Standard signals (< SIGRTMIN) merge while pending; real-time signals queue.
 * - A blocked signal stays pending (a `wait` step blocks the signals it waits for, as a program
 *   using sigwaitinfo does).
 * - An unblocked signal with a handler interrupts an interruptible sleep (EINTR; handlers are
 *   installed without SA_RESTART) and is delivered on the way back to user space.
 * - An unblocked signal with the default action "terminate" makes the task die: its sleep ends,
 *   and it exits the next time it runs (death is asynchronous, as in Linux).
 */
import { BUG_ON } from './errno.js';

export const SIGHUP = 1;
export const SIGINT = 2;
export const SIGBUS = 7;
export const SIGKILL = 9;
export const SIGUSR1 = 10;
export const SIGUSR2 = 12;
export const SIGALRM = 14;
export const SIGSEGV = 11;
export const SIGTERM = 15;
export const SIGCHLD = 17;
export const SIGCONT = 18;
export const SIGURG = 23;
export const SIGWINCH = 28;
export const SIGIO = 29;
/** glibc's SIGRTMIN (the kernel's 32 and 33 are taken by NPTL). */
export const SIGRTMIN = 34;
export const SIGRTMAX = 64;
export const NSIG = 64;

export const SIGNALS: Readonly<Record<string, number>> = {
  SIGHUP,
  SIGINT,
  SIGBUS,
  SIGKILL,
  SIGUSR1,
  SIGSEGV,
  SIGUSR2,
  SIGALRM,
  SIGTERM,
  SIGCHLD,
  SIGCONT,
  SIGURG,
  SIGWINCH,
  SIGIO,
  SIGPOLL: SIGIO,
  SIGRTMIN,
  SIGRTMAX,
};

/** A signal's name: SIGIO, SIGRTMIN+3, … */
export function signame(signo: number): string {
  if (signo >= SIGRTMIN && signo <= SIGRTMAX) return signo === SIGRTMIN ? 'SIGRTMIN' : `SIGRTMIN+${signo - SIGRTMIN}`;
  for (const [n, v] of Object.entries(SIGNALS)) if (v === signo && n !== 'SIGPOLL') return n;
  return `SIG${signo}`;
}

/** Parse SIGIO, SIGRTMIN+3, 29. Return: the number, or null. */
export function parseSignal(s: string | number): number | null {
  if (typeof s === 'number') return Number.isInteger(s) && s >= 1 && s <= NSIG ? s : null;
  const t = s.trim();
  if (/^\d+$/.test(t)) return parseSignal(Number(t));
  const m = /^SIGRTMIN\+(\d+)$/.exec(t);
  if (m !== null) {
    const n = SIGRTMIN + Number(m[1]);
    return n <= SIGRTMAX ? n : null;
  }
  return SIGNALS[t] ?? null;
}

const DEFAULT_IGNORE = new Set([SIGCHLD, SIGCONT, SIGURG, SIGWINCH]);

export interface SigInfo {
  readonly signo: number;
  /** si_fd: the leased fd, when F_SETSIG was used; null otherwise. */
  readonly fd: number | null;
  /** SI_USER (kill) or POLL_MSG (a lease break). */
  readonly code: 'SI_USER' | 'POLL_MSG';
  readonly fromPid: number | null;
  readonly atNs: number;
}

export type Disposition = 'default' | 'handler' | 'ignore';

export class SignalState {
  private readonly handlers = new Map<number, Disposition>();
  readonly blocked = new Set<number>();
  readonly pending: SigInfo[] = [];

  disposition(signo: number): Disposition {
    return this.handlers.get(signo) ?? 'default';
  }

  /** sigaction(). SIGKILL cannot be caught or ignored. */
  setDisposition(signo: number, d: Disposition): boolean {
    if (signo === SIGKILL) return false;
    this.handlers.set(signo, d);
    return true;
  }

  /** Would generating `signo` now kill the task (default action terminate, not blocked)? */
  isFatal(signo: number): boolean {
    if (signo === SIGKILL) return true;
    return !this.blocked.has(signo) && this.disposition(signo) === 'default' && !DEFAULT_IGNORE.has(signo);
  }

  /** Is the signal discarded at generation (ignored and not blocked)? */
  isIgnored(signo: number): boolean {
    if (signo === SIGKILL || this.blocked.has(signo)) return false;
    const d = this.disposition(signo);
    return d === 'ignore' || (d === 'default' && DEFAULT_IGNORE.has(signo));
  }

  /** Queue a signal; a standard signal already pending merges. Return: whether it was queued. */
  enqueue(info: SigInfo): boolean {
    if (info.signo < SIGRTMIN && this.pending.some((p) => p.signo === info.signo)) return false;
    this.pending.push(info);
    return true;
  }

  /** signal_pending() for an interruptible sleep: an unblocked, handled signal is queued. */
  interruptPending(): boolean {
    return this.pending.some((p) => !this.blocked.has(p.signo) && this.disposition(p.signo) === 'handler');
  }

  /** Take the signals to deliver to handlers now (unblocked, handled), lowest number first. */
  dequeueForHandlers(): SigInfo[] {
    const out: SigInfo[] = [];
    for (let i = 0; i < this.pending.length; ) {
      const p = this.pending[i]!;
      if (!this.blocked.has(p.signo) && this.disposition(p.signo) === 'handler') {
        out.push(p);
        this.pending.splice(i, 1);
      } else i++;
    }
    return out.sort((a, b) => a.signo - b.signo);
  }

  /** sigtimedwait(): take the first pending signal of `set`, if any. */
  dequeueFrom(set: ReadonlySet<number>): SigInfo | null {
    const i = this.pending.findIndex((p) => set.has(p.signo));
    if (i < 0) return null;
    const [p] = this.pending.splice(i, 1);
    BUG_ON(p === undefined, 'signal: dequeue');
    return p!;
  }
}
