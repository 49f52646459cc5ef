package dev.regatta.controlplane.service;

import dev.regatta.controlplane.ControlPlaneProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Component;

import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * This deployment's server ID: what mount proofs must carry in their signed {@code x-regatta-server-id} header, so
 * that a proof made for one Regatta deployment is worthless at another. {@code regatta.server-id} when set;
 * otherwise one generated on first start and kept in the database, so that it survives restarts and is shared by
 * every control plane over that database.
 */
@Component
public class ServerIdentity {

    private static final Logger LOG = LoggerFactory.getLogger(ServerIdentity.class);
    static final String SETTING = "server_id";

    private final String serverId;

    public ServerIdentity(ControlPlaneProperties properties, JdbcClient jdbc) {
        if (!properties.serverId().isEmpty()) {
            serverId = properties.serverId();
            LOG.info("server ID {} (from regatta.server-id)", serverId);
        } else {
            serverId = storedOrNew(jdbc);
            LOG.info("server ID {} (kept in the database)", serverId);
        }
    }

    public String serverId() {
        return serverId;
    }

    /** Race-free when several control planes start at once over one database: the first insert wins. */
    private static String storedOrNew(JdbcClient jdbc) {
        jdbc.sql("insert into service_setting (name, value) values (?, ?) on conflict (name) do nothing")
                .param(SETTING).param(newServerId()).update();
        return jdbc.sql("select value from service_setting where name = ?").param(SETTING)
                .query(String.class).single();
    }

    private static String newServerId() {
        byte[] bytes = new byte[8];
        new SecureRandom().nextBytes(bytes);
        return "rg-" + HexFormat.of().formatHex(bytes);
    }
}
