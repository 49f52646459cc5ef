package dev.regatta.dataplane.sync;

/**
 * How hard the importer drives S3 while it lists directories and reads the attributes of what they hold; part of the
 * data plane's settings ({@code DataPlaneConfig}). Background HEADs adapt between their minimum and maximum
 * ({@link AdaptiveLimit}); the S3 client's connection pool is sized from the HEADs' ceiling so that reads and uploads
 * still find connections while a large listing's HEADs run.
 *
 * @param revalidationConcurrency directories listed again in the background at once (a {@code find} makes many
 *                                stale at the same time)
 * @param headMinConcurrency      background HEADs that may always run at once, however S3 answers
 * @param headInitialConcurrency  where the search for the right number of background HEADs starts
 * @param headMaxConcurrency      at most this many background HEADs
 * @param foregroundHeads         HEADs that callers waiting for attributes (LOOKUP, GETATTR) may run at once, beside
 *                                the background ones
 * @param scanBatch               entries of a directory read per transaction when looking for those a listing no
 *                                longer shows
 */
public record ImportSettings(int revalidationConcurrency, int headMinConcurrency, int headInitialConcurrency,
                             int headMaxConcurrency, int foregroundHeads, int scanBatch) {

    public static final ImportSettings DEFAULTS = new ImportSettings(4, 4, 16, 24, 16, 512);

    public ImportSettings {
        if (revalidationConcurrency < 1 || foregroundHeads < 1 || scanBatch < 1) {
            throw new IllegalArgumentException("revalidation concurrency, foreground HEADs and scan batch must be "
                    + "at least 1: " + revalidationConcurrency + ", " + foregroundHeads + ", " + scanBatch);
        }
        if (headMinConcurrency < 1 || headInitialConcurrency < headMinConcurrency
                || headMaxConcurrency < headInitialConcurrency) {
            throw new IllegalArgumentException("background HEADs need 1 <= min <= initial <= max: "
                    + headMinConcurrency + ", " + headInitialConcurrency + ", " + headMaxConcurrency);
        }
    }
}
