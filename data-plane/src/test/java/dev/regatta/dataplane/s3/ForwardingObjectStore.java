package dev.regatta.dataplane.s3;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A store that passes every call on to a real one: the base of the tests' wrappers, which override only the calls
 * they hold, record or rewrite. Paged listings and sliced reads keep the interface's defaults (built on {@link #list}
 * and {@link #read}), so a wrapper that rewrites those sees every listing and read.
 */
public abstract class ForwardingObjectStore implements ObjectStore {

    protected final ObjectStore real;

    protected ForwardingObjectStore(ObjectStore real) {
        this.real = real;
    }

    @Override
    public Listing list(String prefix) throws ObjectStoreException {
        return real.list(prefix);
    }

    @Override
    public Optional<ObjectHead> head(String key) throws ObjectStoreException {
        return real.head(key);
    }

    @Override
    public ByteBuffer read(String key, long offset, int length, String expectedEtag) throws ObjectStoreException {
        return real.read(key, offset, length, expectedEtag);
    }

    @Override
    public String put(String key, Path file, long offset, long length, Map<String, String> metadata)
            throws ObjectStoreException {
        return real.put(key, file, offset, length, metadata);
    }

    @Override
    public String copy(String sourceKey, String sourceEtag, String destinationKey, Map<String, String> metadata)
            throws ObjectStoreException {
        return real.copy(sourceKey, sourceEtag, destinationKey, metadata);
    }

    @Override
    public MultipartUpload startMultipart(String key, Map<String, String> metadata) throws ObjectStoreException {
        return real.startMultipart(key, metadata);
    }

    @Override
    public void delete(String key) throws ObjectStoreException {
        real.delete(key);
    }

    @Override
    public List<String> deleteAll(Collection<String> keys) throws ObjectStoreException {
        return real.deleteAll(keys);
    }
}
