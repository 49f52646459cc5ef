package dev.regatta.dataplane.meta;

/**
 * Told when a store starts and stops taking writes: a store alone takes them from the start; a replicated one while
 * this member leads its group and has applied the log before its term. Called on the log's own threads, one event at
 * a time; a listener that does much hands the work on.
 */
public interface Leadership {

    /** The store takes writes now. */
    void leading();

    /** The store takes no writes now (another member leads, or none does). */
    void following();
}
