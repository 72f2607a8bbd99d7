/**
 * The README's provider table is written from electron/core/providers/facts.ts, and each adapter
 * has the capabilities the table claims for it (the dialect suite proves them against each kind's
 * sandbox dialect: test/integration/dialect-adapters.test.ts).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  FACT_ROWS,
  PROVIDER_FACTS,
  TABLE_END,
  TABLE_START,
  providerTable,
  withProviderTable,
} from '../../electron/core/providers/facts.ts';
import { ADAPTERS } from '../../electron/core/providers/index.ts';
import { CLUSTER_KINDS } from '../../shared/model.ts';
import { refreshesRegistry, registersByHand, staleFailure } from '../../shared/provider-words.ts';

describe('the provider table', () => {
  it('in README.md is the one written from facts.ts (npm run docs:providers writes it)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(withProviderTable(readme)).toBe(readme);
    expect(readme).toContain(providerTable());
  });

  it('has a row per fact, a column per kind, and no cell that could break the table', () => {
    const lines = providerTable().split('\n');
    expect(lines).toHaveLength(2 + FACT_ROWS.length);
    expect(lines[1]).toBe(`|${'---|'.repeat(1 + CLUSTER_KINDS.length)}`);
    for (const line of [lines[0]!, ...lines.slice(2)]) {
      // Every row has the capability column plus one per kind: a "|" inside a cell would add one.
      expect(line.split(' | ')).toHaveLength(1 + CLUSTER_KINDS.length);
      expect(line).not.toMatch(/\n/);
    }
  });

  it('refuses a README without its markers, naming them', () => {
    expect(() => withProviderTable('# no table here\n')).toThrow(TABLE_START);
    expect(() => withProviderTable(`${TABLE_END}\n${TABLE_START}\n`)).toThrow(TABLE_END);
  });
});

describe.each(CLUSTER_KINDS)('the %s adapter has what the table claims', (kind) => {
  const facts = PROVIDER_FACTS[kind];
  const adapter = ADAPTERS[kind];
  it('list, approve, register, refresh, and how a probe is decided', () => {
    expect(adapter.listKeys !== null).toBe(facts.list.api);
    expect(adapter.approve === null ? 'handoff' : 'api').toBe(facts.approve.by);
    expect(adapter.register === null ? 'handoff' : 'api').toBe(facts.register.by);
    expect(adapter.refresh !== null).toBe(facts.refresh.can);
    expect(adapter.refreshUnsupported === null).toBe(facts.refresh.can);
    expect(!adapter.requestTokenRefusesProvisional).toBe(facts.probe.decidedByList);
    expect(facts.discovery.sources.length).toBeGreaterThan(0);
  });

  it('and what every door says of a stale node (shared/provider-words.ts) agrees with the table', () => {
    expect(refreshesRegistry(kind)).toBe(facts.refresh.can);
    expect(registersByHand(kind)).toBe(facts.register.by === 'handoff');
    // The product's own word for the failure is among the error texts the table says are read.
    const word = /^401 (\S+)/.exec(staleFailure(kind))![1]!;
    expect(facts.errors.text).toContain(word);
  });
});
