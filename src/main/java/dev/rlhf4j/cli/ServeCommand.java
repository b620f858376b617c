package dev.rlhf4j.cli;

import dev.rlhf4j.serving.RewardServer;
import dev.rlhf4j.serving.ServedModel;
import dev.rlhf4j.serving.ServerConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;

/** {@code rlhf4j serve}: reward models over HTTP until SIGTERM or Ctrl-C. */
@Command(name = "serve", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Serve reward models over HTTP: POST /get_reward (OpenRLHF's remote reward model: "
                + "{\"query\": [texts]} -> {\"rewards\": [...]}), POST /v1/score ([{prompt, response}] or "
                + "[{prompt, chosen, rejected}]), GET /v1/models, GET /health.",
                "Several --model: an ensemble; rewards are the members' mean, with their standard deviation per item.",
                "Requests from concurrent clients are scored together (--max-batch, --max-wait-ms). SIGTERM finishes "
                        + "the requests in flight, then stops."})
public final class ServeCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "Reward-model checkpoint directory; repeat for an ensemble.")
    List<Path> models;

    @Option(names = "--adapter", paramLabel = "DIR",
            description = "A PEFT LoRA adapter (SEQ_CLS) put on --model as its base; with several --model, one --adapter per "
                    + "--model in the same order (default: none; --model may also name an adapter directory alone).")
    List<Path> adapters;

    @Option(names = "--host", defaultValue = ServerConfig.LOOPBACK,
            description = "Address to listen on; anything but loopback needs --api-key-env (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "" + ServerConfig.DEFAULT_PORT,
            description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}, as OpenRLHF's serve_rm).")
    int port;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Environment variable holding the API key clients must send as 'Authorization: Bearer KEY' "
                    + "(default: none, no key; required off loopback).")
    String apiKeyEnv;

    @Option(names = "--drain-seconds", defaultValue = "30",
            description = "On SIGTERM, how long requests in flight may take to finish (default: ${DEFAULT-VALUE}).")
    int drainSeconds;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Mixin ServingOptions serving;

    @Override
    public Integer call() throws Exception {
        ServerConfig config = serving.config(host, port, ServingOptions.apiKey(apiKeyEnv));
        RewardServer.requireKeyOffLoopback(config); // before minutes of model loading
        List<ServedModel> loaded = load(models, adapters, device.get());
        try {
            RewardServer server = RewardServer.start(loaded, config);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                System.err.println("stopping: finishing requests in flight");
                server.stop(drainSeconds * 1000L);
            }, "rlhf4j-serve-stop"));
            System.out.println("serving " + loaded.size() + " model(s) " + loaded.stream().map(ServedModel::name).toList()
                    + " on " + server.url() + (config.apiKey() != null ? " (API key required)" : "")
                    + "; max batch " + config.maxBatch() + ", max wait " + config.maxWaitMillis() + " ms");
            System.out.println("  curl -s " + server.url() + "/get_reward -d '{\"query\": [\"Human: Hi\\n\\nAssistant: Hello!\"]}'");
            server.awaitStop();
            return Main.OK;
        } finally {
            loaded.forEach(m -> m.model().close());
        }
    }

    /** Loads every checkpoint; names clash only if two directories share a name, and then get a suffix. */
    static List<ServedModel> load(List<Path> dirs, ai.djl.Device device) {
        return load(dirs, null, device);
    }

    /** {@link #load(List, ai.djl.Device)} with {@code adapters} (null, or one per directory) on them. */
    static List<ServedModel> load(List<Path> dirs, List<Path> adapters, ai.djl.Device device) {
        if (adapters != null && adapters.size() != dirs.size()) {
            throw new IllegalArgumentException(adapters.size() + " --adapter for " + dirs.size() + " --model: give one per --model, in order");
        }
        List<ServedModel> out = new ArrayList<>();
        Set<String> names = new HashSet<>();
        try {
            for (int i = 0; i < dirs.size(); i++) {
                ServedModel m = ServedModel.load(dirs.get(i), adapters == null ? null : adapters.get(i), device);
                String name = m.name();
                for (int k = 2; !names.add(name); k++) name = m.name() + "-" + k;
                out.add(new ServedModel(name, m.source(), m.model()));
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(m -> m.model().close());
            throw e;
        }
    }
}
