package dev.regatta.dataplane.fs;

import java.util.Arrays;

/** Who makes a call: AUTH_SYS credentials after any squashing. */
public record Caller(int uid, int gid, int[] groups) {

    public static final int NOBODY = 65534;
    public static final Caller ROOT = new Caller(0, 0, new int[0]);
    public static final Caller ANONYMOUS = new Caller(NOBODY, NOBODY, new int[0]);

    public boolean isRoot() {
        return uid == 0;
    }

    public boolean inGroup(int g) {
        if (gid == g) {
            return true;
        }
        for (int x : groups) {
            if (x == g) {
                return true;
            }
        }
        return false;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Caller c && c.uid == uid && c.gid == gid && Arrays.equals(c.groups, groups);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * uid + gid) + Arrays.hashCode(groups);
    }

    @Override
    public String toString() {
        return "uid=" + uid + " gid=" + gid + " groups=" + Arrays.toString(groups);
    }
}
