/** fcntl(2) command numbers (include/uapi/asm-generic/fcntl.h, include/uapi/linux/fcntl.h). */
export const F_DUPFD = 0;
export const F_GETFD = 1;
export const F_SETFD = 2;
export const F_GETFL = 3;
export const F_SETFL = 4;
export const F_SETOWN = 8;
export const F_GETOWN = 9;
export const F_SETSIG = 10;
export const F_GETSIG = 11;
export const F_SETLEASE = 1024;
export const F_GETLEASE = 1025;

export const FCNTL_CMDS: Readonly<Record<string, number>> = { F_GETFL, F_SETFL, F_SETSIG, F_GETSIG, F_SETLEASE, F_GETLEASE };
