package dev.roster.grpc;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.MethodDescriptor;
import io.grpc.Server;
import io.grpc.ServerServiceDefinition;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.stub.ClientCalls;
import io.grpc.stub.ServerCalls;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/** A one-method gRPC service without generated code: answers every call with its server's name. */
final class Echo {
  private Echo() {}

  private static final MethodDescriptor.Marshaller<String> UTF8 = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(String value) {
      return new ByteArrayInputStream(value.getBytes(StandardCharsets.UTF_8));
    }

    @Override
    public String parse(InputStream stream) {
      try {
        return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  static final MethodDescriptor<String, String> WHO = MethodDescriptor.<String, String>newBuilder()
      .setType(MethodDescriptor.MethodType.UNARY)
      .setFullMethodName(MethodDescriptor.generateFullMethodName("roster.test.Echo", "Who"))
      .setRequestMarshaller(UTF8)
      .setResponseMarshaller(UTF8)
      .build();

  /** A real server on an ephemeral port of 127.0.0.1 that answers with {@code name}. */
  static Server start(String name) throws IOException {
    ServerServiceDefinition service = ServerServiceDefinition.builder("roster.test.Echo")
        .addMethod(WHO, ServerCalls.asyncUnaryCall((request, response) -> {
          response.onNext(name);
          response.onCompleted();
        }))
        .build();
    return NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0)).addService(service).build().start();
  }

  /** Which server answered one call. */
  static String who(Channel channel) {
    return ClientCalls.blockingUnaryCall(channel, WHO, CallOptions.DEFAULT.withDeadlineAfter(2, TimeUnit.SECONDS), "?");
  }
}
