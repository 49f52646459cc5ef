package dev.regatta.dataplane.meta;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Paths of inodes in the namespace: what key = path needs. Read inside a transaction, so a path is consistent. */
public final class Namespace {

    public static final long ROOT_ID = 1;

    private Namespace() {
    }

    /** The path of a directory ("" for the root, "a/b" below it). */
    public static String directoryPath(ReadTransaction store, Inode directory) {
        List<String> parts = new ArrayList<>();
        Inode cursor = directory;
        int guard = 0;
        while (cursor != null && cursor.id() != ROOT_ID) {
            if (cursor.links().isEmpty() || ++guard > 4096) {
                return null; // detached: being deleted
            }
            Inode.Link link = cursor.links().get(0);
            parts.add(link.name());
            cursor = store.inode(link.parentId());
        }
        if (cursor == null) {
            return null;
        }
        Collections.reverse(parts);
        return String.join("/", parts);
    }

    /** Every path of an inode: one per link (several for hard links), one for a directory. */
    public static List<String> paths(ReadTransaction store, Inode inode) {
        if (inode.id() == ROOT_ID) {
            return List.of("");
        }
        List<String> paths = new ArrayList<>();
        for (Inode.Link link : inode.links()) {
            Inode parent = store.inode(link.parentId());
            if (parent == null) {
                continue;
            }
            String parentPath = directoryPath(store, parent);
            if (parentPath != null) {
                paths.add(parentPath.isEmpty() ? link.name() : parentPath + "/" + link.name());
            }
        }
        return paths;
    }

    /** The inode at a path, or null. */
    public static Inode resolve(ReadTransaction store, List<String> components) {
        Inode cursor = store.inode(ROOT_ID);
        for (String name : components) {
            if (cursor == null || !cursor.isDirectory()) {
                return null;
            }
            MetadataStore.Entry e = store.lookup(cursor.id(), name);
            if (e == null) {
                return null;
            }
            cursor = store.inode(e.childId());
        }
        return cursor;
    }

    /** Whether {@code candidate} is {@code ancestor} or lies below it. */
    public static boolean isWithin(ReadTransaction store, Inode candidate, long ancestorId) {
        Inode cursor = candidate;
        int guard = 0;
        while (cursor != null && ++guard < 4096) {
            if (cursor.id() == ancestorId) {
                return true;
            }
            if (cursor.id() == ROOT_ID || cursor.links().isEmpty()) {
                return false;
            }
            cursor = store.inode(cursor.links().get(0).parentId());
        }
        return false;
    }
}
