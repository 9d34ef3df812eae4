#!/usr/bin/env bash
# Builds the three service images into minikube's Docker engine, where the
# Deployments find them (imagePullPolicy: IfNotPresent, tag latest), then, when the
# Deployments already exist, restarts them so they pick up the new images.
#   k8s/build-images.sh            # profile "minikube"
#   MINIKUBE_PROFILE=other k8s/build-images.sh
set -euo pipefail
cd "$(dirname "$0")/.."
eval "$(minikube -p "${MINIKUBE_PROFILE:-minikube}" docker-env)"
for service in generator-backend importer ingester; do
  echo "== mobilecs/${service}:latest"
  docker build -f "services/${service}/Dockerfile" -t "mobilecs/${service}:latest" .
done
if kubectl get namespace mobilecs > /dev/null 2>&1; then
  kubectl -n mobilecs rollout restart deployment/generator-backend deployment/importer deployment/ingester || true
fi
