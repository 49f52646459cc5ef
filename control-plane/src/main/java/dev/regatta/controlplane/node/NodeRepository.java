package dev.regatta.controlplane.node;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * The data-plane nodes (table {@code node}): their records, token hashes and liveness. Only the SHA-256 of a node's
 * token is kept, so the table leaks no credential.
 */
@Repository
public class NodeRepository {

    static final RowMapper<Node> ROW = (rs, i) -> new Node(rs.getString("id"), rs.getString("name"),
            rs.getString("address"), rs.getTimestamp("registered_at").toInstant(),
            rs.getTimestamp("last_heartbeat_at").toInstant());

    private static final String VIEW = """
            select n.id, n.name, n.address, n.registered_at, n.last_heartbeat_at,
                n.last_heartbeat_at >= :liveSince as live,
                (select count(*) from file_system f where f.node_id = n.id) as file_systems
            from node n""";
    private static final RowMapper<NodeView> VIEW_ROW = (rs, i) -> new NodeView(rs.getString("id"),
            rs.getString("name"), rs.getString("address"), rs.getTimestamp("registered_at").toInstant(),
            rs.getTimestamp("last_heartbeat_at").toInstant(), rs.getBoolean("live"), rs.getInt("file_systems"));

    private final JdbcClient jdbc;

    public NodeRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    public Optional<Node> find(String id) {
        return jdbc.sql("select id, name, address, registered_at, last_heartbeat_at from node where id = ?")
                .param(id).query(ROW).optional();
    }

    /** The node serving a file system, if it has heartbeated since {@code liveSince}. */
    public Optional<Node> liveNodeServing(String fileSystemId, Instant liveSince) {
        return jdbc.sql("""
                        select n.id, n.name, n.address, n.registered_at, n.last_heartbeat_at
                        from file_system f join node n on n.id = f.node_id
                        where f.id = ? and n.last_heartbeat_at >= ?""")
                .param(fileSystemId).param(Timestamp.from(liveSince)).query(ROW).optional();
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
                        insert into node (id, name, address, token_hash, certificate_pem, registered_at, last_heartbeat_at)
                        values (?, ?, ?, ?, ?, ?, ?)""")
                .params(node.id(), node.name(), node.address(), tokenHash, certificatePem,
                        Timestamp.from(node.registeredAt()), Timestamp.from(node.lastHeartbeatAt()))
                .update();
    }

    /** Other nodes registered at this address: a node that lost its token and registered anew. */
    List<String> othersAt(String address, String exceptId) {
        return jdbc.sql("select id from node where address = ? and id <> ?").params(address, exceptId)
                .query(String.class).list();
    }

    /** Moves the file systems of one node to another, keeping them where their cache already is. */
    int handOver(String fromId, String toId) {
        return jdbc.sql("update file_system set node_id = ? where node_id = ?").params(toId, fromId).update();
    }

    void recordHeartbeat(String id, Instant at) {
        jdbc.sql("update node set last_heartbeat_at = ? where id = ?").params(Timestamp.from(at), id).update();
    }

    /** Deletes the node; its file systems become unassigned (the schema sets their node to null). */
    boolean delete(String id) {
        return jdbc.sql("delete from node where id = ?").param(id).update() == 1;
    }
}
