package dev.regatta.controlplane.service;

import dev.regatta.controlplane.ControlPlaneProperties;
import dev.regatta.controlplane.EmbeddedDatabaseTest;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

@SpringBootTest
class ServerIdentityTest extends EmbeddedDatabaseTest {

    @Autowired
    ServerIdentity identity;
    @Autowired
    ControlPlaneProperties properties;
    @Autowired
    JdbcClient jdbc;

    @Test
    void aGeneratedServerIdIsKeptAcrossRestarts() {
        assertThat(identity.serverId()).matches("rg-[0-9a-f]{16}");
        assertThat(stored()).isEqualTo(identity.serverId());

        assertThat(new ServerIdentity(properties, jdbc).serverId()).as("after a restart").isEqualTo(identity.serverId());
    }

    @Test
    void aConfiguredServerIdWins() {
        ControlPlaneProperties configured = new ControlPlaneProperties(properties.dataDir(), 0, "rg-production",
                properties.sts(), properties.ca(), properties.nodes(), properties.replication(), properties.mounts(),
                properties.admin(), properties.audit());

        assertThat(new ServerIdentity(configured, jdbc).serverId()).isEqualTo("rg-production");
        assertThat(stored()).as("the generated one stays for when the setting goes").isEqualTo(identity.serverId());
    }

    private String stored() {
        return jdbc.sql("select value from service_setting where name = 'server_id'").query(String.class).single();
    }
}
