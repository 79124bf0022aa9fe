/** Allocate the regions every actor of a run shares (before the kernel exists). */
import { Pmem } from '@leasebreak/model';
import { MR_TABLE_BYTES } from '@leasebreak/model';
import { NIC_REGION_BYTES, QP_REGION_BYTES, type RunSpec, type SharedRegions } from './types.js';

export function allocShared(spec: RunSpec): SharedRegions {
  const pmem = Pmem.create(spec.kernel.pmemPages, { idleRefcount: spec.kernel.idleRefcount ?? 1 });
  return {
    pmem: pmem.buffers,
    mrTable: new SharedArrayBuffer(MR_TABLE_BYTES),
    qps: spec.processes.map(() => new SharedArrayBuffer(QP_REGION_BYTES)),
    nic: new SharedArrayBuffer(NIC_REGION_BYTES),
  };
}
