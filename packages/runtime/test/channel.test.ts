import { describe, expect, it } from 'vitest';
import { Channel, newChannel } from '../src/threads/channel.js';

describe('syscall channel encoding', () => {
  const ch = new Channel(newChannel());
  const roundTrip = (m: unknown): unknown => {
    ch.write(m);
    return ch.read();
  };
  it('numbers-only syscalls and plain answers survive the binary path exactly', () => {
    expect(roundTrip({ op: 'null' })).toEqual({ op: 'null' });
    expect(roundTrip({ op: 'fallocate', fd: 3, mode: 0x20, offset: 2 ** 40, length: 4096 })).toEqual({ op: 'fallocate', fd: 3, mode: 0x20, offset: 2 ** 40, length: 4096 });
    expect(roundTrip({ op: 'mmap', fd: 3, length: 8192 })).toEqual({ op: 'mmap', fd: 3, length: 8192 });
    expect(roundTrip({ op: 'nic_fault', key: 257, page: 2, write: true })).toEqual({ op: 'nic_fault', key: 257, page: 2, write: true });
    expect(roundTrip({ ret: 0x7f0000000000, errno: null, killed: null, handlers: [] })).toEqual({ ret: 0x7f0000000000, errno: null, killed: null, handlers: [] });
    expect(roundTrip({ ret: -1, errno: 'EAGAIN', killed: null, handlers: [] })).toEqual({ ret: -1, errno: 'EAGAIN', killed: null, handlers: [] });
  });
  it('anything else goes as JSON, bytes included', () => {
    expect(roundTrip({ op: 'open', path: '/pmem/a', flags: 2 })).toEqual({ op: 'open', path: '/pmem/a', flags: 2 });
    const r = roundTrip({ op: 'pwrite', fd: 3, data: new Uint8Array([1, 2, 255]), offset: 0 }) as { data: Uint8Array };
    expect(Array.from(r.data)).toEqual([1, 2, 255]);
    const h = { ret: 0, errno: null, killed: null, handlers: [{ signo: 29, fd: null, code: 'POLL_MSG', fromPid: 101, atNs: 5 }] };
    expect(roundTrip(h)).toEqual(h);
    expect(roundTrip({ ret: 3, errno: null, killed: 'SIGIO', handlers: [] })).toEqual({ ret: 3, errno: null, killed: 'SIGIO', handlers: [] });
  });
});
