package dev.regatta.controlplane.grant;

import dev.regatta.controlplane.iam.PrincipalPattern;
import org.springframework.jdbc.core.RowMapper;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;
import java.util.List;

/**
 * The grants (table {@code access_grant}), one per file system and principal; the schema deletes them with their
 * file system.
 */
@Repository
public class GrantRepository {

    static final RowMapper<Grant> ROW = (rs, i) -> new Grant(rs.getString("id"), rs.getString("file_system_id"),
            PrincipalPattern.parse(rs.getString("principal")), AccessLevel.valueOf(rs.getString("access")),
            rs.getBoolean("root_squash"), rs.getTimestamp("created_at").toInstant());

    private final JdbcClient jdbc;

    public GrantRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    /** The grants of one file system, oldest first. */
    public List<Grant> forFileSystem(String fileSystemId) {
        return jdbc.sql("select * from access_grant where file_system_id = ? order by created_at, id")
                .param(fileSystemId).query(ROW).list();
    }

    public int countFor(String fileSystemId) {
        return jdbc.sql("select count(*) from access_grant where file_system_id = ?").param(fileSystemId)
                .query(Integer.class).single();
    }

    /** @throws org.springframework.dao.DuplicateKeyException when the file system already grants this principal */
    void insert(Grant grant) {
        jdbc.sql("""
                        insert into access_grant (id, file_system_id, principal, access, root_squash, created_at)
                        values (?, ?, ?, ?, ?, ?)""")
                .params(grant.id(), grant.fileSystemId(), grant.principal().text(), grant.access().name(),
                        grant.rootSquash(), Timestamp.from(grant.createdAt()))
                .update();
    }

    boolean delete(String fileSystemId, String grantId) {
        return jdbc.sql("delete from access_grant where id = ? and file_system_id = ?")
                .params(grantId, fileSystemId).update() == 1;
    }
}
