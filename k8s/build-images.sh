#!/usr/bin/env bash
# Builds the three service images from the one services/Dockerfile (build args SERVICE
# and PORT) into minikube's Docker engine, where the Deployments find them
# (imagePullPolicy: IfNotPresent, tag latest), then, when the Deployments already
# exist, restarts them so they pick up the new images.
#   k8s/build-images.sh            # profile "minikube"
#   MINIKUBE_PROFILE=other k8s/build-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(minikube -p "${MINIKUBE_PROFILE:-minikube}" docker-env)"
# service:port, the ports of the Deployments (and of docker-compose.yml)
for entry in generator-backend:8080 importer:8081 ingester:8082; do
  service="${entry%%:*}"
  port="${entry##*:}"
  echo "== mobilecs/${service}:latest"
  docker build -f services/Dockerfile --build-arg "SERVICE=${service}" --build-arg "PORT=${port}" \
    -t "mobilecs/${service}:latest" .
done
if kubectl get namespace mobilecs > /dev/null 2>&1; then
  kubectl -n mobilecs rollout restart deployment/generator-backend deployment/importer deployment/ingester || true
fi
