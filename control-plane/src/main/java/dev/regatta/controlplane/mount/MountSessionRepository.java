package dev.regatta.controlplane.mount;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

import java.sql.Timestamp;

@Repository
class MountSessionRepository {

    private final JdbcClient jdbc;

    MountSessionRepository(JdbcClient jdbc) {
        this.jdbc = jdbc;
    }

    void insert(MountSession session) {
        jdbc.sql("""
                        insert into mount_session (id, file_system_id, grant_id, principal_arn, access, client_address,
                                                   node_id, certificate_serial, certificate_expires_at, created_at)
                        values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""")
                .param(session.id()).param(session.fileSystemId()).param(session.grantId())
                .param(session.principalArn()).param(session.access().name()).param(session.clientAddress())
                .param(session.nodeId()).param(session.certificateSerial())
                .param(Timestamp.from(session.certificateExpiresAt())).param(Timestamp.from(session.createdAt()))
                .update();
    }
}
