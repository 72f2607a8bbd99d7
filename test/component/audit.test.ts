/// <reference lib="dom" />
/** The Audit tab: CSV that a spreadsheet shows as text, filters by action / node / outcome, newest first. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fireEvent, render, screen } from '@testing-library/svelte';
import AuditTab from '../../renderer/components/audit-tab.svelte';
import { ANY, AuditView, NO_NODE, auditCsv, csvCell } from '../../renderer/lib/audit-view.svelte.ts';
import type { AuditEntry } from '../../shared/contract-repair.ts';
import { fakeApi } from './_fake-api.ts';

const ENTRIES: AuditEntry[] = [
  {
    time: '2030-01-01T10:00:00.000Z',
    user: 'ann',
    cluster: 'sb',
    node: 'node1',
    action: 'approve',
    key: 'k1',
    outcome: 'ok',
  },
  {
    time: '2030-01-01T10:01:00.000Z',
    user: 'ann',
    cluster: 'sb',
    node: null,
    action: 'sync',
    key: null,
    outcome: 'ok',
  },
  {
    time: '2030-01-01T10:02:00.000Z',
    user: 'bob',
    cluster: 'sb',
    node: 'node3',
    action: 'sync',
    key: null,
    outcome: 'failed',
    detail: 'node3 is unreachable, "connection refused"',
  },
];

afterEach(() => vi.restoreAllMocks());

describe('CSV', () => {
  it('quotes commas, quotes and newlines as RFC 4180 says', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell(null)).toBe('');
  });

  it('puts a quote before a cell that starts like a formula, so a spreadsheet shows it instead of running it', () => {
    expect(csvCell('=HYPERLINK("http://evil")')).toBe('"\'=HYPERLINK(""http://evil"")"');
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-2')).toBe("'-2");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell('a=b')).toBe('a=b');
  });

  it('writes a header and one line per entry, every column', () => {
    const lines = auditCsv(ENTRIES).split('\r\n');
    expect(lines[0]).toBe('time,user,node,action,key,outcome,detail');
    expect(lines[1]).toBe('2030-01-01T10:00:00.000Z,ann,node1,approve,k1,ok,');
    expect(lines[3]).toBe(
      '2030-01-01T10:02:00.000Z,bob,node3,sync,,failed,"node3 is unreachable, ""connection refused"""',
    );
    expect(lines).toHaveLength(5);
  });
});

describe('AuditView', () => {
  it('shows the newest first and filters by action, node and outcome', async () => {
    const api = fakeApi({ audit: async () => ({ entries: ENTRIES, skipped: 0 }) });
    const audit = new AuditView(api, () => 'sb');
    await audit.load();
    expect(api.audit).toHaveBeenCalledWith({ cluster: 'sb' });
    expect(audit.shown.map((e) => e.time.slice(11, 16))).toEqual(['10:02', '10:01', '10:00']);
    expect(audit.actions).toEqual(['approve', 'sync']);
    expect(audit.nodes).toEqual([NO_NODE, 'node1', 'node3']);
    audit.action = 'sync';
    expect(audit.shown).toHaveLength(2);
    audit.outcome = 'failed';
    expect(audit.shown.map((e) => e.user)).toEqual(['bob']);
    audit.clearFilters();
    audit.node = NO_NODE;
    expect(audit.shown.map((e) => e.action)).toEqual(['sync']);
    audit.node = ANY;
    expect(audit.filtered).toBe(false);
  });

  it('exports the rows shown as a CSV download', async () => {
    const api = fakeApi({ audit: async () => ({ entries: ENTRIES, skipped: 0 }) });
    const audit = new AuditView(api, () => 'sb');
    await audit.load();
    audit.outcome = 'failed';
    let blob: Blob | null = null;
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => ((blob = b as Blob), 'blob:x'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const click = vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      expect(this.download).toBe('audit-sb.csv');
    });
    audit.exportCsv();
    expect(click).toHaveBeenCalledTimes(1);
    const text = await blob!.text();
    expect(text.split('\r\n')).toHaveLength(3);
    expect(text).toContain('bob');
  });
});

describe('AuditTab', () => {
  it('lists the log as a table and filters it with the Action select', async () => {
    const api = fakeApi({ audit: async () => ({ entries: ENTRIES, skipped: 1 }) });
    const audit = new AuditView(api, () => 'sb');
    const session = { api, view: { name: 'sb' }, audit };
    render(AuditTab, { session: session as never });
    await screen.findByText('approve', { selector: 'td' });
    expect(screen.getAllByRole('row')).toHaveLength(4);
    expect(screen.getByText(/1 unreadable line/)).toBeTruthy();
    const select = screen.getByLabelText('Action') as HTMLSelectElement;
    await fireEvent.change(select, { target: { value: 'approve' } });
    expect(audit.action).toBe('approve');
    expect(screen.getAllByRole('row')).toHaveLength(2);
  });
});
