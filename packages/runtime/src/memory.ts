/**
 * Giving back the shared memory of finished runs. A run's device, rings and channels are
 * SharedArrayBuffers; V8 frees one only when a garbage collection finds its last wrapper dead, and
 * their size does not count toward its heap limits, so a small heap goes unscanned while dead
 * buffers pile up: a 20-seed matrix (1620 runs) grew past 15 GB. After each run, when the process
 * holds more than RECLAIM_BYTES of array buffers, a full collection is forced.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export const RECLAIM_BYTES = 512 * 1024 * 1024;

let gc: (() => void) | null | undefined;

/** V8's gc(), exposed on first use (the flag takes effect for contexts created after it). */
function fullGc(): (() => void) | null {
  if (gc === undefined) {
    try {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    } catch {
      gc = null; // an embedder that forbids it: memory is freed at V8's own pace
    }
  }
  return gc;
}

/**
 * After a run: collect if dead runs' buffers may be holding more than `limit` bytes. `collect` is
 * V8's full collection (null where the embedder forbids it). Return: whether it collected.
 */
export function reclaimRunMemory(
  limit = RECLAIM_BYTES,
  used: () => number = () => process.memoryUsage().arrayBuffers,
  collect: () => (() => void) | null = fullGc,
): boolean {
  if (used() <= limit) return false;
  const f = collect();
  if (f === null) return false;
  // Twice: a collection hands dead buffers to a background sweeper, which the next collection
  // waits for; after one alone, a loaded machine often still holds them a while.
  f();
  f();
  return true;
}
