/// <reference lib="dom" />
/** The Report dialog: a preview with progress, downloads of both files, "Save to a folder…" left to the door. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ReportDialog } from '../../renderer/lib/report-preview.svelte.ts';
import { ApiError } from '../../renderer/lib/client.ts';
import type { ReportPreview } from '../../shared/contract-console.ts';
import { fakeApi } from './_fake-api.ts';

const PREVIEW: ReportPreview = {
  cluster: 'sb',
  generatedAt: '2030-01-01T10:00:00.000Z',
  consumers: 1,
  files: [
    { name: 'report.md', text: '# Report for sb\n' },
    { name: 'report.json', text: '{"cluster":"sb"}' },
  ],
};

afterEach(() => vi.restoreAllMocks());

describe('ReportDialog', () => {
  it('previews the report the engine rendered, with its progress in words', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const api = fakeApi({
      reportPreview: async (_arg: unknown, opts: { onProgress: (e: unknown) => void }) => {
        opts.onProgress({ type: 'diagnosing', key: 'k1' });
        await gate;
        return PREVIEW;
      },
    });
    const report = new ReportDialog(api, () => 'sb');
    const done = report.show();
    expect(report.open).toBe(true);
    await vi.waitFor(() => expect(report.progress).toBe('Diagnosing k1…'));
    release();
    await done;
    expect(api.reportPreview).toHaveBeenCalledWith({ cluster: 'sb' }, expect.anything());
    expect(report.shownText).toBe('# Report for sb\n');
    report.shownFile = 'report.json';
    expect(report.shownText).toBe('{"cluster":"sb"}');
  });

  it('downloads report.md and report.json as they were previewed', async () => {
    const report = new ReportDialog(fakeApi({ reportPreview: async () => PREVIEW }), () => 'sb');
    await report.show();
    const blobs: Blob[] = [];
    const names: string[] = [];
    vi.spyOn(URL, 'createObjectURL').mockImplementation((b) => (blobs.push(b as Blob), 'blob:x'));
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      names.push(this.download);
    });
    report.download();
    expect(names).toEqual(['report.md', 'report.json']);
    expect(await Promise.all(blobs.map((b) => b.text()))).toEqual(['# Report for sb\n', '{"cluster":"sb"}']);
  });

  it('"Save to a folder…" calls report without a folder and shows the answer of the door as it is', async () => {
    const api = fakeApi({
      reportPreview: async () => PREVIEW,
      report: async () => {
        throw new ApiError({ code: 'BAD_INPUT', message: 'outDir: a directory is required' });
      },
    });
    const report = new ReportDialog(api, () => 'sb');
    await report.show();
    await report.saveToFolder();
    expect(api.report).toHaveBeenCalledWith({ cluster: 'sb' }, expect.anything());
    expect(report.saveTask.error?.code).toBe('BAD_INPUT');
    expect(report.saved).toBeNull();
  });
});

describe("ReportDialog: the consumer's error text (issue 18, defect 18)", () => {
  it('prepares the report again with the pasted text, and saves with the text the preview was made with', async () => {
    const api = fakeApi({
      reportPreview: async () => PREVIEW,
      report: async () => ({ cluster: 'sb', files: ['/d/report.md', '/d/report.json'], consumers: 1 }),
    });
    const report = new ReportDialog(api, () => 'sb');
    await report.show();
    expect(report.stale).toBe(false);
    expect(report.canPrepare).toBe(false);
    report.errorText = '  401: invalid_expired_token  ';
    expect(report.stale).toBe(true);
    expect(report.canPrepare).toBe(true);
    await report.prepare();
    expect(api.reportPreview).toHaveBeenLastCalledWith(
      { cluster: 'sb', errorText: '401: invalid_expired_token' },
      expect.anything(),
    );
    expect(report.stale).toBe(false);
    await report.saveToFolder();
    expect(api.report).toHaveBeenCalledWith(
      { cluster: 'sb', errorText: '401: invalid_expired_token' },
      expect.anything(),
    );
  });

  it('the dialog has a labelled field for it and a button that prepares the report with it', async () => {
    const { render, screen, fireEvent } = await import('@testing-library/svelte');
    const ReportButton = (await import('../../renderer/components/report-button.svelte')).default;
    const api = fakeApi({ reportPreview: async () => PREVIEW });
    render(ReportButton, {
      session: { api, view: { name: 'sb' }, report: new ReportDialog(api, () => 'sb') } as never,
    });
    await fireEvent.click(screen.getByRole('button', { name: 'Report' }));
    const field = screen.getByLabelText(/The consumer's error text/);
    const prepare = screen.getByRole('button', { name: 'Prepare the report with this text' }) as HTMLButtonElement;
    await vi.waitFor(() => expect(api.reportPreview).toHaveBeenCalledTimes(1));
    await fireEvent.input(field, { target: { value: 'oauth_problem=timestamp_refused' } });
    expect(prepare.disabled).toBe(false);
    await fireEvent.click(prepare);
    await vi.waitFor(() =>
      expect(api.reportPreview).toHaveBeenLastCalledWith(
        { cluster: 'sb', errorText: 'oauth_problem=timestamp_refused' },
        expect.anything(),
      ),
    );
  });
});
