package dev.regatta.dataplane.fs;

/** NFSv3 createmode3: how CREATE treats an existing name. */
public enum CreateMode {
    /** Create, or truncate/update the existing file. */
    UNCHECKED,
    /** Fail with EXIST if the name exists. */
    GUARDED,
    /** Create once per verifier: a retransmitted request with the same verifier succeeds. */
    EXCLUSIVE
}
