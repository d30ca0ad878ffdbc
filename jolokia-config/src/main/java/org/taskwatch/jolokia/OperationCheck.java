package org.taskwatch.jolokia;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.StringJoiner;
import java.util.regex.Pattern;
import javax.management.InstanceNotFoundException;
import javax.management.IntrospectionException;
import javax.management.MBeanInfo;
import javax.management.MBeanOperationInfo;
import javax.management.MBeanParameterInfo;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import javax.management.ReflectionException;

/**
 * An exec request held against the operation's own {@link MBeanOperationInfo} before Jolokia
 * runs it: Jolokia drops arguments beyond the operation's parameters and calls it anyway, and
 * turns an argument it cannot convert into a bare HTTP 400. Here a wrong count or a value that
 * is not a number where one is wanted is refused with the parameter's name, and a read-only user
 * may call only operations whose impact is {@link MBeanOperationInfo#INFO}.
 *
 * <p>Operations the MBean does not have are left to Jolokia, whose answer (a
 * {@code NoSuchMethodException}) clients such as check_taskwatch recognise.
 */
final class OperationCheck {
    private static final Set<String> WHOLE = Set.of("int", "long", "short", "byte", "java.lang.Integer",
            "java.lang.Long", "java.lang.Short", "java.lang.Byte");
    private static final Pattern DIGITS = Pattern.compile("-?[0-9]+");

    private OperationCheck() {}

    /**
     * @param operation the name, or the name with its signature in parentheses
     * @param args the arguments given (null: none)
     * @param readOnly whether the caller may only read
     * @throws Refusal 404 for an MBean that does not exist, 403 for a read-only caller and an
     *     operation that changes something, 400 for a wrong count or type of arguments
     */
    static void check(MBeanServer mbs, ObjectName name, String operation, List<?> args, boolean readOnly)
            throws Refusal {
        if (name.isPattern()) {
            if (readOnly) {
                throw new Refusal(403, "exec on a pattern of MBeans (" + name + ") is refused to read-only users");
            }
            return; // Jolokia refuses or resolves it
        }
        MBeanInfo info;
        try {
            info = mbs.getMBeanInfo(name);
        } catch (InstanceNotFoundException e) {
            throw new Refusal(404, "no MBean named " + name);
        } catch (IntrospectionException | ReflectionException e) {
            throw new Refusal(500, "the MBean " + name + " cannot describe itself");
        }
        int paren = operation.indexOf('(');
        String opName = paren < 0 ? operation : operation.substring(0, paren);
        String signature = paren < 0 ? null : operation.substring(paren + 1, operation.endsWith(")")
                ? operation.length() - 1 : operation.length()).replace(" ", "");
        List<MBeanOperationInfo> named = new ArrayList<>();
        for (MBeanOperationInfo op : info.getOperations()) {
            if (op.getName().equals(opName) && (signature == null || signature.equals(types(op)))) {
                named.add(op);
            }
        }
        if (named.isEmpty()) {
            if (readOnly) {
                throw new Refusal(403, "read-only users may call only operations that read, and " + name
                        + " has no operation " + operation);
            }
            return;
        }
        if (readOnly && !isNotificationPull(name, opName)) {
            for (MBeanOperationInfo op : named) {
                if (op.getImpact() != MBeanOperationInfo.INFO) {
                    throw new Refusal(403, opName + " changes what the agent does (its impact is not INFO):"
                            + " read-only users may call only operations that read");
                }
            }
        }
        int given = args == null ? 0 : args.size();
        MBeanOperationInfo match = null;
        StringJoiner counts = new StringJoiner(" or ");
        for (MBeanOperationInfo op : named) {
            int n = op.getSignature().length;
            counts.add(n == 0 ? "no arguments" : n + (n == 1 ? " argument (" : " arguments (") + names(op) + ")");
            if (op.getSignature().length == given) {
                match = match == null ? op : null; // two overloads of one length: Jolokia picks by signature
            }
        }
        boolean anyOfLength = named.stream().anyMatch(op -> op.getSignature().length == given);
        if (!anyOfLength) {
            throw new Refusal(400, opName + ": takes " + counts + ", got " + given);
        }
        if (match != null) {
            MBeanParameterInfo[] params = match.getSignature();
            for (int i = 0; i < params.length; i++) {
                String problem = problem(params[i].getType(), args.get(i));
                if (problem != null) {
                    throw new Refusal(400, opName + ": argument " + (i + 1) + " (" + params[i].getName() + ") " + problem
                            + ", got " + shown(args.get(i)));
                }
            }
        }
    }

    /** The pull side of Jolokia's notification protocol: an exec that only reads what was subscribed to. */
    private static boolean isNotificationPull(ObjectName name, String op) {
        return "jolokia".equals(name.getDomain()) && "NotificationStore".equals(name.getKeyProperty("type"))
                && "pull".equals(op);
    }

    private static String types(MBeanOperationInfo op) {
        StringJoiner j = new StringJoiner(",");
        for (MBeanParameterInfo p : op.getSignature()) {
            j.add(p.getType());
        }
        return j.toString();
    }

    private static String names(MBeanOperationInfo op) {
        StringJoiner j = new StringJoiner(", ");
        for (MBeanParameterInfo p : op.getSignature()) {
            j.add(p.getName());
        }
        return j.toString();
    }

    /** What is wrong with {@code value} for a parameter of {@code type}, or null (types not checked here pass). */
    private static String problem(String type, Object value) {
        if (WHOLE.contains(type)) {
            BigInteger n = whole(value);
            if (n == null) {
                return "must be a whole number";
            }
            long min = type.endsWith("ong") ? Long.MIN_VALUE : type.endsWith("nt") || type.endsWith("nteger")
                    ? Integer.MIN_VALUE : type.endsWith("hort") ? Short.MIN_VALUE : Byte.MIN_VALUE;
            long max = -(min + 1);
            if (n.compareTo(BigInteger.valueOf(min)) < 0 || n.compareTo(BigInteger.valueOf(max)) > 0) {
                return "must be " + min + " to " + max;
            }
            return null;
        }
        if (type.equals("boolean") || type.equals("java.lang.Boolean")) {
            return value instanceof Boolean || "true".equals(value) || "false".equals(value) ? null
                    : "must be true or false";
        }
        return null;
    }

    private static BigInteger whole(Object value) {
        try {
            if (value instanceof Number n) {
                BigDecimal d = new BigDecimal(n.toString());
                return d.stripTrailingZeros().scale() <= 0 ? d.toBigIntegerExact() : null;
            }
            if (value instanceof String s && DIGITS.matcher(s).matches()) {
                return new BigInteger(s);
            }
        } catch (NumberFormatException | ArithmeticException e) {
            return null; // NaN, infinity
        }
        return null;
    }

    private static String shown(Object value) {
        String s = value instanceof String ? "\"" + value + "\"" : String.valueOf(value);
        return s.length() > 60 ? s.substring(0, 57) + "..." : s;
    }
}
