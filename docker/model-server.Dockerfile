# Example model server image (examples/model_server) with both example models baked in.
#
#   scripts/image.sh model-server   (docker build when an engine answers, else buildah; README)
#   docker build -f docker/model-server.Dockerfile -t shadowproxy-model-server .
#   docker run -p 8080:8080 shadowproxy-model-server                          (model v1)
#   docker run -p 8080:8080 shadowproxy-model-server \
#       --weights /opt/models/model-v2.json --port 8080 --address 0.0.0.0      (model v2)

FROM debian:12 AS build
WORKDIR /src
COPY scripts/ scripts/
RUN scripts/install-deps.sh build && rm -rf /var/lib/apt/lists/*
COPY CMakeLists.txt CMakePresets.json ./
COPY cmake/ cmake/
COPY include/ include/
COPY src/ src/
COPY examples/ examples/
# Only the model server: the top-level project still configures (it finds every dependency),
# but nothing else is built and the test tree is left out.
RUN cmake --preset release -DBUILD_TESTING=OFF >/dev/null \
    && cmake --build --preset release --target model_server -j "$(nproc)" \
    && install -D -m 0755 -s build/release/examples/model_server /out/usr/local/bin/model_server \
    && install -D -m 0644 -t /out/opt/models examples/models/model-v1.json examples/models/model-v2.json

# curl stays here: compose's depends_on and the sidecar manifest's exec probes use it. The gRPC
# port (--grpc-port) links nghttp2 and protobuf-lite.
FROM debian:12-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends curl libnghttp2-14 libprotobuf-lite32 \
    && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb \
        /var/log/apt /var/log/dpkg.log \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin model
COPY --from=build /out/ /
USER model
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=2s --start-period=5s --retries=3 \
    CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:8080/healthz"]
ENTRYPOINT ["model_server"]
CMD ["--weights", "/opt/models/model-v1.json", "--port", "8080", "--address", "0.0.0.0"]
