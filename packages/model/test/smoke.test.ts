import { describe, expect, it } from 'vitest';
import { Kernel, O_CREAT, O_RDWR, fsck } from '../src/index.js';

describe('kernel smoke', () => {
  it('writes, reads back, truncates and stays consistent', async () => {
    const k = new Kernel({ pmemPages: 64 });
    const t = k.createTask({ uid: 0 });
    const fd = await k.open(t.pid, '/f', O_CREAT | O_RDWR);
    expect(fd).toEqual({ ok: true, value: 3 });
    if (!fd.ok) return;
    const w = await k.pwrite(t.pid, fd.value, new TextEncoder().encode('hello'), 5000);
    expect(w).toEqual({ ok: true, value: 5 });
    const r = await k.pread(t.pid, fd.value, 10, 4998);
    expect(r.ok && Array.from(r.value)).toEqual([0, 0, 104, 101, 108, 108, 111]);
    expect(await k.ftruncate(t.pid, fd.value, 5001)).toEqual({ ok: true, value: 0 });
    expect(fsck(k)).toEqual([]);
  });
});
