package dev.regatta.controlplane.node;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.sql.Types;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The data-plane nodes (table {@code node}): their records, token hashes and liveness. Only the SHA-256 of a node's
 * token is kept, so the table leaks no credential.
 */
@Repository
public class NodeRepository {

    private static final String VIEW = """
            select n.id, n.name, n.address, n.zone, n.nfs_address, n.replication_address, n.registered_at,
                n.last_heartbeat_at, n.last_heartbeat_at >= :liveSince as live,
                (select count(*) from file_system_member m where m.node_id = n.id) as file_systems
            from node n""";
    private static final RowMapper<NodeView> VIEW_ROW = (rs, i) -> new NodeView(rs.getString("id"),
            rs.getString("name"), rs.getString("address"), rs.getString("zone"), rs.getString("nfs_address"),
            rs.getString("replication_address"), rs.getTimestamp("registered_at").toInstant(),
            rs.getTimestamp("last_heartbeat_at").toInstant(), rs.getBoolean("live"), rs.getInt("file_systems"));

    private final JdbcClient jdbc;

    public NodeRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** @param liveSince nodes that heartbeated since then are live */
    public Optional<NodeView> view(String id, Instant liveSince) {
        return jdbc.sql(VIEW + " where n.id = :id").param("id", id).param("liveSince", Timestamp.from(liveSince))
                .query(VIEW_ROW).optional();
    }

    /** @param liveSince nodes that heartbeated since then are live */
    public List<NodeView> views(Instant liveSince) {
        return jdbc.sql(VIEW + " order by n.registered_at, n.id").param("liveSince", Timestamp.from(liveSince))
                .query(VIEW_ROW).list();
    }

    /** The SHA-256 of the node's token, if the node exists. */
    Optional<byte[]> tokenHash(String id) {
        return jdbc.sql("select token_hash from node where id = ?").param(id).query(byte[].class).optional();
    }

    void insert(Node node, byte[] tokenHash, String certificatePem) {
        jdbc.sql("""
                        insert into node (id, name, address, zone, nfs_address, replication_address, token_hash,
                            certificate_pem, registered_at, last_heartbeat_at)
                        values (:id, :name, :address, :zone, :nfs, :replication, :tokenHash, :certificate,
                            :registeredAt, :lastHeartbeatAt)""")
                .param("id", node.id()).param("name", node.name()).param("address", node.address())
                .param("zone", node.facts().zone(), Types.VARCHAR)
                .param("nfs", node.facts().nfsAddress(), Types.VARCHAR)
                .param("replication", node.facts().replicationAddress(), Types.VARCHAR)
                .param("tokenHash", tokenHash).param("certificate", certificatePem)
                .param("registeredAt", Timestamp.from(node.registeredAt()))
                .param("lastHeartbeatAt", Timestamp.from(node.lastHeartbeatAt()))
                .update();
    }

    /** Other nodes registered at this address: a node that lost its token and registered anew. */
    List<String> othersAt(String address, String exceptId) {
        return jdbc.sql("select id from node where address = ? and id <> ?").params(address, exceptId)
                .query(String.class).list();
    }

    /**
     * Gives one node's places in file systems' groups to another, keeping them where their cache and log already
     * are. What the old node last reported is dropped: the new one reports for itself. A group the new node is
     * already in keeps it once (the old place is then deleted with the old node).
     *
     * @return how many places it handed over
     */
    int handOver(String fromId, String toId, Instant at) {
        return jdbc.sql("""
                        update file_system_member m set node_id = :to, added_at = :at, role = null, term = null,
                            applied_index = null, reported_at = null
                        where m.node_id = :from and not exists (select 1 from file_system_member o
                            where o.file_system_id = m.file_system_id and o.node_id = :to)""")
                .param("to", toId).param("from", fromId).param("at", Timestamp.from(at)).update();
    }

    /** Marks the node live, and keeps the facts it sent (a fact it left out keeps its stored value). */
    void recordHeartbeat(String id, Instant at, NodeFacts facts) {
        jdbc.sql("""
                        update node set last_heartbeat_at = :at, zone = coalesce(:zone, zone),
                            nfs_address = coalesce(:nfs, nfs_address),
                            replication_address = coalesce(:replication, replication_address)
                        where id = :id""")
                .param("at", Timestamp.from(at)).param("zone", facts.zone(), Types.VARCHAR)
                .param("nfs", facts.nfsAddress(), Types.VARCHAR)
                .param("replication", facts.replicationAddress(), Types.VARCHAR).param("id", id)
                .update();
    }

    /**
     * Deletes the node; its places in file systems' groups go with it (the schema cascades) and are filled again at
     * the next placement.
     */
    boolean delete(String id) {
        return jdbc.sql("delete from node where id = ?").param(id).update() == 1;
    }
}
