package io.shm4j.internal;

import org.openjdk.jcstress.annotations.Actor;
import org.openjdk.jcstress.annotations.JCStressTest;
import org.openjdk.jcstress.annotations.Outcome;
import org.openjdk.jcstress.annotations.State;
import org.openjdk.jcstress.infra.results.JZ_Result;

import static org.openjdk.jcstress.annotations.Expect.ACCEPTABLE;
import static org.openjdk.jcstress.annotations.Expect.FORBIDDEN;

/**
 * A reader against one publish (FORMAT.md 5.1/5.2): it returns version 1 or version 2, each
 * whole; never a mix, never version 2's number with other bytes.
 */
@JCStressTest
@Outcome(id = "1, true", expect = ACCEPTABLE, desc = "read before the commit: the old version, whole")
@Outcome(id = "2, true", expect = ACCEPTABLE, desc = "read after the commit: the new version, whole")
@Outcome(expect = FORBIDDEN, desc = "a torn, mixed or mislabelled read")
@State
public class PublishVersusRead {
    private final ObjectRegion region = Seqlock.withVersionOne();

    @Actor
    public void master() {
        Seqlock.publish(region, 2);
    }

    @Actor
    public void follower(JZ_Result r) {
        Seqlock.read(region, r);
    }
}
