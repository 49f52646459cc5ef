package dev.regatta.bench;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/** A minimal ustar writer and reader: enough to build a deterministic tarball and replay its entries. */
final class Tar {
    record Entry(String name, boolean dir, byte[] data) {
    }

    private Tar() {
    }

    /** {@code dirs} directories of {@code perDir} files each, sizes 512 B to 9.5 KiB, all from a fixed seed. */
    static byte[] build(int dirs, int perDir) {
        SplittableRandom rnd = new SplittableRandom(5000);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int d = 0; d < dirs; d++) {
            String dir = String.format("src/pkg%02d/", d);
            if (d == 0) {
                write(out, "src/", true, new byte[0]);
            }
            write(out, dir, true, new byte[0]);
            for (int f = 0; f < perDir; f++) {
                byte[] data = new byte[512 + rnd.nextInt(9 * 1024)];
                for (int i = 0; i < data.length; i++) {
                    data[i] = (byte) (' ' + rnd.nextInt(95)); // text-like, as source files are
                }
                write(out, String.format("%sfile%04d.txt", dir, f), false, data);
            }
        }
        out.writeBytes(new byte[1024]);
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, String name, boolean dir, byte[] data) {
        byte[] h = new byte[512];
        put(h, 0, 100, name);
        put(h, 100, 8, dir ? "0000755" : "0000644");
        put(h, 108, 8, "0000000");
        put(h, 116, 8, "0000000");
        put(h, 124, 12, String.format("%011o", data.length));
        put(h, 136, 12, String.format("%011o", 1_700_000_000L));
        Arrays.fill(h, 148, 156, (byte) ' ');
        h[156] = (byte) (dir ? '5' : '0');
        put(h, 257, 6, "ustar");
        put(h, 263, 2, "00");
        put(h, 265, 32, "root");
        put(h, 297, 32, "root");
        int sum = 0;
        for (byte b : h) {
            sum += b & 0xff;
        }
        put(h, 148, 8, String.format("%06o", sum));
        h[154] = 0;
        h[155] = ' ';
        out.writeBytes(h);
        out.writeBytes(data);
        int pad = (512 - data.length % 512) % 512;
        out.writeBytes(new byte[pad]);
    }

    private static void put(byte[] h, int off, int len, String s) {
        byte[] b = s.getBytes(StandardCharsets.US_ASCII);
        if (b.length > len) {
            throw new IllegalArgumentException("tar field too long: " + s);
        }
        System.arraycopy(b, 0, h, off, b.length);
    }

    private static String str(byte[] h, int off, int len) {
        int end = off;
        while (end < off + len && h[end] != 0) {
            end++;
        }
        return new String(h, off, end - off, StandardCharsets.US_ASCII);
    }

    static List<Entry> read(byte[] tar) {
        List<Entry> entries = new ArrayList<>();
        int pos = 0;
        while (pos + 512 <= tar.length) {
            byte[] h = Arrays.copyOfRange(tar, pos, pos + 512);
            String name = str(h, 0, 100);
            if (name.isEmpty()) {
                break;
            }
            String prefix = str(h, 345, 155);
            if (!prefix.isEmpty()) {
                name = prefix + "/" + name;
            }
            int size = Integer.parseInt(str(h, 124, 12).trim(), 8);
            char type = (char) h[156];
            pos += 512;
            byte[] data = Arrays.copyOfRange(tar, pos, pos + size);
            pos += size + (512 - size % 512) % 512;
            boolean dir = type == '5';
            if (dir && name.endsWith("/")) {
                name = name.substring(0, name.length() - 1);
            }
            if (dir || type == '0' || type == 0) {
                entries.add(new Entry(name, dir, data));
            }
        }
        return entries;
    }
}
