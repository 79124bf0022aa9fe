/**
 * Escaping and number formatting. Every string that comes from a scenario or a report goes
 * through `esc` (text and attribute values alike); numbers go through the formatters.
 */

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** HTML-escape text or an attribute value (quoted with "). */
export function esc(v: unknown): string {
  return String(v).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** `name="value"` pairs, escaped; undefined values are left out, `true` gives a bare attribute. */
export function attrs(a: Readonly<Record<string, string | number | boolean | null | undefined>>): string {
  let out = '';
  for (const [k, v] of Object.entries(a)) {
    if (v === undefined || v === null || v === false) continue;
    out += v === true ? ` ${k}` : ` ${k}="${esc(v)}"`;
  }
  return out;
}

/** JSON for a `<script type="application/json">` block: nothing in it can close the element. */
export function jsonForScript(v: unknown): string {
  return JSON.stringify(v)
    .replace(/</g, '\\u003c')
    .replace(/>/g, '\\u003e')
    .replace(/&/g, '\\u0026')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/** A number trimmed to at most `digits` decimals, without trailing zeros. */
export function num(v: number, digits = 1): string {
  if (!Number.isFinite(v)) return String(v);
  const s = v.toFixed(digits);
  return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
}

/** Microseconds as the unit that reads best: 12.5 µs, 3.41 ms, 1.200 s. */
export function fmtUs(us: number): string {
  const a = Math.abs(us);
  if (a < 1000) return `${num(us, 1)} µs`;
  if (a < 1e6) return `${num(us / 1000, 2)} ms`;
  return `${num(us / 1e6, 3)} s`;
}

/** A byte offset: decimal, and hex when it is large enough to matter. */
export function fmtOffset(v: number): string {
  return v >= 4096 ? `${v} (0x${v.toString(16)})` : String(v);
}

/** Thousands separated by a thin space, for counts. */
export function fmtCount(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009');
}
