package dev.regatta.dataplane.nfs;

import dev.regatta.dataplane.fs.ExportTable;
import dev.regatta.dataplane.fs.VirtualFileSystem;
import java.nio.charset.StandardCharsets;

/**
 * What every wire-level test of the NFS server starts it with (the handle key, the export table) and the program
 * numbers its raw clients call: one place for the tests of nfs, nfs.nlm and front.
 */
public final class TestExports {
    private TestExports() {
    }

    public static final int NFS = 100003;
    public static final int MOUNT = 100005;
    public static final byte[] KEY = "test-key".getBytes(StandardCharsets.UTF_8);
    /** The handle key of every test export's file system. */
    public static final byte[] FS_KEY = "test-fs-key".getBytes(StandardCharsets.UTF_8);

    /** An export whose file system serves with {@link #FS_KEY}. */
    public static ExportTable.Export export(int index, String path, VirtualFileSystem fs) {
        return new ExportTable.Export(index, path, fs, () -> FS_KEY);
    }

    public static ExportTable table(ExportTable.Export... exports) {
        ExportTable table = new ExportTable();
        for (ExportTable.Export e : exports) {
            table.add(e);
        }
        return table;
    }
}
