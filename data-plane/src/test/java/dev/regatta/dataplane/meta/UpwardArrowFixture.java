package dev.regatta.dataplane.meta;

import dev.regatta.dataplane.fs.Caller;

/** Deliberately breaks the ladder (meta using fs) so that ArchitectureTest can show it catches such an arrow. */
public final class UpwardArrowFixture {

    Caller whoCalls() {
        return Caller.ROOT;
    }
}
