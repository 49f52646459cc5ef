package dev.regatta.pki;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Optional;

/**
 * Keeps what a Regatta server process writes to its own user. The data plane's cache files, metadata store
 * (RocksDB) and local S3 endpoint's bucket, and the control plane's CA key, generated secrets and embedded database
 * hold file data, names or keys that NFS protects per file: another local user must not read them around NFS. Two
 * layers: the process's umask is set to 077 at start, so every file and directory created afterwards, by any
 * library, is 0600 / 0700 (Java has no umask API); and a data directory is made 0700, which also covers what an
 * earlier version left readable inside it.
 */
public final class PrivateFiles {

    private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);

    /** Group and other get no permission on anything the process creates. */
    public static final int PRIVATE_UMASK = 0077;

    private PrivateFiles() {
    }

    /**
     * Sets the process's umask to 077 through libc's umask(2): Java has no API for it. This module targets Java 17
     * (the mount helper uses it too), where the foreign function API does not exist yet, so it is reached
     * reflectively; it is final on the Java 22+ that runs the servers. Where it is not available, logs why and returns false: {@link #privateDirectory} still
     * closes a data directory.
     */
    public static boolean restrictUmask() {
        try {
            int previous = umask(PRIVATE_UMASK);
            if (previous != PRIVATE_UMASK) {
                log.debug("umask was {}, now {}", Integer.toOctalString(previous),
                        Integer.toOctalString(PRIVATE_UMASK));
            }
            return true;
        } catch (Throwable e) {
            log.warn("cannot set the process's umask to 077 ({}): files this process creates get the umask it was "
                    + "started with, and only its data directory is made private; run it with a Java 22+ and "
                    + "--enable-native-access=ALL-UNNAMED, as ./regatta does, or under umask 077", e.toString());
            return false;
        }
    }

    /** Calls umask(2); returns the previous mask. */
    public static int umask(int mask) throws Throwable {
        return (int) umaskHandle().invokeExact(mask);
    }

    /**
     * Creates {@code dir} if needed and makes it 0700, whatever it was before; a directory this user may not change
     * (another's) is used as it is, with a warning.
     */
    public static void privateDirectory(Path dir) throws IOException {
        Files.createDirectories(dir);
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException e) {
            log.warn("cannot make {} private to this user ({}): check that nobody else can read it", dir,
                    e.toString());
        }
    }

    /**
     * {@code Linker.nativeLinker().downcallHandle(defaultLookup().find("umask"), FunctionDescriptor.of(JAVA_INT,
     * JAVA_INT))}, written out through reflection.
     */
    private static MethodHandle umaskHandle() throws ReflectiveOperationException {
        Class<?> linkerClass = Class.forName("java.lang.foreign.Linker");
        Class<?> lookupClass = Class.forName("java.lang.foreign.SymbolLookup");
        Class<?> layoutClass = Class.forName("java.lang.foreign.MemoryLayout");
        Class<?> descriptorClass = Class.forName("java.lang.foreign.FunctionDescriptor");
        Class<?> segmentClass = Class.forName("java.lang.foreign.MemorySegment");
        Class<?> optionClass = Class.forName("java.lang.foreign.Linker$Option");
        Object linker = linkerClass.getMethod("nativeLinker").invoke(null);
        Object libc = linkerClass.getMethod("defaultLookup").invoke(linker);
        Optional<?> symbol = (Optional<?>) lookupClass.getMethod("find", String.class).invoke(libc, "umask");
        if (symbol.isEmpty()) {
            throw new IllegalStateException("the C library has no umask");
        }
        Object javaInt = Class.forName("java.lang.foreign.ValueLayout").getField("JAVA_INT").get(null);
        Object arguments = Array.newInstance(layoutClass, 1);
        Array.set(arguments, 0, javaInt);
        Object descriptor = descriptorClass.getMethod("of", layoutClass, arguments.getClass())
                .invoke(null, javaInt, arguments);
        Object noOptions = Array.newInstance(optionClass, 0);
        return (MethodHandle) linkerClass.getMethod("downcallHandle", segmentClass, descriptorClass,
                noOptions.getClass()).invoke(linker, symbol.get(), descriptor, noOptions);
    }
}
