package dev.regatta.dataplane.fs;

/** Size and times of an inode before a change (NFSv3 wcc_attr). */
public record WccAttributes(long size, long mtimeNanos, long ctimeNanos) {
}
