package dev.regatta.dataplane.nfs.rpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import org.glassfish.grizzly.memory.Buffers;
import org.glassfish.grizzly.memory.BuffersBuffer;
import org.glassfish.grizzly.memory.MemoryManager;
import org.junit.jupiter.api.Test;

/**
 * Opaques decoded from a call: the bytes as sent, the padding skipped, and a length that the call does not hold or
 * that is over the limit refused as garbage before anything of that size is allocated.
 */
class XdrTest {

    /** A call's bytes in two buffers, as a record that arrived in two reads is. */
    static org.dcache.oncrpc4j.xdr.Xdr call(byte[] bytes, int split) {
        BuffersBuffer b = BuffersBuffer.create(MemoryManager.DEFAULT_MEMORY_MANAGER);
        b.append(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER, ByteBuffer.wrap(bytes, 0, split).slice()));
        b.append(Buffers.wrap(MemoryManager.DEFAULT_MEMORY_MANAGER,
                ByteBuffer.wrap(bytes, split, bytes.length - split).slice()));
        org.dcache.oncrpc4j.xdr.Xdr xdr = new org.dcache.oncrpc4j.xdr.Xdr(b);
        xdr.beginDecoding();
        return xdr;
    }

    @Test
    void anOpaqueSplitAcrossBuffersDecodesWithItsPaddingSkipped() throws Exception {
        ByteBuffer sent = ByteBuffer.allocate(4 + 8 + 4)
                .putInt(5).put(new byte[] {1, 2, 3, 4, 5, 0, 0, 0}).putInt(42);
        org.dcache.oncrpc4j.xdr.Xdr in = call(sent.array(), 7);

        assertThat(Xdr.opaque(in, 64)).containsExactly(1, 2, 3, 4, 5);
        assertThat(in.xdrDecodeInt()).isEqualTo(42);
    }

    @Test
    void anOpaqueLongerThanTheCallIsGarbage() {
        ByteBuffer sent = ByteBuffer.allocate(4 + 8).putInt(1 << 20).put(new byte[8]);
        assertThatThrownBy(() -> Xdr.opaque(call(sent.array(), 6), 2 << 20))
                .isInstanceOf(Xdr.GarbageArgs.class).hasMessageContaining("ends before");
    }

    @Test
    void anOpaqueOverTheLimitOrOfNegativeLengthIsGarbage() {
        ByteBuffer over = ByteBuffer.allocate(4 + 68).putInt(65).put(new byte[68]);
        assertThatThrownBy(() -> Xdr.opaque(call(over.array(), 10), 64))
                .isInstanceOf(Xdr.GarbageArgs.class).hasMessageContaining("longer than 64");
        ByteBuffer negative = ByteBuffer.allocate(8).putInt(-4).putInt(0);
        assertThatThrownBy(() -> Xdr.opaque(call(negative.array(), 4), 64))
                .isInstanceOf(Xdr.GarbageArgs.class).hasMessageContaining("4294967292 bytes");
    }
}
