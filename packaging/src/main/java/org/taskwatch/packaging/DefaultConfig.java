package org.taskwatch.packaging;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.taskwatch.agent.ConfigKey;

/**
 * Writes the packaged {@code /etc/taskwatch/taskwatch.properties} from the agent's key table
 * ({@link ConfigKey}) at build time, so it lists every key there is, each commented out with its
 * default and meaning. Commented out, so that a default changed in a later version applies
 * unless the operator chose a value.
 */
public final class DefaultConfig {
    private static final int WIDTH = 100;

    private DefaultConfig() {}

    public static void main(String[] args) throws IOException {
        if (args.length != 1) {
            throw new IllegalArgumentException("usage: DefaultConfig OUTPUT_FILE");
        }
        Path out = Path.of(args[0]);
        Files.createDirectories(out.toAbsolutePath().getParent());
        Files.writeString(out, text(), StandardCharsets.UTF_8);
    }

    /** The file's text: a header, then each key as its comment and a commented-out key=default. */
    static String text() {
        StringBuilder b = new StringBuilder();
        b.append("# taskwatch agent settings, read by the service\n")
                .append("# (taskwatch agent --config /etc/taskwatch/taskwatch.properties)\n")
                .append("#\n")
                .append("# Every key is listed with its default, commented out. To change one, remove the '#' before the key,\n")
                .append("# edit the value, then restart the agent: systemctl restart taskwatch. A bad key or value stops the\n")
                .append("# agent with a message naming it (journalctl -u taskwatch). Flags on the command line\n")
                .append("# (--set KEY=VALUE) override this file. It may hold passwords: it is installed readable by root and\n")
                .append("# the taskwatch group only (mode 640).\n");
        for (ConfigKey k : ConfigKey.values()) {
            b.append('\n');
            wrap(b, k.meaning());
            b.append('#').append(k.key()).append('=').append(escape(k.defaultValue())).append('\n');
        }
        return b.toString();
    }

    /** Appends {@code text} as comment lines of at most {@link #WIDTH} characters, broken at spaces. */
    private static void wrap(StringBuilder b, String text) {
        StringBuilder line = new StringBuilder("#");
        for (String word : text.split(" ")) {
            if (line.length() > 1 && line.length() + 1 + word.length() > WIDTH) {
                b.append(line).append('\n');
                line.setLength(1);
            }
            line.append(' ').append(word);
        }
        b.append(line).append('\n');
    }

    /** A value as java.util.Properties reads it back (backslashes and a leading space escaped). */
    private static String escape(String value) {
        String v = value.replace("\\", "\\\\");
        return v.startsWith(" ") ? "\\" + v : v;
    }
}
