package dev.regatta.controlplane.mount;

import dev.regatta.controlplane.filesystem.FileSystem;
import dev.regatta.controlplane.mount.sts.CallerIdentity;

/** A proof that passed every check and STS: who asks, and about which file system (the one the proof is bound to). */
record VerifiedCaller(FileSystem fileSystem, CallerIdentity caller) {

    String arn() {
        return caller.arn().arn();
    }
}
