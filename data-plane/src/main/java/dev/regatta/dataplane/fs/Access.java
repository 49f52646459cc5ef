package dev.regatta.dataplane.fs;

/** NFSv3 ACCESS3 bits; the file system answers in these terms because every protocol client asks in them. */
public final class Access {
    public static final int READ = 0x01;
    public static final int LOOKUP = 0x02;
    public static final int MODIFY = 0x04;
    public static final int EXTEND = 0x08;
    public static final int DELETE = 0x10;
    public static final int EXECUTE = 0x20;

    private Access() {
    }
}
