package dev.regatta.dataplane.nfs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * A small NLM v4 client over {@link RpcTestClient} for one lock owner: a host name ({@code caller_name}), a process
 * ({@code svid}) and an owner handle. Each call sends a fresh cookie and checks that the reply echoes it.
 */
public final class NlmTestClient {

    public static final int NLM = 100021;
    public static final int NSM = 100024;
    public static final int GRANTED = 0;
    public static final int DENIED = 1;
    public static final int DENIED_NOLOCKS = 2;
    public static final int BLOCKED = 3;
    public static final int DENIED_GRACE_PERIOD = 4;
    public static final int DEADLCK = 5;
    public static final int ROFS = 6;
    public static final int STALE_FH = 7;
    public static final int FBIG = 8;
    public static final int FAILED = 9;

    /** nlm4_holder. */
    public record Holder(boolean exclusive, int svid, byte[] oh, long offset, long length) {
    }

    public record Tested(int stat, Holder holder) {
    }

    public final RpcTestClient rpc;
    public final String host;
    public final int svid;
    public final byte[] oh;
    private int cookies;
    public byte[] lastCookie;

    public NlmTestClient(RpcTestClient rpc, String host, int svid) {
        this.rpc = rpc;
        this.host = host;
        this.svid = svid;
        this.oh = (svid + "@" + host).getBytes(StandardCharsets.UTF_8);
    }

    /** The same connection, another owner. */
    public NlmTestClient as(String otherHost, int otherSvid) {
        return new NlmTestClient(rpc, otherHost, otherSvid);
    }

    public RpcTestClient.Out cookie() {
        lastCookie = (host + "#" + svid + "#" + (++cookies)).getBytes(StandardCharsets.UTF_8);
        return new RpcTestClient.Out().opaque(lastCookie);
    }

    /** nlm4_lock of this owner. */
    public RpcTestClient.Out alock(RpcTestClient.Out out, byte[] fh, long offset, long length) {
        return out.str(host).opaque(fh).opaque(oh).i(svid).l(offset).l(length);
    }

    public RpcTestClient.Out lockArgs(byte[] fh, boolean exclusive, long offset, long length, boolean block,
                               boolean reclaim) {
        return alock(cookie().i(block ? 1 : 0).i(exclusive ? 1 : 0), fh, offset, length).i(reclaim ? 1 : 0).i(1);
    }

    public int lock(byte[] fh, boolean exclusive, long offset, long length, boolean block) throws IOException {
        return lock(fh, exclusive, offset, length, block, false);
    }

    public int lock(byte[] fh, boolean exclusive, long offset, long length, boolean block, boolean reclaim)
            throws IOException {
        return res(call(2, lockArgs(fh, exclusive, offset, length, block, reclaim)));
    }

    public int nmLock(byte[] fh, boolean exclusive, long offset, long length) throws IOException {
        return res(call(22, lockArgs(fh, exclusive, offset, length, false, false)));
    }

    public RpcTestClient.Out testArgs(byte[] fh, boolean exclusive, long offset, long length) {
        return alock(cookie().i(exclusive ? 1 : 0), fh, offset, length);
    }

    public Tested test(byte[] fh, boolean exclusive, long offset, long length) throws IOException {
        RpcTestClient.In in = call(1, testArgs(fh, exclusive, offset, length));
        assertThat(in.opaque()).as("cookie").isEqualTo(lastCookie);
        int stat = in.i();
        Holder holder = null;
        if (stat == DENIED) {
            holder = new Holder(in.bool(), in.i(), in.opaque(), in.l(), in.l());
        }
        assertThat(in.done()).isTrue();
        return new Tested(stat, holder);
    }

    public RpcTestClient.Out cancelArgs(byte[] fh, boolean exclusive, long offset, long length) {
        return alock(cookie().i(1).i(exclusive ? 1 : 0), fh, offset, length);
    }

    public int cancel(byte[] fh, boolean exclusive, long offset, long length) throws IOException {
        return res(call(3, cancelArgs(fh, exclusive, offset, length)));
    }

    public RpcTestClient.Out unlockArgs(byte[] fh, long offset, long length) {
        return alock(cookie(), fh, offset, length);
    }

    public int unlock(byte[] fh, long offset, long length) throws IOException {
        return res(call(4, unlockArgs(fh, offset, length)));
    }

    public RpcTestClient.Out shareArgs(byte[] fh, int mode, int access, boolean reclaim) {
        return cookie().str(host).opaque(fh).opaque(oh).i(mode).i(access).i(reclaim ? 1 : 0);
    }

    public int share(byte[] fh, int mode, int access) throws IOException {
        return share(20, fh, mode, access, false);
    }

    public int unshare(byte[] fh) throws IOException {
        return share(21, fh, 0, 0, false);
    }

    public int share(int proc, byte[] fh, int mode, int access, boolean reclaim) throws IOException {
        RpcTestClient.In in = call(proc, shareArgs(fh, mode, access, reclaim));
        assertThat(in.opaque()).as("cookie").isEqualTo(lastCookie);
        int stat = in.i();
        assertThat(in.i()).as("sequence").isZero();
        assertThat(in.done()).isTrue();
        return stat;
    }

    public void freeAll(String name) throws IOException {
        RpcTestClient.Reply r = rpc.call(NLM, 4, 23, new RpcTestClient.Out().str(name).i(0));
        assertThat(r.acceptStat()).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(r.body().done()).isTrue();
    }

    /** An asynchronous call: the reply is empty, the answer comes to the client's *_RES procedure. */
    public void message(int proc, RpcTestClient.Out args) throws IOException {
        RpcTestClient.Reply r = rpc.call(NLM, 4, proc, args);
        assertThat(r.acceptStat()).as("accept status of NLM procedure %d", proc).isEqualTo(RpcTestClient.SUCCESS);
        assertThat(r.body().done()).as("a *_MSG call has an empty reply").isTrue();
    }

    public RpcTestClient.In call(int proc, RpcTestClient.Out args) throws IOException {
        RpcTestClient.Reply r = rpc.call(NLM, 4, proc, args);
        assertThat(r.acceptStat()).as("accept status of NLM procedure %d", proc).isEqualTo(RpcTestClient.SUCCESS);
        return r.body();
    }

    private int res(RpcTestClient.In in) {
        assertThat(in.opaque()).as("cookie").isEqualTo(lastCookie);
        int stat = in.i();
        assertThat(in.done()).isTrue();
        return stat;
    }
}
