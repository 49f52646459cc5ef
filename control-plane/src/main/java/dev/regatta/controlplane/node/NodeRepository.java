package dev.regatta.controlplane.node;

import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.time.Instant;
import java.util.Optional;

@Repository
public class NodeRepository {

    static final RowMapper<Node> ROW = (rs, i) -> new Node(rs.getString("id"), rs.getString("name"),
            rs.getString("address"), rs.getTimestamp("registered_at").toInstant(),
            rs.getTimestamp("last_heartbeat_at").toInstant());

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
                .param(fileSystemId).param(java.sql.Timestamp.from(liveSince)).query(ROW).optional();
    }
}
