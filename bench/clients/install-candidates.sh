#!/usr/bin/env bash
# Installs the Kafka clients compared with kafkajs by `npm run bench -- clients` into
# bench/clients/.deps (ignored by git). They are not project dependencies: a fresh
# clone's `npm ci` must neither reach GitHub nor build native code, and
# @platformatic/kafka does not run on Node 20 as shipped (see README, "Kafka client").
#
# @confluentinc/kafka-javascript: its install script (node-pre-gyp) first downloads a
# prebuilt binary from GitHub releases (unreachable here), then falls back to building;
# the default static build's configure (--install-deps --source-deps-only) downloads the
# zlib, OpenSSL, zstd and curl sources, which fails offline too. So: no download
# (--build-from-source) and the bundled librdkafka built against the system's OpenSSL
# and zlib (CKJS_LINKING=dynamic; needs gcc, g++, make, python3, libssl-dev, zlib1g-dev).
# About 2.5 minutes on 2 cores. @platformatic/kafka: plain JavaScript, seconds.
set -euo pipefail
cd "$(dirname "$0")"
CONFLUENT="${CONFLUENT_VERSION:-1.10.1}"
PLATFORMATIC="${PLATFORMATIC_VERSION:-2.12.1}"
mkdir -p .deps
[ -f .deps/package.json ] || echo '{"private":true}' > .deps/package.json
CKJS_LINKING=dynamic npm install --prefix .deps --no-audit --no-fund --build-from-source \
  "@confluentinc/kafka-javascript@${CONFLUENT}" "@platformatic/kafka@${PLATFORMATIC}"
node -e "console.log('librdkafka', require('./.deps/node_modules/@confluentinc/kafka-javascript').librdkafkaVersion)"
