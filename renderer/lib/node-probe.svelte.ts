/**
 * The node panel's evidence: one signed request-token call straight to the node for a tracked key
 * (api.probeNode), kept per key with its redacted request and response.
 */
import type { Api } from '../../shared/contract.ts';
import type { ProbeResult } from '../../shared/model.ts';
import type { ClusterView } from './cluster-view.svelte.ts';
import { Task } from './task.svelte.ts';

export class NodeProbe {
  results = $state<Record<string, ProbeResult>>({});
  probing = $state<string | null>(null);
  readonly task = new Task();
  private readonly api: Api;
  private readonly view: ClusterView;
  private readonly node: string;

  constructor(api: Api, view: ClusterView, node: string) {
    this.api = api;
    this.view = view;
    this.node = node;
  }

  async probe(key: string): Promise<void> {
    this.probing = key;
    const result = await this.task.run(() => this.api.probeNode({ cluster: this.view.name, node: this.node, key }));
    this.probing = null;
    if (result) this.results[key] = result;
  }
}
