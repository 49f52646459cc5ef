package dev.regatta.dataplane.fs;

/**
 * Weak cache consistency data of one inode touched by a change: its attributes just before and just after.
 * Either may be null when unknown (the inode did not exist, or is gone).
 */
public record Wcc(WccAttributes before, Attributes after) {
}
