#!/usr/bin/env bash
# The image's HEALTHCHECK: healthy when deid serve answers 200 on /health/ready. Plain bash over
# /dev/tcp, so the image needs no HTTP client.
set -u
port=${DEID_METRICS_PORT:-9464}
exec 3<>"/dev/tcp/127.0.0.1/$port" || exit 1
printf 'GET /health/ready HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3
IFS= read -r -t 4 status <&3 || exit 1
case "$status" in
  "HTTP/1."?" 200 "*) exit 0 ;;
  *) exit 1 ;;
esac
