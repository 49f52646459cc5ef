package dev.regatta.dataplane.fs;

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
            return Access.READ | Access.MODIFY | Access.EXTEND | ((inode.mode & 0111) != 0 ? Access.EXECUTE : 0);
        }
        int bits;
        if (caller.uid() == inode.uid) {
            bits = (inode.mode >> 6) & 7;
        } else if (caller.inGroup(inode.gid)) {
            bits = (inode.mode >> 3) & 7;
        } else {
            bits = inode.mode & 7;
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
        if (caller.uid() == file.uid || caller.isRoot()) {
            return;
        }
        require(caller, file, Access.MODIFY, "write this file");
    }

    /** Creating or removing names in a directory needs write and search permission on it. */
    static void requireDirectoryChange(Caller caller, Inode directory) throws FsException {
        require(caller, directory, Access.MODIFY | Access.LOOKUP, "change this directory");
    }

    /** The sticky bit: in a +t directory only the owner of the entry or of the directory (or root) removes it. */
    static void requireStickyOwner(Caller caller, Inode directory, Inode victim) throws FsException {
        if ((directory.mode & 01000) != 0 && !caller.isRoot()
                && caller.uid() != directory.uid && caller.uid() != victim.uid) {
            throw new FsException(FsError.ACCES, caller + " may not remove another user's entry in a sticky directory");
        }
    }
}
