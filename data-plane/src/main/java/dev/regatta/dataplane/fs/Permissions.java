package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.meta.Inode;

/** POSIX permission checks from AUTH_SYS credentials, answered in ACCESS3 bits. */
final class Permissions {

    private Permissions() {
    }

    /** The ACCESS3 bits the caller holds on the inode. */
    static int granted(Caller caller, Inode inode) {
        boolean dir = inode.isDirectory();
        if (caller.isRoot()) {
            if (dir) {
                return Access.READ | Access.LOOKUP | Access.MODIFY | Access.EXTEND | Access.DELETE;
            }
            // Root may execute only what someone may execute.
            return Access.READ | Access.MODIFY | Access.EXTEND | ((inode.mode() & 0111) != 0 ? Access.EXECUTE : 0);
        }
        int bits;
        if (caller.uid() == inode.uid()) {
            bits = (inode.mode() >> 6) & 7;
        } else if (caller.inGroup(inode.gid())) {
            bits = (inode.mode() >> 3) & 7;
        } else {
            bits = inode.mode() & 7;
        }
        int granted = 0;
        if ((bits & 4) != 0) {
            granted |= Access.READ;
        }
        if ((bits & 2) != 0) {
            granted |= Access.MODIFY | Access.EXTEND | (dir ? Access.DELETE : 0);
        }
        if ((bits & 1) != 0) {
            granted |= dir ? Access.LOOKUP : Access.EXECUTE;
        }
        return granted;
    }

    static void require(Caller caller, Inode inode, int bits, String what) throws FsException {
        if ((granted(caller, inode) & bits) != bits) {
            throw new FsException(FsError.ACCES, caller + " may not " + what);
        }
    }

    /** Writing a file: like open(O_WRONLY), but the owner may write a file it created read-only. */
    static void requireWrite(Caller caller, Inode file) throws FsException {
        if (caller.uid() == file.uid() || caller.isRoot()) {
            return;
        }
        require(caller, file, Access.MODIFY, "write this file");
    }

    /** Creating or removing names in a directory needs write and search permission on it. */
    static void requireDirectoryChange(Caller caller, Inode directory) throws FsException {
        require(caller, directory, Access.MODIFY | Access.LOOKUP, "change this directory");
    }

    /**
     * chown(2): only root gives a file away; its owner may "change" it to the owner it has, nobody else may, even to
     * the values it already has (Linux's chown_ok).
     */
    static void requireChown(Caller caller, Inode inode, int uid) throws FsException {
        if (!caller.isRoot() && !(caller.uid() == inode.uid() && uid == inode.uid())) {
            throw new FsException(FsError.PERM, caller + " may not make uid " + uid + " the owner of inode "
                    + inode.id() + " (owned by " + inode.uid() + ")");
        }
    }

    /**
     * chgrp: root, or the owner to the group the file has or to a group the owner is in (its AUTH_SYS groups);
     * nobody else, even to the group the file already has (Linux's chgrp_ok).
     */
    static void requireChgrp(Caller caller, Inode inode, int gid) throws FsException {
        if (!caller.isRoot() && !(caller.uid() == inode.uid() && (gid == inode.gid() || caller.inGroup(gid)))) {
            throw new FsException(FsError.PERM, caller + " may not give inode " + inode.id() + " to group " + gid);
        }
    }

    /** The sticky bit: in a +t directory only the owner of the entry or of the directory (or root) removes it. */
    static void requireStickyOwner(Caller caller, Inode directory, Inode victim) throws FsException {
        if ((directory.mode() & 01000) != 0 && !caller.isRoot()
                && caller.uid() != directory.uid() && caller.uid() != victim.uid()) {
            throw new FsException(FsError.ACCES, caller + " may not remove another user's entry in a sticky directory");
        }
    }
}
