import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** RDMA on-demand paging: MRs hold no pins; layout changes invalidate the NIC's translations, which refault by file offset. */
export const odp: Policy = {
  name: 'odp',
  summary:
    "RDMA on-demand paging: MRs hold no pins; layout changes invalidate the NIC's translations, which refault by file offset.",
  // ODP is today's answer (a current kernel): the v6.15 refcount rules apply to the pins that remain (direct I/O).
  knobs: { ...LINUX_DEFAULT_KNOBS, idleRefcount: 0, skipWaitWhenUnmapped: false },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR, odp: true,
  fallocateModeCheck: 'v6.12',
};
