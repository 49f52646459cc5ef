package dev.regatta.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Objects made without S3 requests: files laid out and attributed as S3Proxy's filesystem store keeps a PUT. */
class SeederTest {

    @TempDir
    Path dir;

    @Test
    void entriesFillDirectoriesOfTheGivenSizeInOrder() {
        assertThat(Seeder.entry(0, 1000)).isEqualTo("d0000/f0000000");
        assertThat(Seeder.entry(999, 1000)).isEqualTo("d0000/f0000999");
        assertThat(Seeder.entry(1000, 1000)).isEqualTo("d0001/f0001000");
        assertThat(Seeder.entry(999_999, 1000)).isEqualTo("d0999/f0999999");
        assertThat(Seeder.directories(1_000_000, 1000)).isEqualTo(1000);
        assertThat(Seeder.directories(2500, 1000)).isEqualTo(3);
        assertThat(Seeder.entry(99_999, 100_000)).isEqualTo("d0000/f0099999");
    }

    @Test
    void aSeededFileCarriesTheAttributesAPutThroughTheEndpointLeaves() throws Exception {
        Path template = dir.resolve("template");
        Seeder.template(new Bench(), template, 2500, 1000);

        Path f = template.resolve(Seeder.entry(1234, 1000));
        assertThat(Files.readAllBytes(f)).isEqualTo(Seeder.data(1234));
        UserDefinedFileAttributeView x = Files.getFileAttributeView(f, UserDefinedFileAttributeView.class);
        assertThat(HexFormat.of().formatHex(read(x, "user.content-md5"))).isEqualTo(Seeder.md5Hex(Seeder.data(1234)));
        assertThat(new String(read(x, "user.storage-tier"), StandardCharsets.US_ASCII)).isEqualTo("STANDARD");
        assertThat(x.list()).contains("user.user-metadata.s3proxy_checksum_crc32");
        try (var files = Files.walk(template)) {
            assertThat(files.filter(Files::isRegularFile).count()).isEqualTo(2500);
        }
    }

    @Test
    void linkedEntriesAreTheTemplatesFilesWithTheirAttributes() throws Exception {
        Path template = dir.resolve("template");
        Seeder.template(new Bench(), template, 30, 10);

        Path bucket = dir.resolve("bucket").resolve("tree");
        Seeder.link(new Bench(), template, bucket, 30, 10);

        Path linked = bucket.resolve(Seeder.entry(29, 10));
        assertThat(Files.isSameFile(linked, template.resolve(Seeder.entry(29, 10)))).isTrue();
        assertThat(Files.getFileAttributeView(linked, UserDefinedFileAttributeView.class).list())
                .contains("user.content-md5");
        try (var dirs = Files.list(bucket)) {
            assertThat(dirs.count()).isEqualTo(3);
        }
    }

    @Test
    void aCompleteTemplateIsNotWrittenAgain() throws Exception {
        Path template = dir.resolve("template");
        Seeder.template(new Bench(), template, 10, 10);
        Files.delete(template.resolve(Seeder.entry(3, 10)));

        Seeder.template(new Bench(), template, 10, 10);

        assertThat(template.resolve(Seeder.entry(3, 10))).doesNotExist();
    }

    private static byte[] read(UserDefinedFileAttributeView x, String name) throws Exception {
        ByteBuffer b = ByteBuffer.allocate(x.size(name));
        x.read(name, b);
        return b.array();
    }
}
