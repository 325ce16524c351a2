import { defineConfig } from 'vitest/config';

// Three projects: `unit` is pure code and needs nothing running (its setup file makes any socket or
// child process fail the test); `integration` talks to a real Kafka broker, a real Redis and real
// BGP daemons, started once per run by the global setup; `kube` adds a real etcd + kube-apiserver
// (built by infra/kube/build.sh) with bgpcast's CRDs installed.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          setupFiles: ['test/setup/unit-no-io.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          globalSetup: ['test/setup/stack.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
      {
        test: {
          name: 'kube',
          include: ['test/kube/**/*.test.ts'],
          globalSetup: ['test/setup/stack.ts', 'test/setup/kube.ts'],
          testTimeout: 60_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
