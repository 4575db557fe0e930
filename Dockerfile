# Paydesk's container image (docs/deploy.md). Two stages: the build, with
# the Rust toolchain, cargo-leptos, wasm-bindgen and wasm-opt pinned as
# scripts/install-tools.sh pins them; and the image, distroless with only
# the server binary and the client site, run as a user without privileges.
#
#   docker build -t paydesk .
#   docker run -p 3000:3000 -v paydesk-data:/var/lib/paydesk paydesk
#
# `make lint` checks this file (scripts/lint-dockerfile.sh).

# ---- build ------------------------------------------------------------
FROM docker.io/library/rust:1.95-slim-bookworm AS build
# Node.js and npm carry wasm-opt (binaryen); gcc builds the bundled SQLite.
RUN apt-get update \
 && apt-get install -y --no-install-recommends nodejs npm gcc libc6-dev make ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN scripts/install-tools.sh build \
 && PATH="$HOME/.local/share/paydesk-tools/node_modules/.bin:$PATH" \
    cargo leptos build --release --precompress \
 && mkdir -p /out/data \
 && cp target/release/paydesk target/release/hash.txt /out/ \
 && cp -r target/site /out/site

# ---- image ------------------------------------------------------------
# glibc and libgcc only: TLS is rustls, SQLite is compiled in.
FROM gcr.io/distroless/cc-debian12:nonroot
# hash.txt beside the binary names the hashed /pkg files (app/src/web/assets.rs).
COPY --from=build /out/paydesk /out/hash.txt /usr/local/bin/
COPY --from=build /out/site /app/site
# The data folder (SQLite file, outbox, ACH files, the key unless
# PAYDESK_KEY_FILE names another): a volume, owned by the image's user.
COPY --from=build --chown=nonroot:nonroot --chmod=700 /out/data /var/lib/paydesk
ENV LEPTOS_SITE_ROOT=/app/site \
    LEPTOS_SITE_ADDR=0.0.0.0:3000 \
    LEPTOS_ENV=PROD \
    PAYDESK_DATA_DIR=/var/lib/paydesk \
    DATABASE_URL=sqlite:///var/lib/paydesk/paydesk.db
VOLUME ["/var/lib/paydesk"]
EXPOSE 3000
USER nonroot:nonroot
# `serve` migrates the database first. Probes: GET /healthz (up) and
# GET /readyz (the database answers); distroless has no shell or curl, so
# the orchestrator's HTTP probes check them, not a HEALTHCHECK.
ENTRYPOINT ["/usr/local/bin/paydesk"]
CMD ["serve"]
