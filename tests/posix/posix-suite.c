/*
 * posix-suite: a small POSIX file-system conformance suite for Regatta.
 *
 * Usage: posix-suite DIR [KNOWN-DIFFERENCES-FILE]
 *        posix-suite --list
 *
 * Creates a fresh subdirectory of DIR and runs every test in its own
 * sub-subdirectory, each in a forked child (so umask, cwd and crashes stay
 * contained). Prints "PASS name" or "FAIL name: message" per test and
 * "posix: N/M passed" at the end. Exit 0 when every failure is listed in the
 * known-differences file, 1 otherwise. Must run as root (chown and the
 * non-root checks switch to uid/gid 65534 in forked children).
 *
 * Written from scratch for Regatta; plain C11 + POSIX (+ a few Linux
 * definitions such as makedev and setgroups).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define NOBODY 65534
#define OTHER_UID 1234
#define OTHER_GID 4321
#define TEST_TIMEOUT 300

/* ------------------------------------------------------------------ */
/* failure reporting                                                    */

static int msgfd = 2; /* where a failing test writes its message */

static const char *en(int e)
{
    switch (e) {
    case 0: return "no error";
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case ENXIO: return "ENXIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case EXDEV: return "EXDEV";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL";
    case ENFILE: return "ENFILE";
    case EMFILE: return "EMFILE";
    case ETXTBSY: return "ETXTBSY";
    case EFBIG: return "EFBIG";
    case ENOSPC: return "ENOSPC";
    case ESPIPE: return "ESPIPE";
    case EROFS: return "EROFS";
    case EMLINK: return "EMLINK";
    case EPIPE: return "EPIPE";
    case ERANGE: return "ERANGE";
    case ENAMETOOLONG: return "ENAMETOOLONG";
    case ENOSYS: return "ENOSYS";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case EOPNOTSUPP: return "EOPNOTSUPP";
    case ESTALE: return "ESTALE";
    case EDQUOT: return "EDQUOT";
    case ETIMEDOUT: return "ETIMEDOUT";
    case EREMOTEIO: return "EREMOTEIO";
    case EOVERFLOW: return "EOVERFLOW";
    case ENOTSOCK: return "ENOTSOCK";
    case EADDRINUSE: return "EADDRINUSE";
    default: {
        static char buf[32];
        snprintf(buf, sizeof buf, "errno %d", e);
        return buf;
    }
    }
}

static void failf(const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 2, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if (n > (int)sizeof buf - 3)
        n = (int)sizeof buf - 3;
    buf[n++] = '\n';
    if (write(msgfd, buf, (size_t)n) < 0) {
        /* nothing sensible to do */
    }
}

/* The call must succeed (return >= 0). Works for fd-returning calls too. */
#define OK(call)                                                              \
    do {                                                                      \
        errno = 0;                                                            \
        if ((long)(call) < 0) {                                               \
            failf("%s: expected success, got -1 (%s) [line %d]", #call,       \
                  en(errno), __LINE__);                                       \
            return 1;                                                         \
        }                                                                     \
    } while (0)

/* The call must fail with errno e1 or e2. */
#define ERR2(call, e1, e2)                                                    \
    do {                                                                      \
        errno = 0;                                                            \
        long r_ = (long)(call);                                               \
        int e_ = errno;                                                       \
        if (r_ != -1) {                                                       \
            failf("%s: expected -1 (%s), got %ld (success) [line %d]", #call, \
                  en(e1), r_, __LINE__);                                      \
            return 1;                                                         \
        }                                                                     \
        if (e_ != (e1) && e_ != (e2)) {                                       \
            failf("%s: expected %s, got -1 (%s) [line %d]", #call, en(e1),    \
                  en(e_), __LINE__);                                          \
            return 1;                                                         \
        }                                                                     \
    } while (0)
#define ERR(call, e) ERR2(call, e, e)

#define CHECK(cond, ...)                                                      \
    do {                                                                      \
        if (!(cond)) {                                                        \
            failf(__VA_ARGS__);                                               \
            return 1;                                                         \
        }                                                                     \
    } while (0)

/* ------------------------------------------------------------------ */
/* helpers                                                              */

static int put(const char *path, const char *data, mode_t mode)
{
    int fd = open(path, O_CREAT | O_WRONLY | O_TRUNC, mode);
    if (fd < 0) {
        failf("open(%s, O_CREAT|O_WRONLY|O_TRUNC): expected success, got %s",
              path, en(errno));
        return -1;
    }
    size_t len = strlen(data);
    ssize_t w = write(fd, data, len);
    if (w != (ssize_t)len) {
        failf("write(%s, %zu bytes): expected %zu, got %zd (%s)", path, len,
              len, w, en(errno));
        close(fd);
        return -1;
    }
    if (close(fd) < 0) {
        failf("close(%s): expected success, got %s", path, en(errno));
        return -1;
    }
    return 0;
}
#define PUT(path, data) OK(put(path, data, 0644))

/* Reads a whole (small) file into buf; returns length or -1. */
static ssize_t get(const char *path, char *buf, size_t cap)
{
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        failf("open(%s, O_RDONLY): expected success, got %s", path,
              en(errno));
        return -1;
    }
    size_t n = 0;
    for (;;) {
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0) {
            failf("read(%s): expected success, got %s", path, en(errno));
            close(fd);
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
        if (n == cap - 1)
            break;
    }
    buf[n] = 0;
    close(fd);
    return (ssize_t)n;
}

#define EXPECT_CONTENT(path, want)                                            \
    do {                                                                      \
        char gb_[8192];                                                       \
        if (get(path, gb_, sizeof gb_) < 0)                                   \
            return 1;                                                         \
        CHECK(strcmp(gb_, want) == 0,                                         \
              "content of %s: expected \"%s\", got \"%.200s\" [line %d]",     \
              path, want, gb_, __LINE__);                                     \
    } while (0)

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

static int ts_cmp(struct timespec a, struct timespec b)
{
    if (a.tv_sec != b.tv_sec)
        return a.tv_sec < b.tv_sec ? -1 : 1;
    if (a.tv_nsec != b.tv_nsec)
        return a.tv_nsec < b.tv_nsec ? -1 : 1;
    return 0;
}

/* Waits long enough that any file-system clock has visibly moved on. */
static void tick(void)
{
    struct timespec d = {1, 100 * 1000 * 1000};
    while (nanosleep(&d, &d) < 0 && errno == EINTR)
        ;
}

#define TS_GT(label, now, before)                                             \
    CHECK(ts_cmp(now, before) > 0,                                            \
          "%s: expected to advance, stayed %lld.%09ld (was %lld.%09ld)",      \
          label, (long long)(now).tv_sec, (long)(now).tv_nsec,                \
          (long long)(before).tv_sec, (long)(before).tv_nsec)
#define TS_EQ(label, now, before)                                             \
    CHECK(ts_cmp(now, before) == 0,                                           \
          "%s: expected unchanged %lld.%09ld, got %lld.%09ld", label,         \
          (long long)(before).tv_sec, (long)(before).tv_nsec,                 \
          (long long)(now).tv_sec, (long)(now).tv_nsec)

/* Lists the names in dir (without . and .., and without .nfs* silly-renamed
 * files when skip_nfs) into names[] (each malloc'ed); returns count or -1. */
static int list_dir(const char *dir, char **names, int cap, int skip_nfs)
{
    DIR *d = opendir(dir);
    if (!d) {
        failf("opendir(%s): expected success, got %s", dir, en(errno));
        return -1;
    }
    int n = 0;
    struct dirent *de;
    errno = 0;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (skip_nfs && !strncmp(de->d_name, ".nfs", 4))
            continue;
        if (n < cap)
            names[n] = strdup(de->d_name);
        n++;
    }
    int e = errno;
    closedir(d);
    if (e) {
        failf("readdir(%s): expected success, got %s", dir, en(e));
        return -1;
    }
    return n;
}

static void free_names(char **names, int n)
{
    for (int i = 0; i < n; i++)
        free(names[i]);
}

/* Runs fn in a forked child with the given uid/gid and no supplementary
 * groups; returns fn's result (0 ok). */
static int as_user(uid_t uid, gid_t gid, int (*fn)(void))
{
    pid_t pid = fork();
    if (pid < 0) {
        failf("fork: %s", en(errno));
        return 1;
    }
    if (pid == 0) {
        alarm(TEST_TIMEOUT); /* alarms are not inherited across fork */
        if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0) {
            failf("switching to uid %d gid %d: %s", (int)uid, (int)gid,
                  en(errno));
            _exit(1);
        }
        _exit(fn() ? 1 : 0);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return 1;
    if (WIFSIGNALED(status)) {
        failf("child as uid %d killed by signal %d", (int)uid,
              WTERMSIG(status));
        return 1;
    }
    return WEXITSTATUS(status);
}
#define AS_NOBODY(fn) CHECK(as_user(NOBODY, NOBODY, fn) == 0, "%s", "")

/* A directory the nobody user may write in. */
#define WORLD_DIR(path)                                                       \
    do {                                                                      \
        OK(mkdir(path, 0777));                                                \
        OK(chmod(path, 0777));                                                \
    } while (0)

/* ------------------------------------------------------------------ */
/* open / creat flags                                                   */

static int t_open_creat(void)
{
    int fd;
    struct stat st;
    OK(fd = open("f", O_CREAT | O_WRONLY, 0644));
    OK(fstat(fd, &st));
    CHECK(S_ISREG(st.st_mode) && st.st_size == 0,
          "new file: expected regular file of size 0, got mode %o size %lld",
          st.st_mode, (long long)st.st_size);
    OK(close(fd));
    OK(stat("f", &st));
    return 0;
}

static int t_open_creat_existing_keeps_data(void)
{
    int fd;
    PUT("f", "hello");
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    OK(close(fd));
    EXPECT_CONTENT("f", "hello");
    return 0;
}

static int t_open_excl_existing(void)
{
    PUT("f", "x");
    ERR(open("f", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    return 0;
}

static int t_open_excl_new(void)
{
    int fd;
    OK(fd = open("f", O_CREAT | O_EXCL | O_WRONLY, 0600));
    OK(close(fd));
    CHECK(exists("f"), "O_CREAT|O_EXCL: expected file to exist, it does not");
    return 0;
}

static int t_open_excl_dangling_symlink(void)
{
    OK(symlink("nowhere", "l"));
    ERR(open("l", O_CREAT | O_EXCL | O_WRONLY, 0644), EEXIST);
    CHECK(!exists("nowhere"),
          "O_EXCL on dangling symlink: expected target not created");
    return 0;
}

static int t_open_trunc(void)
{
    int fd;
    struct stat st;
    PUT("f", "some content");
    OK(fd = open("f", O_WRONLY | O_TRUNC));
    OK(fstat(fd, &st));
    CHECK(st.st_size == 0, "O_TRUNC: expected size 0, got %lld",
          (long long)st.st_size);
    OK(close(fd));
    OK(stat("f", &st));
    CHECK(st.st_size == 0, "O_TRUNC: expected size 0 after close, got %lld",
          (long long)st.st_size);
    return 0;
}

static int t_open_rdonly_write_ebadf(void)
{
    int fd;
    PUT("f", "abc");
    OK(fd = open("f", O_RDONLY));
    ERR(write(fd, "x", 1), EBADF);
    OK(close(fd));
    EXPECT_CONTENT("f", "abc");
    return 0;
}

static int t_open_wronly_read_ebadf(void)
{
    int fd;
    char c;
    PUT("f", "abc");
    OK(fd = open("f", O_WRONLY));
    ERR(read(fd, &c, 1), EBADF);
    OK(close(fd));
    return 0;
}

static int t_open_directory_on_file(void)
{
    PUT("f", "x");
    ERR(open("f", O_RDONLY | O_DIRECTORY), ENOTDIR);
    return 0;
}

static int t_open_nofollow_symlink(void)
{
    PUT("f", "x");
    OK(symlink("f", "l"));
    ERR(open("l", O_RDONLY | O_NOFOLLOW), ELOOP);
    return 0;
}

static int t_open_noent(void)
{
    ERR(open("missing", O_RDONLY), ENOENT);
    ERR(open("nodir/f", O_CREAT | O_WRONLY, 0644), ENOENT);
    return 0;
}

static int t_open_dir_for_write(void)
{
    OK(mkdir("d", 0755));
    ERR(open("d", O_WRONLY), EISDIR);
    ERR(open("d", O_RDWR), EISDIR);
    return 0;
}

static int t_path_through_file_enotdir(void)
{
    PUT("f", "x");
    ERR(open("f/x", O_CREAT | O_WRONLY, 0644), ENOTDIR);
    struct stat st;
    ERR(stat("f/x", &st), ENOTDIR);
    ERR(mkdir("f/d", 0755), ENOTDIR);
    return 0;
}

static int t_read_at_eof(void)
{
    int fd;
    char buf[16];
    PUT("f", "abc");
    OK(fd = open("f", O_RDONLY));
    CHECK(read(fd, buf, sizeof buf) == 3, "first read: expected 3 bytes");
    ssize_t r = read(fd, buf, sizeof buf);
    CHECK(r == 0, "read at EOF: expected 0, got %zd (%s)", r, en(errno));
    OK(close(fd));
    return 0;
}

/* ------------------------------------------------------------------ */
/* O_APPEND                                                             */

static int t_append_after_lseek(void)
{
    int fd;
    PUT("f", "0123456789");
    OK(fd = open("f", O_WRONLY | O_APPEND));
    OK(lseek(fd, 0, SEEK_SET));
    CHECK(write(fd, "AB", 2) == 2, "append write: expected 2 bytes");
    off_t pos = lseek(fd, 0, SEEK_CUR);
    CHECK(pos == 12, "offset after O_APPEND write: expected 12, got %lld",
          (long long)pos);
    OK(lseek(fd, 3, SEEK_SET));
    CHECK(write(fd, "CD", 2) == 2, "append write: expected 2 bytes");
    OK(close(fd));
    EXPECT_CONTENT("f", "0123456789ABCD");
    return 0;
}

static int t_append_two_fds(void)
{
    int a, b;
    PUT("f", "");
    OK(a = open("f", O_WRONLY | O_APPEND));
    OK(b = open("f", O_WRONLY | O_APPEND));
    for (int i = 0; i < 5; i++) {
        CHECK(write(a, "a", 1) == 1, "write via fd a failed (%s)", en(errno));
        CHECK(write(b, "bb", 2) == 2, "write via fd b failed (%s)",
              en(errno));
    }
    OK(close(a));
    OK(close(b));
    EXPECT_CONTENT("f", "abbabbabbabbabb");
    return 0;
}

static int t_append_with_plain_writer(void)
{
    int a, w;
    PUT("f", "xxxx");
    OK(w = open("f", O_WRONLY));
    OK(a = open("f", O_WRONLY | O_APPEND));
    CHECK(pwrite(w, "0123456789", 10, 0) == 10, "pwrite failed (%s)",
          en(errno));
    CHECK(write(a, "Z", 1) == 1, "append write failed (%s)", en(errno));
    OK(close(a));
    OK(close(w));
    EXPECT_CONTENT("f", "0123456789Z");
    return 0;
}

/* ------------------------------------------------------------------ */
/* rename                                                               */

static int t_rename_file_over_file(void)
{
    struct stat sa, sb, st;
    PUT("a", "new");
    PUT("b", "old-content");
    OK(stat("a", &sa));
    OK(stat("b", &sb));
    OK(rename("a", "b"));
    ERR(stat("a", &st), ENOENT);
    OK(stat("b", &st));
    CHECK(st.st_ino == sa.st_ino,
          "rename a->b: expected b to have a's inode %llu, got %llu",
          (unsigned long long)sa.st_ino, (unsigned long long)st.st_ino);
    CHECK(st.st_nlink == 1, "replaced file: expected nlink 1, got %lu",
          (unsigned long)st.st_nlink);
    EXPECT_CONTENT("b", "new");
    char *names[8];
    int n = list_dir(".", names, 8, 1);
    CHECK(n >= 0, "listing failed");
    int ok = n == 1 && !strcmp(names[0], "b");
    free_names(names, n < 8 ? n : 8);
    CHECK(ok, "after rename over file: expected only \"b\" in dir, got %d "
              "entries", n);
    return 0;
}

static int t_rename_replace_seen_by_open_fd(void)
{
    /* an fd open on the replaced file still sees the old data */
    int fd;
    char buf[32] = {0};
    PUT("a", "new");
    PUT("b", "old");
    OK(fd = open("b", O_RDONLY));
    OK(rename("a", "b"));
    CHECK(read(fd, buf, sizeof buf - 1) == 3 && !strcmp(buf, "old"),
          "fd open on replaced file: expected \"old\", got \"%s\" (%s)", buf,
          en(errno));
    OK(close(fd));
    EXPECT_CONTENT("b", "new");
    return 0;
}

static int t_rename_dir_over_empty_dir(void)
{
    OK(mkdir("a", 0755));
    PUT("a/f", "x");
    OK(mkdir("b", 0755));
    OK(rename("a", "b"));
    CHECK(!exists("a"), "rename dir: expected source gone");
    EXPECT_CONTENT("b/f", "x");
    return 0;
}

static int t_rename_dir_over_nonempty_dir(void)
{
    OK(mkdir("a", 0755));
    OK(mkdir("b", 0755));
    PUT("b/f", "x");
    ERR2(rename("a", "b"), ENOTEMPTY, EEXIST);
    CHECK(exists("a") && exists("b/f"), "failed rename: expected no change");
    return 0;
}

static int t_rename_file_over_dir(void)
{
    PUT("f", "x");
    OK(mkdir("d", 0755));
    ERR(rename("f", "d"), EISDIR);
    return 0;
}

static int t_rename_dir_over_file(void)
{
    PUT("f", "x");
    OK(mkdir("d", 0755));
    ERR(rename("d", "f"), ENOTDIR);
    return 0;
}

static int t_rename_to_itself(void)
{
    PUT("f", "x");
    OK(rename("f", "f"));
    EXPECT_CONTENT("f", "x");
    OK(mkdir("d", 0755));
    OK(rename("d", "d"));
    CHECK(exists("d"), "rename dir to itself: expected dir to remain");
    return 0;
}

static int t_rename_hardlinks_same_inode(void)
{
    /* POSIX: renaming one link onto another link of the same file is a
     * successful no-op; both names remain. */
    PUT("a", "x");
    OK(link("a", "b"));
    OK(rename("a", "b"));
    CHECK(exists("a") && exists("b"),
          "rename between links of one inode: expected both names to remain "
          "(a %s, b %s)",
          exists("a") ? "present" : "gone", exists("b") ? "present" : "gone");
    return 0;
}

static int t_rename_into_own_subdir(void)
{
    OK(mkdir("d", 0755));
    OK(mkdir("d/sub", 0755));
    ERR(rename("d", "d/sub/x"), EINVAL);
    ERR(rename("d", "d/x"), EINVAL);
    return 0;
}

static int t_rename_across_dirs(void)
{
    struct stat s0, s1;
    OK(mkdir("d1", 0755));
    OK(mkdir("d2", 0755));
    PUT("d1/f", "payload");
    OK(stat("d1/f", &s0));
    OK(rename("d1/f", "d2/g"));
    CHECK(!exists("d1/f"), "rename across dirs: expected source gone");
    OK(stat("d2/g", &s1));
    CHECK(s0.st_ino == s1.st_ino, "rename across dirs: expected same inode");
    EXPECT_CONTENT("d2/g", "payload");
    return 0;
}

static int t_rename_dir_across_dirs(void)
{
    struct stat p1, p2, dd, np;
    OK(mkdir("p1", 0755));
    OK(mkdir("p2", 0755));
    OK(mkdir("p1/d", 0755));
    PUT("p1/d/f", "deep");
    OK(rename("p1/d", "p2/d"));
    EXPECT_CONTENT("p2/d/f", "deep");
    OK(stat("p1", &p1));
    OK(stat("p2", &p2));
    CHECK(p1.st_nlink == 2, "old parent: expected nlink 2, got %lu",
          (unsigned long)p1.st_nlink);
    CHECK(p2.st_nlink == 3, "new parent: expected nlink 3, got %lu",
          (unsigned long)p2.st_nlink);
    OK(stat("p2/d/..", &dd));
    OK(stat("p2", &np));
    CHECK(dd.st_ino == np.st_ino,
          "moved dir: expected .. to be the new parent");
    return 0;
}

static int t_rename_noent(void)
{
    ERR(rename("missing", "x"), ENOENT);
    return 0;
}

/* ------------------------------------------------------------------ */
/* unlink / rmdir / mkdir                                               */

static int t_unlink_open_file_rw(void)
{
    int fd;
    char buf[32] = {0};
    PUT("f", "hello");
    OK(fd = open("f", O_RDWR));
    OK(unlink("f"));
    ERR(access("f", F_OK), ENOENT);
    CHECK(pread(fd, buf, 5, 0) == 5 && !memcmp(buf, "hello", 5),
          "read from unlinked open file: expected \"hello\", got \"%s\" (%s)",
          buf, en(errno));
    CHECK(pwrite(fd, "WORLD!", 6, 5) == 6,
          "write to unlinked open file failed (%s)", en(errno));
    memset(buf, 0, sizeof buf);
    CHECK(pread(fd, buf, 11, 0) == 11 && !memcmp(buf, "helloWORLD!", 11),
          "read back from unlinked open file: expected \"helloWORLD!\", got "
          "\"%s\"",
          buf);
    struct stat st;
    OK(fstat(fd, &st));
    CHECK(st.st_size == 11, "fstat of unlinked file: expected size 11, got %lld",
          (long long)st.st_size);
    OK(close(fd));
    return 0;
}

static int t_unlink_open_name_gone(void)
{
    /* The NFS client may silly-rename to .nfsXXXX; the user-visible names
     * must be gone. */
    int fd;
    OK(mkdir("d", 0755));
    PUT("d/f", "x");
    OK(fd = open("d/f", O_RDONLY));
    OK(unlink("d/f"));
    char *names[8];
    int n = list_dir("d", names, 8, 1);
    CHECK(n >= 0, "listing failed");
    free_names(names, n < 8 ? n : 8);
    CHECK(n == 0, "after unlink of open file: expected no visible entries "
                  "(ignoring .nfs*), got %d",
          n);
    PUT("d/f", "new");
    EXPECT_CONTENT("d/f", "new");
    OK(close(fd));
    return 0;
}

static int t_unlink_open_nlink0(void)
{
    int fd;
    struct stat st;
    PUT("f", "x");
    OK(fd = open("f", O_RDONLY));
    OK(unlink("f"));
    OK(fstat(fd, &st));
    CHECK(st.st_nlink == 0, "fstat after unlink: expected nlink 0, got %lu",
          (unsigned long)st.st_nlink);
    OK(close(fd));
    return 0;
}

static int t_mkdir_existing(void)
{
    OK(mkdir("d", 0755));
    ERR(mkdir("d", 0755), EEXIST);
    PUT("f", "x");
    ERR(mkdir("f", 0755), EEXIST);
    return 0;
}

static int t_rmdir_errors(void)
{
    OK(mkdir("d", 0755));
    PUT("d/f", "x");
    ERR2(rmdir("d"), ENOTEMPTY, EEXIST);
    ERR(rmdir("d/f"), ENOTDIR);
    ERR(rmdir("d/."), EINVAL);
    ERR(rmdir("missing"), ENOENT);
    OK(unlink("d/f"));
    OK(rmdir("d"));
    CHECK(!exists("d"), "rmdir: expected dir gone");
    return 0;
}

static int t_unlink_dir(void)
{
    OK(mkdir("d", 0755));
    ERR2(unlink("d"), EISDIR, EPERM);
    ERR(unlink("missing"), ENOENT);
    return 0;
}

/* ------------------------------------------------------------------ */
/* links and link counts                                                */

static int t_link_count_file(void)
{
    struct stat st;
    PUT("a", "x");
    OK(stat("a", &st));
    CHECK(st.st_nlink == 1, "new file: expected nlink 1, got %lu",
          (unsigned long)st.st_nlink);
    OK(link("a", "b"));
    OK(link("a", "c"));
    OK(stat("a", &st));
    CHECK(st.st_nlink == 3, "after 2 links: expected nlink 3, got %lu",
          (unsigned long)st.st_nlink);
    OK(unlink("b"));
    OK(stat("c", &st));
    CHECK(st.st_nlink == 2, "after unlink: expected nlink 2, got %lu",
          (unsigned long)st.st_nlink);
    OK(unlink("a"));
    OK(stat("c", &st));
    CHECK(st.st_nlink == 1, "after 2nd unlink: expected nlink 1, got %lu",
          (unsigned long)st.st_nlink);
    EXPECT_CONTENT("c", "x");
    return 0;
}

static int t_link_count_dir(void)
{
    struct stat st;
    OK(mkdir("d", 0755));
    OK(stat("d", &st));
    CHECK(st.st_nlink == 2, "empty dir: expected nlink 2, got %lu",
          (unsigned long)st.st_nlink);
    OK(mkdir("d/a", 0755));
    OK(mkdir("d/b", 0755));
    PUT("d/f", "x");
    OK(stat("d", &st));
    CHECK(st.st_nlink == 4, "dir with 2 subdirs + 1 file: expected nlink 4, "
                            "got %lu",
          (unsigned long)st.st_nlink);
    OK(rmdir("d/a"));
    OK(stat("d", &st));
    CHECK(st.st_nlink == 3, "after rmdir: expected nlink 3, got %lu",
          (unsigned long)st.st_nlink);
    return 0;
}

static int t_hardlink_shares_inode_and_data(void)
{
    struct stat sa, sb;
    int fd;
    PUT("a", "one");
    OK(link("a", "b"));
    OK(stat("a", &sa));
    OK(stat("b", &sb));
    CHECK(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev,
          "hard link: expected same inode, got %llu vs %llu",
          (unsigned long long)sa.st_ino, (unsigned long long)sb.st_ino);
    OK(fd = open("b", O_WRONLY | O_APPEND));
    CHECK(write(fd, "+two", 4) == 4, "write via link failed (%s)", en(errno));
    OK(close(fd));
    EXPECT_CONTENT("a", "one+two");
    OK(chmod("a", 0600));
    OK(stat("b", &sb));
    CHECK((sb.st_mode & 07777) == 0600,
          "chmod via one link: expected 0600 on other, got %o",
          sb.st_mode & 07777);
    return 0;
}

static int t_link_errors(void)
{
    PUT("a", "x");
    PUT("b", "y");
    OK(mkdir("d", 0755));
    ERR(link("a", "b"), EEXIST);
    ERR(link("d", "d2"), EPERM);
    ERR(link("missing", "c"), ENOENT);
    return 0;
}

/* ------------------------------------------------------------------ */
/* modes, umask, ownership                                              */

static int t_umask_creat(void)
{
    struct stat st;
    umask(022);
    int fd;
    OK(fd = open("f", O_CREAT | O_WRONLY, 0666));
    OK(close(fd));
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0644,
          "creat 0666 under umask 022: expected 0644, got %o",
          st.st_mode & 07777);
    umask(077);
    OK(fd = open("g", O_CREAT | O_WRONLY, 0666));
    OK(close(fd));
    OK(stat("g", &st));
    CHECK((st.st_mode & 07777) == 0600,
          "creat 0666 under umask 077: expected 0600, got %o",
          st.st_mode & 07777);
    return 0;
}

static int t_umask_mkdir(void)
{
    struct stat st;
    umask(027);
    OK(mkdir("d", 0777));
    OK(stat("d", &st));
    CHECK(S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0750,
          "mkdir 0777 under umask 027: expected dir 0750, got %o",
          st.st_mode);
    return 0;
}

static int t_chmod(void)
{
    struct stat st;
    PUT("f", "x");
    static const mode_t modes[] = {0000, 0640, 0777, 0604, 0111};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        OK(chmod("f", modes[i]));
        OK(stat("f", &st));
        CHECK((st.st_mode & 07777) == modes[i],
              "chmod %o: expected %o, got %o", modes[i], modes[i],
              st.st_mode & 07777);
    }
    OK(mkdir("d", 0755));
    OK(chmod("d", 0700));
    OK(stat("d", &st));
    CHECK((st.st_mode & 07777) == 0700, "chmod dir 0700: got %o",
          st.st_mode & 07777);
    return 0;
}

static int t_fchmod(void)
{
    struct stat st;
    int fd;
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    OK(fchmod(fd, 0600));
    OK(fstat(fd, &st));
    CHECK((st.st_mode & 07777) == 0600, "fchmod 0600: got %o",
          st.st_mode & 07777);
    OK(close(fd));
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0600, "fchmod 0600 (stat): got %o",
          st.st_mode & 07777);
    return 0;
}

static int t_chmod_special_bits(void)
{
    struct stat st;
    PUT("f", "x");
    static const mode_t modes[] = {04755, 02755, 06755, 01755};
    for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
        OK(chmod("f", modes[i]));
        OK(stat("f", &st));
        CHECK((st.st_mode & 07777) == modes[i],
              "chmod %o as root: expected %o, got %o", modes[i], modes[i],
              st.st_mode & 07777);
    }
    OK(mkdir("d", 0755));
    OK(chmod("d", 01777));
    OK(stat("d", &st));
    CHECK((st.st_mode & 07777) == 01777, "chmod dir 01777: got %o",
          st.st_mode & 07777);
    return 0;
}

static int t_chown_root(void)
{
    struct stat st;
    PUT("f", "x");
    OK(chown("f", OTHER_UID, OTHER_GID));
    OK(stat("f", &st));
    CHECK(st.st_uid == OTHER_UID && st.st_gid == OTHER_GID,
          "chown %d:%d: expected that owner, got %d:%d", OTHER_UID, OTHER_GID,
          (int)st.st_uid, (int)st.st_gid);
    OK(chown("f", (uid_t)-1, 0));
    OK(stat("f", &st));
    CHECK(st.st_uid == OTHER_UID && st.st_gid == 0,
          "chown -1:0: expected %d:0, got %d:%d", OTHER_UID, (int)st.st_uid,
          (int)st.st_gid);
    OK(mkdir("d", 0755));
    OK(chown("d", NOBODY, NOBODY));
    OK(stat("d", &st));
    CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY,
          "chown dir: expected %d:%d, got %d:%d", NOBODY, NOBODY,
          (int)st.st_uid, (int)st.st_gid);
    return 0;
}

static int t_fchown_root(void)
{
    struct stat st;
    int fd;
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    OK(fchown(fd, OTHER_UID, OTHER_GID));
    OK(fstat(fd, &st));
    CHECK(st.st_uid == OTHER_UID && st.st_gid == OTHER_GID,
          "fchown: expected %d:%d, got %d:%d", OTHER_UID, OTHER_GID,
          (int)st.st_uid, (int)st.st_gid);
    OK(close(fd));
    return 0;
}

static int t_lchown_symlink(void)
{
    struct stat st, tt;
    PUT("f", "x");
    OK(symlink("f", "l"));
    OK(lchown("l", OTHER_UID, OTHER_GID));
    OK(lstat("l", &st));
    OK(stat("f", &tt));
    CHECK(st.st_uid == OTHER_UID && st.st_gid == OTHER_GID,
          "lchown: expected link owned %d:%d, got %d:%d", OTHER_UID,
          OTHER_GID, (int)st.st_uid, (int)st.st_gid);
    CHECK(tt.st_uid == 0 && tt.st_gid == 0,
          "lchown: expected target unchanged 0:0, got %d:%d", (int)tt.st_uid,
          (int)tt.st_gid);
    return 0;
}

static int t_chown_clears_setuid(void)
{
    struct stat st;
    PUT("f", "x");
    OK(chmod("f", 06755));
    OK(chown("f", OTHER_UID, OTHER_GID));
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0755,
          "chown of 06755 file: expected setuid/setgid cleared (0755), got %o",
          st.st_mode & 07777);
    return 0;
}

static int nobody_write_one(void)
{
    int fd;
    OK(fd = open("f", O_WRONLY));
    CHECK(write(fd, "y", 1) == 1, "write as nobody failed (%s)", en(errno));
    OK(close(fd));
    return 0;
}

static int t_write_clears_setuid(void)
{
    struct stat st;
    PUT("f", "x");
    OK(chmod("f", 04777));
    AS_NOBODY(nobody_write_one);
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0777,
          "write by non-owner non-root to 04777 file: expected setuid cleared "
          "(0777), got %o",
          st.st_mode & 07777);
    return 0;
}

static int t_write_clears_setgid(void)
{
    struct stat st;
    PUT("f", "x");
    OK(chmod("f", 02777));
    AS_NOBODY(nobody_write_one);
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0777,
          "write by non-root to 02777 file: expected setgid cleared (0777), "
          "got %o",
          st.st_mode & 07777);
    return 0;
}

static int nobody_truncate(void)
{
    OK(truncate("f", 0));
    return 0;
}

static int t_truncate_clears_setuid(void)
{
    struct stat st;
    PUT("f", "xyz");
    OK(chmod("f", 04777));
    AS_NOBODY(nobody_truncate);
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0777 && st.st_size == 0,
          "truncate by non-root of 04777 file: expected setuid cleared, size "
          "0; got %o size %lld",
          st.st_mode & 07777, (long long)st.st_size);
    return 0;
}

static int t_root_write_keeps_setuid(void)
{
    struct stat st;
    int fd;
    PUT("f", "x");
    OK(chmod("f", 04755));
    OK(fd = open("f", O_WRONLY | O_APPEND));
    CHECK(write(fd, "y", 1) == 1, "write failed (%s)", en(errno));
    OK(close(fd));
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 04755,
          "write by root: expected setuid kept (4755), got %o",
          st.st_mode & 07777);
    return 0;
}

static int nobody_chown_to_root(void)
{
    ERR(chown("f", 0, 0), EPERM);
    return 0;
}

static int t_chown_nonroot_eperm(void)
{
    PUT("f", "x");
    OK(chown("f", NOBODY, NOBODY));
    AS_NOBODY(nobody_chown_to_root);
    return 0;
}

static int nobody_chmod(void)
{
    ERR(chmod("f", 0777), EPERM);
    return 0;
}

static int t_chmod_nonowner_eperm(void)
{
    struct stat st;
    PUT("f", "x");
    AS_NOBODY(nobody_chmod);
    OK(stat("f", &st));
    CHECK((st.st_mode & 07777) == 0644, "mode changed by non-owner: got %o",
          st.st_mode & 07777);
    return 0;
}

static int nobody_create_own(void)
{
    int fd;
    OK(fd = open("w/mine", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    OK(mkdir("w/mydir", 0755));
    return 0;
}

static int t_create_owner_nonroot(void)
{
    struct stat st;
    WORLD_DIR("w");
    AS_NOBODY(nobody_create_own);
    OK(stat("w/mine", &st));
    CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY,
          "file created by %d:%d: expected that owner, got %d:%d", NOBODY,
          NOBODY, (int)st.st_uid, (int)st.st_gid);
    OK(stat("w/mydir", &st));
    CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY,
          "dir created by %d:%d: expected that owner, got %d:%d", NOBODY,
          NOBODY, (int)st.st_uid, (int)st.st_gid);
    return 0;
}

/* chown by a non-owner to the values the file already has: EPERM (Linux's
 * chown_ok / chgrp_ok), through every call and with -1 for either id. */
static int nobody_chown_same(void)
{
    int fd;
    ERR(chown("f", 0, 0), EPERM);
    ERR(chown("f", 0, (gid_t)-1), EPERM);
    ERR(chown("f", (uid_t)-1, 0), EPERM);
    ERR(lchown("f", 0, 0), EPERM);
    OK(fd = open("f", O_RDONLY));
    ERR(fchown(fd, 0, 0), EPERM);
    OK(close(fd));
    return 0;
}

static int t_chown_nonowner_same_eperm(void)
{
    PUT("f", "x");
    OK(chmod("f", 0644));
    AS_NOBODY(nobody_chown_same);
    return 0;
}

/* The owner may "change" to itself and to the group the file has, or to a
 * group it is in; not to another group. */
static int nobody_chgrp_own(void)
{
    OK(chown("f", NOBODY, (gid_t)-1));
    OK(chown("f", (uid_t)-1, NOBODY));
    ERR(chown("f", (uid_t)-1, 0), EPERM);
    ERR(chown("f", 0, (gid_t)-1), EPERM);
    return 0;
}

static int t_chgrp_owner_rules(void)
{
    struct stat st;
    PUT("f", "x");
    OK(chown("f", NOBODY, NOBODY));
    AS_NOBODY(nobody_chgrp_own);
    OK(stat("f", &st));
    CHECK(st.st_uid == NOBODY && st.st_gid == NOBODY,
          "owner changed to %d:%d", (int)st.st_uid, (int)st.st_gid);
    return 0;
}

/* Moving a directory to another parent rewrites its "..": the caller needs
 * write permission on the directory itself. */
static int nobody_move_roots_dir(void)
{
    ERR(rename("a/d", "b/d"), EACCES);
    OK(rename("a/d", "a/e")); /* same parent: ".." is unchanged */
    OK(rename("a/mine", "b/mine"));
    return 0;
}

static int t_rename_dir_other_parent_needs_write(void)
{
    WORLD_DIR("a");
    WORLD_DIR("b");
    OK(mkdir("a/d", 0755));
    OK(chmod("a/d", 0755));
    WORLD_DIR("a/mine");
    AS_NOBODY(nobody_move_roots_dir);
    CHECK(exists("a/e") && !exists("b/d"), "%s", "root's directory moved");
    CHECK(exists("b/mine"), "%s", "a writable directory was not moved");
    return 0;
}

/* A sticky target directory: a rename may not replace another user's entry. */
static int nobody_replace_in_sticky(void)
{
    int fd;
    OK(fd = open("w/mine", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    ERR2(rename("w/mine", "s/rootfile"), EPERM, EACCES);
    OK(rename("w/mine", "s/mine"));
    return 0;
}

static int t_sticky_rename_target(void)
{
    WORLD_DIR("w");
    OK(mkdir("s", 0777));
    OK(chmod("s", 01777));
    OK(put("s/rootfile", "root", 0666));
    OK(chmod("s/rootfile", 0666));
    AS_NOBODY(nobody_replace_in_sticky);
    CHECK(exists("s/rootfile") && exists("s/mine"), "%s",
          "sticky target: root's entry replaced or the move lost");
    return 0;
}

/* sticky directory */

static int nobody_sticky(void)
{
    int fd;
    ERR2(unlink("s/rootfile"), EPERM, EACCES);
    ERR2(rename("s/rootfile", "s/stolen"), EPERM, EACCES);
    OK(fd = open("s/mine", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    OK(rename("s/mine", "s/mine2"));
    OK(unlink("s/mine2"));
    return 0;
}

static int t_sticky_dir(void)
{
    OK(mkdir("s", 0777));
    OK(chmod("s", 01777));
    OK(put("s/rootfile", "x", 0666));
    OK(chmod("s/rootfile", 0666));
    AS_NOBODY(nobody_sticky);
    CHECK(exists("s/rootfile"), "sticky dir: root's file was removed");
    CHECK(!exists("s/stolen"), "sticky dir: root's file was renamed");
    return 0;
}

static int nobody_nonsticky_unlink(void)
{
    OK(unlink("s/rootfile"));
    return 0;
}

static int t_nonsticky_dir_unlink_ok(void)
{
    OK(mkdir("s", 0777));
    OK(chmod("s", 0777));
    PUT("s/rootfile", "x");
    AS_NOBODY(nobody_nonsticky_unlink);
    CHECK(!exists("s/rootfile"), "unlink in 0777 dir: expected file gone");
    return 0;
}

/* setgid directory */

static int nobody_create_in_setgid(void)
{
    int fd;
    OK(fd = open("g/byuser", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    return 0;
}

static int t_setgid_dir_inherit(void)
{
    struct stat st;
    int fd;
    OK(mkdir("g", 0777));
    OK(chown("g", 0, OTHER_GID));
    OK(chmod("g", 02777));
    OK(stat("g", &st));
    CHECK((st.st_mode & 07777) == 02777 && st.st_gid == OTHER_GID,
          "setgid dir setup: expected 2777 gid %d, got %o gid %d", OTHER_GID,
          st.st_mode & 07777, (int)st.st_gid);
    OK(fd = open("g/f", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    OK(stat("g/f", &st));
    CHECK(st.st_gid == OTHER_GID,
          "file in setgid dir: expected gid %d, got %d", OTHER_GID,
          (int)st.st_gid);
    OK(mkdir("g/sub", 0755));
    OK(stat("g/sub", &st));
    CHECK(st.st_gid == OTHER_GID && (st.st_mode & S_ISGID),
          "subdir of setgid dir: expected gid %d with setgid, got gid %d mode "
          "%o",
          OTHER_GID, (int)st.st_gid, st.st_mode & 07777);
    AS_NOBODY(nobody_create_in_setgid);
    OK(stat("g/byuser", &st));
    CHECK(st.st_gid == OTHER_GID && st.st_uid == NOBODY,
          "file by nobody in setgid dir: expected %d:%d, got %d:%d", NOBODY,
          OTHER_GID, (int)st.st_uid, (int)st.st_gid);
    return 0;
}

/* permission checks as non-root */

static int nobody_no_read(void)
{
    ERR(open("f", O_RDONLY), EACCES);
    ERR(open("f", O_WRONLY), EACCES);
    return 0;
}

static int t_perm_no_read(void)
{
    PUT("f", "secret");
    OK(chmod("f", 0640));
    AS_NOBODY(nobody_no_read);
    return 0;
}

static int nobody_owner_class(void)
{
    /* owner bits apply to the owner even when "other" would allow more */
    ERR(open("f", O_RDONLY), EACCES);
    return 0;
}

static int t_perm_owner_class_wins(void)
{
    PUT("f", "x");
    OK(chown("f", NOBODY, NOBODY));
    OK(chmod("f", 0044));
    AS_NOBODY(nobody_owner_class);
    return 0;
}

static int nobody_readonly(void)
{
    int fd;
    char buf[8];
    OK(fd = open("f", O_RDONLY));
    CHECK(read(fd, buf, sizeof buf) == 1, "read as nobody failed (%s)",
          en(errno));
    OK(close(fd));
    ERR(open("f", O_WRONLY), EACCES);
    ERR(truncate("f", 0), EACCES);
    return 0;
}

static int t_perm_read_only_file(void)
{
    PUT("f", "x");
    OK(chmod("f", 0644));
    AS_NOBODY(nobody_readonly);
    EXPECT_CONTENT("f", "x");
    return 0;
}

static int nobody_no_write_dir(void)
{
    ERR(open("d/new", O_CREAT | O_WRONLY, 0644), EACCES);
    ERR(mkdir("d/newdir", 0755), EACCES);
    ERR(unlink("d/f"), EACCES);
    ERR(rename("d/f", "d/g"), EACCES);
    ERR(symlink("x", "d/l"), EACCES);
    return 0;
}

static int t_perm_no_write_dir(void)
{
    OK(mkdir("d", 0755));
    OK(chmod("d", 0755));
    PUT("d/f", "x");
    OK(chmod("d/f", 0666));
    AS_NOBODY(nobody_no_write_dir);
    CHECK(exists("d/f") && !exists("d/new") && !exists("d/newdir"),
          "no-write dir was modified");
    return 0;
}

static int nobody_no_exec_dir(void)
{
    struct stat st;
    ERR(stat("d/f", &st), EACCES);
    ERR(open("d/f", O_RDONLY), EACCES);
    ERR(chdir("d"), EACCES);
    return 0;
}

static int t_perm_no_exec_dir(void)
{
    OK(mkdir("d", 0755));
    PUT("d/f", "x");
    OK(chmod("d/f", 0666));
    OK(chmod("d", 0666));
    AS_NOBODY(nobody_no_exec_dir);
    return 0;
}

static int nobody_exec_only_dir(void)
{
    /* x without r: lookup works, listing does not */
    struct stat st;
    OK(stat("d/f", &st));
    ERR(open("d", O_RDONLY | O_DIRECTORY), EACCES);
    return 0;
}

static int t_perm_exec_only_dir(void)
{
    OK(mkdir("d", 0755));
    PUT("d/f", "x");
    OK(chmod("d", 0711));
    AS_NOBODY(nobody_exec_only_dir);
    return 0;
}

static int t_perm_root_override(void)
{
    struct stat st;
    PUT("f", "root reads anyway");
    OK(chown("f", NOBODY, NOBODY));
    OK(chmod("f", 0000));
    EXPECT_CONTENT("f", "root reads anyway");
    OK(mkdir("d", 0000));
    PUT("d/g", "y");
    OK(stat("d/g", &st));
    return 0;
}

static int nobody_access(void)
{
    CHECK(access("r", R_OK) == 0, "access(r, R_OK): expected 0, got %s",
          en(errno));
    ERR(access("r", W_OK), EACCES);
    ERR(access("r", X_OK), EACCES);
    CHECK(access("x", X_OK) == 0, "access(x, X_OK): expected 0, got %s",
          en(errno));
    return 0;
}

static int t_perm_access(void)
{
    PUT("r", "x");
    OK(chmod("r", 0644));
    PUT("x", "x");
    OK(chmod("x", 0755));
    AS_NOBODY(nobody_access);
    return 0;
}

/* ------------------------------------------------------------------ */
/* timestamps                                                           */

static int t_ts_write(void)
{
    struct stat s0, s1;
    int fd;
    PUT("f", "abc");
    OK(stat("f", &s0));
    tick();
    OK(fd = open("f", O_WRONLY));
    CHECK(write(fd, "xyz", 3) == 3, "write failed (%s)", en(errno));
    OK(close(fd));
    OK(stat("f", &s1));
    TS_GT("mtime after write", s1.st_mtim, s0.st_mtim);
    TS_GT("ctime after write", s1.st_ctim, s0.st_ctim);
    return 0;
}

static int t_ts_truncate(void)
{
    struct stat s0, s1;
    PUT("f", "abcdef");
    OK(stat("f", &s0));
    tick();
    OK(truncate("f", 2));
    OK(stat("f", &s1));
    TS_GT("mtime after truncate", s1.st_mtim, s0.st_mtim);
    TS_GT("ctime after truncate", s1.st_ctim, s0.st_ctim);
    return 0;
}

static int t_ts_ftruncate(void)
{
    struct stat s0, s1;
    int fd;
    PUT("f", "abcdef");
    OK(fd = open("f", O_RDWR));
    OK(fstat(fd, &s0));
    tick();
    OK(ftruncate(fd, 100));
    OK(close(fd));
    OK(stat("f", &s1));
    TS_GT("mtime after ftruncate", s1.st_mtim, s0.st_mtim);
    TS_GT("ctime after ftruncate", s1.st_ctim, s0.st_ctim);
    return 0;
}

static int t_ts_rename(void)
{
    struct stat f0, f1, a0, a1, b0, b1;
    OK(mkdir("a", 0755));
    OK(mkdir("b", 0755));
    PUT("a/f", "x");
    OK(stat("a/f", &f0));
    OK(stat("a", &a0));
    OK(stat("b", &b0));
    tick();
    OK(rename("a/f", "b/f"));
    OK(stat("b/f", &f1));
    OK(stat("a", &a1));
    OK(stat("b", &b1));
    TS_GT("ctime of renamed file", f1.st_ctim, f0.st_ctim);
    TS_EQ("mtime of renamed file", f1.st_mtim, f0.st_mtim);
    TS_GT("mtime of source dir", a1.st_mtim, a0.st_mtim);
    TS_GT("ctime of source dir", a1.st_ctim, a0.st_ctim);
    TS_GT("mtime of target dir", b1.st_mtim, b0.st_mtim);
    TS_GT("ctime of target dir", b1.st_ctim, b0.st_ctim);
    return 0;
}

static int t_ts_chmod(void)
{
    struct stat s0, s1;
    PUT("f", "x");
    OK(stat("f", &s0));
    tick();
    OK(chmod("f", 0600));
    OK(stat("f", &s1));
    TS_GT("ctime after chmod", s1.st_ctim, s0.st_ctim);
    TS_EQ("mtime after chmod", s1.st_mtim, s0.st_mtim);
    return 0;
}

static int t_ts_create_unlink_parent(void)
{
    struct stat d0, d1, d2;
    OK(mkdir("d", 0755));
    OK(stat("d", &d0));
    tick();
    PUT("d/f", "x");
    OK(stat("d", &d1));
    TS_GT("dir mtime after create", d1.st_mtim, d0.st_mtim);
    TS_GT("dir ctime after create", d1.st_ctim, d0.st_ctim);
    tick();
    OK(unlink("d/f"));
    OK(stat("d", &d2));
    TS_GT("dir mtime after unlink", d2.st_mtim, d1.st_mtim);
    TS_GT("dir ctime after unlink", d2.st_ctim, d1.st_ctim);
    return 0;
}

static int t_ts_link_unlink_ctime(void)
{
    struct stat s0, s1, s2;
    PUT("f", "x");
    OK(stat("f", &s0));
    tick();
    OK(link("f", "g"));
    OK(stat("f", &s1));
    TS_GT("file ctime after link", s1.st_ctim, s0.st_ctim);
    tick();
    OK(unlink("g"));
    OK(stat("f", &s2));
    TS_GT("file ctime after unlink of other link", s2.st_ctim, s1.st_ctim);
    return 0;
}

static int t_ts_utimensat_exact_ns(void)
{
    struct stat st;
    PUT("f", "x");
    struct timespec t[2] = {{1234567890, 123456789}, {1500000000, 987654321}};
    OK(utimensat(AT_FDCWD, "f", t, 0));
    OK(stat("f", &st));
    TS_EQ("atime after utimensat", st.st_atim, t[0]);
    TS_EQ("mtime after utimensat", st.st_mtim, t[1]);
    return 0;
}

static int t_ts_utimensat_exact_us(void)
{
    struct stat st;
    PUT("f", "x");
    struct timespec t[2] = {{1234567890, 123456000}, {1500000000, 987654000}};
    OK(utimensat(AT_FDCWD, "f", t, 0));
    OK(stat("f", &st));
    TS_EQ("atime after utimensat (us)", st.st_atim, t[0]);
    TS_EQ("mtime after utimensat (us)", st.st_mtim, t[1]);
    return 0;
}

static int t_ts_utimensat_seconds(void)
{
    struct stat st;
    PUT("f", "x");
    struct timespec t[2] = {{1000000000, 0}, {2000000000, 0}};
    OK(utimensat(AT_FDCWD, "f", t, 0));
    OK(stat("f", &st));
    TS_EQ("atime after utimensat (s)", st.st_atim, t[0]);
    TS_EQ("mtime after utimensat (s)", st.st_mtim, t[1]);
    OK(mkdir("d", 0755));
    OK(utimensat(AT_FDCWD, "d", t, 0));
    OK(stat("d", &st));
    TS_EQ("dir mtime after utimensat", st.st_mtim, t[1]);
    return 0;
}

/* Times before 1970 and after 2106: a local file system keeps them; NFSv3's
 * nfstime3 has unsigned 32-bit seconds, so it cannot carry them. */
static int t_ts_outside_32bit_seconds(void)
{
    struct stat st;
    PUT("f", "x");
    struct timespec t[2] = {{-86400, 0}, {(time_t)1 << 33, 0}};
    OK(utimensat(AT_FDCWD, "f", t, 0));
    OK(stat("f", &st));
    TS_EQ("atime before 1970", st.st_atim, t[0]);
    TS_EQ("mtime after 2106", st.st_mtim, t[1]);
    return 0;
}

static int t_ts_utimensat_omit(void)
{
    struct stat st;
    PUT("f", "x");
    struct timespec t[2] = {{1000000000, 0}, {1100000000, 0}};
    OK(utimensat(AT_FDCWD, "f", t, 0));
    struct timespec u[2] = {{0, UTIME_OMIT}, {1200000000, 0}};
    OK(utimensat(AT_FDCWD, "f", u, 0));
    OK(stat("f", &st));
    TS_EQ("atime with UTIME_OMIT", st.st_atim, t[0]);
    TS_EQ("mtime set alongside UTIME_OMIT", st.st_mtim, u[1]);
    struct timespec v[2] = {{1300000000, 0}, {0, UTIME_OMIT}};
    OK(utimensat(AT_FDCWD, "f", v, 0));
    OK(stat("f", &st));
    TS_EQ("atime set alongside UTIME_OMIT", st.st_atim, v[0]);
    TS_EQ("mtime with UTIME_OMIT", st.st_mtim, u[1]);
    return 0;
}

static int t_ts_futimens(void)
{
    struct stat st;
    int fd;
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    struct timespec t[2] = {{1111111111, 0}, {1222222222, 0}};
    OK(futimens(fd, t));
    OK(close(fd));
    OK(stat("f", &st));
    TS_EQ("mtime after futimens", st.st_mtim, t[1]);
    TS_EQ("atime after futimens", st.st_atim, t[0]);
    return 0;
}

static int t_ts_utimensat_symlink_nofollow(void)
{
    struct stat st, tt;
    PUT("f", "x");
    OK(symlink("f", "l"));
    OK(stat("f", &tt));
    struct timespec t[2] = {{1000000000, 0}, {1000000001, 0}};
    OK(utimensat(AT_FDCWD, "l", t, AT_SYMLINK_NOFOLLOW));
    OK(lstat("l", &st));
    TS_EQ("symlink mtime after utimensat NOFOLLOW", st.st_mtim, t[1]);
    struct stat t2;
    OK(stat("f", &t2));
    TS_EQ("target mtime untouched", t2.st_mtim, tt.st_mtim);
    return 0;
}

/* ------------------------------------------------------------------ */
/* truncate                                                             */

static int all_zero(const char *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (b[i])
            return 0;
    return 1;
}

static int t_ftruncate_grow(void)
{
    int fd;
    struct stat st;
    char buf[10000];
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, "abc", 3) == 3, "write failed");
    OK(ftruncate(fd, 10000));
    OK(fstat(fd, &st));
    CHECK(st.st_size == 10000, "ftruncate grow: expected size 10000, got %lld",
          (long long)st.st_size);
    CHECK(pread(fd, buf, sizeof buf, 0) == 10000,
          "read after grow: expected 10000 bytes");
    CHECK(!memcmp(buf, "abc", 3) && all_zero(buf + 3, 9997),
          "ftruncate grow: expected \"abc\" then zeros");
    OK(close(fd));
    OK(stat("f", &st));
    CHECK(st.st_size == 10000, "after close: expected size 10000, got %lld",
          (long long)st.st_size);
    return 0;
}

static int t_ftruncate_shrink_then_grow(void)
{
    int fd;
    struct stat st;
    char buf[8192];
    memset(buf, 'Q', sizeof buf);
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, buf, sizeof buf) == (ssize_t)sizeof buf, "write failed");
    OK(ftruncate(fd, 100));
    OK(fstat(fd, &st));
    CHECK(st.st_size == 100, "ftruncate shrink: expected 100, got %lld",
          (long long)st.st_size);
    OK(close(fd));
    OK(fd = open("f", O_RDWR));
    memset(buf, 0, sizeof buf);
    ssize_t r = read(fd, buf, sizeof buf);
    CHECK(r == 100, "read after shrink: expected 100 bytes, got %zd", r);
    OK(ftruncate(fd, 5000));
    memset(buf, 1, sizeof buf);
    r = pread(fd, buf, sizeof buf, 0);
    CHECK(r == 5000, "read after regrow: expected 5000, got %zd", r);
    for (int i = 0; i < 100; i++)
        CHECK(buf[i] == 'Q', "byte %d: expected 'Q'", i);
    CHECK(all_zero(buf + 100, 4900),
          "shrink then grow: expected zeros past old size, old data came back");
    OK(close(fd));
    return 0;
}

static int t_truncate_seen_by_other_fd(void)
{
    int fd;
    struct stat st;
    char buf[256];
    memset(buf, 'x', 200);
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, buf, 200) == 200, "write failed");
    OK(truncate("f", 10));
    OK(fstat(fd, &st));
    CHECK(st.st_size == 10, "fd after truncate by path: expected size 10, got "
                            "%lld",
          (long long)st.st_size);
    ssize_t r = pread(fd, buf, sizeof buf, 0);
    CHECK(r == 10, "read via other fd: expected 10 bytes, got %zd", r);
    int fd2;
    OK(fd2 = open("f", O_RDWR));
    OK(ftruncate(fd2, 3));
    OK(close(fd2));
    OK(fstat(fd, &st));
    CHECK(st.st_size == 3, "fd after ftruncate via another fd: expected 3, "
                           "got %lld",
          (long long)st.st_size);
    OK(close(fd));
    return 0;
}

static int t_truncate_path(void)
{
    struct stat st;
    PUT("f", "hello world");
    OK(truncate("f", 5));
    EXPECT_CONTENT("f", "hello");
    OK(truncate("f", 0));
    OK(stat("f", &st));
    CHECK(st.st_size == 0, "truncate 0: got size %lld", (long long)st.st_size);
    OK(mkdir("d", 0755));
    ERR(truncate("d", 0), EISDIR);
    ERR(truncate("f", -1), EINVAL);
    return 0;
}

/* ------------------------------------------------------------------ */
/* names and paths                                                      */

static int t_name_255(void)
{
    char name[256];
    memset(name, 'n', 255);
    name[255] = 0;
    PUT(name, "long");
    EXPECT_CONTENT(name, "long");
    char *names[4];
    int n = list_dir(".", names, 4, 1);
    CHECK(n >= 0, "listing failed");
    int ok = n == 1 && !strcmp(names[0], name);
    free_names(names, n < 4 ? n : 4);
    CHECK(ok, "readdir: expected the 255-byte name");
    OK(mkdir("d", 0755));
    char path[300];
    snprintf(path, sizeof path, "d/%s", name);
    OK(mkdir(path, 0755));
    OK(rename(name, "short"));
    OK(rename("short", name));
    OK(unlink(name));
    return 0;
}

static int t_name_256_enametoolong(void)
{
    char name[257];
    memset(name, 'n', 256);
    name[256] = 0;
    ERR(open(name, O_CREAT | O_WRONLY, 0644), ENAMETOOLONG);
    ERR(mkdir(name, 0755), ENAMETOOLONG);
    PUT("f", "x");
    ERR(rename("f", name), ENAMETOOLONG);
    ERR(symlink("f", name), ENAMETOOLONG);
    return 0;
}

static int t_deep_path_50(void)
{
    char path[1024] = "";
    size_t len = 0;
    for (int i = 0; i < 50; i++) {
        len += (size_t)snprintf(path + len, sizeof path - len, "%s%010d",
                                i ? "/" : "", i);
        OK(mkdir(path, 0755));
    }
    char file[1100];
    snprintf(file, sizeof file, "%s/bottom.txt", path);
    OK(put(file, "at the bottom", 0644));
    struct stat st;
    OK(stat(file, &st));
    CHECK(S_ISREG(st.st_mode) && st.st_size == 13,
          "deep file: expected regular, 13 bytes; got mode %o size %lld",
          st.st_mode, (long long)st.st_size);
    EXPECT_CONTENT(file, "at the bottom");
    /* the same file through a chdir walk */
    OK(chdir(path));
    EXPECT_CONTENT("bottom.txt", "at the bottom");
    return 0;
}

/* A path far past S3's 1024-byte key limit, near PATH_MAX: 15 names of 250
 * bytes (3,764 bytes). Everything a local file system does there works. */
static void long_name(char *out, int level)
{
    memset(out, 'a' + level % 26, 250);
    snprintf(out, 11, "%010d", level);
    out[10] = 'x';
    out[250] = '\0';
}

static int t_long_path_near_path_max(void)
{
    static char path[4096], file[4400], moved[4400], other[4400], target[4001];
    char name[251];
    size_t len = 0;
    for (int i = 0; i < 15; i++) {
        long_name(name, i);
        len += (size_t)snprintf(path + len, sizeof path - len, "%s%s",
                                i ? "/" : "", name);
        OK(mkdir(path, 0755));
    }
    snprintf(file, sizeof file, "%s/f", path);
    OK(put(file, "deep", 0644));
    EXPECT_CONTENT(file, "deep");
    OK(truncate(file, 2));
    EXPECT_CONTENT(file, "de");
    snprintf(other, sizeof other, "%s/hard", path);
    OK(link(file, other));
    struct stat st;
    OK(stat(file, &st));
    CHECK(st.st_nlink == 2, "hard link at depth: nlink %d", (int)st.st_nlink);
    memset(target, 't', 4000);
    target[4000] = '\0';
    snprintf(other, sizeof other, "%s/sym", path);
    OK(symlink(target, other));
    char back[4097];
    ssize_t n = readlink(other, back, sizeof back);
    CHECK(n == 4000 && memcmp(back, target, 4000) == 0,
          "readlink of a 4000-byte target at depth: %zd bytes", n);
    /* a 256-byte name is still too long, at any depth */
    char too_long[300];
    memset(too_long, 'n', 256);
    too_long[256] = '\0';
    snprintf(moved, sizeof moved, "%s/%s", path, too_long);
    ERR(mkdir(moved, 0755), ENAMETOOLONG);
    /* a file renamed out of the depth and back */
    OK(rename(file, "shallow"));
    EXPECT_CONTENT("shallow", "de");
    OK(rename("shallow", file));
    EXPECT_CONTENT(file, "de");
    OK(unlink(file));
    snprintf(other, sizeof other, "%s/hard", path);
    OK(unlink(other));
    snprintf(other, sizeof other, "%s/sym", path);
    OK(unlink(other));
    /* rmdir the whole chain, deepest first */
    for (int i = 14; i >= 0; i--) {
        OK(rmdir(path));
        char *slash = strrchr(path, '/');
        if (slash)
            *slash = '\0';
    }
    return 0;
}

/* A directory rename that takes what is below it past 1024 bytes and back. */
static int t_rename_dir_across_key_limit(void)
{
    static char deep[2048], file[8192];
    char name[251];
    size_t len = 0;
    OK(mkdir("top", 0755));
    len = (size_t)snprintf(deep, sizeof deep, "top");
    for (int i = 0; i < 3; i++) {
        long_name(name, i);
        len += (size_t)snprintf(deep + len, sizeof deep - len, "/%s", name);
        OK(mkdir(deep, 0755));
    }
    snprintf(file, sizeof file, "%s/f", deep); /* about 760 bytes: fits */
    OK(put(file, "moving", 0644));
    long_name(name, 7);
    OK(mkdir(name, 0755));
    char a[600], b[700];
    snprintf(a, sizeof a, "%s/%s", name, name);
    OK(mkdir(a, 0755));
    snprintf(b, sizeof b, "%s/top", a);
    OK(rename("top", b)); /* now about 1270 bytes below the test directory */
    snprintf(file, sizeof file, "%s%s/f", b, deep + 3);
    EXPECT_CONTENT(file, "moving");
    OK(rename(b, "top"));
    snprintf(file, sizeof file, "%s/f", deep);
    EXPECT_CONTENT(file, "moving");
    return 0;
}

static int t_special_chars_in_names(void)
{
    static const char *names[] = {"with space", "tab\there", "q\"uote",
                                  "back\\slash", "percent%41", "plus+sign",
                                  "utf8-\xc3\xa9\xe2\x82\xac", "-dash",
                                  "star*?", "trailing.", "nl\nin-name"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        OK(put(names[i], names[i], 0644));
        EXPECT_CONTENT(names[i], names[i]);
    }
    char *got[32];
    int n = list_dir(".", got, 32, 1);
    CHECK(n >= 0, "listing failed");
    int found = 0;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        for (int j = 0; j < n && j < 32; j++)
            if (!strcmp(got[j], names[i])) {
                found++;
                break;
            }
    free_names(got, n < 32 ? n : 32);
    CHECK(n == (int)(sizeof names / sizeof names[0]) &&
              found == (int)(sizeof names / sizeof names[0]),
          "readdir with special names: expected %zu entries, got %d (%d "
          "matched)",
          sizeof names / sizeof names[0], n, found);
    return 0;
}

static int t_dir_and_file_prefix_names(void)
{
    /* names that are prefixes of one another ("a", "a.b", "a/b") */
    OK(mkdir("a", 0755));
    PUT("a.b", "1");
    PUT("a/b", "2");
    PUT("ab", "3");
    OK(mkdir("a-", 0755));
    EXPECT_CONTENT("a.b", "1");
    EXPECT_CONTENT("a/b", "2");
    EXPECT_CONTENT("ab", "3");
    char *names[8];
    int n = list_dir("a", names, 8, 1);
    CHECK(n >= 0, "listing failed");
    free_names(names, n < 8 ? n : 8);
    CHECK(n == 1, "dir a: expected 1 entry, got %d", n);
    n = list_dir(".", names, 8, 1);
    free_names(names, n < 8 ? n : 8);
    CHECK(n == 4, "top dir: expected 4 entries, got %d", n);
    return 0;
}

/* ------------------------------------------------------------------ */
/* data: sparse, large, pread/pwrite                                    */

static int t_sparse_100m(void)
{
    const off_t off = 100L * 1024 * 1024;
    int fd;
    struct stat st;
    static char buf[65536];
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    CHECK(pwrite(fd, "END", 3, off) == 3, "pwrite at 100 MiB failed (%s)",
          en(errno));
    OK(fstat(fd, &st));
    CHECK(st.st_size == off + 3, "sparse: expected size %lld, got %lld",
          (long long)(off + 3), (long long)st.st_size);
    OK(close(fd));
    OK(fd = open("f", O_RDONLY));
    static const off_t probes[] = {0, 4096, 50L * 1024 * 1024,
                                   100L * 1024 * 1024 - 65536};
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        memset(buf, 0x55, sizeof buf);
        ssize_t r = pread(fd, buf, sizeof buf, probes[i]);
        CHECK(r == (ssize_t)sizeof buf, "read of hole at %lld: expected %zu "
                                        "bytes, got %zd",
              (long long)probes[i], sizeof buf, r);
        CHECK(all_zero(buf, sizeof buf), "hole at %lld: expected zeros",
              (long long)probes[i]);
    }
    char tail[8] = {0};
    CHECK(pread(fd, tail, sizeof tail, off - 2) == 5 &&
              !memcmp(tail, "\0\0END", 5),
          "tail of sparse file: expected \\0\\0END");
    OK(close(fd));
    return 0;
}

static uint8_t pattern_byte(size_t i)
{
    uint32_t x = (uint32_t)i * 2654435761u;
    return (uint8_t)(x >> 24);
}

static int t_large_write_8m(void)
{
    const size_t n = 8u << 20;
    uint8_t *buf = malloc(n), *rd = malloc(n);
    CHECK(buf && rd, "malloc failed");
    for (size_t i = 0; i < n; i++)
        buf[i] = pattern_byte(i);
    int fd;
    OK(fd = open("f", O_CREAT | O_WRONLY | O_TRUNC, 0644));
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(fd, buf + done, n - done);
        CHECK(w > 0, "write at %zu failed (%s)", done, en(errno));
        done += (size_t)w;
    }
    OK(fsync(fd));
    OK(close(fd));
    struct stat st;
    OK(stat("f", &st));
    CHECK(st.st_size == (off_t)n, "8 MiB file: expected size %zu, got %lld",
          n, (long long)st.st_size);
    OK(fd = open("f", O_RDONLY));
    done = 0;
    while (done < n) {
        ssize_t r = read(fd, rd + done, n - done);
        CHECK(r > 0, "read at %zu: expected data, got %zd (%s)", done, r,
              en(errno));
        done += (size_t)r;
    }
    OK(close(fd));
    for (size_t i = 0; i < n; i++)
        CHECK(rd[i] == buf[i], "8 MiB read back: byte %zu differs", i);
    free(buf);
    free(rd);
    return 0;
}

static int t_pread_pwrite(void)
{
    int fd;
    static const struct {
        off_t off;
        const char *s;
    } w[] = {{0, "start"}, {4095, "across-page"}, {10000, "ten-k"},
             {65537, "past64k"}, {6, "overlap"}};
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++)
        CHECK(pwrite(fd, w[i].s, strlen(w[i].s), w[i].off) ==
                  (ssize_t)strlen(w[i].s),
              "pwrite at %lld failed (%s)", (long long)w[i].off, en(errno));
    CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pwrite moved the file offset");
    for (size_t i = 0; i < sizeof w / sizeof w[0]; i++) {
        char buf[32] = {0};
        size_t l = strlen(w[i].s);
        CHECK(pread(fd, buf, l, w[i].off) == (ssize_t)l &&
                  !memcmp(buf, w[i].s, l),
              "pread at %lld: expected \"%s\", got \"%s\"",
              (long long)w[i].off, w[i].s, buf);
    }
    char buf[16];
    CHECK(pread(fd, buf, 5, 5) == 5 && buf[0] == 0 && !memcmp(buf + 1, "over", 4),
          "pread at 5: expected \\0over");
    CHECK(pread(fd, buf, 16, 1 << 20) == 0, "pread past EOF: expected 0");
    CHECK(lseek(fd, 0, SEEK_CUR) == 0, "pread moved the file offset");
    OK(close(fd));
    OK(fd = open("f", O_RDONLY));
    CHECK(lseek(fd, 0, SEEK_END) == 65537 + 7,
          "SEEK_END: expected %d", 65537 + 7);
    OK(close(fd));
    return 0;
}

static int t_overwrite_middle(void)
{
    int fd;
    PUT("f", "aaaaaaaaaa");
    OK(fd = open("f", O_WRONLY));
    OK(lseek(fd, 3, SEEK_SET));
    CHECK(write(fd, "XYZ", 3) == 3, "write failed");
    OK(close(fd));
    EXPECT_CONTENT("f", "aaaXYZaaaa");
    return 0;
}

static int t_write_visible_to_other_fd(void)
{
    int a, b;
    char buf[16] = {0};
    OK(a = open("f", O_CREAT | O_RDWR, 0644));
    OK(b = open("f", O_RDONLY));
    CHECK(write(a, "shared", 6) == 6, "write failed");
    CHECK(pread(b, buf, sizeof buf, 0) == 6 && !strcmp(buf, "shared"),
          "other fd: expected \"shared\", got \"%s\"", buf);
    OK(close(a));
    OK(close(b));
    return 0;
}

/* ------------------------------------------------------------------ */
/* readdir                                                              */

static int t_readdir_dots(void)
{
    DIR *d = opendir(".");
    CHECK(d, "opendir failed (%s)", en(errno));
    int dot = 0, dotdot = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strcmp(de->d_name, "."))
            dot++;
        else if (!strcmp(de->d_name, ".."))
            dotdot++;
    closedir(d);
    CHECK(dot == 1 && dotdot == 1, "readdir: expected . and .. once each, "
                                   "got %d and %d",
          dot, dotdot);
    return 0;
}

/* Iterates a directory with getdents64 and a small buffer, so that the
 * kernel (and over NFS, the server's cookies) must resume mid-directory many
 * times; calls hook(count, arg) after each entry. Returns entries seen or -1. */
struct linux_dirent64_ {
    uint64_t d_ino;
    int64_t d_off;
    unsigned short d_reclen;
    unsigned char d_type;
    char d_name[];
};

#define NENT 100
static const char *rd_pad = "-padding-padding-padding-padding-padding-"
                            "padding-padding-padding-padding-padding";

static int readdir_change(int wave, int *deleted)
{
    char name[200];
    if (wave == 0) {
        /* delete every 3rd original entry, add 50 new ones */
        for (int i = 0; i < NENT; i += 3) {
            snprintf(name, sizeof name, "e%03d%s", i, rd_pad);
            OK(unlink(name));
            deleted[i] = 1;
        }
        for (int i = 0; i < 50; i++) {
            snprintf(name, sizeof name, "n%03d%s", i, rd_pad);
            OK(put(name, "", 0644));
        }
    } else {
        /* delete some of the new ones and every 7th remaining original */
        for (int i = 0; i < 50; i += 2) {
            snprintf(name, sizeof name, "n%03d%s", i, rd_pad);
            OK(unlink(name));
        }
        for (int i = 1; i < NENT; i += 7) {
            if (deleted[i])
                continue;
            snprintf(name, sizeof name, "e%03d%s", i, rd_pad);
            OK(unlink(name));
            deleted[i] = 1;
        }
        for (int i = 0; i < 30; i++) {
            snprintf(name, sizeof name, "m%03d%s", i, rd_pad);
            OK(put(name, "", 0644));
        }
    }
    return 0;
}

static int t_readdir_concurrent_changes(void)
{
    /* 100 entries with long names, read with a small getdents64 buffer;
     * after 20 and 60 entries, delete some and add others. Every entry that
     * existed the whole time must be seen exactly once; no name twice. */
    char name[200];
    for (int i = 0; i < NENT; i++) {
        snprintf(name, sizeof name, "e%03d%s", i, rd_pad);
        OK(put(name, "", 0644));
    }
    int seen[NENT] = {0};
    int deleted[NENT] = {0};
    int dfd;
    OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
    enum { MAXALL = 4 * NENT };
    char **all = calloc(MAXALL, sizeof *all);
    CHECK(all, "calloc failed");
    int nall = 0, count = 0, wave = 0;
    _Alignas(8) char buf[1024];
    for (;;) {
        ssize_t n = getdents64(dfd, buf, sizeof buf);
        CHECK(n >= 0, "getdents64: expected success, got %s", en(errno));
        if (n == 0)
            break;
        for (ssize_t off = 0; off < n;) {
            struct linux_dirent64_ *de = (struct linux_dirent64_ *)(buf + off);
            off += de->d_reclen;
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            for (int j = 0; j < nall; j++)
                CHECK(strcmp(all[j], de->d_name) != 0,
                      "readdir returned \"%.4s...\" twice", de->d_name);
            if (nall < MAXALL)
                all[nall++] = strdup(de->d_name);
            int idx;
            if (de->d_name[0] == 'e' &&
                sscanf(de->d_name + 1, "%3d", &idx) == 1 && idx >= 0 &&
                idx < NENT)
                seen[idx]++;
            count++;
            if ((count == 20 && wave == 0) || (count == 60 && wave == 1)) {
                if (readdir_change(wave, deleted))
                    return 1;
                wave++;
            }
        }
    }
    OK(close(dfd));
    for (int j = 0; j < nall; j++)
        free(all[j]);
    free(all);
    CHECK(wave == 2, "readdir: saw only %d entries, expected at least 60",
          count);
    for (int i = 0; i < NENT; i++)
        if (!deleted[i])
            CHECK(seen[i] == 1,
                  "entry e%03d (present throughout) seen %d times, expected "
                  "once",
                  i, seen[i]);
    return 0;
}

static int t_readdir_many(void)
{
    enum { N = 400 };
    char name[64];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "file-%04d", i);
        OK(put(name, "", 0644));
    }
    static int seen[N];
    memset(seen, 0, sizeof seen);
    DIR *d = opendir(".");
    CHECK(d, "opendir failed");
    struct dirent *de;
    int other = 0;
    while ((de = readdir(d))) {
        int idx;
        if (sscanf(de->d_name, "file-%04d", &idx) == 1 && idx >= 0 && idx < N)
            seen[idx]++;
        else if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
            other++;
    }
    closedir(d);
    for (int i = 0; i < N; i++)
        CHECK(seen[i] == 1, "file-%04d seen %d times, expected once", i,
              seen[i]);
    CHECK(other == 0, "readdir: %d unexpected entries", other);
    return 0;
}

static int t_readdir_after_mkdir_rmdir(void)
{
    char *names[16];
    int n;
    OK(mkdir("d", 0755));
    OK(mkdir("d/x", 0755));
    OK(mkdir("d/y", 0755));
    n = list_dir("d", names, 16, 1);
    CHECK(n >= 0, "listing failed");
    int ok = n == 2;
    free_names(names, n < 16 ? n : 16);
    CHECK(ok, "after 2 mkdirs: expected 2 entries, got %d", n);
    OK(rmdir("d/x"));
    n = list_dir("d", names, 16, 1);
    CHECK(n >= 0, "listing failed");
    ok = n == 1 && !strcmp(names[0], "y");
    free_names(names, n < 16 ? n : 16);
    CHECK(ok, "after rmdir x: expected only y, got %d entries", n);
    OK(rmdir("d/y"));
    n = list_dir("d", names, 16, 1);
    free_names(names, n > 0 && n < 16 ? n : 0);
    CHECK(n == 0, "after rmdir y: expected empty dir, got %d entries", n);
    OK(mkdir("d/x", 0755));
    n = list_dir("d", names, 16, 1);
    ok = n == 1 && !strcmp(names[0], "x");
    free_names(names, n > 0 && n < 16 ? n : 0);
    CHECK(ok, "after re-mkdir x: expected only x, got %d entries", n);
    return 0;
}

static int t_readdir_rewind_sees_new(void)
{
    DIR *d = opendir(".");
    CHECK(d, "opendir failed");
    while (readdir(d))
        ;
    PUT("late", "x");
    rewinddir(d);
    int found = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        if (!strcmp(de->d_name, "late"))
            found++;
    closedir(d);
    CHECK(found == 1, "rewinddir: expected new entry once, seen %d", found);
    return 0;
}

static int t_readdir_ino_matches_stat(void)
{
    PUT("a", "x");
    OK(mkdir("b", 0755));
    OK(symlink("a", "c"));
    DIR *d = opendir(".");
    CHECK(d, "opendir failed");
    struct dirent *de;
    int checked = 0;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        struct stat st;
        OK(lstat(de->d_name, &st));
        CHECK(de->d_ino == st.st_ino,
              "%s: d_ino %llu differs from st_ino %llu", de->d_name,
              (unsigned long long)de->d_ino, (unsigned long long)st.st_ino);
        if (de->d_type != DT_UNKNOWN) {
            int want = S_ISREG(st.st_mode)   ? DT_REG
                       : S_ISDIR(st.st_mode) ? DT_DIR
                       : S_ISLNK(st.st_mode) ? DT_LNK
                                             : -1;
            CHECK(de->d_type == want, "%s: d_type %d, expected %d",
                  de->d_name, de->d_type, want);
        }
        checked++;
    }
    closedir(d);
    CHECK(checked == 3, "expected 3 entries, got %d", checked);
    return 0;
}

/* ------------------------------------------------------------------ */
/* symlinks                                                             */

static int t_symlink_readlink(void)
{
    char buf[256];
    OK(symlink("some/target path", "l"));
    ssize_t r = readlink("l", buf, sizeof buf);
    CHECK(r == 16 && !memcmp(buf, "some/target path", 16),
          "readlink: expected \"some/target path\", got %zd bytes", r);
    struct stat st;
    OK(lstat("l", &st));
    CHECK(S_ISLNK(st.st_mode) && st.st_size == 16,
          "lstat symlink: expected link of size 16, got mode %o size %lld",
          st.st_mode, (long long)st.st_size);
    PUT("f", "x");
    ERR(readlink("f", buf, sizeof buf), EINVAL);
    return 0;
}

static int t_symlink_stat_vs_lstat(void)
{
    struct stat s, l, f;
    PUT("f", "12345");
    OK(symlink("f", "l"));
    OK(stat("l", &s));
    OK(lstat("l", &l));
    OK(stat("f", &f));
    CHECK(S_ISREG(s.st_mode) && s.st_ino == f.st_ino && s.st_size == 5,
          "stat through symlink: expected the target");
    CHECK(S_ISLNK(l.st_mode) && l.st_ino != f.st_ino,
          "lstat: expected the link itself");
    EXPECT_CONTENT("l", "12345");
    return 0;
}

static int t_symlink_dangling(void)
{
    struct stat st;
    char buf[64];
    OK(symlink("does-not-exist", "l"));
    ERR(stat("l", &st), ENOENT);
    OK(lstat("l", &st));
    CHECK(S_ISLNK(st.st_mode), "lstat dangling: expected symlink");
    CHECK(readlink("l", buf, sizeof buf) == 14, "readlink dangling failed");
    ERR(open("l", O_RDONLY), ENOENT);
    /* creating through a dangling link creates the target */
    int fd;
    OK(fd = open("l", O_CREAT | O_WRONLY, 0644));
    OK(close(fd));
    CHECK(exists("does-not-exist"), "O_CREAT via dangling link: expected "
                                    "target created");
    OK(unlink("l"));
    CHECK(exists("does-not-exist"), "unlink of link removed the target");
    return 0;
}

static int t_symlink_loop(void)
{
    struct stat st;
    OK(symlink("b", "a"));
    OK(symlink("a", "b"));
    ERR(stat("a", &st), ELOOP);
    ERR(open("a", O_RDONLY), ELOOP);
    OK(symlink("self", "self"));
    ERR(stat("self/x", &st), ELOOP);
    return 0;
}

static int t_symlink_to_dir(void)
{
    OK(mkdir("d", 0755));
    PUT("d/f", "via-link");
    OK(symlink("d", "l"));
    EXPECT_CONTENT("l/f", "via-link");
    OK(symlink("../d/f", "d/rel"));
    EXPECT_CONTENT("l/rel", "via-link");
    ERR(rmdir("l"), ENOTDIR);
    OK(unlink("l"));
    CHECK(exists("d/f"), "unlinking dir symlink removed the dir contents");
    return 0;
}

static int t_symlink_long_target(void)
{
    char target[1001];
    char buf[1100];
    memset(target, 't', 1000);
    for (int i = 100; i < 1000; i += 100)
        target[i] = '/';
    target[1000] = 0;
    OK(symlink(target, "l"));
    ssize_t r = readlink("l", buf, sizeof buf);
    CHECK(r == 1000 && !memcmp(buf, target, 1000),
          "readlink of 1000-byte target: got %zd bytes", r);
    return 0;
}

static int t_symlink_existing_eexist(void)
{
    PUT("f", "x");
    ERR(symlink("anything", "f"), EEXIST);
    return 0;
}

/* ------------------------------------------------------------------ */
/* special files                                                        */

static int t_mkfifo(void)
{
    struct stat st;
    OK(mkfifo("p", 0644));
    OK(lstat("p", &st));
    CHECK(S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0644,
          "mkfifo: expected fifo 0644, got %o", st.st_mode);
    int fd;
    char c = 0;
    OK(fd = open("p", O_RDWR));
    CHECK(write(fd, "z", 1) == 1, "write to fifo failed (%s)", en(errno));
    CHECK(read(fd, &c, 1) == 1 && c == 'z', "read from fifo: expected 'z'");
    OK(close(fd));
    return 0;
}

static int t_mknod_fifo(void)
{
    struct stat st;
    OK(mknod("p", S_IFIFO | 0600, 0));
    OK(lstat("p", &st));
    CHECK(S_ISFIFO(st.st_mode) && (st.st_mode & 0777) == 0600,
          "mknod fifo: got mode %o", st.st_mode);
    return 0;
}

static int t_mknod_socket(void)
{
    struct stat st;
    OK(mknod("s", S_IFSOCK | 0600, 0));
    OK(lstat("s", &st));
    CHECK(S_ISSOCK(st.st_mode), "mknod socket: got mode %o", st.st_mode);
    return 0;
}

static int t_mknod_chr(void)
{
    struct stat st;
    OK(mknod("c", S_IFCHR | 0600, makedev(1, 3)));
    OK(lstat("c", &st));
    CHECK(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
          "mknod chr 1,3: got mode %o rdev %u,%u", st.st_mode,
          major(st.st_rdev), minor(st.st_rdev));
    return 0;
}

static int t_unix_socket_bind(void)
{
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK(s >= 0, "socket failed (%s)", en(errno));
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    strcpy(a.sun_path, "sock");
    OK(bind(s, (struct sockaddr *)&a, sizeof a));
    struct stat st;
    OK(lstat("sock", &st));
    CHECK(S_ISSOCK(st.st_mode), "bound socket: expected socket, mode %o",
          st.st_mode);
    close(s);
    return 0;
}

/* ------------------------------------------------------------------ */
/* misc                                                                 */

static int t_fsync_fdatasync(void)
{
    int fd;
    OK(fd = open("f", O_CREAT | O_RDWR, 0644));
    CHECK(write(fd, "data", 4) == 4, "write failed");
    OK(fsync(fd));
    OK(fdatasync(fd));
    OK(close(fd));
    int dfd;
    OK(dfd = open(".", O_RDONLY | O_DIRECTORY));
    OK(fsync(dfd));
    OK(close(dfd));
    return 0;
}

static int t_statvfs(void)
{
    struct statvfs sv;
    OK(statvfs(".", &sv));
    CHECK(sv.f_bsize > 0 && sv.f_frsize > 0,
          "statvfs: expected block sizes > 0, got %lu/%lu",
          (unsigned long)sv.f_bsize, (unsigned long)sv.f_frsize);
    CHECK(sv.f_bfree <= sv.f_blocks && sv.f_bavail <= sv.f_blocks,
          "statvfs: free blocks exceed total");
    CHECK(sv.f_namemax >= 255, "statvfs: f_namemax %lu < 255",
          (unsigned long)sv.f_namemax);
    int fd;
    OK(fd = open(".", O_RDONLY | O_DIRECTORY));
    OK(fstatvfs(fd, &sv));
    OK(close(fd));
    return 0;
}

static int t_stat_fields(void)
{
    struct stat st;
    PUT("f", "0123456789");
    OK(stat("f", &st));
    CHECK(st.st_size == 10, "size: expected 10, got %lld",
          (long long)st.st_size);
    CHECK(st.st_uid == 0 && st.st_gid == 0, "owner: expected 0:0, got %d:%d",
          (int)st.st_uid, (int)st.st_gid);
    CHECK(st.st_blksize > 0, "st_blksize: expected > 0");
    struct stat d;
    OK(stat(".", &d));
    CHECK(d.st_dev == st.st_dev, "st_dev differs between file and dir");
    CHECK(d.st_ino != st.st_ino, "file and dir share an inode number");
    return 0;
}

static int t_inode_numbers_distinct_stable(void)
{
    struct stat a, b, a2;
    PUT("a", "x");
    PUT("b", "y");
    OK(stat("a", &a));
    OK(stat("b", &b));
    CHECK(a.st_ino != b.st_ino, "two files share inode %llu",
          (unsigned long long)a.st_ino);
    int fd;
    OK(fd = open("a", O_WRONLY | O_APPEND));
    CHECK(write(fd, "more", 4) == 4, "write failed");
    OK(close(fd));
    OK(chmod("a", 0600));
    OK(stat("a", &a2));
    CHECK(a.st_ino == a2.st_ino, "inode changed after write/chmod: %llu -> "
                                 "%llu",
          (unsigned long long)a.st_ino, (unsigned long long)a2.st_ino);
    return 0;
}

static int t_dir_fd_openat(void)
{
    int dfd, fd;
    OK(mkdir("d", 0755));
    OK(dfd = open("d", O_RDONLY | O_DIRECTORY));
    OK(fd = openat(dfd, "f", O_CREAT | O_WRONLY, 0644));
    CHECK(write(fd, "at", 2) == 2, "write failed");
    OK(close(fd));
    OK(mkdirat(dfd, "sub", 0755));
    OK(renameat(dfd, "f", dfd, "sub/g"));
    OK(unlinkat(dfd, "sub/g", 0));
    OK(unlinkat(dfd, "sub", AT_REMOVEDIR));
    OK(close(dfd));
    char *names[4];
    int n = list_dir("d", names, 4, 1);
    free_names(names, n > 0 && n < 4 ? n : 0);
    CHECK(n == 0, "*at operations: expected empty dir, got %d entries", n);
    return 0;
}

static int t_rmdir_cwd_then_create(void)
{
    /* removing the cwd: later creates there fail with ENOENT */
    OK(mkdir("d", 0755));
    OK(chdir("d"));
    OK(rmdir("../d"));
    ERR(open("f", O_CREAT | O_WRONLY, 0644), ENOENT);
    OK(chdir(".."));
    return 0;
}

/* ------------------------------------------------------------------ */
/* the test table and runner                                            */

struct test {
    const char *name;
    int (*fn)(void);
};

#define E(n) {#n, t_##n},
static const struct test tests[] = {
    /* open / creat */
    E(open_creat) E(open_creat_existing_keeps_data) E(open_excl_existing)
    E(open_excl_new) E(open_excl_dangling_symlink) E(open_trunc)
    E(open_rdonly_write_ebadf) E(open_wronly_read_ebadf)
    E(open_directory_on_file) E(open_nofollow_symlink) E(open_noent)
    E(open_dir_for_write) E(path_through_file_enotdir) E(read_at_eof)
    /* O_APPEND */
    E(append_after_lseek) E(append_two_fds) E(append_with_plain_writer)
    /* rename */
    E(rename_file_over_file) E(rename_replace_seen_by_open_fd)
    E(rename_dir_over_empty_dir) E(rename_dir_over_nonempty_dir)
    E(rename_file_over_dir) E(rename_dir_over_file) E(rename_to_itself)
    E(rename_hardlinks_same_inode) E(rename_into_own_subdir)
    E(rename_across_dirs) E(rename_dir_across_dirs) E(rename_noent)
    /* unlink / mkdir / rmdir */
    E(unlink_open_file_rw) E(unlink_open_name_gone) E(unlink_open_nlink0)
    E(mkdir_existing) E(rmdir_errors) E(unlink_dir) E(rmdir_cwd_then_create)
    /* links */
    E(link_count_file) E(link_count_dir) E(hardlink_shares_inode_and_data)
    E(link_errors)
    /* modes and ownership */
    E(umask_creat) E(umask_mkdir) E(chmod) E(fchmod) E(chmod_special_bits)
    E(chown_root) E(fchown_root) E(lchown_symlink) E(chown_clears_setuid)
    E(write_clears_setuid) E(write_clears_setgid) E(truncate_clears_setuid)
    E(root_write_keeps_setuid) E(chown_nonroot_eperm)
    E(chmod_nonowner_eperm) E(create_owner_nonroot) E(sticky_dir)
    E(nonsticky_dir_unlink_ok) E(setgid_dir_inherit)
    E(chown_nonowner_same_eperm) E(chgrp_owner_rules)
    E(rename_dir_other_parent_needs_write) E(sticky_rename_target)
    /* permissions */
    E(perm_no_read) E(perm_owner_class_wins) E(perm_read_only_file)
    E(perm_no_write_dir) E(perm_no_exec_dir) E(perm_exec_only_dir)
    E(perm_root_override) E(perm_access)
    /* timestamps */
    E(ts_write) E(ts_truncate) E(ts_ftruncate) E(ts_rename) E(ts_chmod)
    E(ts_create_unlink_parent) E(ts_link_unlink_ctime)
    E(ts_utimensat_exact_ns) E(ts_utimensat_exact_us)
    E(ts_utimensat_seconds) E(ts_utimensat_omit) E(ts_futimens)
    E(ts_outside_32bit_seconds)
    E(ts_utimensat_symlink_nofollow)
    /* truncate */
    E(ftruncate_grow) E(ftruncate_shrink_then_grow)
    E(truncate_seen_by_other_fd) E(truncate_path)
    /* names and paths */
    E(name_255) E(name_256_enametoolong) E(deep_path_50)
    E(long_path_near_path_max) E(rename_dir_across_key_limit)
    E(special_chars_in_names) E(dir_and_file_prefix_names)
    /* data */
    E(sparse_100m) E(large_write_8m) E(pread_pwrite) E(overwrite_middle)
    E(write_visible_to_other_fd)
    /* readdir */
    E(readdir_dots) E(readdir_concurrent_changes) E(readdir_many)
    E(readdir_after_mkdir_rmdir) E(readdir_rewind_sees_new)
    E(readdir_ino_matches_stat)
    /* symlinks */
    E(symlink_readlink) E(symlink_stat_vs_lstat) E(symlink_dangling)
    E(symlink_loop) E(symlink_to_dir) E(symlink_long_target)
    E(symlink_existing_eexist)
    /* special files */
    E(mkfifo) E(mknod_fifo) E(mknod_socket) E(mknod_chr) E(unix_socket_bind)
    /* misc */
    E(fsync_fdatasync) E(statvfs) E(stat_fields)
    E(inode_numbers_distinct_stable) E(dir_fd_openat)
};
#define NTESTS ((int)(sizeof tests / sizeof tests[0]))

static int rm_entry(const char *path, const struct stat *sb, int flag,
                    struct FTW *ftw)
{
    (void)sb;
    (void)ftw;
    if (flag == FTW_DP || flag == FTW_D || flag == FTW_DNR)
        rmdir(path);
    else
        unlink(path);
    return 0;
}

/* Removes a tree; retries briefly because NFS silly-renamed files vanish
 * asynchronously after the last close. Returns 0 when gone. */
static int rm_tree(const char *path)
{
    for (int attempt = 0; attempt < 20; attempt++) {
        nftw(path, rm_entry, 32, FTW_DEPTH | FTW_PHYS);
        struct stat st;
        if (lstat(path, &st) < 0 && errno == ENOENT)
            return 0;
        struct timespec d = {0, 100 * 1000 * 1000};
        nanosleep(&d, NULL);
    }
    return -1;
}

static int read_known(const char *file, char ***out)
{
    FILE *f = fopen(file, "r");
    if (!f) {
        fprintf(stderr, "posix-suite: cannot open %s: %s\n", file,
                en(errno));
        return -1;
    }
    char line[512];
    int n = 0, cap = 16;
    char **v = malloc((size_t)cap * sizeof *v);
    while (fgets(line, sizeof line, f)) {
        char *h = strchr(line, '#');
        if (h)
            *h = 0;
        char *s = line;
        while (*s == ' ' || *s == '\t')
            s++;
        char *e = s + strlen(s);
        while (e > s && (e[-1] == '\n' || e[-1] == '\r' || e[-1] == ' ' ||
                         e[-1] == '\t'))
            *--e = 0;
        if (!*s)
            continue;
        if (n == cap) {
            cap *= 2;
            v = realloc(v, (size_t)cap * sizeof *v);
        }
        v[n++] = strdup(s);
    }
    fclose(f);
    *out = v;
    return n;
}

/* Runs one test in a forked child inside dir; returns 0 on pass and fills
 * msg with the failure message otherwise. */
static int run_test(const struct test *t, const char *dir, char *msg,
                    size_t msglen)
{
    int p[2];
    msg[0] = 0;
    if (pipe(p) < 0) {
        snprintf(msg, msglen, "pipe: %s", en(errno));
        return 1;
    }
    fflush(stdout);
    pid_t pid = fork();
    if (pid < 0) {
        snprintf(msg, msglen, "fork: %s", en(errno));
        close(p[0]);
        close(p[1]);
        return 1;
    }
    if (pid == 0) {
        close(p[0]);
        msgfd = p[1];
        umask(022);
        alarm(TEST_TIMEOUT);
        if (chdir(dir) < 0) {
            failf("chdir(%s): %s", dir, en(errno));
            _exit(1);
        }
        _exit(t->fn() ? 1 : 0);
    }
    close(p[1]);
    size_t n = 0;
    for (;;) {
        char buf[512];
        ssize_t r = read(p[0], buf, sizeof buf);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        for (ssize_t i = 0; i < r && n + 1 < msglen; i++)
            msg[n++] = buf[i];
    }
    msg[n] = 0;
    close(p[0]);
    int status;
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    /* keep the first line of the message, joining nothing */
    char *nl = strchr(msg, '\n');
    if (nl)
        *nl = 0;
    if (WIFSIGNALED(status)) {
        size_t l = strlen(msg);
        snprintf(msg + l, msglen - l, "%skilled by signal %d%s",
                 l ? " / " : "", WTERMSIG(status),
                 WTERMSIG(status) == SIGALRM ? " (timeout)" : "");
        return 1;
    }
    if (WEXITSTATUS(status) != 0) {
        if (!msg[0])
            snprintf(msg, msglen, "failed without a message");
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc == 2 && !strcmp(argv[1], "--list")) {
        for (int i = 0; i < NTESTS; i++)
            printf("%s\n", tests[i].name);
        return 0;
    }
    if (argc < 2 || argc > 3 || argv[1][0] == '-') {
        fprintf(stderr, "usage: posix-suite DIR [KNOWN-DIFFERENCES]\n"
                        "       posix-suite --list\n");
        return 2;
    }
    char **known = NULL;
    int nknown = 0;
    if (argc == 3 && (nknown = read_known(argv[2], &known)) < 0)
        return 2;
    for (int k = 0; k < nknown; k++) {
        int found = 0;
        for (int i = 0; i < NTESTS; i++)
            if (!strcmp(known[k], tests[i].name))
                found = 1;
        if (!found)
            fprintf(stderr, "posix-suite: warning: known difference \"%s\" "
                            "names no test\n",
                    known[k]);
    }
    if (geteuid() != 0)
        fprintf(stderr, "posix-suite: warning: not running as root; "
                        "ownership and permission tests will fail\n");

    mkdir(argv[1], 0755);
    char base[PATH_MAX];
    snprintf(base, sizeof base, "%s/posix-suite.%ld.XXXXXX", argv[1],
             (long)time(NULL));
    if (!mkdtemp(base)) {
        fprintf(stderr, "posix-suite: cannot create a directory in %s: %s\n",
                argv[1], en(errno));
        return 2;
    }
    /* the non-root tests must be able to reach their directories */
    chmod(base, 0755);
    setvbuf(stdout, NULL, _IOLBF, 0);
    printf("posix: running %d tests in %s\n", NTESTS, base);

    int passed = 0, unexpected = 0, leftovers = 0;
    const char **bad = malloc(sizeof *bad * (size_t)NTESTS);
    char *ok = calloc((size_t)NTESTS, 1);
    for (int i = 0; i < NTESTS; i++) {
        char dir[PATH_MAX + 300];
        snprintf(dir, sizeof dir, "%s/%s", base, tests[i].name);
        char msg[8192];
        int failed;
        if (mkdir(dir, 0755) < 0 || chmod(dir, 0755) < 0) {
            snprintf(msg, sizeof msg, "mkdir(%s): %s", dir, en(errno));
            failed = 1;
        } else {
            failed = run_test(&tests[i], dir, msg, sizeof msg);
        }
        if (!failed) {
            printf("PASS %s\n", tests[i].name);
            passed++;
            ok[i] = 1;
        } else {
            int isknown = 0;
            for (int k = 0; k < nknown; k++)
                if (!strcmp(known[k], tests[i].name))
                    isknown = 1;
            printf("FAIL %s: %s%s\n", tests[i].name, msg,
                   isknown ? " [known difference]" : "");
            if (!isknown)
                bad[unexpected++] = tests[i].name;
        }
        if (rm_tree(dir) < 0) {
            fprintf(stderr, "posix-suite: warning: could not remove %s\n",
                    dir);
            leftovers++;
        }
    }
    if (!leftovers)
        rm_tree(base);
    /* known differences that did not differ this time */
    int nowpass = 0;
    for (int k = 0; k < nknown; k++)
        for (int i = 0; i < NTESTS; i++)
            if (!strcmp(known[k], tests[i].name) && ok[i]) {
                if (!nowpass++)
                    printf("posix: known differences that passed:");
                printf(" %s", tests[i].name);
            }
    if (nowpass)
        printf("\n");
    if (unexpected) {
        printf("posix: unexpected failures:");
        for (int u = 0; u < unexpected; u++)
            printf(" %s", bad[u]);
        printf("\n");
    }
    printf("posix: %d/%d passed\n", passed, NTESTS);
    return unexpected ? 1 : 0;
}
