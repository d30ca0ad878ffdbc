package org.taskwatch.testing;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The rule for tests that need the kernel: in CI ({@code CI=true}) a kernel test that cannot run
 * is a failure, elsewhere it is skipped with the reason.
 */
public final class KernelTests {
    private KernelTests() {}

    public static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /** Fails (CI) or skips (elsewhere) unless {@code condition}. */
    public static void require(boolean condition, String why) {
        if (condition) {
            return;
        }
        if (inCi()) {
            fail("kernel test cannot run in CI: " + why);
        }
        assumeTrue(false, why);
    }

    public static boolean isRoot() {
        return "root".equals(System.getProperty("user.name"));
    }

    /** {@code CAP_SYS_NICE}: raising a thread's priority. */
    public static final int CAP_SYS_NICE = 23;

    /** Whether this process has capability {@code cap} in effect ({@code CapEff} of /proc/self/status). */
    public static boolean hasCapability(int cap) {
        try {
            for (String line : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
                if (line.startsWith("CapEff:")) {
                    return (Long.parseUnsignedLong(line.substring(7).trim(), 16) & (1L << cap)) != 0;
                }
            }
        } catch (java.io.IOException | NumberFormatException e) {
            // no /proc: nothing can be said, so no
        }
        return false;
    }
}
