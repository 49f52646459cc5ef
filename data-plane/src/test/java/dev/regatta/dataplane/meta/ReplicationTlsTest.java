package dev.regatta.dataplane.meta;

import dev.regatta.pki.KeyMaterial;
import dev.regatta.pki.Pem;
import dev.regatta.tunnel.tls.MemberTls;
import dev.regatta.tunnel.tls.PemCredentialFiles;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;

import static dev.regatta.dataplane.meta.ReplicatedGroup.ROOT;
import static dev.regatta.dataplane.meta.ReplicatedGroup.await;
import static dev.regatta.dataplane.meta.ReplicatedGroup.create;
import static dev.regatta.dataplane.meta.ReplicatedGroup.has;
import static org.assertj.core.api.Assertions.assertThat;

/** A replication group whose members speak mutual TLS with node certificates of the control plane's CA. */
class ReplicationTlsTest {

    private static final AtomicLong SERIALS = new AtomicLong(System.currentTimeMillis());

    @TempDir
    Path dir;

    private ReplicatedGroup group;

    /** A CA as the control plane's: its certificate and key. */
    private record Ca(KeyPair keys, X509Certificate certificate) {
    }

    @AfterEach
    void stop() {
        if (group != null) {
            group.close();
        }
    }

    @Test
    void membersWithNodeCertificatesReplicateAndOneBehindTheLogCopiesTheStoreOverTls() throws Exception {
        Ca ca = ca("Regatta test CA");
        start(new Ca[]{ca, ca, ca});
        int leader = group.leader();
        MetadataStore store = group.stores[leader];
        int away = (leader + 1) % 3;
        long first = create(store, "first");
        await("member m" + away + " applies the leader's change over TLS",
                () -> has(group.stores[away], "first", first));
        long awayApplied = group.stores[away].appliedLogIndex();
        group.closeStore(away);

        long unsynced = create(store, "unsynced");
        byte[] hello = "over TLS".getBytes(StandardCharsets.UTF_8);
        group.files[leader].write(unsynced, 0, ByteBuffer.wrap(hello));
        store.write(Durability.SYNC, tx -> {
            Inode inode = tx.inode(unsynced);
            inode.write(0, hello.length, 1);
            tx.putInode(inode).replicateWrite(unsynced, 0, ByteBuffer.wrap(hello));
            return null;
        });
        for (int n = 0; n < 100; n++) {
            create(store, "f" + n);
        }
        var division = group.servers[leader].server().getDivision(ReplicatedLog.groupId("fs-tls"));
        await("the leader's log starts after what the member applied",
                () -> division.getRaftLog().getStartIndex() > awayApplied + 1);

        group.open(away);
        long last = create(store, "last");
        long lastIndex = store.appliedLogIndex();
        await("the member that was away copies the store and follows the log",
                () -> group.stores[away].appliedLogIndex() >= lastIndex);
        assertThat(has(group.stores[away], "last", last)).isTrue();
        assertThat(group.files[away].contents.get(unsynced)).isEqualTo(hello);
    }

    @Test
    void aMemberWhoseCertificateAnotherCaIssuedIsNotHeard() throws Exception {
        Ca ca = ca("Regatta test CA");
        Ca stranger = ca("Someone else's CA");
        start(new Ca[]{ca, ca, stranger});
        int leader = group.leader();
        assertThat(leader).isNotEqualTo(2);
        long id = create(group.stores[leader], "kept-from-the-stranger");
        int other = 1 - leader;
        await("the other member of the CA applies the change",
                () -> has(group.stores[other], "kept-from-the-stranger", id));

        Thread.sleep(2000);
        assertThat(group.stores[2].appliedLogIndex()).as("what the stranger applied of the group's log").isEqualTo(-1);
        MetadataStore.Entry seen = group.stores[2].read(tx -> tx.lookup(ROOT, "kept-from-the-stranger"));
        assertThat(seen).isNull();
        assertThat(group.stores[2].writable()).isFalse();
    }

    /** A group of three on short logs, member {@code i} with a node certificate of {@code cas[i]}. */
    private void start(Ca[] cas) throws Exception {
        MemberTls[] tls = new MemberTls[cas.length];
        for (int i = 0; i < cas.length; i++) {
            tls[i] = new MemberTls(nodeFiles(cas[i], "m" + i));
        }
        group = new ReplicatedGroup(dir, "fs-tls").start(i -> tls[i], ReplicatedGroup.SHORT_LOGS);
    }

    private static Ca ca(String name) throws Exception {
        KeyPair keys = KeyMaterial.generate();
        X500Name subject = new X500Name("CN=" + name + ",O=Regatta");
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(subject, BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(30))), subject, keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
        return new Ca(keys, new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(keys.getPrivate()))));
    }

    /** A node certificate as the control plane's CA issues it (serverAuth, the node's URI and address). */
    private PemCredentialFiles nodeFiles(Ca ca, String nodeId) throws Exception {
        KeyPair keys = KeyMaterial.generate();
        Instant now = Instant.now();
        var builder = new JcaX509v3CertificateBuilder(ca.certificate(), BigInteger.valueOf(SERIALS.incrementAndGet()),
                Date.from(now.minusSeconds(60)), Date.from(now.plus(Duration.ofDays(1))),
                new X500Name("CN=" + nodeId + ",O=Regatta"), keys.getPublic())
                .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
                .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
                .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
                .addExtension(Extension.subjectAlternativeName, false, new DERSequence(new GeneralName[]{
                        new GeneralName(GeneralName.uniformResourceIdentifier, "regatta:node:" + nodeId),
                        new GeneralName(GeneralName.iPAddress, "127.0.0.1")}));
        X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(
                builder.build(new JcaContentSignerBuilder("SHA256withECDSA").build(ca.keys().getPrivate())));
        Path node = dir.resolve(nodeId).resolve("identity");
        Files.createDirectories(node);
        return new PemCredentialFiles(
                Files.writeString(node.resolve("node.key"), Pem.privateKeyText(keys.getPrivate())),
                Files.writeString(node.resolve("node.crt"), Pem.encode(certificate)),
                Files.writeString(node.resolve("ca.crt"), Pem.encode(ca.certificate())));
    }
}
