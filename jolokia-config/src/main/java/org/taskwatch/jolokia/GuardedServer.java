package org.taskwatch.jolokia;

import com.sun.net.httpserver.Filter;
import com.sun.net.httpserver.HttpContext;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * The HTTP server handed to Jolokia ({@code new JolokiaServer(HttpServer, ...)}, its way of
 * embedding): every context Jolokia creates on it gets the {@link RequestGuard} as its first
 * filter, before Jolokia's handler. Jolokia offers no other hook that sees every path: its
 * authenticator is set on the main context only, not on {@code /jolokia/config}.
 */
final class GuardedServer extends HttpServer {
    private final HttpServer server;
    private final Filter guard;

    GuardedServer(HttpServer server, Filter guard) {
        this.server = server;
        this.guard = guard;
    }

    @Override
    public HttpContext createContext(String path, HttpHandler handler) {
        HttpContext c = server.createContext(path, handler);
        c.getFilters().add(0, guard);
        return c;
    }

    @Override
    public HttpContext createContext(String path) {
        HttpContext c = server.createContext(path);
        c.getFilters().add(0, guard);
        return c;
    }

    @Override
    public void bind(InetSocketAddress addr, int backlog) throws IOException {
        server.bind(addr, backlog);
    }

    @Override
    public void start() {
        server.start();
    }

    @Override
    public void setExecutor(Executor executor) {
        server.setExecutor(executor);
    }

    @Override
    public Executor getExecutor() {
        return server.getExecutor();
    }

    @Override
    public void stop(int delay) {
        server.stop(delay);
    }

    @Override
    public void removeContext(String path) {
        server.removeContext(path);
    }

    @Override
    public void removeContext(HttpContext context) {
        server.removeContext(context);
    }

    @Override
    public InetSocketAddress getAddress() {
        return server.getAddress();
    }
}
