package dev.regatta.mount.aws;

import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.regions.providers.AwsProfileRegionProvider;
import software.amazon.awssdk.regions.providers.AwsRegionProvider;
import software.amazon.awssdk.regions.providers.DefaultAwsRegionProviderChain;

import java.util.Optional;

/** The region the proof is signed for: the one STS's regional endpoint expects. */
public final class SigningRegion {

    /** STS's global endpoint signs in us-east-1, so it is the one default that always works. */
    static final String FALLBACK = "us-east-1";

    private SigningRegion() {
    }

    /**
     * {@code region=}, else the configuration file, else the SDK's chain (environment, the profile, on EC2 the
     * instance's region from IMDS), else us-east-1.
     */
    public static String resolve(Optional<String> option, Optional<String> configured, Optional<String> awsProfile) {
        return option.or(() -> configured).orElseGet(() -> fromSdk(awsProfile).orElse(FALLBACK));
    }

    private static Optional<String> fromSdk(Optional<String> awsProfile) {
        AwsRegionProvider chain = awsProfile.<AwsRegionProvider>map(name -> new AwsProfileRegionProvider(null, name))
                .orElseGet(DefaultAwsRegionProviderChain::new);
        try {
            return Optional.of(chain.getRegion()).map(Region::id);
        } catch (SdkClientException e) {
            return Optional.empty();
        }
    }
}
