/**
 * Provider kinds as presets of capability adapters, one product per file. Every behaviour that rests
 * on an uncertain fact of ../shared/PROVIDERS.md is marked [G] in those files and in the README's
 * provider table.
 */
import type { ClusterKind } from '../../../shared/model.ts';
import { clearquest } from './clearquest.ts';
import { jazz } from './jazz.ts';
import { lyo } from './lyo.ts';
import { sandbox } from './sandbox.ts';
import type { ProviderAdapter } from './types.ts';

export const ADAPTERS: Record<ClusterKind, ProviderAdapter> = { sandbox, lyo, clearquest, jazz };

export function adapterFor(kind: ClusterKind): ProviderAdapter {
  return ADAPTERS[kind];
}
