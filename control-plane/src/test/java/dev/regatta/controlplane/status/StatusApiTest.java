package dev.regatta.controlplane.status;

import dev.regatta.controlplane.api.Api;
import dev.regatta.controlplane.api.ApiTestBase;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class StatusApiTest extends ApiTestBase {

    private void audit(Instant at, String fileSystemId, String principal, String decision, String reason) {
        jdbc.sql("""
                        insert into audit_event (at, file_system_id, principal_arn, source_address, decision, status,
                                                 reason)
                        values (?, ?, ?, '10.9.8.7', ?, ?, ?)""")
                .params(Timestamp.from(at), fileSystemId, principal, decision, decision.equals("ALLOWED") ? 201 : 403,
                        reason).update();
    }

    @Test
    void aFileSystemWithoutReportSaysSo() {
        String fs = createFileSystem().get("id").asString();
        JsonNode status = admin().get("/api/v1/file-systems/" + fs + "/status").json();
        assertThat(status.get("fileSystemId").asString()).isEqualTo(fs);
        assertThat(status.get("latestReport").isNull()).isTrue();
        assertThat(status.get("summary").asString()).isEqualTo("no report yet");
        assertThat(admin().get("/api/v1/file-systems/fs-00000000000000000/status").status()).isEqualTo(404);
        assertThat(anonymous().get("/api/v1/file-systems/" + fs + "/status").status()).isEqualTo(401);
    }

    @Test
    void mountsListsOnlyCertificatesStillValid() {
        String fs = createFileSystem().get("id").asString();
        Instant valid = Instant.now().plus(Duration.ofMinutes(40)).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        insertMountSession(fs, valid);
        insertMountSession(fs, Instant.now().minus(Duration.ofSeconds(1)));
        JsonNode mounts = admin().get("/api/v1/file-systems/" + fs + "/mounts").json();
        assertThat(mounts).hasSize(1);
        JsonNode mount = mounts.get(0);
        assertThat(mount.get("principal").asString()).isEqualTo("arn:aws:sts::123456789012:assumed-role/app/i-0abc");
        assertThat(mount.get("clientAddress").asString()).isEqualTo("10.1.2.3");
        assertThat(mount.get("nodeId").asString()).isEqualTo("node-00000000000000000");
        assertThat(Instant.parse(mount.get("certificateExpiresAt").asString())).isEqualTo(valid);
        assertThat(mount.get("state").asString()).isEqualTo("LIVE");
        assertThat(mount.get("renewalCount").asInt()).isZero();
        assertThat(mount.get("endedAt").isNull()).isTrue();
        assertThat(admin().get("/api/v1/file-systems/fs-00000000000000000/mounts").status()).isEqualTo(404);
    }

    @Test
    void mountsListsLiveSessionsByDefaultAndEndedOrExpiredOnesOnRequest() {
        String fs = createFileSystem().get("id").asString();
        Instant valid = Instant.now().plus(Duration.ofMinutes(40));
        String live = insertMountSession(fs, valid);
        Instant endedAt = Instant.now().minusSeconds(5).truncatedTo(java.time.temporal.ChronoUnit.SECONDS);
        String ended = insertMountSession(fs, valid, endedAt, "unmount reported by the client from 10.1.2.3");
        String expired = insertMountSession(fs, Instant.now().minusSeconds(1));

        assertThat(ids(admin().get("/api/v1/file-systems/" + fs + "/mounts").json()))
                .as("an ended session is hidden though its certificate is valid").containsExactly(live);
        assertThat(ids(admin().get("/api/v1/file-systems/" + fs + "/mounts?state=LIVE").json()))
                .containsExactly(live);
        JsonNode endedOnes = admin().get("/api/v1/file-systems/" + fs + "/mounts?state=ENDED").json();
        assertThat(ids(endedOnes)).containsExactly(ended);
        assertThat(endedOnes.get(0).get("state").asString()).isEqualTo("ENDED");
        assertThat(Instant.parse(endedOnes.get(0).get("endedAt").asString())).isEqualTo(endedAt);
        assertThat(endedOnes.get(0).get("endReason").asString())
                .isEqualTo("unmount reported by the client from 10.1.2.3");
        JsonNode expiredOnes = admin().get("/api/v1/file-systems/" + fs + "/mounts?state=EXPIRED").json();
        assertThat(ids(expiredOnes)).containsExactly(expired);
        assertThat(expiredOnes.get(0).get("state").asString()).isEqualTo("EXPIRED");
        JsonNode all = admin().get("/api/v1/file-systems/" + fs + "/mounts?state=ALL").json();
        assertThat(ids(all)).as("newest first").containsExactly(expired, ended, live);
        assertThat(all.findValuesAsString("state")).containsExactly("EXPIRED", "ENDED", "LIVE");
        assertThat(ids(admin().get("/api/v1/file-systems/" + fs + "/mounts?state=ALL&limit=1").json()))
                .containsExactly(expired);
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/mounts?state=GONE").status()).isEqualTo(400);
        assertThat(admin().get("/api/v1/file-systems/" + fs + "/mounts?limit=0").status()).isEqualTo(400);
        assertThat(admin().get("/api/v1/file-systems/" + fs).json().get("activeMountCount").asInt()).isEqualTo(1);
    }

    private static List<String> ids(JsonNode mounts) {
        return mounts.findValuesAsString("id");
    }

    @Test
    void auditEventsNewestFirstFilteredAndLimited() {
        String fs = createFileSystem().get("id").asString();
        Instant t = Instant.now();
        audit(t.minusSeconds(30), fs, "arn:aws:sts::123456789012:assumed-role/app/i-1", "ALLOWED", "grant matched");
        audit(t.minusSeconds(20), fs, "arn:aws:sts::123456789012:assumed-role/other/i-2", "REFUSED", "no grant");
        audit(t.minusSeconds(10), fs, "arn:aws:sts::123456789012:assumed-role/app/i-3", "REFUSED",
                "read-only grant");
        audit(t.minusSeconds(5), null, null, "REFUSED", "malformed proof");

        JsonNode forFs = admin().get("/api/v1/audit-events?fileSystemId=" + fs).json();
        assertThat(forFs.findValuesAsString("reason")).containsExactly("read-only grant", "no grant",
                "grant matched");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&decision=REFUSED").json()
                .findValuesAsString("reason")).containsExactly("read-only grant", "no grant");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&principal=assumed-role/app/").json()
                .findValuesAsString("reason")).containsExactly("read-only grant", "grant matched");
        assertThat(admin().get("/api/v1/audit-events?limit=2").json().findValuesAsString("reason"))
                .containsExactly("malformed proof", "read-only grant");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&since="
                        + t.minusSeconds(25).truncatedTo(java.time.temporal.ChronoUnit.MILLIS)).json()
                .findValuesAsString("reason")).containsExactly("read-only grant", "no grant");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs
                        + "&decision=REFUSED&principal=other&since=" + t.minusSeconds(60).truncatedTo(java.time.temporal.ChronoUnit.SECONDS)).json()
                .findValuesAsString("reason")).containsExactly("no grant");
        JsonNode first = forFs.get(0);
        assertThat(first.get("decision").asString()).isEqualTo("REFUSED");
        assertThat(first.get("status").asInt()).isEqualTo(403);
        assertThat(forFs.get(2).get("status").asInt()).isEqualTo(201);
        assertThat(first.get("sourceAddress").asString()).isEqualTo("10.9.8.7");
        assertThat(first.get("fileSystemId").asString()).isEqualTo(fs);
    }

    @Test
    void realDecisionsCanBeFoundPastAFloodOfThrottledRefusals() {
        String fs = createFileSystem().get("id").asString();
        Instant t = Instant.now().truncatedTo(java.time.temporal.ChronoUnit.MILLIS);
        audit(t.minusSeconds(50), fs, "arn:aws:sts::123456789012:assumed-role/app/i-1", "ALLOWED", "mounted");
        jdbc.sql("""
                        insert into audit_event (at, file_system_id, principal_arn, source_address, decision, status,
                                                 reason, count, last_at)
                        values (?, ?, null, '10.9.8.6', 'REFUSED', 429, 'throttled', 9000, ?)""")
                .params(Timestamp.from(t.minusSeconds(40)), fs, Timestamp.from(t.minusSeconds(1))).update();
        audit(t.minusSeconds(30), fs, "arn:aws:sts::123456789012:assumed-role/other/i-2", "REFUSED", "no grant");

        JsonNode all = admin().get("/api/v1/audit-events?fileSystemId=" + fs).json();
        assertThat(all.findValuesAsString("reason")).containsExactly("no grant", "throttled", "mounted");
        assertThat(all.get(1).get("count").asInt()).isEqualTo(9000);
        assertThat(Instant.parse(all.get(1).get("lastAt").asString())).isEqualTo(t.minusSeconds(1));
        assertThat(all.get(0).get("count").asInt()).isEqualTo(1);
        assertThat(all.get(0).get("lastAt").isNull()).isTrue();

        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&throttled=false").json()
                .findValuesAsString("reason")).containsExactly("no grant", "mounted");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&throttled=true").json()
                .findValuesAsString("reason")).containsExactly("throttled");
        assertThat(admin().get("/api/v1/audit-events?fileSystemId=" + fs + "&limit=1&before="
                + t.minusSeconds(30)).json().findValuesAsString("reason")).containsExactly("throttled");
    }

    @Test
    void badAuditFiltersAreExplained() {
        for (String query : List.of("decision=MAYBE", "limit=0", "limit=1001", "limit=many", "fileSystemId=x",
                "since=yesterday", "before=tomorrow", "throttled=perhaps", "principal=" + "x".repeat(2049))) {
            Api.Response refused = admin().get("/api/v1/audit-events?" + query);
            assertThat(refused.status()).as(query).isEqualTo(400);
            assertThat(refused.detail()).as(query).contains(query.substring(0, query.indexOf('=')).equals(
                    "fileSystemId") ? "file system ID" : query.substring(0, query.indexOf('=')));
        }
    }
}
