package dev.regatta.dataplane.server;

import dev.regatta.dataplane.s3.S3ObjectStore;
import io.micrometer.core.instrument.MeterRegistry;
import software.amazon.awssdk.services.s3.DelegatingS3Client;
import software.amazon.awssdk.services.s3.S3Client;

import java.net.URI;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * S3 clients shared by the file systems that talk to the same endpoint and region, with this node's credentials:
 * each client holds a connection pool, and a node may serve many file systems of one account. A client is closed
 * when the last file system using it lets go.
 */
final class S3Clients {

    /** One shared client per endpoint and way of sending bodies (see {@link S3ObjectStore#PLAIN_BODY_LIMIT}). */
    private record Endpoint(URI url, String region, boolean pathStyle, boolean chunkedEncoding) {
    }

    private static final class Shared {
        final S3Client client;
        int users;

        Shared(S3Client client) {
            this.client = client;
        }
    }

    private final String accessKey;
    private final String secretKey;
    private final int connections;
    private final Map<Endpoint, Shared> clients = new HashMap<>();

    /**
     * @param accessKey   with {@code secretKey}; both null: the AWS default credential chain
     * @param connections each client's connection pool
     */
    S3Clients(String accessKey, String secretKey, int connections) {
        this.accessKey = accessKey;
        this.secretKey = secretKey;
        this.connections = connections;
    }

    /** A store of {@code bucket} at the endpoint (null: AWS's for the region); closing it lets go of its clients. */
    S3ObjectStore store(URI endpoint, String region, boolean pathStyle, String bucket, MeterRegistry registry) {
        return new S3ObjectStore(lease(endpoint, region, pathStyle, true), lease(endpoint, region, pathStyle, false),
                bucket, registry);
    }

    /** A client for the endpoint; closing it lets go of the shared one. */
    private synchronized S3Client lease(URI endpoint, String region, boolean pathStyle, boolean chunkedEncoding) {
        Endpoint key = new Endpoint(endpoint, region, pathStyle, chunkedEncoding);
        Shared shared = clients.computeIfAbsent(key, k -> new Shared(S3ObjectStore.buildClient(endpoint, region,
                accessKey, secretKey, pathStyle, connections, chunkedEncoding)));
        shared.users++;
        AtomicBoolean released = new AtomicBoolean();
        return new DelegatingS3Client(shared.client) {
            @Override
            public void close() {
                if (released.compareAndSet(false, true)) {
                    release(key);
                }
            }
        };
    }

    private synchronized void release(Endpoint key) {
        Shared shared = clients.get(key);
        if (--shared.users == 0) {
            clients.remove(key);
            shared.client.close();
        }
    }
}
