package dev.regatta.dataplane.fs;

import dev.regatta.dataplane.cache.DataCache;
import dev.regatta.dataplane.meta.Durability;
import dev.regatta.dataplane.meta.Inode;
import dev.regatta.dataplane.meta.MetadataStore;
import dev.regatta.dataplane.meta.Namespace;
import dev.regatta.dataplane.meta.WriteTransaction;
import dev.regatta.dataplane.model.FileType;
import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import dev.regatta.dataplane.sync.Importer;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The namespace: LOOKUP and READDIR, and every change of names (CREATE, MKDIR, SYMLINK, MKNOD, LINK, REMOVE, RMDIR,
 * RENAME). Each change first has the importer list what it touches from the bucket (S3, outside any transaction),
 * then is one durable write transaction: checks and changes together, so a change either happened whole or not.
 */
final class Names {

    private static final int MAX_SYMLINK_BYTES = 4096;

    private final MetadataStore store;
    private final DataCache cache;
    private final Importer importer;
    private final Inodes inodes;
    private final Contents contents;

    Names(MetadataStore store, DataCache cache, Importer importer, Inodes inodes, Contents contents) {
        this.store = store;
        this.cache = cache;
        this.importer = importer;
        this.inodes = inodes;
        this.contents = contents;
    }

    // ------------------------------------------------------------------ reading names

    Results.Lookup lookup(Caller caller, long directoryId, String name) throws FsException {
        Inode dir = store.read(tx -> Inodes.directory(tx, directoryId));
        Permissions.require(caller, dir, Access.LOOKUP, "search this directory");
        if (name.equals(".")) {
            return new Results.Lookup(directoryId, inodes.attributes(dir), inodes.attributes(dir));
        }
        if (name.equals("..")) {
            long parent = Inodes.parentOf(dir);
            return new Results.Lookup(parent, contents.getattr(parent), inodes.attributes(dir));
        }
        Inodes.checkName(name);
        importer.ensureNameKnown(directoryId, name);
        long childId = store.read(tx -> Inodes.entry(tx, directoryId, name).childId());
        importer.ensureAttributes(List.of(childId));
        return store.read(tx -> new Results.Lookup(childId, inodes.attributes(Inodes.inode(tx, childId)),
                inodes.attributes(Inodes.directory(tx, directoryId))));
    }

    /**
     * READDIR and READDIRPLUS. During a directory's first listing, a reply is sent as soon as its entries are merged
     * (never with EOF before the listing's end): the next call goes on from its cookie, since entries merged later
     * take later cookies. READDIRPLUS leaves out the attributes of entries whose HEAD is pending rather than wait for
     * it or show defaults that change a moment later; the client asks for them (LOOKUP, GETATTR) as it needs them.
     */
    Results.Listing readdir(Caller caller, long directoryId, long cookie, long cookieVerifier, int maxEntries,
                            boolean withAttributes) throws FsException {
        Inode dir = store.read(tx -> Inodes.directory(tx, directoryId));
        Permissions.require(caller, dir, Access.READ, "list this directory");
        long verifier = directoryVerifier(directoryId);
        if (cookie != 0 && cookieVerifier != 0 && cookieVerifier != verifier) {
            throw new FsException(FsError.BAD_COOKIE, "cookie verifier from another directory or server");
        }
        List<Results.DirEntry> special = new ArrayList<>();
        if (cookie < 1) {
            special.add(new Results.DirEntry(".", directoryId, 1, null));
        }
        if (cookie < 2) {
            special.add(new Results.DirEntry("..", Inodes.parentOf(dir), 2, null));
        }
        while (special.size() > Math.max(1, maxEntries)) {
            special.remove(special.size() - 1);
        }
        int room = Math.max(0, maxEntries - special.size());
        boolean withEntries = special.size() == 2 || cookie >= 2;
        long from = Math.max(cookie, 2);
        boolean complete = importer.ensureListedUntil(directoryId, () -> !withEntries || room == 0
                || store.read(tx -> tx.entries(directoryId, from, room)).size() >= room);
        List<MetadataStore.Entry> found = withEntries ? store.read(tx -> tx.entries(directoryId, from, room + 1))
                : List.of(new MetadataStore.Entry("..", 0, 2));
        boolean eof = complete && found.size() <= room;
        List<MetadataStore.Entry> page = found.size() <= room ? found : found.subList(0, room);
        return store.read(tx -> {
            List<Results.DirEntry> entries = new ArrayList<>(special.size() + page.size());
            for (Results.DirEntry s : special) {
                entries.add(withAttributes ? new Results.DirEntry(s.name(), s.fileId(), s.cookie(),
                        knownAttributes(Inodes.inode(tx, s.fileId()))) : s);
            }
            for (MetadataStore.Entry e : page) {
                Inode child = tx.inode(e.childId());
                if (child != null) {
                    entries.add(new Results.DirEntry(e.name(), e.childId(), e.cookie(),
                            withAttributes ? knownAttributes(child) : null));
                }
            }
            return new Results.Listing(entries, eof, verifier, inodes.attributes(Inodes.directory(tx, directoryId)));
        });
    }

    /** An inode's attributes, or null while they wait for its HEAD. */
    private Attributes knownAttributes(Inode inode) {
        return Importer.attributesKnown(inode) ? inodes.attributes(inode) : null;
    }

    /** Cookies are stable per entry, so one verifier per directory suffices; it is never 0. */
    private static long directoryVerifier(long directoryId) {
        return directoryId * 0x9E3779B97F4A7C15L | 1;
    }

    // ------------------------------------------------------------------ new names

    /** A CREATE's outcome inside its transaction: the reply so far, and whether the name was there already. */
    private record Creation(Results.Created created, boolean existed) {
    }

    Results.Created create(Caller caller, long directoryId, String name, CreateMode mode,
                           SetAttributes attributes, long verifier) throws FsException {
        contents.writable();
        Inodes.checkName(name);
        importer.ensureNameKnown(directoryId, name);
        Creation creation = store.write(Durability.SYNC, tx -> {
            Inode dir = Inodes.directory(tx, directoryId);
            MetadataStore.Entry existing = tx.lookup(directoryId, name);
            if (existing != null) {
                return new Creation(existing(tx, dir, existing, name, mode, verifier), true);
            }
            Permissions.requireDirectoryChange(caller, dir);
            long createVerifier = mode == CreateMode.EXCLUSIVE ? verifier : 0;
            return new Creation(addChild(tx, caller, dir, name, FileType.REGULAR, permissions(attributes, 0644),
                    attributes, inode -> inode.rememberCreateVerifier(createVerifier)), false);
        });
        Results.Created created = creation.created();
        Long size = attributes == null ? null : attributes.size();
        // An EXCLUSIVE replay answers as the first call did; a size asked for is set as open(O_TRUNC) would, by a
        // SETATTR of its own (a new file is empty already).
        if (size == null || (creation.existed() ? mode == CreateMode.EXCLUSIVE : size == 0)) {
            return created;
        }
        contents.setattr(caller, created.fileId(), new SetAttributes(null, null, null, size, null, null), null);
        return store.read(tx -> new Results.Created(created.fileId(),
                inodes.attributes(Inodes.inode(tx, created.fileId())),
                creation.existed() ? new Wcc(created.directory().before(),
                        inodes.attributes(Inodes.directory(tx, directoryId))) : created.directory()));
    }

    /** CREATE of a name that exists: GUARDED fails, EXCLUSIVE is a replay if the verifier matches, UNCHECKED opens. */
    private Results.Created existing(WriteTransaction tx, Inode dir, MetadataStore.Entry existing, String name,
                                     CreateMode mode, long verifier) throws FsException {
        Inode file = Inodes.inode(tx, existing.childId());
        switch (mode) {
            case GUARDED -> throw new FsException(FsError.EXIST, name);
            case EXCLUSIVE -> {
                if (file.createVerifier() != verifier || file.type() != FileType.REGULAR) {
                    throw new FsException(FsError.EXIST, name);
                }
            }
            case UNCHECKED -> {
                if (file.isDirectory()) {
                    throw new FsException(FsError.ISDIR, name);
                }
            }
            default -> throw new IllegalStateException();
        }
        return new Results.Created(file.id(), inodes.attributes(file),
                new Wcc(inodes.attributes(dir).wcc(), inodes.attributes(dir)));
    }

    Results.Created mkdir(Caller caller, long directoryId, String name, SetAttributes attributes)
            throws FsException {
        return createChild(caller, directoryId, name, FileType.DIRECTORY, permissions(attributes, 0755), attributes,
                inode -> inode.listed(System.currentTimeMillis()));
    }

    Results.Created symlink(Caller caller, long directoryId, String name, String target) throws FsException {
        byte[] bytes = target.getBytes(StandardCharsets.UTF_8);
        if (bytes.length == 0 || bytes.length > MAX_SYMLINK_BYTES) {
            throw new FsException(bytes.length == 0 ? FsError.INVAL : FsError.NAMETOOLONG, "symlink target length");
        }
        return createChild(caller, directoryId, name, FileType.SYMLINK, 0777, null, inode -> {
            // The target is the object's body in the bucket, so it is the file's data here too.
            try {
                cache.write(inode.id(), 0, ByteBuffer.wrap(bytes));
                cache.force(inode.id());
            } catch (IOException e) {
                throw new FsException(FsError.IO, "cannot write cache file for a symlink", e);
            }
            inode.symlinkTo(target);
        });
    }

    Results.Created mknod(Caller caller, long directoryId, String name, FileType type, SetAttributes attributes,
                          int major, int minor) throws FsException {
        if (type == FileType.REGULAR || type == FileType.DIRECTORY || type == FileType.SYMLINK) {
            throw new FsException(FsError.BADTYPE, "mknod makes only special files");
        }
        if ((type == FileType.BLOCK_DEVICE || type == FileType.CHAR_DEVICE) && !caller.isRoot()) {
            throw new FsException(FsError.PERM, "only root may make device nodes");
        }
        return createChild(caller, directoryId, name, type, permissions(attributes, 0644), attributes, inode -> {
            inode.setDevice(major, minor);
        });
    }

    private static int permissions(SetAttributes attributes, int defaultMode) {
        return attributes != null && attributes.mode() != null ? attributes.mode() & 07777 : defaultMode;
    }

    /** What a new inode of one kind starts with beyond the common attributes. */
    private interface InodeStep {
        void apply(Inode inode) throws FsException;
    }

    /** Makes a new name that must not exist yet: MKDIR, SYMLINK, MKNOD. */
    private Results.Created createChild(Caller caller, long directoryId, String name, FileType type, int perm,
                                        SetAttributes attributes, InodeStep init) throws FsException {
        contents.writable();
        Inodes.checkName(name);
        importer.ensureNameKnown(directoryId, name);
        return store.write(Durability.SYNC, tx -> {
            Inode dir = Inodes.directory(tx, directoryId);
            Inodes.requireAbsent(tx, directoryId, name);
            Permissions.requireDirectoryChange(caller, dir);
            return addChild(tx, caller, dir, name, type, perm, attributes, init);
        });
    }

    /** Makes a new inode named {@code name} in {@code dir}, within the caller's transaction. */
    private Results.Created addChild(WriteTransaction tx, Caller caller, Inode dir, String name, FileType type,
                                     int perm, SetAttributes attributes, InodeStep init) throws FsException {
        Inodes.checkPathLength(tx, dir, name);
        long now = Inodes.now();
        WccAttributes dirBefore = inodes.attributes(dir).wcc();
        long id = tx.allocateId();
        int gid = caller.gid();
        if ((dir.mode() & 02000) != 0) {
            gid = dir.gid(); // setgid directories pass their group down, and the bit to subdirectories
            if (type == FileType.DIRECTORY) {
                perm |= 02000;
            }
        }
        Inode child = Inode.newLocal(id, type, perm, caller.uid(), gid, now);
        if (attributes != null) {
            initialAttributes(caller, child, attributes);
        }
        child.addLink(dir.id(), name);
        init.apply(child);
        if (type == FileType.SYMLINK) {
            // A symlink's target is its cache file's body (its object's, once uploaded): every member needs it.
            tx.replicateWrite(id, 0, ByteBuffer.wrap(child.symlinkTarget().getBytes(StandardCharsets.UTF_8)));
        }
        long cookie = dir.entryAdded(type == FileType.DIRECTORY);
        dir.modified(now);
        tx.putInode(child).putEntry(dir.id(), name, id, cookie).removeTombstone(dir.id(), name)
                .markDirty(id, System.currentTimeMillis()).putInode(dir);
        if (!child.present().isEmpty()) {
            cache.recordUsage(id, child.present().totalLength());
        }
        return new Results.Created(id, inodes.attributes(child), new Wcc(dirBefore, inodes.attributes(dir)));
    }

    /** The owner and times a creating call may ask for (only root gives a file away). */
    private static void initialAttributes(Caller caller, Inode child, SetAttributes attributes) {
        if (attributes.uid() != null && caller.isRoot()) {
            child.chown(attributes.uid());
        }
        if (attributes.gid() != null && (caller.isRoot() || caller.inGroup(attributes.gid()))) {
            child.chgrp(attributes.gid());
        }
        if (attributes.mtime() != null && !attributes.mtime().serverTime()) {
            child.setMtime(attributes.mtime().nanos());
        }
        if (attributes.atime() != null && !attributes.atime().serverTime()) {
            child.setAtime(attributes.atime().nanos());
        }
    }

    Results.Linked link(Caller caller, long fileId, long directoryId, String name) throws FsException {
        contents.writable();
        Inodes.checkName(name);
        importer.ensureListed(directoryId);
        return store.write(Durability.SYNC, tx -> {
            Inode dir = Inodes.directory(tx, directoryId);
            Inode file = Inodes.inode(tx, fileId);
            if (file.isDirectory()) {
                throw new FsException(FsError.ISDIR, "cannot hard-link a directory");
            }
            Inodes.requireAbsent(tx, directoryId, name);
            Permissions.requireDirectoryChange(caller, dir);
            Inodes.checkPathLength(tx, dir, name);
            WccAttributes before = inodes.attributes(dir).wcc();
            long now = Inodes.now();
            file.addLink(directoryId, name);
            file.changed(now);
            long cookie = dir.entryAdded(false);
            dir.modified(now);
            tx.putInode(file).putInode(dir).putEntry(directoryId, name, fileId, cookie)
                    .removeTombstone(directoryId, name).markDirty(fileId, System.currentTimeMillis());
            return new Results.Linked(inodes.attributes(file), new Wcc(before, inodes.attributes(dir)));
        });
    }

    // ------------------------------------------------------------------ names going away

    /** What a removal did: the directory's wcc, and the inode whose last name went (-1 if it lives on). */
    private record Removal(Wcc directory, long goneId) {
    }

    Wcc remove(Caller caller, long directoryId, String name) throws FsException {
        contents.writable();
        Inodes.checkName(name);
        importer.ensureListed(directoryId);
        Removal removal = store.write(Durability.SYNC, tx -> {
            Inode dir = Inodes.directory(tx, directoryId);
            MetadataStore.Entry e = Inodes.entry(tx, directoryId, name);
            Inode victim = Inodes.inode(tx, e.childId());
            if (victim.isDirectory()) {
                throw new FsException(FsError.ISDIR, name + " is a directory");
            }
            Permissions.requireDirectoryChange(caller, dir);
            Permissions.requireStickyOwner(caller, dir, victim);
            WccAttributes before = inodes.attributes(dir).wcc();
            long now = Inodes.now();
            boolean gone = unlink(tx, dir, e, victim, now);
            dir.modified(now);
            tx.putInode(dir);
            return new Removal(new Wcc(before, inodes.attributes(dir)), gone ? victim.id() : -1);
        });
        // Only now may the bytes go: a crash before the removal was durable must find them still there.
        if (removal.goneId() >= 0) {
            cache.delete(removal.goneId());
        }
        return removal.directory();
    }

    Wcc rmdir(Caller caller, long directoryId, String name) throws FsException {
        contents.writable();
        Inodes.checkName(name);
        importer.ensureListed(directoryId);
        long childId = store.read(tx -> Inodes.entry(tx, directoryId, name).childId());
        importer.ensureListed(childId);
        return store.write(Durability.SYNC, tx -> {
            Inode dir = Inodes.directory(tx, directoryId);
            MetadataStore.Entry e = Inodes.entry(tx, directoryId, name);
            Inode victim = Inodes.inode(tx, e.childId());
            if (!victim.isDirectory()) {
                throw new FsException(FsError.NOTDIR, name + " is not a directory");
            }
            if (tx.hasEntries(victim.id())) {
                throw new FsException(FsError.NOTEMPTY, name);
            }
            Permissions.requireDirectoryChange(caller, dir);
            Permissions.requireStickyOwner(caller, dir, victim);
            WccAttributes before = inodes.attributes(dir).wcc();
            long now = Inodes.now();
            unlink(tx, dir, e, victim, now);
            dir.modified(now);
            tx.putInode(dir);
            return new Wcc(before, inodes.attributes(dir));
        });
    }

    /**
     * Removes one name of an inode. The last name takes the inode with it and queues its objects for deletion;
     * otherwise the inode is queued for sync, which removes the old key. Returns whether the inode is gone.
     */
    private boolean unlink(WriteTransaction tx, Inode dir, MetadataStore.Entry entry, Inode victim, long now) {
        tx.deleteEntry(dir.id(), entry.name(), entry.cookie()).addTombstone(dir.id(), entry.name(),
                System.currentTimeMillis());
        victim.removeLink(dir.id(), entry.name());
        dir.entryRemoved(victim.isDirectory());
        if (victim.links().isEmpty()) {
            long millis = System.currentTimeMillis();
            for (String key : victim.syncedKeys()) {
                tx.addPendingDelete(key, millis);
            }
            if (victim.isDirectory()) {
                // A directory may exist in the bucket only through its keys' prefix; queueing the marker's key
                // also keeps a listing that races the deletion from bringing it back.
                String parentPath = Namespace.directoryPath(tx, dir);
                if (parentPath != null) {
                    tx.addPendingDelete(importer.markerKey(parentPath.isEmpty() ? entry.name()
                            : parentPath + "/" + entry.name()), millis);
                }
            }
            tx.clearDirty(victim.id()).deleteInode(victim.id());
            return true;
        }
        victim.changed(now);
        tx.putInode(victim).markDirty(victim.id(), System.currentTimeMillis());
        return false;
    }

    // ------------------------------------------------------------------ rename

    /** A rename's outcome: both directories' wcc, and the inode the target name held if it went with it. */
    private record Renaming(Results.Renamed result, long replacedId) {
    }

    Results.Renamed rename(Caller caller, long fromDirectoryId, String fromName, long toDirectoryId, String toName)
            throws FsException {
        contents.writable();
        Inodes.checkName(fromName);
        Inodes.checkName(toName);
        importer.ensureListed(fromDirectoryId);
        importer.ensureListed(toDirectoryId);
        long[] found = store.read(tx -> {
            long source = Inodes.entry(tx, fromDirectoryId, fromName).childId();
            MetadataStore.Entry target = tx.lookup(toDirectoryId, toName);
            boolean targetIsDirectory = target != null && Inodes.inode(tx, target.childId()).isDirectory();
            return new long[] {source, targetIsDirectory ? target.childId() : -1};
        });
        if (contents.inode(found[0]).isDirectory()) {
            // Every object below moves to a new key: the whole subtree must be known first.
            importer.ensureSubtreeListed(found[0]);
        }
        if (found[1] >= 0) {
            importer.ensureListed(found[1]);
        }
        Renaming renaming = store.write(Durability.SYNC,
                tx -> rename(tx, caller, fromDirectoryId, fromName, toDirectoryId, toName));
        if (renaming.replacedId() >= 0) {
            cache.delete(renaming.replacedId());
        }
        return renaming.result();
    }

    private Renaming rename(WriteTransaction tx, Caller caller, long fromDirectoryId, String fromName,
                            long toDirectoryId, String toName) throws FsException {
        boolean sameDir = fromDirectoryId == toDirectoryId;
        Inode fromDir = Inodes.directory(tx, fromDirectoryId);
        // One directory must be one object here, or a change to one copy is lost when the other is stored.
        Inode toDir = sameDir ? fromDir : Inodes.directory(tx, toDirectoryId);
        MetadataStore.Entry e = Inodes.entry(tx, fromDirectoryId, fromName);
        Inode source = Inodes.inode(tx, e.childId());
        WccAttributes fromBefore = inodes.attributes(fromDir).wcc();
        WccAttributes toBefore = inodes.attributes(toDir).wcc();
        MetadataStore.Entry target = tx.lookup(toDirectoryId, toName);
        if ((sameDir && fromName.equals(toName)) || (target != null && target.childId() == source.id())) {
            // The same name, or two names of one inode: POSIX says rename does nothing.
            return new Renaming(renamed(fromDir, fromBefore, toDir, toBefore), -1);
        }
        checkRename(tx, caller, fromDir, toDir, source, toName);
        long now = Inodes.now();
        long replacedId = -1;
        if (target != null) {
            Inode targetInode = Inodes.inode(tx, target.childId());
            checkReplace(tx, caller, toDir, source, targetInode, toName);
            if (unlink(tx, toDir, target, targetInode, now)) {
                replacedId = targetInode.id();
            }
        }
        tx.deleteEntry(fromDirectoryId, fromName, e.cookie())
                .addTombstone(fromDirectoryId, fromName, System.currentTimeMillis());
        // One directory when sameDir: a subdirectory's count goes down and up again.
        fromDir.entryRemoved(source.isDirectory());
        long cookie = toDir.entryAdded(source.isDirectory());
        tx.putEntry(toDirectoryId, toName, source.id(), cookie).removeTombstone(toDirectoryId, toName);
        source.removeLink(fromDirectoryId, fromName);
        source.addLink(toDirectoryId, toName);
        source.changed(now);
        tx.putInode(source).markDirty(source.id(), System.currentTimeMillis());
        fromDir.modified(now);
        toDir.modified(now);
        tx.putInode(fromDir);
        if (!sameDir) {
            tx.putInode(toDir);
        }
        if (source.isDirectory()) {
            markSubtreeMoved(tx, source.id());
        }
        return new Renaming(renamed(fromDir, fromBefore, toDir, toBefore), replacedId);
    }

    private Results.Renamed renamed(Inode fromDir, WccAttributes fromBefore, Inode toDir, WccAttributes toBefore) {
        return new Results.Renamed(new Wcc(fromBefore, inodes.attributes(fromDir)),
                new Wcc(toBefore, inodes.attributes(toDir)));
    }

    /** May the caller move {@code source} out of {@code fromDir} into {@code toDir} as {@code toName}? */
    private static void checkRename(WriteTransaction tx, Caller caller, Inode fromDir, Inode toDir, Inode source,
                                    String toName) throws FsException {
        Permissions.requireDirectoryChange(caller, fromDir);
        Permissions.requireDirectoryChange(caller, toDir);
        Permissions.requireStickyOwner(caller, fromDir, source);
        if (source.isDirectory() && fromDir.id() != toDir.id()) {
            // Its ".." changes: the directory itself is written (Linux asks for MAY_WRITE on it; the NFS client
            // leaves the check to the server).
            Permissions.require(caller, source, Access.MODIFY, "move this directory to another parent");
        }
        if (source.isDirectory() && Namespace.isWithin(tx, toDir, source.id())) {
            throw new FsException(FsError.INVAL, "cannot move a directory into itself");
        }
        Inodes.checkPathLength(tx, toDir, toName);
    }

    /** May {@code source} replace {@code target}, the inode now named {@code toName} in {@code toDir}? */
    private static void checkReplace(WriteTransaction tx, Caller caller, Inode toDir, Inode source, Inode target,
                                     String toName) throws FsException {
        Permissions.requireStickyOwner(caller, toDir, target);
        if (source.isDirectory() && !target.isDirectory()) {
            throw new FsException(FsError.NOTDIR, toName + " is not a directory");
        }
        if (!source.isDirectory() && target.isDirectory()) {
            throw new FsException(FsError.ISDIR, toName + " is a directory");
        }
        if (target.isDirectory() && tx.hasEntries(target.id())) {
            throw new FsException(FsError.NOTEMPTY, toName);
        }
    }

    /**
     * Every inode below a moved directory has new keys: queue each for sync, which copies and deletes. Each also
     * gets a new version, so that a sync already under way for its old keys keeps it queued when it finishes
     * (otherwise that sync would record the old keys as current and the move would never reach the bucket).
     */
    private static void markSubtreeMoved(WriteTransaction tx, long directoryId) {
        List<Long> pending = new ArrayList<>(List.of(directoryId));
        long millis = System.currentTimeMillis();
        while (!pending.isEmpty()) {
            long dir = pending.remove(pending.size() - 1);
            long after = 0;
            List<MetadataStore.Entry> page;
            while (!(page = tx.entries(dir, after, 1024)).isEmpty()) {
                for (MetadataStore.Entry child : page) {
                    tx.markDirty(child.childId(), millis);
                    Inode inode = tx.inode(child.childId());
                    if (inode != null) {
                        tx.putInode(inode);
                        if (inode.isDirectory()) {
                            pending.add(inode.id());
                        }
                    }
                    after = child.cookie();
                }
            }
        }
    }
}
