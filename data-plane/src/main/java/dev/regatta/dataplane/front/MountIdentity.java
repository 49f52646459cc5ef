package dev.regatta.dataplane.front;

import java.net.InetSocketAddress;

/**
 * Who is at the other end of a tunnelled NFS connection, as its verified client certificate says.
 *
 * @param client the instance's address, as the TLS front saw it (the NFS layer only sees the front's loopback hop)
 */
public record MountIdentity(String mountId, String fileSystemId, boolean readOnly, String grantId, String principal,
                            InetSocketAddress client) {
}
