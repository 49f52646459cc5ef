package dev.regatta.dataplane.locks;

/**
 * A file that can be locked: a file system (the number the caller uses for it, such as its export index) and the
 * file's ID in it.
 */
public record FileKey(int fileSystem, long fileId) {
}
