/*
 * lockctl: fcntl (POSIX) byte-range locks for the kernel-client `locks` scenario. Built statically on the host
 * (gcc -static) and run in the guests from the share. Flag files (FLAG arguments, "-" for none) are created empty in
 * the share: over 9p their mtime is the host's clock, so the two guests' events can be compared.
 *
 *   lockctl hold FILE START LEN READY GO RELEASED
 *       F_SETLKW a write lock on [START, START+LEN) (LEN 0: to the end), create READY, wait until GO exists, create
 *       RELEASED, unlock. Exits 3 if GO does not appear within 900 s.
 *   lockctl try FILE START LEN
 *       F_GETLK, then F_SETLK of a write lock. Prints "locked" (exit 0, unlocked again) or "EAGAIN held by
 *       pid P type start len" (exit 1); any other error exits 2.
 *   lockctl wait FILE START LEN GOT
 *       F_SETLKW of a write lock; creates GOT as soon as it holds it, prints "waited MS ms", unlocks.
 *   lockctl count FILE N
 *       N times: open, write-lock the whole file (F_SETLKW), read the number, write number+1, unlock, close. Exits 4
 *       if it ever reads a number lower than the one it wrote last (a stale read). Prints "count N in MS ms, first A
 *       last B".
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000.0 + t.tv_nsec / 1e6;
}

static void flag(const char *path) {
    if (strcmp(path, "-") == 0) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { fprintf(stderr, "lockctl: cannot create %s: %s\n", path, strerror(errno)); exit(2); }
    close(fd);
}

static void sleep_ms(long ms) {
    struct timespec t = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&t, &t) < 0 && errno == EINTR) { }
}

static int setlk(int fd, int cmd, short type, off_t start, off_t len) {
    struct flock fl = {0};
    fl.l_type = type;
    fl.l_whence = SEEK_SET;
    fl.l_start = start;
    fl.l_len = len;
    return fcntl(fd, cmd, &fl);
}

static int open_file(const char *path) {
    int fd = open(path, O_RDWR | O_CREAT, 0644);
    if (fd < 0) { fprintf(stderr, "lockctl: open %s: %s\n", path, strerror(errno)); exit(2); }
    return fd;
}

static int usage(void) {
    fprintf(stderr, "usage: lockctl hold FILE START LEN READY GO RELEASED | try FILE START LEN | "
                    "wait FILE START LEN GOT | count FILE N\n");
    return 2;
}

int main(int argc, char **argv) {
    setvbuf(stdout, NULL, _IONBF, 0);
    if (argc < 3) return usage();
    const char *mode = argv[1], *path = argv[2];
    if (strcmp(mode, "hold") == 0 && argc == 8) {
        int fd = open_file(path);
        if (setlk(fd, F_SETLKW, F_WRLCK, atoll(argv[3]), atoll(argv[4])) < 0) {
            fprintf(stderr, "lockctl: hold: F_SETLKW: %s\n", strerror(errno));
            return 2;
        }
        flag(argv[5]);
        struct stat st;
        double t0 = now_ms();
        while (stat(argv[6], &st) < 0) {
            if (now_ms() - t0 > 900000) { fprintf(stderr, "lockctl: hold: %s never appeared\n", argv[6]); return 3; }
            sleep_ms(50);
        }
        flag(argv[7]);
        if (setlk(fd, F_SETLK, F_UNLCK, atoll(argv[3]), atoll(argv[4])) < 0) {
            fprintf(stderr, "lockctl: hold: unlock: %s\n", strerror(errno));
            return 2;
        }
        close(fd);
        return 0;
    }
    if (strcmp(mode, "try") == 0 && argc == 5) {
        int fd = open_file(path);
        off_t start = atoll(argv[3]), len = atoll(argv[4]);
        struct flock q = {0};
        q.l_type = F_WRLCK;
        q.l_whence = SEEK_SET;
        q.l_start = start;
        q.l_len = len;
        if (fcntl(fd, F_GETLK, &q) < 0) { printf("F_GETLK: %s\n", strerror(errno)); return 2; }
        if (setlk(fd, F_SETLK, F_WRLCK, start, len) == 0) {
            printf("locked%s\n", q.l_type == F_UNLCK ? "" : " (but F_GETLK reported a holder)");
            setlk(fd, F_SETLK, F_UNLCK, start, len);
            return q.l_type == F_UNLCK ? 0 : 2;
        }
        if (errno == EAGAIN || errno == EACCES) {
            printf("EAGAIN held by pid %d %s %lld %lld\n", (int) q.l_pid,
                   q.l_type == F_WRLCK ? "write" : q.l_type == F_RDLCK ? "read" : "(F_GETLK: none)",
                   (long long) q.l_start, (long long) q.l_len);
            return 1;
        }
        printf("F_SETLK: %s\n", strerror(errno));
        return 2;
    }
    if (strcmp(mode, "wait") == 0 && argc == 6) {
        int fd = open_file(path);
        off_t start = atoll(argv[3]), len = atoll(argv[4]);
        double t0 = now_ms();
        if (setlk(fd, F_SETLKW, F_WRLCK, start, len) < 0) {
            printf("F_SETLKW: %s after %.0f ms\n", strerror(errno), now_ms() - t0);
            return 2;
        }
        flag(argv[5]);
        printf("waited %.0f ms\n", now_ms() - t0);
        setlk(fd, F_SETLK, F_UNLCK, start, len);
        close(fd);
        return 0;
    }
    if (strcmp(mode, "count") == 0 && argc == 4) {
        long n = atol(argv[3]), first = -1, last = -1, mine = -1;
        double t0 = now_ms();
        for (long i = 0; i < n; i++) {
            int fd = open(path, O_RDWR);
            if (fd < 0) { printf("open %s: %s at %ld\n", path, strerror(errno), i); return 2; }
            if (setlk(fd, F_SETLKW, F_WRLCK, 0, 0) < 0) {
                printf("F_SETLKW: %s at %ld\n", strerror(errno), i);
                return 2;
            }
            char buf[32] = {0};
            ssize_t r = pread(fd, buf, sizeof buf - 1, 0);
            if (r < 0) { printf("read: %s at %ld\n", strerror(errno), i); return 2; }
            char *end;
            long v = strtol(buf, &end, 10);
            if (end == buf || *end != '\n') { printf("not a number: '%s' at %ld\n", buf, i); return 2; }
            if (v < mine) { printf("stale read: %ld after writing %ld (iteration %ld)\n", v, mine, i); return 4; }
            if (first < 0) first = v;
            int len = snprintf(buf, sizeof buf, "%ld\n", v + 1);
            if (pwrite(fd, buf, len, 0) != len) { printf("write: %s at %ld\n", strerror(errno), i); return 2; }
            mine = last = v + 1;
            if (setlk(fd, F_SETLK, F_UNLCK, 0, 0) < 0) { printf("unlock: %s at %ld\n", strerror(errno), i); return 2; }
            if (close(fd) < 0) { printf("close: %s at %ld\n", strerror(errno), i); return 2; }
        }
        printf("count %ld in %.0f ms, first %ld last %ld\n", n, now_ms() - t0, first, last);
        return 0;
    }
    return usage();
}
