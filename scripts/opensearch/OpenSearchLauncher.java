// One OpenSearch node for `scripts/services start opensearch`, run by codelibs' OpenSearchRunner.
//
// The runner's own main swallows a start failure (it exits 1 and prints nothing) and only takes HTTP
// ports up to 9299; this one gives the node the ports the services script chose, prints why a start
// failed, and keeps the node up until SIGTERM.
// Usage: OpenSearchLauncher BASE_PATH CONF_PATH CLUSTER_NAME HTTP_PORT TRANSPORT_PORT
package hdcat.opensearch;

import java.io.IOException;

import org.codelibs.opensearch.runner.OpenSearchRunner;

public class OpenSearchLauncher {
    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: OpenSearchLauncher BASE_PATH CONF_PATH CLUSTER_NAME HTTP_PORT TRANSPORT_PORT");
            System.exit(2);
        }
        final OpenSearchRunner runner = new OpenSearchRunner();
        runner.setMaxHttpPort(-1);
        runner.onBuild((id, b) -> {
            b.put("http.port", args[3]);
            b.put("transport.port", args[4]);
        });
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (IOException e) {
                System.err.println(e.getMessage());
            }
        }));
        try {
            runner.build("-basePath", args[0], "-confPath", args[1], "-numOfNode", "1", "-clusterName", args[2]);
        } catch (RuntimeException e) {
            e.printStackTrace();
            System.exit(1);
        }
        while (!runner.isClosed()) {
            Thread.sleep(5000);
        }
    }
}
