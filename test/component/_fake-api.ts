/** A stand-in Api for the renderer's state and component tests (a unit test of one module may mock). */
import { vi } from 'vitest';
import type { Api } from '../../shared/contract.ts';
import { OPERATIONS } from '../../shared/contract.ts';
import type { ClusterDefinition, ClusterSummary, NodeStatus } from '../../shared/model.ts';

export function fakeApi(overrides: Partial<Record<keyof Api, (...args: never[]) => unknown>> = {}): Api {
  const api = Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      vi.fn(async () => {
        throw new Error(`unexpected call to ${op}`);
      }),
    ]),
  );
  for (const [op, fn] of Object.entries(overrides)) api[op] = vi.fn(fn as never);
  return api as unknown as Api;
}

export const SUMMARY: ClusterSummary = {
  name: 'sb',
  kind: 'sandbox',
  balancerUrl: 'http://127.0.0.1:9000',
  nodeCount: 3,
  consumerCount: 1,
  adminUser: 'admin',
  embeddedSandbox: true,
};

export const DEFINITION: ClusterDefinition = {
  name: 'sb',
  kind: 'sandbox',
  balancerUrl: 'http://127.0.0.1:9000',
  nodes: ['node1', 'node2', 'node3'].map((id, i) => ({ id, label: id, url: `http://127.0.0.1:900${i + 1}` })),
  repo: 'cqschema',
  db: 'SAMPL',
  caPem: null,
  pinnedFingerprints: [],
  timeouts: { connectMs: 5000, totalMs: 15000 },
  maxResponseBytes: 1048576,
  adminUser: 'admin',
  consumers: [{ key: 'k1', name: 'RTC', hasSecret: true }],
};

export function nodeStatus(id: string, state: NodeStatus['consumers'][number]['state'], up = true): NodeStatus {
  return {
    id,
    url: `http://127.0.0.1:900${id.slice(-1)}`,
    up,
    latencyMs: up ? 5 : null,
    clockSkewSeconds: up ? 0 : null,
    tls: null,
    consumers: up ? [{ key: 'k1', state, problem: null }] : [],
    provisional: up ? (state === 'provisional' ? ['k1'] : []) : null,
    approved: up ? (state === 'approved' ? ['k1'] : []) : null,
    error: up ? null : { code: 'NODE_UNREACHABLE', message: `${id} is unreachable: connection refused`, node: id },
  };
}
