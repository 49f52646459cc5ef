package dev.regatta.dataplane.meta;

/** The metadata store failed (disk error, corruption): nothing the caller can fix by retrying. */
public class MetadataException extends RuntimeException {
    public MetadataException(String message, Throwable cause) {
        super(message, cause);
    }
}
