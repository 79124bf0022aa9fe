/**
 * Model-based property: random syscall sequences over a few files on a small pmem device, run
 * against the Kernel and against a plain reference (one byte array and a size per file).
 *
 * After every command every byte of every file is read back with pread and compared, the sizes
 * are compared, and fsck must report nothing. The reference predicts every result, errno
 * included; where the answer depends on the filesystem's layout (ENOSPC, SIGBUS from a full
 * device) it consults the kernel's extent maps and free-block count *before* the command, so a
 * short write or an ENOSPC is accepted only when the device really is short of blocks and the
 * kernel changed nothing it should not have.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  FALLOC_FL_COLLAPSE_RANGE,
  FALLOC_FL_INSERT_RANGE,
  FALLOC_FL_KEEP_SIZE,
  FALLOC_FL_PUNCH_HOLE,
  FALLOC_FL_ZERO_RANGE,
  Kernel,
  O_CREAT,
  O_RDWR,
  O_TRUNC,
  PAGE_SIZE,
  PROT_READ,
  PROT_WRITE,
  fsck,
  type Errno,
  type FallocateModeCheck,
  type Inode,
} from '../src/index.js';

const P = PAGE_SIZE;
/** Override with MODEL_PROPERTY_RUNS=5000 for a longer hunt. */
const NUM_RUNS = Number(process.env['MODEL_PROPERTY_RUNS'] ?? 300);

// ---- the reference ---------------------------------------------------------------------------

class RefFile {
  private data = new Uint8Array(0);
  size = 0;

  private ensure(n: number): void {
    if (this.data.length >= n) return;
    const d = new Uint8Array(Math.max(n, this.data.length * 2));
    d.set(this.data.subarray(0, this.size));
    this.data = d;
  }

  bytes(): Uint8Array {
    return this.data.subarray(0, this.size);
  }

  setSize(n: number): void {
    if (n > this.size) {
      this.ensure(n);
      this.data.fill(0, this.size, n);
    }
    this.size = n;
  }

  write(off: number, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (off + bytes.length > this.size) this.setSize(off + bytes.length);
    this.data.set(bytes, off);
  }

  /** Zero [from, to) clipped to EOF. */
  zero(from: number, to: number): void {
    const end = Math.min(to, this.size);
    if (end > from) this.data.fill(0, from, end);
  }

  collapse(off: number, len: number): void {
    this.data.copyWithin(off, off + len, this.size);
    this.size -= len;
  }

  insert(off: number, len: number): void {
    this.ensure(this.size + len);
    this.data.copyWithin(off + len, off, this.size);
    this.data.fill(0, off, off + len);
    this.size += len;
  }
}

// ---- commands --------------------------------------------------------------------------------

type Cmd =
  | { t: 'pwrite'; task: number; f: number; off: number; len: number; seed: number }
  | { t: 'truncate'; task: number; f: number; size: number; viaFd: boolean }
  | { t: 'falloc'; task: number; f: number; mode: number; off: number; len: number }
  /** `cover`: map the whole file from pgoff (plus `pages % 3` pages past EOF) instead of `pages`. */
  | { t: 'mmap'; task: number; f: number; pgoff: number; pages: number; cover: boolean; trim: number }
  /** `near`: aim at the file's EOF page (+/- a page) instead of VMA page `page`. */
  | { t: 'store'; m: number; page: number; near: boolean; inOff: number; len: number; seed: number }
  | { t: 'load'; m: number; page: number; near: boolean; inOff: number; len: number }
  | { t: 'munmap'; m: number; from: number; count: number }
  | { t: 'reopen'; task: number; f: number; trunc: boolean }
  /** Preallocate blocks in a scratch file until only `leave` are free (ENOSPC at the edge). */
  | { t: 'fill'; leave: number }
  /** Punch blocks out of the scratch file (frees them, fragmenting the free space). */
  | { t: 'unfill'; from: number; count: number };

const MODES = {
  allocate: 0,
  keepSize: FALLOC_FL_KEEP_SIZE,
  punch: FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
  collapse: FALLOC_FL_COLLAPSE_RANGE,
  insert: FALLOC_FL_INSERT_RANGE,
  zero: FALLOC_FL_ZERO_RANGE,
  zeroKeep: FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
  // Two bad combinations, so the mode checks run on a live file too.
  punchNoKeep: FALLOC_FL_PUNCH_HOLE,
  collapseKeep: FALLOC_FL_COLLAPSE_RANGE | FALLOC_FL_KEEP_SIZE,
} as const;

/** A byte offset: page aligned, anywhere, or a few bytes either side of a page boundary. */
function offArb(maxPages: number, alignedWeight = 1): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.nat(maxPages).map((p) => p * P), weight: alignedWeight },
    { arbitrary: fc.nat(maxPages * P), weight: 1 },
    { arbitrary: fc.tuple(fc.nat(maxPages), fc.integer({ min: -2, max: 2 })).map(([p, d]) => Math.max(0, p * P + d)), weight: 1 },
  );
}

/** A byte length >= 1, same mix. */
function lenArb(maxPages: number, alignedWeight = 1): fc.Arbitrary<number> {
  return fc.oneof(
    { arbitrary: fc.integer({ min: 1, max: maxPages }).map((p) => p * P), weight: alignedWeight },
    { arbitrary: fc.integer({ min: 1, max: maxPages * P }), weight: 1 },
    { arbitrary: fc.tuple(fc.integer({ min: 1, max: maxPages }), fc.integer({ min: -2, max: 2 })).map(([p, d]) => Math.max(1, p * P + d)), weight: 1 },
  );
}

const task = fc.nat(1);
const file = fc.nat(2);

const cmdArb: fc.Arbitrary<Cmd> = fc.oneof(
  {
    weight: 5,
    arbitrary: fc.record({
      t: fc.constant('pwrite' as const),
      task,
      f: file,
      off: fc.oneof({ arbitrary: offArb(6), weight: 4 }, { arbitrary: offArb(20), weight: 1 }),
      len: fc.oneof({ arbitrary: lenArb(2), weight: 12 }, { arbitrary: lenArb(24), weight: 3 }, { arbitrary: fc.constant(0), weight: 1 }),
      seed: fc.nat(),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('truncate' as const), task, f: file, size: offArb(16), viaFd: fc.boolean() }) },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('falloc' as const),
      task,
      f: file,
      mode: fc.constantFrom(MODES.allocate, MODES.keepSize, MODES.punch, MODES.zero, MODES.zeroKeep),
      off: offArb(12),
      len: fc.oneof({ arbitrary: lenArb(12), weight: 3 }, { arbitrary: lenArb(32), weight: 1 }),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.record({
      t: fc.constant('falloc' as const),
      task,
      f: file,
      mode: fc.oneof(
        { arbitrary: fc.constantFrom(MODES.collapse, MODES.insert), weight: 10 },
        { arbitrary: fc.constantFrom(MODES.punchNoKeep, MODES.collapseKeep), weight: 1 },
      ),
      off: offArb(6, 6),
      len: lenArb(3, 6),
    }),
  },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('mmap' as const), task, f: file, pgoff: fc.nat(2), pages: fc.integer({ min: 1, max: 8 }), cover: fc.boolean(), trim: fc.oneof(fc.constant(0), fc.nat(P - 1)) }) },
  {
    weight: 4,
    arbitrary: fc.record({ t: fc.constant('store' as const), m: fc.nat(7), page: fc.nat(8), near: fc.boolean(), inOff: fc.oneof(fc.constant(0), fc.nat(P - 1)), len: fc.integer({ min: 1, max: P + P / 2 }), seed: fc.nat() }),
  },
  { weight: 3, arbitrary: fc.record({ t: fc.constant('load' as const), m: fc.nat(7), page: fc.nat(8), near: fc.boolean(), inOff: fc.oneof(fc.constant(0), fc.nat(P - 1)), len: fc.integer({ min: 1, max: 2 * P }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('munmap' as const), m: fc.nat(7), from: fc.nat(7), count: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('reopen' as const), task, f: file, trunc: fc.boolean() }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant('fill' as const), leave: fc.nat(3) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant('unfill' as const), from: fc.nat(40), count: fc.integer({ min: 1, max: 6 }) }) },
);

const configArb = fc.record({
  pmemPages: fc.oneof(fc.integer({ min: 32, max: 56 }), fc.integer({ min: 56, max: 96 })),
  preferRecentlyFreed: fc.boolean(),
  idleRefcount: fc.constantFrom(0 as const, 1 as const),
  fallocateModeCheck: fc.constantFrom<FallocateModeCheck>('v4', 'v6.12'),
  nFiles: fc.integer({ min: 2, max: 3 }),
});

/** Deterministic non-zero bytes (zero bytes would hide stale-data and lost-write bugs). */
function bytesFrom(seed: number, len: number): Uint8Array {
  const out = new Uint8Array(len);
  let x = (seed | 0) ^ 0x9e3779b9 || 1;
  for (let i = 0; i < len; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = 1 + ((x >>> 0) % 255);
  }
  return out;
}

// ---- the run ---------------------------------------------------------------------------------

type Expect<T> = { ok: true; value: T } | { ok: false; errno: Errno };

interface Mapping {
  readonly task: number;
  readonly f: number;
  readonly addr: number;
  readonly pages: number;
  readonly pgoff: number;
  readonly unmapped: boolean[];
}

/** What the property saw, to check afterwards that each interesting case really happened. */
const seen = {
  shortWrite: 0,
  writeEnospc: 0,
  fallocEnospc: 0,
  collapse: 0,
  insert: 0,
  collapseEinval: 0,
  insertEinval: 0,
  storeSigbusEof: 0,
  storeSigbusEnospc: 0,
  storePastEof: 0,
  storePastEofThenExtended: 0,
  loadOk: 0,
  loadPastEof: 0,
  sigsegv: 0,
  reusedBlock: 0,
};

function show(r: unknown): string {
  return JSON.stringify(r, (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v));
}

function check<T>(what: string, got: Expect<T>, want: Expect<T>): void {
  const same = got.ok ? want.ok && got.value === want.value : !want.ok && got.errno === want.errno;
  if (!same) throw new Error(`${what}: kernel returned ${show(got)}, reference expects ${show(want)}`);
}

function firstDiff(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

type Config = typeof configArb extends fc.Arbitrary<infer C> ? C : never;

async function runSequence(cfg: Config, cmds: Cmd[]): Promise<void> {
  const kernel = new Kernel({
    pmemPages: cfg.pmemPages,
    preferRecentlyFreed: cfg.preferRecentlyFreed,
    idleRefcount: cfg.idleRefcount,
    fallocateModeCheck: cfg.fallocateModeCheck,
  });
  const pids = [kernel.createTask({ name: 'a' }).pid, kernel.createTask({ name: 'b' }).pid];
  const paths: string[] = [];
  const refs: RefFile[] = [];
  const inodes: Inode[] = [];
  const fds: number[][] = [[], []]; // fds[task][file]
  for (let f = 0; f < cfg.nFiles; f++) {
    const path = `/d/f${f}`;
    const c = kernel.createFileAt(path);
    if (!c.ok) throw new Error(`createFileAt ${path}: ${c.errno}`);
    paths.push(path);
    refs.push(new RefFile());
    inodes.push(c.value);
    for (let t = 0; t < 2; t++) {
      const fd = await kernel.open(pids[t]!, path, O_RDWR);
      if (!fd.ok) throw new Error(`open ${path}: ${fd.errno}`);
      fds[t]![f] = fd.value;
    }
  }
  // The scratch file (index nFiles): only fill/unfill touch it; it is checked like the others.
  const scratch = cfg.nFiles;
  {
    const path = '/d/scratch';
    const c = kernel.createFileAt(path);
    if (!c.ok) throw new Error(`createFileAt ${path}: ${c.errno}`);
    paths.push(path);
    refs.push(new RefFile());
    inodes.push(c.value);
    const fd = await kernel.open(pids[0]!, path, O_RDWR);
    if (!fd.ok) throw new Error(`open ${path}: ${fd.errno}`);
    fds[0]![scratch] = fd.value;
  }
  const maps: Mapping[] = [];
  /** Files with bytes stored past EOF by mmap that a later extension must hide. */
  const pastEofStored = new Set<number>();
  const everFreed = new Set<number>();

  const free = (): number => kernel.sb.balloc.freeBlocks;
  const isHole = (f: number, blk: number): boolean => inodes[f]!.extents.lookup(blk) === null;
  const holesIn = (f: number, first: number, last: number): number => {
    let n = 0;
    for (const s of inodes[f]!.extents.segments(first, last - first + 1)) if (s.pblk < 0) n += s.len;
    return n;
  };
  const pagesOf = (size: number): number => Math.ceil(size / P);
  const noteExtend = (f: number, oldSize: number): void => {
    if (refs[f]!.size > oldSize && pastEofStored.delete(f)) seen.storePastEofThenExtended++;
  };
  const notePastEofGone = (f: number): void => {
    // A truncate to the same or a smaller size zeroes the rest of the new EOF block
    // (dax_truncate_page / ext4_block_truncate_page) or frees it.
    pastEofStored.delete(f);
  };
  /** The VMA page and the offset in it that a store or load aims at. */
  const pickSpot = (m: Mapping, cmd: { page: number; near: boolean; inOff: number }): { page: number; inOff: number } => {
    if (!cmd.near) return { page: cmd.page % m.pages, inOff: cmd.inOff };
    // Around EOF: the page before, the EOF page (starting just before EOF), or the page after.
    const size = refs[m.f]!.size;
    const rel = (cmd.page % 3) - 1;
    const page = Math.max(0, Math.min(m.pages - 1, pagesOf(size) - 1 - m.pgoff + rel));
    const inOff = rel === 0 && m.pgoff + page === pagesOf(size) - 1 ? Math.max(0, ((size - 1) % P) + 1 - (cmd.inOff % 32)) % P : cmd.inOff;
    return { page, inOff };
  };
  const mapped = (m: Mapping, page: number): boolean => page >= 0 && page < m.pages && !m.unmapped[page];

  const verify = async (step: number, cmd: Cmd): Promise<void> => {
    for (let f = 0; f <= scratch; f++) {
      const ref = refs[f]!;
      if (inodes[f]!.size !== ref.size) throw new Error(`after #${step} ${show(cmd)}: ${paths[f]} size ${inodes[f]!.size}, reference ${ref.size}`);
      const r = await kernel.pread(pids[0]!, fds[0]![f]!, ref.size + P, 0);
      if (!r.ok) throw new Error(`after #${step}: pread ${paths[f]}: ${r.errno}`);
      const at = firstDiff(r.value, ref.bytes());
      if (at >= 0) {
        throw new Error(
          `after #${step} ${show(cmd)}: ${paths[f]} differs at byte ${at} (block ${Math.floor(at / P)}): kernel ${r.value[at]} (${r.value.length} bytes), reference ${ref.bytes()[at]} (${ref.size} bytes)`,
        );
      }
    }
    const problems = fsck(kernel);
    if (problems.length > 0) throw new Error(`after #${step} ${show(cmd)}: fsck:\n  ${problems.join('\n  ')}`);
  };

  for (let step = 0; step < cmds.length; step++) {
    const cmd = cmds[step]!;
    const freeBefore = [...kernel.sb.balloc.freeList()];
    switch (cmd.t) {
      case 'pwrite': {
        const f = cmd.f % cfg.nFiles;
        const ref = refs[f]!;
        const data = bytesFrom(cmd.seed, cmd.len);
        let want: Expect<number>;
        if (cmd.len === 0) {
          want = { ok: true, value: 0 };
        } else {
          const first = Math.floor(cmd.off / P);
          const count = Math.floor((cmd.off + cmd.len - 1) / P) - first + 1;
          let avail = free();
          let got = 0;
          for (; got < count; got++) {
            if (isHole(f, first + got)) {
              if (avail === 0) break;
              avail--;
            }
          }
          const n = got === count ? cmd.len : Math.max(0, (first + got) * P - cmd.off);
          want = n === 0 ? { ok: false, errno: 'ENOSPC' } : { ok: true, value: n };
          if (n === 0) seen.writeEnospc++;
          else if (n < cmd.len) seen.shortWrite++;
        }
        const got = await kernel.pwrite(pids[cmd.task]!, fds[cmd.task]![f]!, data, cmd.off);
        check(`#${step} pwrite ${paths[f]} off=${cmd.off} len=${cmd.len} (free ${free()})`, got, want);
        if (got.ok) {
          const old = ref.size;
          ref.write(cmd.off, data.subarray(0, got.value));
          noteExtend(f, old);
        }
        break;
      }
      case 'truncate': {
        const f = cmd.f % cfg.nFiles;
        const got = cmd.viaFd ? await kernel.ftruncate(pids[cmd.task]!, fds[cmd.task]![f]!, cmd.size) : await kernel.truncate(pids[cmd.task]!, paths[f]!, cmd.size);
        check(`#${step} ${cmd.viaFd ? 'ftruncate' : 'truncate'} ${paths[f]} to ${cmd.size}`, got, { ok: true, value: 0 });
        const old = refs[f]!.size;
        refs[f]!.setSize(cmd.size);
        if (cmd.size > old) noteExtend(f, old);
        else notePastEofGone(f);
        break;
      }
      case 'falloc': {
        const f = cmd.f % cfg.nFiles;
        const ref = refs[f]!;
        const { mode, off, len } = cmd;
        const firstBlock = Math.floor(off / P);
        const lastBlock = Math.floor((off + len - 1) / P);
        const aligned = off % P === 0 && len % P === 0;
        let want: Expect<0> = { ok: true, value: 0 };
        let apply: () => void = () => {};
        switch (mode) {
          case MODES.allocate:
          case MODES.keepSize:
            if (holesIn(f, firstBlock, lastBlock) > free()) want = { ok: false, errno: 'ENOSPC' };
            else if (mode === MODES.allocate) apply = () => ref.setSize(Math.max(ref.size, off + len));
            break;
          case MODES.zero:
          case MODES.zeroKeep:
            if (holesIn(f, firstBlock, lastBlock) > free()) want = { ok: false, errno: 'ENOSPC' };
            else
              apply = () => {
                ref.zero(off, off + len);
                if (mode === MODES.zero) ref.setSize(Math.max(ref.size, off + len));
              };
            break;
          case MODES.punch:
            apply = () => ref.zero(off, off + len);
            break;
          case MODES.collapse:
            // ext4_collapse_range: alignment, then "offset + len >= i_size" ("use ftruncate").
            if (!aligned || off + len >= ref.size) {
              want = { ok: false, errno: 'EINVAL' };
              seen.collapseEinval++;
            } else {
              apply = () => ref.collapse(off, len);
              seen.collapse++;
            }
            break;
          case MODES.insert:
            // ext4_insert_range: alignment, EFBIG, then "offset >= i_size".
            if (!aligned || off >= ref.size) {
              want = { ok: false, errno: 'EINVAL' };
              seen.insertEinval++;
            } else {
              apply = () => ref.insert(off, len);
              seen.insert++;
            }
            break;
          case MODES.punchNoKeep:
            want = { ok: false, errno: 'EOPNOTSUPP' };
            break;
          case MODES.collapseKeep:
            want = { ok: false, errno: cfg.fallocateModeCheck === 'v4' ? 'EINVAL' : 'EOPNOTSUPP' };
            break;
          default:
            throw new Error(`unknown mode ${mode}`);
        }
        if (!want.ok && want.errno === 'ENOSPC') seen.fallocEnospc++;
        const got = await kernel.fallocate(pids[cmd.task]!, fds[cmd.task]![f]!, mode, off, len);
        check(`#${step} fallocate ${paths[f]} mode=0x${mode.toString(16)} off=${off} len=${len} (size ${ref.size}, free ${free()})`, got, want);
        const old = ref.size;
        apply();
        // Insert grows the file by moving the EOF block up whole: what lies past EOF moves too.
        if (ref.size > old && mode !== MODES.insert) noteExtend(f, old);
        break;
      }
      case 'mmap': {
        const f = cmd.f % cfg.nFiles;
        // Keep at most one wholly unmapped mapping around (for SIGSEGV) and at most 8 in all.
        const dead = maps.filter((m) => m.unmapped.every(Boolean));
        for (const d of dead.slice(0, -1)) maps.splice(maps.indexOf(d), 1);
        if (maps.length >= 8) break;
        const pages = cmd.cover ? Math.max(1, Math.min(48, pagesOf(refs[f]!.size) - cmd.pgoff + (cmd.pages % 3))) : cmd.pages;
        const length = pages * P - cmd.trim;
        const got = await kernel.mmap(pids[cmd.task]!, fds[cmd.task]![f]!, length, PROT_READ | PROT_WRITE, cmd.pgoff * P);
        if (!got.ok) throw new Error(`#${step} mmap: ${got.errno}`);
        maps.push({ task: cmd.task, f, addr: got.value, pages, pgoff: cmd.pgoff, unmapped: new Array<boolean>(pages).fill(false) });
        break;
      }
      case 'store': {
        if (maps.length === 0) break;
        const m = maps[cmd.m % maps.length]!;
        const ref = refs[m.f]!;
        const { page, inOff } = pickSpot(m, cmd);
        const addr = m.addr + page * P + inOff;
        const data = bytesFrom(cmd.seed, cmd.len);
        // Predict page by page, as the CPU walks it: the first failing page stops the store, and
        // the bytes before it have already landed.
        let avail = free();
        let done = 0;
        let fail: { sig: 'SIGBUS' | 'SIGSEGV'; addr: number } | null = null;
        const landed: { fileOff: number; from: number; to: number }[] = [];
        while (done < cmd.len) {
          const a = addr + done;
          const vpage = Math.floor((a - m.addr) / P);
          const n = Math.min(P - (a % P), cmd.len - done);
          if (!mapped(m, vpage)) {
            fail = { sig: 'SIGSEGV', addr: a };
            break;
          }
          const pgoff = m.pgoff + vpage;
          if (pgoff >= pagesOf(ref.size)) {
            fail = { sig: 'SIGBUS', addr: a };
            seen.storeSigbusEof++;
            break;
          }
          if (isHole(m.f, pgoff)) {
            if (avail === 0) {
              fail = { sig: 'SIGBUS', addr: a };
              seen.storeSigbusEnospc++;
              break;
            }
            avail--;
          }
          landed.push({ fileOff: pgoff * P + (a % P), from: done, to: done + n });
          done += n;
        }
        if (fail?.sig === 'SIGSEGV') seen.sigsegv++;
        const got = await kernel.store(pids[m.task]!, addr, data);
        const want = fail === null ? { ok: true, value: cmd.len } : { ok: false, ...fail };
        if (show(got) !== show(want)) throw new Error(`#${step} store ${cmd.len} bytes at map ${maps.indexOf(m)} page ${page}+${inOff} (${paths[m.f]} size ${ref.size}, free ${free()}): kernel ${show(got)}, reference ${show(want)}`);
        for (const l of landed) {
          // Bytes inside EOF land in the file; those past EOF in the last page are the
          // process's business and must never show up in the file.
          const inFile = Math.max(0, Math.min(l.to - l.from, ref.size - l.fileOff));
          if (inFile > 0) ref.write(l.fileOff, data.subarray(l.from, l.from + inFile));
          if (inFile < l.to - l.from) {
            pastEofStored.add(m.f);
            seen.storePastEof++;
          }
        }
        break;
      }
      case 'load': {
        if (maps.length === 0) break;
        const m = maps[cmd.m % maps.length]!;
        const ref = refs[m.f]!;
        const { page, inOff } = pickSpot(m, cmd);
        const addr = m.addr + page * P + inOff;
        let fail: { sig: 'SIGBUS' | 'SIGSEGV'; addr: number } | null = null;
        for (let done = 0; done < cmd.len; ) {
          const a = addr + done;
          const vpage = Math.floor((a - m.addr) / P);
          if (!mapped(m, vpage)) {
            fail = { sig: 'SIGSEGV', addr: a };
            break;
          }
          if (m.pgoff + vpage >= pagesOf(ref.size)) {
            fail = { sig: 'SIGBUS', addr: a };
            break;
          }
          done += Math.min(P - (a % P), cmd.len - done);
        }
        const got = await kernel.load(pids[m.task]!, addr, cmd.len);
        if (fail !== null) {
          if (fail.sig === 'SIGSEGV') seen.sigsegv++;
          if (show(got) !== show({ ok: false, ...fail })) throw new Error(`#${step} load: kernel ${show(got)}, reference ${show({ ok: false, ...fail })}`);
          break;
        }
        if (!got.ok) throw new Error(`#${step} load at map ${maps.indexOf(m)} page ${page}+${inOff} len ${cmd.len}: kernel ${show(got)}, reference expects success`);
        seen.loadOk++;
        // The bytes inside EOF are the file's. Past EOF in the last page, the page reads as
        // zeros (truncate and every extension zero it, as dax_truncate_page / the EOF zeroing
        // does) unless this file's mappings have stored there since.
        const fileOff = (m.pgoff + page) * P + inOff;
        const n = Math.max(0, Math.min(cmd.len, ref.size - fileOff));
        const at = firstDiff(got.value.subarray(0, n), ref.bytes().subarray(fileOff, fileOff + n));
        if (at >= 0) throw new Error(`#${step} load of ${paths[m.f]} at file offset ${fileOff + at}: kernel ${got.value[at]}, reference ${ref.bytes()[fileOff + at]}`);
        if (!pastEofStored.has(m.f)) {
          const tail = got.value.subarray(n);
          const nz = tail.findIndex((b) => b !== 0);
          if (nz >= 0) throw new Error(`#${step} load of ${paths[m.f]} at file offset ${fileOff + n + nz} (past EOF ${ref.size}): kernel ${tail[nz]}, expected 0`);
          if (tail.length > 0) seen.loadPastEof++;
        }
        break;
      }
      case 'munmap': {
        if (maps.length === 0) break;
        const m = maps[cmd.m % maps.length]!;
        const from = cmd.from % m.pages;
        const count = Math.min(cmd.count, m.pages - from);
        const got = await kernel.munmap(pids[m.task]!, m.addr + from * P, count * P);
        check(`#${step} munmap`, got, { ok: true, value: 0 });
        for (let i = from; i < from + count; i++) m.unmapped[i] = true;
        break;
      }
      case 'fill': {
        const n = free() - cmd.leave;
        if (n <= 0) break;
        const ref = refs[scratch]!;
        const got = await kernel.fallocate(pids[0]!, fds[0]![scratch]!, 0, ref.size, n * P);
        check(`#${step} fill: fallocate ${n} blocks`, got, { ok: true, value: 0 });
        ref.setSize(ref.size + n * P);
        break;
      }
      case 'unfill': {
        const ref = refs[scratch]!;
        const blocks = ref.size / P;
        if (blocks === 0) break;
        const from = cmd.from % blocks;
        const got = await kernel.fallocate(pids[0]!, fds[0]![scratch]!, MODES.punch, from * P, Math.min(cmd.count, blocks - from) * P);
        check(`#${step} unfill: punch`, got, { ok: true, value: 0 });
        break;
      }
      case 'reopen': {
        const f = cmd.f % cfg.nFiles;
        const pid = pids[cmd.task]!;
        check(`#${step} close`, await kernel.close(pid, fds[cmd.task]![f]!), { ok: true, value: 0 });
        const fd = await kernel.open(pid, paths[f]!, O_RDWR | (cmd.trunc ? O_TRUNC : 0) | O_CREAT);
        check(`#${step} reopen ${paths[f]}`, fd, { ok: true, value: fds[cmd.task]![f]! });
        if (cmd.trunc) {
          refs[f]!.setSize(0);
          notePastEofGone(f);
        }
        break;
      }
    }
    // Did this command hand out a block that was freed earlier (reuse across files/offsets)?
    for (const b of freeBefore) everFreed.add(b);
    for (const b of everFreed) {
      if (!kernel.sb.balloc.isFree(b)) {
        seen.reusedBlock++;
        everFreed.delete(b);
      }
    }
    await verify(step, cmd);
  }
}

describe('kernel model vs a byte-array reference', () => {
  it(
    'agrees on every byte, size and errno; fsck stays clean',
    async () => {
      await fc.assert(
        fc.asyncProperty(configArb, fc.array(cmdArb, { minLength: 1, maxLength: 80, size: 'max' }), async (cfg, cmds) => {
          await runSequence(cfg, cmds);
        }),
        { numRuns: NUM_RUNS },
      );
      if (process.env['MODEL_PROPERTY_RUNS'] !== undefined) console.log(seen);
      // The property must have exercised the interesting cases, or it proves little.
      for (const [k, v] of Object.entries(seen)) expect(v, `case ${k} never happened`).toBeGreaterThan(0);
    },
    Math.max(60_000, NUM_RUNS * 100),
  );
});
