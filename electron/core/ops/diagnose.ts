/**
 * Diagnosis operations: diagnose, flow, the support report and its preview. Their modules (and the
 * report's) load only when first used: the CLI's other commands start faster.
 */
import type { ArgOf, CallOptions, ResultOf } from '../../../shared/contract.ts';
import type { EngineContext } from '../context.ts';
import type { DiagnoseEngine } from '../diagnose/engine.ts';
import { audit } from './repair.ts';
import { status } from './status.ts';

/** The context as the diagnosis modules see it. */
export function diagnoseEngine(ctx: EngineContext): DiagnoseEngine {
  return {
    getCluster: (a) => ctx.cluster(a?.cluster),
    httpFor: (c) => ctx.httpFor(c),
    adminCredentials: (c) => ctx.adminCredentials(c),
    consumerSecret: (c, k) => ctx.consumerSecret(c, k),
    status: (a) => status(ctx, a),
    nodeCache: ctx.nodeCache,
    audit: (a) => audit(ctx, a),
  };
}

const diagnosis = () => import('../diagnose/index.ts');

export async function diagnose(
  ctx: EngineContext,
  arg: ArgOf<'diagnose'>,
  opts: CallOptions<'diagnose'> = {},
): Promise<ResultOf<'diagnose'>> {
  const { diagnose } = await diagnosis();
  return diagnose(diagnoseEngine(ctx), arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
}

export async function flow(
  ctx: EngineContext,
  arg: ArgOf<'flow'>,
  opts: CallOptions<'flow'> = {},
): Promise<ResultOf<'flow'>> {
  const { flow } = await diagnosis();
  return flow(diagnoseEngine(ctx), arg, {
    ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
    ...(opts.signal ? { signal: opts.signal } : {}),
  });
}

export async function report(
  ctx: EngineContext,
  arg: ArgOf<'report'>,
  opts: CallOptions<'report'> = {},
): Promise<ResultOf<'report'>> {
  const { report } = await diagnosis();
  return report(diagnoseEngine(ctx), arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
}

export async function reportPreview(
  ctx: EngineContext,
  arg: ArgOf<'reportPreview'>,
  opts: CallOptions<'reportPreview'> = {},
): Promise<ResultOf<'reportPreview'>> {
  const { buildReport } = await diagnosis();
  const built = await buildReport(diagnoseEngine(ctx), arg, opts.onProgress ? { onProgress: opts.onProgress } : {});
  return {
    cluster: built.cluster,
    generatedAt: built.generatedAt,
    consumers: built.consumers,
    files: [
      { name: 'report.md', text: built.md },
      { name: 'report.json', text: built.json },
      ...(built.mapping
        ? [
            {
              name: 'report-mapping.json' as const,
              text: `${JSON.stringify({ placeholders: built.mapping }, null, 2)}\n`,
            },
          ]
        : []),
    ],
  };
}

/** A report someone sent, opened read-only (checked, migrated, masked again): nothing is contacted. */
export async function openReport(_ctx: EngineContext, arg: ArgOf<'openReport'>): Promise<ResultOf<'openReport'>> {
  return (await import('../diagnose/report-open.ts')).openReportText(arg?.text, arg?.source);
}

/** Two reports compared. */
export async function diffReports(_ctx: EngineContext, arg: ArgOf<'diffReports'>): Promise<ResultOf<'diffReports'>> {
  return (await import('../diagnose/report-open.ts')).diffReportTexts(arg?.a, arg?.b);
}

/** The app's version, as the report states it. */
export async function appVersion(): Promise<string> {
  return (await diagnosis()).appVersion();
}
