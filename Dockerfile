# bgpcast's image: one image for every component (`bgpcast watch | functions | status-writer |
# speaker`), the command given as the container's arguments (the Helm chart does).
# Node 22 runs the TypeScript sources as they are (type stripping); the speaker's socket-option
# addon (TCP MD5, TTL, GTSM) is compiled in the builder stage, the only stage with a C compiler.

FROM node:22-bookworm AS build
WORKDIR /app
COPY package.json package-lock.json ./
# Every dependency, for the addon's headers (node-api-headers); dev dependencies are pruned below.
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY speaker/transport/native/ speaker/transport/native/
RUN bash speaker/transport/native/build.sh --force
RUN npm prune --omit=dev --ignore-scripts

FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /app/node_modules node_modules/
COPY --from=build /app/speaker/transport/native/build/sockopt.node speaker/transport/native/build/sockopt.node
COPY package.json ./
COPY bin/ bin/
COPY events/ events/
COPY functions/ functions/
COPY speaker/ speaker/
# The CLI loads the local-stack modules (`up`) with every command; they stay small.
COPY infra/local/ infra/local/
COPY infra/kube/versions.env infra/kube/versions.env
# The image's user `node` (uid 1000): every component but the speaker runs as it. The speaker runs
# as root with only NET_BIND_SERVICE, for port 179 (the chart sets both).
USER 1000:1000
ENTRYPOINT ["node", "bin/bgpcast.ts"]
CMD ["--help"]
