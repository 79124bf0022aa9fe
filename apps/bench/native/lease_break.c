/*
 * The host kernel's own lease break, measured the way leasebreak measures its model:
 * a holder process takes an F_RDLCK lease on a tmpfs file and releases it (F_UNLCK) from its
 * SIGIO handler; a breaker opens the file O_WRONLY and times the open, then closes it and tells
 * the holder, which re-takes the lease only then (as the model's bench programs do: a re-take
 * racing the close finds the file still open for write, EAGAIN, and on one CPU its retries run
 * ahead of the breaker's wake-up). One line of output:
 *   <n> <p50_ns> <p99_ns> <max_ns> <holder_cpu> <breaker_cpu>
 * Usage: lease_break PATH N SAME_CPU(0|1)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t lease_fd = -1;
static volatile sig_atomic_t released = 0;

static void on_sigio(int sig) {
  (void)sig;
  fcntl(lease_fd, F_SETLEASE, F_UNLCK);
  released = 1;
}

static long long now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  sched_setaffinity(0, sizeof set, &set);
}

static int cmp(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s PATH N SAME_CPU\n", argv[0]);
    return 2;
  }
  const char *path = argv[1];
  int n = atoi(argv[2]);
  int same = atoi(argv[3]);
  int ncpu = (int)sysconf(_SC_NPROCESSORS_ONLN);
  int fdc = open(path, O_CREAT | O_RDWR | O_TRUNC, 0644);
  if (fdc < 0) { perror("open"); return 1; }
  close(fdc);
  int ready[2], closed[2], hcpu[2];
  if (pipe(ready) || pipe(closed) || pipe(hcpu)) { perror("pipe"); return 1; }
  pid_t holder = fork();
  if (holder == 0) {
    pin_to(0);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigio; /* no SA_RESTART, as leasebreak's handlers */
    sigaction(SIGIO, &sa, NULL);
    /* SIGIO stays blocked except inside sigsuspend: a break that lands between the check and
     * the wait is taken by sigsuspend, not lost (pause() after the check would sleep for ever). */
    sigset_t sigio, waitmask;
    sigemptyset(&sigio);
    sigaddset(&sigio, SIGIO);
    sigprocmask(SIG_BLOCK, &sigio, &waitmask);
    sigdelset(&waitmask, SIGIO);
    int fd = open(path, O_RDONLY);
    lease_fd = fd;
    int cpu = sched_getcpu();
    if (write(hcpu[1], &cpu, sizeof cpu) != sizeof cpu) return 1;
    for (int i = 0; i < n; i++) {
      released = 0;
      while (fcntl(fd, F_SETLEASE, F_RDLCK) < 0) {
        if (errno != EAGAIN) { perror("F_SETLEASE"); return 1; }
        sched_yield();
      }
      char c = 1;
      if (write(ready[1], &c, 1) != 1) return 1;
      /* Wait for the break: the handler releases. (Not F_GETLEASE: while a break is pending it
       * already answers F_UNLCK, the target type, before anyone has released anything.) */
      while (!released) sigsuspend(&waitmask);
      /* Re-take only once the breaker has closed its fd. */
      if (read(closed[0], &c, 1) != 1) return 1;
    }
    return 0;
  }
  pin_to(same ? 0 : (ncpu > 1 ? 1 : 0));
  int hc = -1;
  if (read(hcpu[0], &hc, sizeof hc) != sizeof hc) return 1;
  long long *lat = calloc((size_t)n, sizeof *lat);
  for (int i = 0; i < n; i++) {
    char c;
    if (read(ready[0], &c, 1) != 1) return 1;
    long long t0 = now_ns();
    int fd = open(path, O_WRONLY);
    long long t1 = now_ns();
    if (fd < 0) { perror("breaker open"); return 1; }
    lat[i] = t1 - t0;
    close(fd);
    if (write(closed[1], &c, 1) != 1) return 1;
  }
  waitpid(holder, NULL, 0);
  int skip = n / 10;
  qsort(lat + skip, (size_t)(n - skip), sizeof *lat, cmp);
  int m = n - skip;
  printf("%d %lld %lld %lld %d %d\n", m, lat[skip + m / 2], lat[skip + (m * 99) / 100], lat[n - 1], hc, sched_getcpu());
  unlink(path);
  return 0;
}
