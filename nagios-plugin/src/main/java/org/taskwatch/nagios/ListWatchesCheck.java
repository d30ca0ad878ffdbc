package org.taskwatch.nagios;

import java.util.ArrayList;
import java.util.List;
import org.taskwatch.check.Perfdata;
import org.taskwatch.check.State;

/**
 * {@code --list-watches}: the names of the watches declared in the agent's configuration (the
 * Monitor's {@code DeclaredWatches} attribute). OK with the names; {@code --raw} prints them as
 * Zabbix low-level discovery JSON, {@code [{"{#WATCH}":"nginx"},...]}, for a discovery
 * UserParameter. One call: a read of {@code DeclaredWatches}.
 */
final class ListWatchesCheck implements Check {
    static final String MACRO = "{#WATCH}";

    @Override
    public Result run(Jolokia agent) throws CheckException {
        Object value = agent.read("DeclaredWatches");
        if (!(value instanceof List<?> list)) {
            throw new CheckException("the agent's DeclaredWatches is " + value + ", not a list of names (an older agent?)");
        }
        List<String> names = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String)) {
                throw new CheckException("the agent's DeclaredWatches holds " + o + ", not a name");
            }
            names.add((String) o);
        }
        StringBuilder lld = new StringBuilder("[");
        for (String n : names) {
            lld.append(lld.length() > 1 ? "," : "").append("{").append(Json.quote(MACRO)).append(':').append(Json.quote(n)).append('}');
        }
        lld.append(']');
        String text = names.isEmpty() ? "no watches declared in the agent's configuration"
                : Check.count(names.size(), "declared watch", "declared watches") + ": " + String.join(", ", names);
        return new Result(State.OK, text, null, List.of(Perfdata.counter("declared", names.size())), List.of(), lld.toString());
    }
}
