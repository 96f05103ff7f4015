# Cepheus in a container: `docker build -t cepheus .` then
#   docker run -p 127.0.0.1:8080:8080 -v cepheus-data:/data cepheus
# The build stage runs exactly the README's bare-metal set-up (scripts/setup.sh, then the
# release build); the runtime stage is a slim Debian with only the runtime libraries.

FROM swift:6.3.1-bookworm AS build
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
WORKDIR /src
COPY . .
# The README's steps: system packages (librocksdb-dev, libjemalloc-dev, …), then the
# release build. The Swift runtime libraries the binary needs go beside it (its RUNPATH
# includes $ORIGIN), so the runtime image needs no toolchain.
RUN scripts/setup.sh \
 && swift build -c release --product cepheus \
 && mkdir -p /opt/cepheus/bin \
 && cp .build/release/cepheus /opt/cepheus/bin/ \
 && ldd .build/release/cepheus | awk '$3 ~ /^\/usr\/lib\/swift\// { print $3 }' | xargs -r cp -t /opt/cepheus/bin/

FROM debian:bookworm-slim
# Runtime libraries only: RocksDB, jemalloc, the C++ runtime, CA certificates for
# HTTPS webhooks. Debian's stable packages are not pinned: bookworm ships security
# fixes under new version numbers.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends librocksdb7.8 libjemalloc2 libstdc++6 ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin cepheus \
 && mkdir -p /data \
 && chown cepheus:cepheus /data
COPY --from=build /opt/cepheus /opt/cepheus
COPY rules/ /etc/cepheus/rules/
COPY docker/cepheus.yaml /etc/cepheus/cepheus.yaml
ENV PATH=/opt/cepheus/bin:$PATH
WORKDIR /data
VOLUME ["/data"]
USER 10001:10001
EXPOSE 8080
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s --retries=3 \
  CMD ["cepheus", "health", "--url", "http://127.0.0.1:8080"]
# SIGTERM stops it gracefully: intake stops, the log drains, a final checkpoint, exit 0.
STOPSIGNAL SIGTERM
ENTRYPOINT ["cepheus", "run", "--config", "/etc/cepheus/cepheus.yaml"]
