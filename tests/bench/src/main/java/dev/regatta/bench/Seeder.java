package dev.regatta.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.util.Base64;
import java.util.HexFormat;
import java.util.zip.CRC32;

/**
 * Objects made cheaply for the scale workloads, without S3 requests: a million PUTs through S3Proxy take far longer
 * than the workloads that read them. The tree is written once per run as plain files in a template directory, with
 * the extended attributes S3Proxy's filesystem store gives an object it was PUT (content MD5, which it answers as the
 * ETag; storage tier; CRC32 checksum), so ListObjectsV2 and HEAD answer for these files with sizes and ETags exactly
 * as for objects put through S3. Each system then gets the tree as hard links (same inodes, same attributes, a
 * fraction of the cost) in its bucket's store directory, or in the directory it serves (disk, ganesha).
 */
final class Seeder {
    private Seeder() {
    }

    /** Where entry {@code i} of a tree of {@code perDir} per directory lives, relative to the tree's root. */
    static String entry(int i, int perDir) {
        return dir(i / perDir) + String.format("/f%07d", i);
    }

    /** The tree's directory {@code d}, relative to its root. */
    static String dir(int d) {
        return String.format("d%04d", d);
    }

    /** The directories of a tree of {@code count} entries, {@code perDir} each (the last may hold fewer). */
    static int directories(int count, int perDir) {
        return (count + perDir - 1) / perDir;
    }

    static byte[] data(int i) {
        return ("entry " + i + "\n").getBytes(StandardCharsets.UTF_8);
    }

    /**
     * Writes the template of {@code count} entries under {@code template} (entries {@link #entry}, or all in one
     * directory with {@code perDir = count}) unless a complete one is there.
     */
    static void template(Bench bench, Path template, int count, int perDir) throws Exception {
        Path done = template.resolveSibling(template.getFileName() + ".done");
        if (Files.exists(done)) {
            return;
        }
        Bench.deleteTree(template);
        for (int d = 0; d < directories(count, perDir); d++) {
            Files.createDirectories(template.resolve(dir(d)));
        }
        bench.parallel(count, i -> write(template.resolve(entry(i, perDir)), data(i)));
        Files.createFile(done);
    }

    /** One file as S3Proxy's filesystem store would hold the object after a PUT. */
    private static void write(Path file, byte[] data) throws Exception {
        Files.write(file, data);
        UserDefinedFileAttributeView x = Files.getFileAttributeView(file, UserDefinedFileAttributeView.class);
        // the store's names ("user." + these) as a PUT through this endpoint leaves them
        x.write("user.content-md5", ByteBuffer.wrap(md5(data)));
        x.write("user.storage-tier", ByteBuffer.wrap("STANDARD".getBytes(StandardCharsets.US_ASCII)));
        CRC32 crc = new CRC32();
        crc.update(data);
        byte[] be = ByteBuffer.allocate(4).putInt((int) crc.getValue()).array();
        x.write("user.user-metadata.s3proxy_checksum_crc32",
                ByteBuffer.wrap(Base64.getEncoder().encode(be)));
    }

    static byte[] md5(byte[] data) throws GeneralSecurityException {
        return MessageDigest.getInstance("MD5").digest(data);
    }

    /** The ETag S3 gives an object of this data put in one request. */
    static String md5Hex(byte[] data) throws GeneralSecurityException {
        return HexFormat.of().formatHex(md5(data));
    }

    /** Hard-links the template's files under {@code dest} (created), which must be on the template's file system. */
    static void link(Bench bench, Path template, Path dest, int count, int perDir) throws Exception {
        for (int d = 0; d < directories(count, perDir); d++) {
            Files.createDirectories(dest.resolve(dir(d)));
        }
        bench.parallel(count, i -> Files.createLink(dest.resolve(entry(i, perDir)), template.resolve(entry(i, perDir))));
    }
}
