package dev.regatta.dataplane.nfs.v3;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.regatta.dataplane.model.FsError;
import dev.regatta.dataplane.model.FsException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class FileHandlesTest {

    private final FileHandles handles = new FileHandles("secret".getBytes(StandardCharsets.UTF_8));

    @Test
    void roundTrip() throws FsException {
        for (long id : new long[] {0, 1, 42, Long.MAX_VALUE, -1}) {
            byte[] fh = handles.encode(3, id);
            assertThat(fh.length).isLessThanOrEqualTo(FileHandles.MAX_LENGTH).isEqualTo(FileHandles.LENGTH);
            assertThat(handles.decode(fh)).isEqualTo(new FileHandles.Decoded(3, id));
        }
    }

    @Test
    void everyFlippedBitIsBadHandle() {
        byte[] fh = handles.encode(0, 12345);
        for (int i = 0; i < fh.length * 8; i++) {
            byte[] forged = fh.clone();
            forged[i / 8] ^= (byte) (1 << (i % 8));
            assertBadHandle(forged);
        }
    }

    @Test
    void wrongLengthOrKeyIsBadHandle() {
        byte[] fh = handles.encode(0, 7);
        assertBadHandle(Arrays.copyOf(fh, fh.length - 1));
        assertBadHandle(Arrays.copyOf(fh, fh.length + 1));
        assertBadHandle(new byte[0]);
        assertBadHandle(new byte[64]);
        FileHandles other = new FileHandles("other".getBytes(StandardCharsets.UTF_8));
        assertBadHandle(other.encode(0, 7));
    }

    private void assertBadHandle(byte[] fh) {
        assertThatThrownBy(() -> handles.decode(fh)).isInstanceOf(FsException.class)
                .extracting(e -> ((FsException) e).error()).isEqualTo(FsError.BADHANDLE);
    }
}
