// A several-node Elasticsearch cluster in one JVM, for `scripts/services start es-cluster`.
//
// codelibs' ElasticsearchClusterRunner starts the nodes; this launcher gives each node the HTTP and
// transport port the services script chose (free ports on 127.0.0.1, so it never collides with the
// single development node), and adds a small control endpoint on 127.0.0.1 so tests can stop a
// node in the middle of a bulk write and start it again afterwards:
//   GET  /nodes           {"nodes":[{"id":1,"http":19201,"running":true},...]}
//   POST /nodes/N/stop    closes node N (as a crashed or drained machine: its shards move elsewhere)
//   POST /nodes/N/start   starts node N again on the same ports and data directory
// Usage: ClusterLauncher BASE_PATH CONF_PATH CLUSTER_NAME CONTROL_PORT HTTP_PORTS TRANSPORT_PORTS
//   (ports comma-separated, one per node; the number of nodes is their count)
package hdcat.elasticsearch;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.StringJoiner;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import org.codelibs.elasticsearch.runner.ElasticsearchClusterRunner;
import org.elasticsearch.node.Node;

public class ClusterLauncher {

    /** Node `id` (1-based) is up. */
    static synchronized boolean running(ElasticsearchClusterRunner runner, int id) {
        Node n = runner.getNode(id - 1);
        return n != null && !n.isClosed();
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 6) {
            System.err.println("usage: ClusterLauncher BASE_PATH CONF_PATH CLUSTER_NAME CONTROL_PORT HTTP_PORTS TRANSPORT_PORTS");
            System.exit(2);
        }
        final int[] http = Arrays.stream(args[4].split(",")).mapToInt(Integer::parseInt).toArray();
        final int[] transport = Arrays.stream(args[5].split(",")).mapToInt(Integer::parseInt).toArray();
        final ElasticsearchClusterRunner runner = new ElasticsearchClusterRunner();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (IOException e) {
                System.err.println(e.getMessage());
            }
        }));
        StringJoiner seeds = new StringJoiner(",");
        for (int t : transport) {
            seeds.add("127.0.0.1:" + t);
        }
        runner.onBuild((id, b) -> {
            b.put("node.name", "node-" + id);
            b.put("http.port", String.valueOf(http[id - 1]));
            b.put("transport.port", String.valueOf(transport[id - 1]));
            b.put("discovery.seed_hosts", seeds.toString());
            // node 1 bootstraps alone at once; the others join it, and the voting configuration grows to all
            b.putList("cluster.initial_master_nodes", "node-1");
        });
        runner.build("-basePath", args[0], "-confPath", args[1], "-numOfNode", String.valueOf(http.length),
                "-clusterName", args[2], "-pluginTypes", "hdcat.elasticsearch.NoriPlugin",
                // only the modules hdcat's index uses (analysis, keyword/text mappers, http): painless,
                // ingest and the rest cost seconds per node at start and are never called
                "-moduleTypes", String.join(",",
                        "org.elasticsearch.analysis.common.CommonAnalysisPlugin",
                        "org.elasticsearch.index.mapper.MapperExtrasPlugin",
                        "org.elasticsearch.transport.Netty4Plugin"));

        HttpServer control = HttpServer.create(new InetSocketAddress("127.0.0.1", Integer.parseInt(args[3])), 8);
        control.createContext("/nodes", exchange -> {
            try {
                handle(runner, http, exchange);
            } catch (Exception e) {
                reply(exchange, 500, "{\"error\":\"" + String.valueOf(e).replace("\"", "'") + "\"}");
            }
        });
        control.start();
        System.out.println("hdcat: control endpoint on 127.0.0.1:" + args[3]);
        while (true) {
            Thread.sleep(60_000);
        }
    }

    static void handle(ElasticsearchClusterRunner runner, int[] http, HttpExchange exchange) throws IOException {
        String[] parts = exchange.getRequestURI().getPath().replaceAll("/+$", "").split("/");
        String method = exchange.getRequestMethod();
        if (parts.length == 2 && method.equals("GET")) {
            StringJoiner nodes = new StringJoiner(",", "{\"nodes\":[", "]}");
            for (int id = 1; id <= http.length; id++) {
                nodes.add("{\"id\":" + id + ",\"http\":" + http[id - 1] + ",\"running\":" + running(runner, id) + "}");
            }
            reply(exchange, 200, nodes.toString());
            return;
        }
        if (parts.length == 4 && method.equals("POST") && parts[2].matches("[0-9]+")) {
            int id = Integer.parseInt(parts[2]);
            if (id < 1 || id > http.length) {
                reply(exchange, 404, "{\"error\":\"no node " + id + "\"}");
            } else if (parts[3].equals("stop")) {
                synchronized (ClusterLauncher.class) {
                    runner.getNode(id - 1).close();
                }
                reply(exchange, 200, "{\"stopped\":" + id + "}");
            } else if (parts[3].equals("start")) {
                synchronized (ClusterLauncher.class) {
                    runner.startNode(id - 1);  // the runner's own restart: same settings, ports and data
                }
                reply(exchange, 200, "{\"started\":" + id + "}");
            } else {
                reply(exchange, 404, "{\"error\":\"stop or start\"}");
            }
            return;
        }
        reply(exchange, 404, "{\"error\":\"GET /nodes, POST /nodes/N/stop, POST /nodes/N/start\"}");
    }

    static void reply(HttpExchange exchange, int status, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }
}
