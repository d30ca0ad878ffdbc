package org.taskwatch.jolokia;

import java.io.IOException;
import java.io.InputStream;
import javax.management.ObjectName;
import org.jolokia.server.core.config.ConfigKey;
import org.jolokia.server.core.config.Configuration;
import org.jolokia.server.core.restrictor.RestrictorFactory;
import org.jolokia.server.core.restrictor.policy.PolicyRestrictor;
import org.jolokia.server.core.service.api.Restrictor;
import org.jolokia.server.core.util.HttpMethod;
import org.jolokia.server.core.util.RequestType;

/**
 * The policy file's restrictor with strict Origin checking for browsers only: a request that
 * carries an {@code Origin} (or {@code Referer}) outside the policy's {@code <cors>} list is
 * refused, whatever it asks for; a request without one (curl, check_taskwatch, any non-browser
 * client) is judged by the rest of the policy. Jolokia's own {@code <strict-checking/>} would
 * refuse those too, since it treats a missing Origin as a foreign one.
 *
 * <p>Created by Jolokia ({@code restrictorClass}) with its configuration; a policy that cannot be
 * read is an error at start, never an open agent.
 */
public final class OriginCheckingRestrictor implements Restrictor {
    private final PolicyRestrictor policy;

    public OriginCheckingRestrictor(Configuration config) {
        String location = config.getConfig(ConfigKey.POLICY_LOCATION);
        PolicyRestrictor p;
        try {
            p = RestrictorFactory.lookupPolicyRestrictor(location);
        } catch (IOException e) {
            throw new IllegalArgumentException("Jolokia policy " + location + " cannot be read: " + e.getMessage(), e);
        }
        if (p == null) {
            throw new IllegalArgumentException("Jolokia policy " + location + " not found");
        }
        this.policy = p;
    }

    /** For tests: the restrictor over a policy document. */
    OriginCheckingRestrictor(InputStream policyXml) {
        this.policy = new PolicyRestrictor(policyXml);
    }

    @Override
    public boolean isOriginAllowed(String origin, boolean onlyWhenStrictCheckingIsEnabled) {
        if (origin == null) {
            return true; // not a browser's cross-origin request
        }
        return !"null".equals(origin) && policy.isOriginAllowed(origin, false);
    }

    @Override
    public boolean isHttpMethodAllowed(HttpMethod method) {
        return policy.isHttpMethodAllowed(method);
    }

    @Override
    public boolean isTypeAllowed(RequestType type) {
        return policy.isTypeAllowed(type);
    }

    @Override
    public boolean isAttributeReadAllowed(ObjectName name, String attribute) {
        return policy.isAttributeReadAllowed(name, attribute);
    }

    @Override
    public boolean isAttributeWriteAllowed(ObjectName name, String attribute) {
        return policy.isAttributeWriteAllowed(name, attribute);
    }

    @Override
    public boolean isOperationAllowed(ObjectName name, String operation) {
        return policy.isOperationAllowed(name, operation);
    }

    @Override
    public boolean isRemoteAccessAllowed(String... hostOrAddress) {
        return policy.isRemoteAccessAllowed(hostOrAddress);
    }

    @Override
    public boolean isObjectNameHidden(ObjectName name) {
        return policy.isObjectNameHidden(name);
    }

    @Override
    public boolean ignoreScheme() {
        return policy.ignoreScheme();
    }
}
