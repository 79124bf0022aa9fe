/**
 * A stable hash of an event sequence (two 32-bit FNV-1a lanes over a canonical JSON of each
 * event), so two runs can be compared bit for bit: same seed under the deterministic runtime →
 * same hash.
 */
import type { SimEvent } from './events.js';

const FNV_PRIME = 0x01000193;

function canonical(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'undefined';
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

export class EventHasher {
  private a = 0x811c9dc5;
  private b = 0x050c5d1f;
  count = 0;

  add(e: SimEvent): void {
    const s = canonical(e);
    let a = this.a;
    let b = this.b;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      a = Math.imul(a ^ c, FNV_PRIME);
      b = Math.imul(b ^ (c + i), FNV_PRIME);
    }
    this.a = a ^ 0x0a; // a record separator
    this.b = b ^ 0x1e;
    this.count++;
  }

  get hex(): string {
    return (this.a >>> 0).toString(16).padStart(8, '0') + (this.b >>> 0).toString(16).padStart(8, '0');
  }
}

export function hashEvents(events: readonly SimEvent[]): string {
  const h = new EventHasher();
  for (const e of events) h.add(e);
  return h.hex;
}
