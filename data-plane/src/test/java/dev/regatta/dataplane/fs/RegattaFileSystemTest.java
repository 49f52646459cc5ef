package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.Stability;
import dev.regatta.dataplane.model.FileType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RegattaFileSystemTest extends RigTest {



    static final Caller ALICE = new Caller(1000, 1000, new int[0]);
    static final Caller BOB = new Caller(2000, 2000, new int[0]);

    @BeforeEach
    void setUp() {
        open(Duration.ofHours(1));
    }

    // ------------------------------------------------------------------ data

    @Test
    void createWriteRead() throws Exception {
        long f = rig.create(root, "hello.txt");
        Results.Written w = fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(utf8("hello, world")), Stability.FILE_SYNC);
        assertThat(w.count()).isEqualTo(12);
        assertThat(w.file().after().size()).isEqualTo(12);
        assertThat(rig.lookup(root, "hello.txt")).isEqualTo(f);
        Results.Read r = fs.read(Caller.ROOT, f, 7, 100);
        assertThat(StandardCharsets.UTF_8.decode(r.data()).toString()).isEqualTo("world");
        assertThat(r.eof()).isTrue();
        Results.Read partial = fs.read(Caller.ROOT, f, 0, 5);
        assertThat(partial.eof()).isFalse();
        assertThat(fs.read(Caller.ROOT, f, 100, 10).data().remaining()).isZero();
        assertThat(fs.getattr(f).type()).isEqualTo(FileType.REGULAR);
    }

    @Test
    void overwriteInTheMiddleKeepsTheRest() throws Exception {
        long f = rig.create(root, "f");
        rig.write(f, 0, "aaaaaaaaaa");
        rig.write(f, 3, "BBB");
        assertThat(rig.readString(f)).isEqualTo("aaaBBBaaaa");
        assertThat(fs.getattr(f).size()).isEqualTo(10);
    }

    @Test
    void writeBeyondEofLeavesAZeroFilledHole() throws Exception {
        long f = rig.create(root, "sparse");
        rig.write(f, 0, "abc");
        rig.write(f, 10, "xyz");
        assertThat(fs.getattr(f).size()).isEqualTo(13);
        byte[] all = rig.read(f, 0, 100);
        assertThat(all).hasSize(13);
        assertThat(new String(all, 0, 3, StandardCharsets.UTF_8)).isEqualTo("abc");
        for (int i = 3; i < 10; i++) {
            assertThat(all[i]).as("byte " + i).isZero();
        }
        assertThat(new String(all, 10, 3, StandardCharsets.UTF_8)).isEqualTo("xyz");
    }

    @Test
    void holeAfterTruncateDoesNotResurrectOldBytes() throws Exception {
        long f = rig.create(root, "f");
        rig.write(f, 0, "0123456789ABCDEFGHIJ");
        fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, 5L, null, null), null);
        rig.write(f, 15, "z");
        byte[] all = rig.read(f, 0, 100);
        assertThat(all).hasSize(16);
        assertThat(new String(all, 0, 5, StandardCharsets.UTF_8)).isEqualTo("01234");
        for (int i = 5; i < 15; i++) {
            assertThat(all[i]).as("byte " + i).isZero();
        }
        assertThat(all[15]).isEqualTo((byte) 'z');
    }

    @Test
    void truncateDownThenUpReadsZerosAfter() throws Exception {
        long f = rig.create(root, "t");
        rig.write(f, 0, "hello world");
        Wcc down = fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, 5L, null, null), null);
        assertThat(down.after().size()).isEqualTo(5);
        assertThat(rig.readString(f)).isEqualTo("hello");
        fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, 10L, null, null), null);
        byte[] all = rig.read(f, 0, 100);
        assertThat(all).hasSize(10);
        assertThat(new String(all, 0, 5, StandardCharsets.UTF_8)).isEqualTo("hello");
        assertThat(new byte[]{all[5], all[6], all[7], all[8], all[9]}).containsOnly(0);
    }

    @Test
    void sizesBeyondTheLargestObjectAreFbigAndChangeNothing() throws Exception {
        long f = rig.create(root, "big");
        rig.write(f, 0, "abc");
        // 2^63 and more arrive as negative longs from the wire's unsigned size3.
        for (long size : new long[] {Long.MIN_VALUE, -1L, VirtualFileSystem.MAX_FILE_SIZE + 1}) {
            assertThat(errorOf(() -> fs.setattr(Caller.ROOT, f, new SetAttributes(null, null, null, size, null, null),
                    null))).as("size " + Long.toUnsignedString(size)).isEqualTo(FsError.FBIG);
        }
        assertThat(errorOf(() -> rig.write(f, VirtualFileSystem.MAX_FILE_SIZE - 1, "xy"))).isEqualTo(FsError.FBIG);
        assertThat(rig.readString(f)).isEqualTo("abc");
        Wcc exact = fs.setattr(Caller.ROOT, f,
                new SetAttributes(null, null, null, VirtualFileSystem.MAX_FILE_SIZE, null, null), null);
        assertThat(exact.after().size()).isEqualTo(VirtualFileSystem.MAX_FILE_SIZE);
    }

    @Test
    void readAndWriteOfADirectoryAreIsdir() throws Exception {
        long d = rig.mkdir(root, "d");
        assertThat(errorOf(() -> fs.read(Caller.ROOT, d, 0, 1))).isEqualTo(FsError.ISDIR);
        assertThat(errorOf(() -> rig.write(d, 0, "x"))).isEqualTo(FsError.ISDIR);
    }

    // ------------------------------------------------------------------ create modes

    @Test
    void guardedCreateOfExistingNameIsExist() throws Exception {
        rig.create(root, "g");
        assertThat(errorOf(() -> fs.create(Caller.ROOT, root, "g", CreateMode.GUARDED, SetAttributes.NONE, 0)))
                .isEqualTo(FsError.EXIST);
    }

    @Test
    void uncheckedCreateOfExistingFileKeepsItAndMayTruncate() throws Exception {
        long f = rig.create(root, "u");
        rig.write(f, 0, "content");
        long again = fs.create(Caller.ROOT, root, "u", CreateMode.UNCHECKED, SetAttributes.NONE, 0).fileId();
        assertThat(again).isEqualTo(f);
        assertThat(rig.readString(f)).isEqualTo("content");
        fs.create(Caller.ROOT, root, "u", CreateMode.UNCHECKED, new SetAttributes(null, null, null, 0L, null, null), 0);
        assertThat(fs.getattr(f).size()).isZero();
    }

    @Test
    void exclusiveCreateRetransmitSucceedsOtherVerifierIsExist() throws Exception {
        long verifier = 0x1122334455667788L;
        long first = fs.create(Caller.ROOT, root, "x", CreateMode.EXCLUSIVE, SetAttributes.NONE, verifier).fileId();
        long retry = fs.create(Caller.ROOT, root, "x", CreateMode.EXCLUSIVE, SetAttributes.NONE, verifier).fileId();
        assertThat(retry).isEqualTo(first);
        assertThat(errorOf(() -> fs.create(Caller.ROOT, root, "x", CreateMode.EXCLUSIVE, SetAttributes.NONE,
                verifier + 1))).isEqualTo(FsError.EXIST);
        rig.create(root, "plain");
        assertThat(errorOf(() -> fs.create(Caller.ROOT, root, "plain", CreateMode.EXCLUSIVE, SetAttributes.NONE,
                verifier))).isEqualTo(FsError.EXIST);
    }

    // ------------------------------------------------------------------ directories

    @Test
    void mkdirRmdirAndNotEmpty() throws Exception {
        long d = rig.mkdir(root, "d");
        assertThat(fs.getattr(root).nlink()).isEqualTo(3);
        assertThat(fs.getattr(d).nlink()).isEqualTo(2);
        assertThat(fs.getattr(d).type()).isEqualTo(FileType.DIRECTORY);
        assertThat(errorOf(() -> rig.mkdir(root, "d"))).isEqualTo(FsError.EXIST);
        rig.create(d, "inside");
        assertThat(errorOf(() -> fs.rmdir(Caller.ROOT, root, "d"))).isEqualTo(FsError.NOTEMPTY);
        fs.remove(Caller.ROOT, d, "inside");
        fs.rmdir(Caller.ROOT, root, "d");
        assertThat(errorOf(() -> rig.lookup(root, "d"))).isEqualTo(FsError.NOENT);
        assertThat(errorOf(() -> fs.getattr(d))).isEqualTo(FsError.STALE);
        assertThat(fs.getattr(root).nlink()).isEqualTo(2);
    }

    @Test
    void rmdirOfAFileIsNotdirAndRemoveOfADirectoryIsIsdir() throws Exception {
        rig.create(root, "f");
        rig.mkdir(root, "d");
        assertThat(errorOf(() -> fs.rmdir(Caller.ROOT, root, "f"))).isEqualTo(FsError.NOTDIR);
        assertThat(errorOf(() -> fs.remove(Caller.ROOT, root, "d"))).isEqualTo(FsError.ISDIR);
    }

    @Test
    void lookupOfDotDotGivesTheParent() throws Exception {
        long d = rig.mkdir(root, "d");
        long e = rig.mkdir(d, "e");
        assertThat(fs.lookup(Caller.ROOT, e, "..").fileId()).isEqualTo(d);
        assertThat(fs.lookup(Caller.ROOT, root, "..").fileId()).isEqualTo(root);
        assertThat(fs.lookup(Caller.ROOT, e, ".").fileId()).isEqualTo(e);
    }

    // ------------------------------------------------------------------ rename

    @Test
    void renameOverExistingFileReplacesIt() throws Exception {
        long a = rig.create(root, "a");
        rig.write(a, 0, "new");
        long b = rig.create(root, "b");
        rig.write(b, 0, "old content");
        fs.rename(Caller.ROOT, root, "a", root, "b");
        assertThat(rig.lookup(root, "b")).isEqualTo(a);
        assertThat(rig.readString(a)).isEqualTo("new");
        assertThat(errorOf(() -> rig.lookup(root, "a"))).isEqualTo(FsError.NOENT);
        assertThat(errorOf(() -> fs.getattr(b))).isEqualTo(FsError.STALE);
        assertThat(rig.names(root)).containsExactlyInAnyOrder(".", "..", "b");
    }

    @Test
    void renameAcrossDirectoriesMovesSubdirectoryCounts() throws Exception {
        long p = rig.mkdir(root, "p");
        long q = rig.mkdir(root, "q");
        long d = rig.mkdir(p, "d");
        fs.rename(Caller.ROOT, p, "d", q, "d2");
        assertThat(fs.getattr(p).nlink()).isEqualTo(2);
        assertThat(fs.getattr(q).nlink()).isEqualTo(3);
        assertThat(rig.lookup(q, "d2")).isEqualTo(d);
        assertThat(fs.lookup(Caller.ROOT, d, "..").fileId()).isEqualTo(q);
    }

    @Test
    void renameDirectoryOverEmptyDirectoryInSameParentKeepsNlink() throws Exception {
        long p = rig.mkdir(root, "p");
        rig.mkdir(p, "a");
        rig.mkdir(p, "b");
        assertThat(fs.getattr(p).nlink()).isEqualTo(4);
        fs.rename(Caller.ROOT, p, "a", p, "b");
        assertThat(rig.names(p)).containsExactlyInAnyOrder(".", "..", "b");
        assertThat(fs.getattr(p).nlink()).as("one subdirectory left").isEqualTo(3);
    }

    @Test
    void renameDirectoryOverEmptyDirectoryInOtherParentKeepsNlink() throws Exception {
        long p = rig.mkdir(root, "p");
        long q = rig.mkdir(root, "q");
        rig.mkdir(p, "a");
        rig.mkdir(q, "b");
        fs.rename(Caller.ROOT, p, "a", q, "b");
        assertThat(fs.getattr(p).nlink()).isEqualTo(2);
        assertThat(fs.getattr(q).nlink()).isEqualTo(3);
    }

    @Test
    void renameDirectoryIntoItsOwnSubtreeIsInval() throws Exception {
        long a = rig.mkdir(root, "a");
        long b = rig.mkdir(a, "b");
        long c = rig.mkdir(b, "c");
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "a", c, "a"))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "a", a, "self"))).isEqualTo(FsError.INVAL);
        assertThat(rig.lookup(root, "a")).isEqualTo(a);
    }

    @Test
    void renameFileOverDirectoryIsIsdirAndDirectoryOverFileIsNotdir() throws Exception {
        rig.create(root, "f");
        rig.mkdir(root, "d");
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "f", root, "d"))).isEqualTo(FsError.ISDIR);
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "d", root, "f"))).isEqualTo(FsError.NOTDIR);
    }

    @Test
    void renameOverNonEmptyDirectoryIsNotempty() throws Exception {
        rig.mkdir(root, "a");
        long b = rig.mkdir(root, "b");
        rig.create(b, "x");
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "a", root, "b"))).isEqualTo(FsError.NOTEMPTY);
    }

    @Test
    void renameOfMissingNameIsNoent() {
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "nope", root, "x"))).isEqualTo(FsError.NOENT);
    }

    // ------------------------------------------------------------------ links and removal

    @Test
    void hardLinksCountNames() throws Exception {
        long f = rig.create(root, "f");
        rig.write(f, 0, "shared");
        long d = rig.mkdir(root, "d");
        Results.Linked l = fs.link(Caller.ROOT, f, d, "g");
        assertThat(l.file().nlink()).isEqualTo(2);
        assertThat(fs.getattr(f).nlink()).isEqualTo(2);
        assertThat(rig.lookup(d, "g")).isEqualTo(f);
        assertThat(errorOf(() -> fs.link(Caller.ROOT, f, d, "g"))).isEqualTo(FsError.EXIST);
        assertThat(errorOf(() -> fs.link(Caller.ROOT, d, root, "dirlink"))).isEqualTo(FsError.ISDIR);
        fs.remove(Caller.ROOT, root, "f");
        assertThat(fs.getattr(f).nlink()).isEqualTo(1);
        assertThat(rig.readString(f)).isEqualTo("shared");
        fs.remove(Caller.ROOT, d, "g");
        assertThat(errorOf(() -> fs.getattr(f))).isEqualTo(FsError.STALE);
    }

    @Test
    void removeDeletesTheNameAndTheInode() throws Exception {
        long f = rig.create(root, "f");
        rig.write(f, 0, "bytes");
        fs.remove(Caller.ROOT, root, "f");
        assertThat(errorOf(() -> rig.lookup(root, "f"))).isEqualTo(FsError.NOENT);
        assertThat(errorOf(() -> fs.getattr(f))).isEqualTo(FsError.STALE);
        assertThat(errorOf(() -> fs.remove(Caller.ROOT, root, "f"))).isEqualTo(FsError.NOENT);
        assertThat(rig.cache.usage()).doesNotContainKey(f);
    }

    // ------------------------------------------------------------------ names

    @Test
    void invalidNamesAreRefused() throws Exception {
        String name255 = "n".repeat(255);
        String name256 = "n".repeat(256);
        String multibyte256 = "é".repeat(128); // 256 bytes of UTF-8, 128 chars
        assertThat(errorOf(() -> rig.create(root, "a/b"))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> rig.mkdir(root, "a/b"))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> rig.create(root, ""))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> rig.create(root, "."))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> rig.create(root, "a\0b"))).isEqualTo(FsError.INVAL);
        assertThat(errorOf(() -> rig.create(root, name256))).isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> rig.create(root, multibyte256))).isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> rig.mkdir(root, name256))).isEqualTo(FsError.NAMETOOLONG);
        long ok = rig.create(root, name255);
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, name255, root, name256)))
                .isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> fs.link(Caller.ROOT, ok, root, "x/y"))).isEqualTo(FsError.INVAL);
        assertThat(rig.lookup(root, name255)).isEqualTo(ok);
    }

    @Test
    void pathsUpToPathMaxAreMadeAndOneByteMoreIsNameTooLongWhateverTheOperation() throws Exception {
        // 16 levels of 250-byte names: a 4,015-byte directory path; PATH_MAX leaves 4096 - 2 - 4016 = 78 bytes.
        long parent = root;
        int pathBytes = -1;
        for (int level = 0; level < 16; level++) {
            parent = rig.mkdir(parent, String.format("%02d", level) + "d".repeat(248));
            pathBytes += 251;
        }
        long dir = parent;
        assertThat(pathBytes).isEqualTo(4015);
        String fits = "f".repeat(4094 - pathBytes - 1); // "/" + path + "/" + name + NUL = 4096
        String over = fits + "x";
        long file = rig.create(dir, fits);
        assertThat(errorOf(() -> rig.create(dir, over))).isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> rig.mkdir(dir, over))).isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> fs.symlink(Caller.ROOT, dir, over, "t", SetAttributes.NONE)))
                .isEqualTo(FsError.NAMETOOLONG);
        assertThat(errorOf(() -> fs.link(Caller.ROOT, file, dir, over))).isEqualTo(FsError.NAMETOOLONG);
        long shallow = rig.create(root, "shallow");
        assertThat(errorOf(() -> fs.rename(Caller.ROOT, root, "shallow", dir, over)))
                .isEqualTo(FsError.NAMETOOLONG);
        fs.remove(Caller.ROOT, dir, fits);
        fs.rename(Caller.ROOT, root, "shallow", dir, fits);
        assertThat(rig.lookup(dir, fits)).isEqualTo(shallow);
        fs.link(Caller.ROOT, shallow, dir, fits.substring(1) + "l");
        fs.remove(Caller.ROOT, dir, fits);
        fs.symlink(Caller.ROOT, dir, fits, "t".repeat(4096), SetAttributes.NONE);
    }

    // ------------------------------------------------------------------ readdir

    @Test
    void readdirWithSmallPagesSeesEveryEntryExactlyOnce() throws Exception {
        long d = rig.mkdir(root, "many");
        Set<String> expected = new HashSet<>(List.of(".", ".."));
        for (int i = 0; i < 23; i++) {
            rig.create(d, "file-" + i);
            expected.add("file-" + i);
        }
        List<String> seen = new ArrayList<>();
        long cookie = 0;
        long verifier = 0;
        int pages = 0;
        while (true) {
            Results.Listing page = fs.readdir(Caller.ROOT, d, cookie, verifier, 5, true);
            assertThat(page.entries()).isNotEmpty();
            for (Results.DirEntry e : page.entries()) {
                seen.add(e.name());
                assertThat(e.attributes()).isNotNull();
                cookie = e.cookie();
            }
            verifier = page.cookieVerifier();
            pages++;
            assertThat(pages).isLessThan(50);
            if (page.eof()) {
                break;
            }
        }
        assertThat(seen).doesNotHaveDuplicates();
        assertThat(seen).containsExactlyInAnyOrderElementsOf(expected);
    }

    @Test
    void readdirHonoursMaxEntries() throws Exception {
        long d = rig.mkdir(root, "few");
        for (int i = 0; i < 5; i++) {
            rig.create(d, "f" + i);
        }
        for (int max : new int[]{2, 3, 4}) {
            Results.Listing first = fs.readdir(Caller.ROOT, d, 0, 0, max, false);
            assertThat(first.entries()).as("maxEntries " + max).hasSizeLessThanOrEqualTo(max);
            assertThat(first.eof()).isFalse();
        }
    }

    @Test
    void readdirPagingSurvivesAddsAndRemovesBetweenPages() throws Exception {
        long d = rig.mkdir(root, "churn");
        for (int i = 0; i < 20; i++) {
            rig.create(d, "old-" + i);
        }
        List<String> seen = new ArrayList<>();
        long cookie = 0;
        long verifier = 0;
        int round = 0;
        Set<String> removed = new HashSet<>();
        while (true) {
            Results.Listing page = fs.readdir(Caller.ROOT, d, cookie, verifier, 4, false);
            for (Results.DirEntry e : page.entries()) {
                seen.add(e.name());
                cookie = e.cookie();
            }
            verifier = page.cookieVerifier();
            if (page.eof()) {
                break;
            }
            // churn: remove the entry just returned and one not yet reached, add a new one
            String last = page.entries().get(page.entries().size() - 1).name();
            if (last.startsWith("old-")) {
                fs.remove(Caller.ROOT, d, last);
                removed.add(last);
            }
            String ahead = "old-" + (19 - round);
            if (!seen.contains(ahead) && !removed.contains(ahead)) {
                fs.remove(Caller.ROOT, d, ahead);
                removed.add(ahead);
            }
            rig.create(d, "new-" + round);
            round++;
            assertThat(round).isLessThan(100);
        }
        assertThat(seen).doesNotHaveDuplicates();
        for (int i = 0; i < 20; i++) {
            String name = "old-" + i;
            boolean removedAhead = removed.contains(name) && !seen.contains(name);
            if (!removedAhead) {
                assertThat(seen).as("entry present throughout: " + name).contains(name);
            }
        }
        for (String name : seen) {
            assertThat(name.equals(".") || name.equals("..") || name.startsWith("old-") || name.startsWith("new-"))
                    .isTrue();
        }
    }

    @Test
    void readdirWithAForeignVerifierIsBadCookie() throws Exception {
        long d = rig.mkdir(root, "d");
        rig.create(d, "f");
        long other = fs.readdir(Caller.ROOT, root, 0, 0, 10, false).cookieVerifier();
        long cookie = fs.readdir(Caller.ROOT, d, 0, 0, 10, false).entries().get(2).cookie();
        assertThat(errorOf(() -> fs.readdir(Caller.ROOT, d, cookie, other, 10, false)))
                .isEqualTo(FsError.BAD_COOKIE);
    }

    // ------------------------------------------------------------------ setattr

    @Test
    void setattrGuardMismatchIsNotSync() throws Exception {
        long f = rig.create(root, "f");
        Attributes a = fs.getattr(f);
        assertThat(errorOf(() -> fs.setattr(Caller.ROOT, f, new SetAttributes(0600, null, null, null, null, null),
                a.ctimeNanos() + 1))).isEqualTo(FsError.NOT_SYNC);
        assertThat(fs.getattr(f).mode()).isEqualTo(0644);
        Wcc ok = fs.setattr(Caller.ROOT, f, new SetAttributes(0600, null, null, null, null, null), a.ctimeNanos());
        assertThat(ok.after().mode()).isEqualTo(0600);
        assertThat(fs.getattr(f).mode()).isEqualTo(0600);
    }

    @Test
    void setattrTimesAndOwner() throws Exception {
        long f = rig.create(root, "f");
        fs.setattr(Caller.ROOT, f, new SetAttributes(null, 42, 43, null, null,
                SetAttributes.TimeChange.at(1_000_000_123L)), null);
        Attributes a = fs.getattr(f);
        assertThat(a.uid()).isEqualTo(42);
        assertThat(a.gid()).isEqualTo(43);
        assertThat(a.mtimeNanos()).isEqualTo(1_000_000_123L);
        assertThat(errorOf(() -> fs.setattr(ALICE, f, new SetAttributes(null, 1000, null, null, null, null), null)))
                .isEqualTo(FsError.PERM);
    }

    @Test
    void aRefusedSetattrChangesNothingNotEvenTheCachedBytes() throws Exception {
        long f = rig.create(root, "shared");
        fs.write(Caller.ROOT, f, 0, ByteBuffer.wrap(utf8("hello, world")), Stability.FILE_SYNC);
        fs.setattr(Caller.ROOT, f, new SetAttributes(0666, 1000, 1000, null, null, null), null);
        // Bob may write (and so truncate), but not set an explicit time on Alice's file: the whole call fails.
        assertThat(errorOf(() -> fs.setattr(BOB, f, new SetAttributes(null, null, null, 0L, null,
                SetAttributes.TimeChange.at(1_000_000_000L)), null))).isEqualTo(FsError.PERM);
        assertThat(fs.getattr(f).size()).isEqualTo(12);
        assertThat(StandardCharsets.UTF_8.decode(fs.read(Caller.ROOT, f, 0, 100).data()).toString())
                .isEqualTo("hello, world");
    }

    // ------------------------------------------------------------------ read-only

    @Test
    void readOnlyInstanceRefusesEveryChange() throws Exception {
        long f = rig.create(root, "existing");
        rig.write(f, 0, "data");
        rig.mkdir(root, "dir");
        rig.close();
        rig = new FsTestRig(endpoint, dir, Duration.ofHours(1), true);
        RegattaFileSystem ro = rig.fs;
        assertThat(ro.readOnly()).isTrue();
        assertThat(errorOf(() -> ro.create(Caller.ROOT, root, "new", CreateMode.UNCHECKED, SetAttributes.NONE, 0)))
                .isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.write(Caller.ROOT, f, 0, ByteBuffer.wrap(utf8("x")), Stability.FILE_SYNC)))
                .isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.mkdir(Caller.ROOT, root, "d2", SetAttributes.NONE))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.setattr(Caller.ROOT, f, new SetAttributes(0600, null, null, null, null, null),
                null))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.remove(Caller.ROOT, root, "existing"))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.rmdir(Caller.ROOT, root, "dir"))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.rename(Caller.ROOT, root, "existing", root, "moved"))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.link(Caller.ROOT, f, root, "l"))).isEqualTo(FsError.ROFS);
        assertThat(errorOf(() -> ro.symlink(Caller.ROOT, root, "s", "target", SetAttributes.NONE)))
                .isEqualTo(FsError.ROFS);
        assertThat(ro.access(Caller.ROOT, f, Access.READ | Access.MODIFY).granted()).isEqualTo(Access.READ);
        assertThat(StandardCharsets.UTF_8.decode(ro.read(Caller.ROOT, f, 0, 10).data()).toString()).isEqualTo("data");
    }

    @Test
    void symlinkStoresItsTarget() throws Exception {
        long s = fs.symlink(Caller.ROOT, root, "link", "some/where", SetAttributes.NONE).fileId();
        assertThat(fs.readlink(Caller.ROOT, s).target()).isEqualTo("some/where");
        assertThat(fs.getattr(s).type()).isEqualTo(FileType.SYMLINK);
        assertThat(fs.getattr(s).size()).isEqualTo(10);
        assertThatThrownBy(() -> fs.readlink(Caller.ROOT, root)).isInstanceOf(FsException.class);
    }
}
