/**
 * DMA stamps: every simulated DMA write (the NIC's RDMA WRITE, a direct-I/O read completing)
 * begins with a 32-byte header saying who wrote it and where it was meant to land. The checker
 * reads them back — online, from the frame's owner at write time, and offline, from every file
 * through its extent map — to tell corruption from a write at a shifted offset.
 *
 *   [0] magic 'LBS1'  [1] writer pid  [2] source (MR key, or 0x10000 + DIO id)
 *   [3] intended ino  [4] intended file block  [5] sequence  [6] byte offset in the block
 *   [7] checksum of the above
 */

export const STAMP_BYTES = 32;
export const STAMP_MAGIC = 0x3153424c; // 'LBS1' little-endian
export const DIO_SOURCE_BASE = 0x10000;

export interface Stamp {
  readonly writer: number;
  readonly source: number;
  readonly ino: number;
  readonly index: number;
  readonly seq: number;
  readonly offset: number;
}

function sum(w: readonly number[]): number {
  let h = 0x9e3779b9;
  for (const x of w) h = Math.imul(h ^ x, 0x01000193);
  return h | 0;
}

/** Write a stamp into `bytes` at `at` (a DataView over the frame bytes, little-endian). */
export function writeStamp(bytes: Uint8Array, at: number, s: Stamp): void {
  const w = [STAMP_MAGIC, s.writer, s.source, s.ino, s.index, s.seq, s.offset];
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, STAMP_BYTES);
  w.forEach((x, i) => dv.setInt32(i * 4, x, true));
  dv.setInt32(28, sum(w), true);
}

/** Read a stamp at `at`, or null if there is none (or it is torn). */
export function readStamp(bytes: Uint8Array, at: number): Stamp | null {
  if (at + STAMP_BYTES > bytes.length) return null;
  const dv = new DataView(bytes.buffer, bytes.byteOffset + at, STAMP_BYTES);
  if (dv.getInt32(0, true) !== STAMP_MAGIC) return null;
  const w = [0, 1, 2, 3, 4, 5, 6].map((i) => dv.getInt32(i * 4, true));
  if (dv.getInt32(28, true) !== sum(w)) return null;
  return { writer: w[1]!, source: w[2]!, ino: w[3]!, index: w[4]!, seq: w[5]!, offset: w[6]! };
}

/**
 * writeStamp for a 4-byte-aligned position, through an Int32Array over the same buffer (the NIC's
 * hot path: no DataView, no allocation). Same bytes as writeStamp on little-endian hosts.
 */
export function writeStampAligned(words: Int32Array, byteAt: number, writer: number, source: number, ino: number, index: number, seq: number, offset: number): void {
  const i = byteAt >> 2;
  words[i] = STAMP_MAGIC;
  words[i + 1] = writer;
  words[i + 2] = source;
  words[i + 3] = ino;
  words[i + 4] = index;
  words[i + 5] = seq;
  words[i + 6] = offset;
  // The checksum of the words as stored (Int32), computed here rather than read back from the
  // shared frame.
  let h = Math.imul(0x9e3779b9 ^ STAMP_MAGIC, 0x01000193);
  h = Math.imul(h ^ (writer | 0), 0x01000193);
  h = Math.imul(h ^ (source | 0), 0x01000193);
  h = Math.imul(h ^ (ino | 0), 0x01000193);
  h = Math.imul(h ^ (index | 0), 0x01000193);
  h = Math.imul(h ^ (seq | 0), 0x01000193);
  h = Math.imul(h ^ (offset | 0), 0x01000193);
  words[i + 7] = h | 0;
}
