package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.Stability;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

import static dev.regatta.dataplane.fs.RegattaFileSystemTest.ALICE;
import static dev.regatta.dataplane.fs.RegattaFileSystemTest.BOB;
import static org.assertj.core.api.Assertions.assertThat;

/** Who may do what, through the file system's calls: owners, groups, sticky directories, chown and chgrp. */
class PermissionsTest extends RigTest {



    @BeforeEach
    void setUp() {
        open(Duration.ofHours(1));
    }

    @Test
    void nonOwnerWithoutWritePermissionGetsAcces() throws Exception {
        long f = fs.create(Caller.ROOT, root, "alice.txt", CreateMode.GUARDED,
                new SetAttributes(0644, 1000, 1000, null, null, null), 0).fileId();
        assertThat(fs.getattr(f).uid()).isEqualTo(1000);
        fs.write(ALICE, f, 0, ByteBuffer.wrap(utf8("mine")), Stability.FILE_SYNC);
        assertThat(errorOf(() -> fs.write(BOB, f, 0, ByteBuffer.wrap(utf8("his")), Stability.FILE_SYNC)))
                .isEqualTo(FsError.ACCES);
        assertThat(errorOf(() -> fs.setattr(BOB, f, new SetAttributes(null, null, null, 0L, null, null), null)))
                .isEqualTo(FsError.ACCES);
        assertThat(errorOf(() -> fs.setattr(BOB, f, new SetAttributes(0777, null, null, null, null, null), null)))
                .isEqualTo(FsError.PERM);
        assertThat(rig.readString(f)).isEqualTo("mine");
        // BOB may read (0644) but not create in root (0755, owned by root)
        assertThat(StandardCharsets.UTF_8.decode(fs.read(BOB, f, 0, 10).data()).toString()).isEqualTo("mine");
        assertThat(errorOf(() -> fs.create(BOB, root, "bob", CreateMode.GUARDED, SetAttributes.NONE, 0)))
                .isEqualTo(FsError.ACCES);
        assertThat(errorOf(() -> fs.remove(BOB, root, "alice.txt"))).isEqualTo(FsError.ACCES);
    }

    @Test
    void groupWritePermissionLetsAMemberWrite() throws Exception {
        long f = fs.create(Caller.ROOT, root, "team", CreateMode.GUARDED,
                new SetAttributes(0660, 1000, 500, null, null, null), 0).fileId();
        Caller member = new Caller(3000, 3000, new int[]{500});
        fs.write(member, f, 0, ByteBuffer.wrap(utf8("ok")), Stability.FILE_SYNC);
        assertThat(errorOf(() -> fs.read(BOB, f, 0, 2))).isEqualTo(FsError.ACCES);
    }

    @Test
    void stickyDirectoryPreventsRemovingOthersFiles() throws Exception {
        long tmp = fs.mkdir(Caller.ROOT, root, "tmp", new SetAttributes(01777, null, null, null, null, null))
                .fileId();
        assertThat(fs.getattr(tmp).mode()).isEqualTo(01777);
        fs.create(ALICE, tmp, "alices", CreateMode.GUARDED, SetAttributes.NONE, 0);
        fs.create(BOB, tmp, "bobs", CreateMode.GUARDED, SetAttributes.NONE, 0);
        assertThat(errorOf(() -> fs.remove(BOB, tmp, "alices"))).isEqualTo(FsError.ACCES);
        assertThat(errorOf(() -> fs.rename(BOB, tmp, "alices", tmp, "stolen"))).isEqualTo(FsError.ACCES);
        assertThat(errorOf(() -> fs.rename(BOB, tmp, "bobs", tmp, "alices"))).isEqualTo(FsError.ACCES);
        fs.remove(BOB, tmp, "bobs");
        fs.remove(ALICE, tmp, "alices");
        assertThat(rig.names(tmp)).containsExactlyInAnyOrder(".", "..");
    }

    static SetAttributes owner(Integer uid, Integer gid) {
        return new SetAttributes(null, uid, gid, null, null, null);
    }

    @Test
    void aNonOwnerMayNotChownEvenToTheCurrentOwnerAndGroup() throws Exception {
        long f = fs.create(Caller.ROOT, root, "alices", CreateMode.GUARDED,
                new SetAttributes(0644, 1000, 1000, null, null, null), 0).fileId();
        Caller bobInAlicesGroup = new Caller(2000, 2000, new int[] {1000});
        assertThat(errorOf(() -> fs.setattr(BOB, f, owner(1000, 1000), null))).isEqualTo(FsError.PERM);
        assertThat(errorOf(() -> fs.setattr(BOB, f, owner(1000, null), null))).as("chown(f, uid, -1)")
                .isEqualTo(FsError.PERM);
        assertThat(errorOf(() -> fs.setattr(BOB, f, owner(null, 1000), null))).as("chown(f, -1, gid)")
                .isEqualTo(FsError.PERM);
        assertThat(errorOf(() -> fs.setattr(bobInAlicesGroup, f, owner(null, 1000), null)))
                .as("a member of the group who does not own the file").isEqualTo(FsError.PERM);
        assertThat(fs.getattr(f).uid()).isEqualTo(1000);
    }

    @Test
    void theOwnerMayChownToItselfAndChgrpToItsGroupsOrTheCurrentOne() throws Exception {
        long f = fs.create(Caller.ROOT, root, "alices", CreateMode.GUARDED,
                new SetAttributes(0644, 1000, 700, null, null, null), 0).fileId();
        Caller alice = new Caller(1000, 1000, new int[] {500});
        fs.setattr(alice, f, owner(1000, null), null);
        fs.setattr(alice, f, owner(null, 700), null); // the group it has, though she is not in it
        assertThat(errorOf(() -> fs.setattr(alice, f, owner(2000, null), null))).as("give it away")
                .isEqualTo(FsError.PERM);
        assertThat(errorOf(() -> fs.setattr(alice, f, owner(null, 600), null))).as("a group she is not in")
                .isEqualTo(FsError.PERM);
        fs.setattr(alice, f, owner(null, 500), null); // a supplementary group of hers
        assertThat(fs.getattr(f).gid()).isEqualTo(500);
        fs.setattr(alice, f, owner(null, 1000), null); // her primary group
        assertThat(fs.getattr(f).gid()).isEqualTo(1000);
        fs.setattr(Caller.ROOT, f, owner(2000, 2000), null); // root: anything
        assertThat(fs.getattr(f).uid()).isEqualTo(2000);
        assertThat(errorOf(() -> fs.setattr(alice, f, owner(1000, 1000), null))).as("no longer hers")
                .isEqualTo(FsError.PERM);
    }

    @Test
    void movingADirectoryToAnotherParentNeedsWritePermissionOnTheDirectoryItself() throws Exception {
        long a = fs.mkdir(Caller.ROOT, root, "a", new SetAttributes(0777, null, null, null, null, null)).fileId();
        long b = fs.mkdir(Caller.ROOT, root, "b", new SetAttributes(0777, null, null, null, null, null)).fileId();
        long locked = fs.mkdir(Caller.ROOT, a, "roots", new SetAttributes(0755, null, null, null, null, null))
                .fileId();
        long open = fs.mkdir(Caller.ROOT, a, "open", new SetAttributes(0777, null, null, null, null, null))
                .fileId();
        assertThat(errorOf(() -> fs.rename(BOB, a, "roots", b, "roots"))).as("its .. would change")
                .isEqualTo(FsError.ACCES);
        fs.rename(BOB, a, "roots", a, "renamed"); // within one parent its .. stays: allowed
        fs.rename(BOB, a, "open", b, "open"); // writable by him: allowed
        fs.rename(Caller.ROOT, a, "renamed", b, "renamed"); // root: allowed
        assertThat(rig.lookup(b, "open")).isEqualTo(open);
        assertThat(rig.lookup(b, "renamed")).isEqualTo(locked);
    }

    @Test
    void inStickyParentsOnlyTheEntrysOwnerTheDirectorysOwnerOrRootMayRenameOrReplace() throws Exception {
        long home = fs.mkdir(Caller.ROOT, root, "home", new SetAttributes(0777, null, null, null, null, null))
                .fileId();
        long src = fs.mkdir(ALICE, home, "src", new SetAttributes(01777, null, null, null, null, null)).fileId();
        long dst = fs.mkdir(Caller.ROOT, root, "dst", new SetAttributes(01777, null, null, null, null, null))
                .fileId();
        Caller carol = new Caller(3000, 3000, new int[0]);
        fs.create(BOB, src, "bobs", CreateMode.GUARDED, SetAttributes.NONE, 0);
        fs.create(carol, dst, "carols", CreateMode.GUARDED, SetAttributes.NONE, 0);
        // A sticky source: Carol owns neither the entry nor the directory.
        assertThat(errorOf(() -> fs.rename(carol, src, "bobs", dst, "moved"))).isEqualTo(FsError.ACCES);
        // A sticky target: Bob may not replace Carol's entry.
        assertThat(errorOf(() -> fs.rename(BOB, src, "bobs", dst, "carols"))).isEqualTo(FsError.ACCES);
        // The directory's owner may move another's entry out of it.
        fs.rename(ALICE, src, "bobs", dst, "moved");
        // The target's owner (Carol's entry) may be replaced by its owner; root may do anything.
        fs.rename(Caller.ROOT, dst, "moved", dst, "carols");
        assertThat(rig.names(dst)).containsExactlyInAnyOrder(".", "..", "carols");
    }
}
