package dev.regatta.controlplane;

import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import javax.sql.DataSource;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
class MigrationsTest extends EmbeddedDatabaseTest {

    @Autowired
    JdbcClient jdbc;
    @Autowired
    DataSource dataSource;

    @Test
    void migrationsBuildTheSchemaFromAnEmptyDatabase() {
        assertThat(jdbc.sql("select version from flyway_schema_history where success order by installed_rank")
                .query(String.class).list()).startsWith("1");
        assertThat(jdbc.sql("select table_name from information_schema.tables where table_schema = 'public'")
                .query(String.class).list())
                .contains("file_system", "access_grant", "node", "mount_session", "audit_event", "api_token",
                        "certificate_authority");
    }

    /** V9 turns each file system's one node into a group of one, in a schema of its own migrated step by step. */
    @Test
    void replicationGroupsKeepEveryAssignedFileSystemOnItsNode() {
        String schema = "before_replication";
        try {
            migrate(schema, "8");
            jdbc.sql("""
                            insert into before_replication.node (id, name, address, token_hash, certificate_pem,
                                registered_at, last_heartbeat_at)
                            values ('node-00000000000000001', 'dp-1', '10.0.0.5:20490', '\\x01', 'pem', now(), now())""")
                    .update();
            jdbc.sql("""
                            insert into before_replication.file_system (id, name, bucket, region, node_id, created_at,
                                updated_at)
                            values ('fs-00000000000000001', 'a', 'bucket', 'us-east-1', 'node-00000000000000001', now(),
                                now()),
                                   ('fs-00000000000000002', 'b', 'bucket', 'us-east-1', null, now(), now())""")
                    .update();

            migrate(schema, "9");

            assertThat(jdbc.sql("select id, replicas from before_replication.file_system order by id").query()
                    .listOfRows()).containsExactly(Map.of("id", "fs-00000000000000001", "replicas", 1),
                    Map.of("id", "fs-00000000000000002", "replicas", 1));
            assertThat(jdbc.sql("""
                            select file_system_id, node_id, position, role is null as no_report
                            from before_replication.file_system_member""").query().listOfRows())
                    .containsExactly(Map.of("file_system_id", "fs-00000000000000001",
                            "node_id", "node-00000000000000001", "position", 0, "no_report", true));
            assertThat(jdbc.sql("""
                            select count(*) from information_schema.columns
                            where table_schema = 'before_replication' and table_name = 'file_system'
                                and column_name = 'node_id'""").query(Integer.class).single())
                    .as("one way to say where a file system is").isZero();
        } finally {
            jdbc.sql("drop schema if exists " + schema + " cascade").update();
        }
    }

    private void migrate(String schema, String target) {
        Flyway.configure().dataSource(dataSource).schemas(schema).locations("classpath:db/migration").target(target)
                .load().migrate();
    }
}
