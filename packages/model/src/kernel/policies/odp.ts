import { EXT4_419_BEHAVIOUR, LINUX_DEFAULT_KNOBS, type Policy } from './defaults.js';

/** RDMA on-demand paging: MRs hold no pins; layout changes invalidate the NIC's translations, which refault by file offset. */
export const odp: Policy = {
  name: 'odp',
  summary:
    "RDMA on-demand paging: MRs hold no pins; layout changes invalidate the NIC's translations, which refault by file offset.",
  knobs: { ...LINUX_DEFAULT_KNOBS },
  layoutLeasesFcntl: false,
  ...EXT4_419_BEHAVIOUR, odp: true,
  fallocateModeCheck: 'v6.12',
};
