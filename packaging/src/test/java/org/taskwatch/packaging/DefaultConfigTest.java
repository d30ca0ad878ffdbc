package org.taskwatch.packaging;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.StringReader;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.taskwatch.agent.ConfigKey;

/** The packaged settings file: read with every line uncommented, it is exactly the defaults. */
class DefaultConfigTest {
    @Test
    void uncommentedItIsEveryKeyWithItsDefault() throws Exception {
        String text = DefaultConfig.text();
        Properties asShipped = new Properties();
        asShipped.load(new StringReader(text));
        assertEquals(0, asShipped.size(), "every line is a comment: " + asShipped);

        Properties uncommented = new Properties();
        uncommented.load(new StringReader(text.replaceAll("(?m)^#(?=[A-Za-z][\\w.]*=)", "")));
        Properties defaults = new Properties();
        for (ConfigKey k : ConfigKey.values()) {
            defaults.setProperty(k.key(), k.defaultValue());
        }
        assertEquals(defaults, uncommented);
    }

    @Test
    void linesFitOneHundredColumns() {
        for (String l : DefaultConfig.text().lines().toList()) {
            // longer only where one word is (a default value, a meaning's single long word)
            assertTrue(l.length() <= 100 || !l.substring(2).contains(" "), l);
        }
    }
}
