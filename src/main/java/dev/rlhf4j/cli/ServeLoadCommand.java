package dev.rlhf4j.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.rlhf4j.data.Json;
import dev.rlhf4j.data.PreferencePair;
import dev.rlhf4j.data.Turn;
import dev.rlhf4j.engine.Engines;
import dev.rlhf4j.provenance.Provenance;
import dev.rlhf4j.serving.LoadTest;
import dev.rlhf4j.serving.RewardServer;
import dev.rlhf4j.serving.ServedModel;
import dev.rlhf4j.serving.ServerConfig;
import dev.rlhf4j.synth.SynthConfig;
import dev.rlhf4j.synth.SyntheticTask;
import dev.rlhf4j.text.PromptRenderer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

/** {@code rlhf4j serve-load}: concurrent clients against the reward server; throughput and latency percentiles. */
@Command(name = "serve-load", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Load-test the reward server: --clients concurrent clients each send --requests POST /get_reward "
                + "requests, one after the other; prints errors, throughput and p50/p99 latency and writes them to --out.",
                "With --model it starts the server in this process on a free loopback port; with --url it targets a "
                        + "running one."})
public final class ServeLoadCommand implements Callable<Integer> {
    @Option(names = "--model", description = "Checkpoint directory to serve in-process; repeat for an ensemble (default: none, needs --url).")
    List<Path> models;

    @Option(names = "--url", description = "A running server, e.g. http://127.0.0.1:5000 (default: none, needs --model).")
    String url;

    @Option(names = "--api-key-env", paramLabel = "VAR",
            description = "Environment variable holding the key to send (default: none).")
    String apiKeyEnv;

    @Option(names = "--clients", defaultValue = "16", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", defaultValue = "200", description = "Requests per client (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--items", defaultValue = "1", description = "Texts per request (default: ${DEFAULT-VALUE}).")
    int items;

    @Option(names = "--data", description = "Pairs whose prompt + chosen response make the texts, as Human:/Assistant: "
            + "transcripts (default: 500 pairs of the controlled task, seed 42).")
    Path data;

    @Option(names = "--out", defaultValue = "runs/serve-load.json", description = "Report file (default: ${DEFAULT-VALUE}).")
    Path out;

    @picocli.CommandLine.Mixin DeviceOption device;

    @Mixin ServingOptions serving;
    @Mixin DataOptions dataOptions;
    @picocli.CommandLine.Spec picocli.CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() throws Exception {
        if ((models == null || models.isEmpty()) == (url == null)) {
            throw new IllegalArgumentException("give either --model (serve in-process) or --url (a running server)");
        }
        List<PreferencePair> pairs = data != null ? dataOptions.load(data, System.err).pairs()
                : SyntheticTask.generate(SynthConfig.defaults().withPairs(500));
        List<String> texts = new ArrayList<>(pairs.size());
        for (PreferencePair p : pairs) {
            List<Turn> dialogue = new ArrayList<>(p.prompt());
            dialogue.add(Turn.assistant(p.chosen()));
            texts.add(PromptRenderer.TRANSCRIPT.render(dialogue, false));
        }
        String key = ServingOptions.apiKey(apiKeyEnv);
        ServerConfig config = serving.config(ServerConfig.LOOPBACK, 0, key);
        List<ServedModel> loaded = url == null ? ServeCommand.load(models, device.get()) : List.of();
        RewardServer server = null;
        try {
            if (url == null) server = RewardServer.start(loaded, config);
            String target = url != null ? url.replaceAll("/+$", "") : server.url();
            System.out.println("load test: " + clients + " clients x " + requests + " requests against " + target);
            LoadTest.Report r = LoadTest.run(target, key, texts, clients, requests, items);
            System.out.println(r.summary());
            for (String e : r.errorSamples()) System.out.println("  error: " + e);
            ObjectNode report = r.toJson();
            report.put("target", url != null ? url : "in-process");
            if (url == null) {
                report.put("max_batch", config.maxBatch()).put("max_wait_ms", config.maxWaitMillis());
                report.put("cores", Runtime.getRuntime().availableProcessors());
            }
            report.set("provenance", Provenance.of("serve-load", spec.commandLine().getParseResult().originalArgs(),
                    java.util.Collections.singletonMap("data", data), SynthConfig.DEFAULT_SEED, url == null ? Engines.info() : null));
            Json.write(out, report);
            System.out.println("report -> " + out.toAbsolutePath());
            return r.errors() == 0 ? Main.OK : Main.FAILED;
        } finally {
            if (server != null) server.stop(30_000);
            loaded.forEach(m -> m.model().close());
        }
    }
}
