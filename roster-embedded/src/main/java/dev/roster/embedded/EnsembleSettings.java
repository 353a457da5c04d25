package dev.roster.embedded;

import java.time.Duration;
import java.util.List;

/**
 * The settings of a {@link LocalEnsemble}, frozen at {@link LocalEnsemble.Builder#start()}.
 *
 * @param timings resolved: every default filled in
 * @param clientPorts one per member, 0 for a port to choose; empty to choose all
 */
record EnsembleSettings(
    int size,
    Timings timings,
    int initLimit,
    int syncLimit,
    List<String> jvmOptions,
    Duration startTimeout,
    List<Integer> clientPorts,
    FreePorts freePorts) {}
