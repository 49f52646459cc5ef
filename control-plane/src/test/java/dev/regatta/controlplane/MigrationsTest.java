package dev.regatta.controlplane;

import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
class MigrationsTest extends EmbeddedDatabaseTest {

    @Autowired
    JdbcClient jdbc;

    @Test
    void migrationsBuildTheSchemaFromAnEmptyDatabase() {
        assertThat(jdbc.sql("select version from flyway_schema_history where success order by installed_rank")
                .query(String.class).list()).startsWith("1");
        assertThat(jdbc.sql("select table_name from information_schema.tables where table_schema = 'public'")
                .query(String.class).list())
                .contains("file_system", "access_grant", "node", "mount_session", "audit_event", "api_token",
                        "certificate_authority");
    }
}
