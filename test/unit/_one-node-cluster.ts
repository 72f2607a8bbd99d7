/** A one-node sandbox cluster on unroutable example hosts and an HTTP client, for the cache tests. */
import { HttpClient } from '../../electron/core/http/client.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { clusterFromInput } from '../../shared/schema.ts';

export const cluster: ClusterDefinition = clusterFromInput({
  name: 'c',
  kind: 'sandbox',
  balancerUrl: 'http://lb.example',
  nodes: [{ id: 'n1', url: 'http://n1.example' }],
  repo: 'r',
  db: 'd',
});

export const http = new HttpClient({ connectTimeoutMs: 1000, totalTimeoutMs: 1000, maxResponseBytes: 1024 });
