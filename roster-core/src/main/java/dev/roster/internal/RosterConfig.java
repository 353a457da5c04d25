package dev.roster.internal;

import dev.roster.RosterEventListener;
import dev.roster.codec.InstanceCodec;
import java.time.Duration;

/** The settings a {@code Roster} was built with; checked by the builder. */
public record RosterConfig(
    String connectString,
    String basePath,
    Duration sessionTimeout,
    Duration connectionTimeout,
    Duration operationTimeout,
    InstanceCodec codec,
    int maxInstanceBytes,
    RosterEventListener eventListener,
    boolean failFast,
    double massRemovalThreshold,
    Duration massRemovalConfirmation,
    java.nio.file.@org.jspecify.annotations.Nullable Path snapshotDirectory,
    java.util.concurrent.@org.jspecify.annotations.Nullable Executor eventExecutor,
    dev.roster.security.@org.jspecify.annotations.Nullable Authentication authentication,
    dev.roster.security.AclPolicy aclPolicy,
    dev.roster.security.@org.jspecify.annotations.Nullable Tls tls) {}
