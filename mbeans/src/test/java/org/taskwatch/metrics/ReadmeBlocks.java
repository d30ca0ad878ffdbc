package org.taskwatch.metrics;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Examples the README gives, taken from it as written, so the tests run what users copy. */
final class ReadmeBlocks {
    static final String RULES_FILE = "# /etc/prometheus/taskwatch.rules.yml";

    private ReadmeBlocks() {
    }

    /** The fenced block of the Prometheus section that begins with {@link #RULES_FILE}. */
    static String alertRules() throws IOException {
        String readme = Files.readString(Path.of(System.getenv().getOrDefault("TASKWATCH_ROOT", ".."), "README.md"));
        int start = readme.indexOf("```yaml\n" + RULES_FILE + "\n");
        if (start < 0) {
            throw new AssertionError("README.md has no ```yaml block beginning with " + RULES_FILE);
        }
        start += "```yaml\n".length();
        return readme.substring(start, readme.indexOf("```", start));
    }
}
