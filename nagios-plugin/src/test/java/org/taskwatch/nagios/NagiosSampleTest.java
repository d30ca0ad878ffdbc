package org.taskwatch.nagios;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.taskwatch.testing.KernelTests;

/**
 * The shipped {@code nagios/taskwatch.cfg}, as the README says it is checked: Nagios's own
 * {@code nagios4 -v} over Debian's stock main configuration and object templates, with the sample
 * added as it is. Needs the Debian package nagios4-core (installed by .ci/run); in CI a missing
 * one fails the test instead of skipping it.
 */
class NagiosSampleTest {
    private static final Path NAGIOS = Path.of("/usr/sbin/nagios4");
    private static final Path STOCK = Path.of("/etc/nagios4/nagios.cfg");

    @Test
    void theSamplePassesNagiosVerificationAsShipped(@TempDir Path dir) throws Exception {
        if (!Files.isExecutable(NAGIOS) || !Files.isRegularFile(STOCK)) {
            String why = "nagios4 is not installed (apt-get install nagios4-core)";
            if (KernelTests.inCi()) {
                fail("the Nagios sample test cannot run in CI: " + why);
            }
            assumeTrue(false, why);
        }
        // nagios4 reads the object files as the nagios user: copies in a directory it may read
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Path sample = Files.copy(Path.of("nagios", "taskwatch.cfg"), dir.resolve("taskwatch.cfg"));
        Files.setPosixFilePermissions(sample, PosixFilePermissions.fromString("rw-r--r--"));
        String stock = verify(dir.resolve("stock.cfg"), null);
        String out = verify(dir.resolve("nagios.cfg"), sample);
        assertTrue(out.contains("Total Errors:   0"), out);
        // every service of the sample was read: nagios4 counts what it checked
        String text = Files.readString(sample);
        long services = text.split("define service \\{", -1).length - 1
                - (text.split("register +0", -1).length - 1); // templates are not services
        assertTrue(services > 0);
        assertEquals(checked(stock) + services, checked(out), "services checked with and without the sample:\n" + out);
    }

    /**
     * {@code nagios4 -v} on Debian's main file as installed, less its local additions
     * ({@code conf.d}), plus {@code sample} if given; its output, after checking that it passed.
     */
    private static String verify(Path cfg, Path sample) throws Exception {
        List<String> main = new ArrayList<>();
        for (String line : Files.readAllLines(STOCK, StandardCharsets.UTF_8)) {
            if (!line.equals("cfg_dir=/etc/nagios4/conf.d")) {
                main.add(line);
            }
        }
        if (sample != null) {
            main.add("cfg_file=" + sample);
        }
        Files.write(cfg, main, StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
        Process p = new ProcessBuilder(NAGIOS.toString(), "-v", cfg.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nagios4 -v did not finish: " + out);
        assertEquals(0, p.exitValue(), "nagios4 -v with " + (sample == null ? "the stock files" : sample) + ":\n" + out);
        return out;
    }

    private static long checked(String out) {
        Matcher m = Pattern.compile("Checked ([0-9]+) services\\.").matcher(out);
        assertTrue(m.find(), out);
        return Long.parseLong(m.group(1));
    }
}
