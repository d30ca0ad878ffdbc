// HostIsolationIT runs this as a host application (java HostApp.java PORT, with Jolokia 1.x and JNA on -cp).
import com.sun.jna.Library;
import com.sun.jna.Native;
import java.util.Map;
import org.jolokia.jvmagent.JolokiaServer;
import org.jolokia.jvmagent.JolokiaServerConfig;

/** A host application that bundles its own Jolokia 1.x and JNA, and uses both. */
public class HostApp {
    public interface C extends Library {
        int getpid();
    }

    public static void main(String[] args) throws Exception {
        C c = Native.load("c", C.class);
        System.out.println("host: JNA " + Native.VERSION + " getpid " + c.getpid());
        JolokiaServer jolokia = new JolokiaServer(new JolokiaServerConfig(
                Map.of("host", "127.0.0.1", "port", args[0], "discoveryEnabled", "false")), false);
        jolokia.start();
        System.out.println("host: Jolokia " + jolokia.getUrl());
        Thread.sleep(Long.MAX_VALUE);
    }
}
