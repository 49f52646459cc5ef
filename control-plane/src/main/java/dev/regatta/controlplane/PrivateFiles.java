package dev.regatta.controlplane;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.invoke.MethodHandle;
import java.lang.reflect.Array;
import java.util.Optional;

/**
 * Keeps what the control plane writes to its own user: its data directory holds the CA's key, generated secrets and
 * the embedded database, none of which another local user may read. The process's umask is set to 077 at start, so
 * every file and directory created afterwards, by any library, is 0600 / 0700 (PostgreSQL keeps its own data
 * directory private by itself; the CA key and the secrets are written by Java, which has no umask API).
 */
public final class PrivateFiles {

    private static final Logger log = LoggerFactory.getLogger(PrivateFiles.class);

    /** Group and other get no permission on anything the process creates. */
    public static final int PRIVATE_UMASK = 0077;

    private PrivateFiles() {
    }

    /**
     * Sets the process's umask to 077 through libc's umask(2). The build targets Java 21, where the foreign function
     * API is still a preview, so it is reached reflectively; it is final on the Java 22+ that runs it. Where it is
     * not available, logs why and returns false.
     */
    public static boolean restrictUmask() {
        try {
            umask(PRIVATE_UMASK);
            return true;
        } catch (Throwable e) {
            log.warn("cannot set the process's umask to 077 ({}): files the control plane creates get the umask it "
                    + "was started with; run it with a Java 22+ and --enable-native-access=ALL-UNNAMED, or under "
                    + "umask 077", e.toString());
            return false;
        }
    }

    /** Calls umask(2); returns the previous mask. */
    public static int umask(int mask) throws Throwable {
        return (int) umaskHandle().invokeExact(mask);
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
