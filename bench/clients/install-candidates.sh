#!/usr/bin/env bash
# Installs the Kafka clients compared with kafkajs by `npm run bench -- clients` into
# bench/clients/.deps (ignored by git). They are not project dependencies: a fresh
# clone's `npm ci` must neither reach GitHub nor build native code (see README,
# "Kafka client").
#
# They are installed for the Node the benchmark runs on: the project's own Node 24
# (the `node` devDependency, node_modules/.bin/node), not the system's. Run `npm ci`
# at the repository root first.
#
# @confluentinc/kafka-javascript: its install script (node-pre-gyp) first downloads a
# prebuilt binary from GitHub releases (unreachable here), then falls back to building;
# the default static build's configure (--install-deps --source-deps-only) downloads the
# zlib, OpenSSL, zstd and curl sources, which fails offline too. So: no download
# (--build-from-source) and the bundled librdkafka built against the system's OpenSSL
# and zlib (CKJS_LINKING=dynamic; needs gcc, g++, make, python3, libssl-dev, zlib1g-dev).
# The addon is built against Node 24's headers, taken from the same npm package the
# `node` devDependency installs its binary from (node-<platform>-<arch>, include/node):
# node-gyp would otherwise download them from nodejs.org (unreachable here), and this
# machine's npm config points it at the system Node's headers (nodedir=/usr).
# About 2.5 minutes on 2 cores. @platformatic/kafka: plain JavaScript, seconds.
set -euo pipefail
cd "$(dirname "$0")"
CONFLUENT="${CONFLUENT_VERSION:-1.10.1}"
PLATFORMATIC="${PLATFORMATIC_VERSION:-2.12.1}"
ROOT="$(cd ../.. && pwd)"
if [ ! -x "$ROOT/node_modules/.bin/node" ]; then
  echo "no node_modules/.bin/node: run npm ci in $ROOT first (the node devDependency is the Node the benchmark runs on)" >&2
  exit 1
fi
export PATH="$ROOT/node_modules/.bin:$PATH"
NODE_VERSION="$(node -p process.versions.node)"
NODE_PACKAGE="$(node -p "(process.platform === 'darwin' && process.arch === 'arm64' ? 'node-bin' : 'node') + '-' + process.platform + '-' + process.arch")"
echo "installing the candidates for Node ${NODE_VERSION} ($(command -v node))"
mkdir -p .deps
[ -f .deps/package.json ] || echo '{"private":true}' > .deps/package.json
HEADERS=".deps/node-headers-${NODE_VERSION}"
if [ ! -f "${HEADERS}/include/node/node_version.h" ]; then
  rm -rf "${HEADERS}" && mkdir -p "${HEADERS}"
  TARBALL="$(npm pack --silent --pack-destination .deps "${NODE_PACKAGE}@${NODE_VERSION}")"
  tar -xzf ".deps/${TARBALL}" -C "${HEADERS}" --strip-components=1 package/include
  rm -f ".deps/${TARBALL}"
fi
npm_config_nodedir="$(pwd)/${HEADERS}" CKJS_LINKING=dynamic npm install --prefix .deps --no-audit --no-fund --build-from-source \
  "@confluentinc/kafka-javascript@${CONFLUENT}" "@platformatic/kafka@${PLATFORMATIC}"
node -e "console.log('librdkafka', require('./.deps/node_modules/@confluentinc/kafka-javascript').librdkafkaVersion)"
