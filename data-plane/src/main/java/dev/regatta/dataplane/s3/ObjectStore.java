package dev.regatta.dataplane.s3;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The bucket, as the rest of the data plane needs it. Keys are full object keys (any prefix already applied
 * by {@link KeyCodec}); metadata maps are user metadata without the {@code x-amz-meta-} prefix.
 * Every method throws {@link ObjectStoreException} on failure, saying whether a retry may help.
 */
public interface ObjectStore {

    /** One object as a listing shows it. */
    record ObjectSummary(String key, long size, String etag, long lastModifiedMillis) {
    }

    /** One object with its user metadata. */
    record ObjectHead(String key, long size, String etag, long lastModifiedMillis, Map<String, String> metadata) {
    }

    /** Everything directly under a prefix: the objects, and the sub-prefixes (each ending in the delimiter). */
    record Listing(List<ObjectSummary> objects, List<String> commonPrefixes) {
    }

    /** Lists all pages of {@code prefix} with delimiter '/'. */
    Listing list(String prefix) throws ObjectStoreException;

    /**
     * Lists {@code prefix} like {@link #list}, handing each page to {@code pages} as it arrives, in the bucket's key
     * order, so a caller can act on the first pages while later ones are still on their way. A failure after some
     * pages leaves those pages delivered. A store that cannot stream delivers the whole listing as one page.
     */
    default void listPages(String prefix, Consumer<Listing> pages) throws ObjectStoreException {
        pages.accept(list(prefix));
    }

    Optional<ObjectHead> head(String key) throws ObjectStoreException;

    /**
     * Reads {@code length} bytes at {@code offset} (fewer at the end of the object).
     *
     * @param expectedEtag when not null, fails with {@link ObjectStoreException#preconditionFailed()} if the
     *                     object changed
     */
    ByteBuffer read(String key, long offset, int length, String expectedEtag) throws ObjectStoreException;

    /** Takes the bytes of a ranged read in order, as they arrive. */
    @FunctionalInterface
    interface SliceConsumer {
        /**
         * The object's bytes from {@code offset}; the buffer is reused for the next slice once this returns. A
         * runtime exception stops the read and is thrown to the caller as it is.
         */
        void accept(long offset, ByteBuffer slice);
    }

    /**
     * Reads {@code length} bytes at {@code offset} in one request, like {@link #read}, but hands them to
     * {@code consumer} in slices of at most {@code sliceBytes} as the body arrives: the caller can use the first
     * bytes before the last ones are in, and holds one slice in memory instead of the whole range. Slices already
     * handed over stay valid when the request fails later.
     *
     * @return how many bytes were handed over (fewer at the end of the object, 0 at or past it)
     */
    default long readSlices(String key, long offset, long length, String expectedEtag, int sliceBytes,
                            SliceConsumer consumer) throws ObjectStoreException {
        // For stores that cannot stream: one request, handed over in slices.
        ByteBuffer all = read(key, offset, (int) Math.min(Integer.MAX_VALUE, length), expectedEtag);
        long delivered = 0;
        while (all.hasRemaining()) {
            ByteBuffer slice = all.slice();
            slice.limit(Math.min(slice.remaining(), sliceBytes));
            consumer.accept(offset + delivered, slice);
            delivered += slice.limit();
            all.position(all.position() + slice.limit());
        }
        return delivered;
    }

    /** Uploads {@code length} bytes of a local file from {@code offset} as the whole object; returns its ETag. */
    String put(String key, Path file, long offset, long length, Map<String, String> metadata)
            throws ObjectStoreException;

    /** Copies an object (metadata replaced by {@code metadata}); returns the new ETag. */
    String copy(String sourceKey, String sourceEtag, String destinationKey, Map<String, String> metadata)
            throws ObjectStoreException;

    MultipartUpload startMultipart(String key, Map<String, String> metadata) throws ObjectStoreException;

    /** Deletes one object; deleting a missing key succeeds. */
    void delete(String key) throws ObjectStoreException;

    /** Deletes up to 1000 keys in one request; returns the keys that failed. */
    List<String> deleteAll(Collection<String> keys) throws ObjectStoreException;

    /** An upload in parts. Part numbers start at 1; every part but the last is at least 5 MiB. */
    interface MultipartUpload {
        void uploadPart(int partNumber, Path file, long offset, long length) throws ObjectStoreException;

        /** Copies bytes [start, endExclusive) of an existing object as a part, failing if its ETag changed. */
        void copyPart(int partNumber, String sourceKey, String sourceEtag, long start, long endExclusive)
                throws ObjectStoreException;

        /** Returns the ETag of the completed object. */
        String complete() throws ObjectStoreException;

        void abort();
    }
}
