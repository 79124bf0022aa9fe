/**
 * Merge per-thread event streams into the one stream of a run: a k-way merge on a binary heap of
 * stream heads, O(n log k). Each stream's own order is kept as it is (a merge, not a sort: a
 * thread's events are in the order it wrote them), and on equal times the stream listed first
 * goes first.
 */
import type { SimEvent } from './events.js';

export function mergeByTime(streams: readonly (readonly SimEvent[])[]): SimEvent[] {
  const live = streams.map((_, i) => i).filter((i) => streams[i]!.length > 0);
  if (live.length === 0) return [];
  if (live.length === 1) return streams[live[0]!]!.slice();
  const total = live.reduce((n, i) => n + streams[i]!.length, 0);
  const out: SimEvent[] = new Array<SimEvent>(total);
  const pos = new Array<number>(streams.length).fill(0);
  const head = (s: number): number => streams[s]![pos[s]!]!.t;
  const less = (a: number, b: number): boolean => {
    const ta = head(a);
    const tb = head(b);
    return ta < tb || (ta === tb && a < b);
  };
  const heap = live.slice();
  const down = (i: number): void => {
    const n = heap.length;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) return;
      const r = l + 1;
      const m = r < n && less(heap[r]!, heap[l]!) ? r : l;
      if (!less(heap[m]!, heap[i]!)) return;
      [heap[m], heap[i]] = [heap[i]!, heap[m]!];
      i = m;
    }
  };
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) down(i);
  let k = 0;
  while (heap.length > 0) {
    const s = heap[0]!;
    const list = streams[s]!;
    out[k++] = list[pos[s]!]!;
    pos[s]!++;
    if (pos[s]! >= list.length) {
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    down(0);
  }
  return out;
}
