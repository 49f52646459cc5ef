package dev.regatta.controlplane.filesystem;

import com.fasterxml.jackson.annotation.JsonValue;

/**
 * What a member of a replication group last said it is, by the codes nodes send in their heartbeats and the status
 * API shows ({@link #code()}); stored by the same code, and as null when unknown.
 */
public enum MemberRole {
    LEADER("leader"),
    FOLLOWER("follower"),
    /** Joining the group or catching up; it serves nothing yet. */
    STARTING("starting"),
    /** Not reported (a node from before replication, or no report yet), or a role this version does not know. */
    UNKNOWN("unknown");

    private final String code;

    MemberRole(String code) {
        this.code = code;
    }

    @JsonValue
    public String code() {
        return code;
    }

    /** The role a node reported: anything but the known codes is {@link #UNKNOWN}, never an error. */
    public static MemberRole fromCode(String code) {
        for (MemberRole role : values()) {
            if (role != UNKNOWN && role.code.equals(code)) {
                return role;
            }
        }
        return UNKNOWN;
    }

    /** As the file_system_member table keeps it: null for unknown. */
    String stored() {
        return this == UNKNOWN ? null : code;
    }
}
