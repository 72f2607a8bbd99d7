/** `approve`, `register`, `consumer delete`, `sync`, `trust`, `audit`: repairing a cluster. */
import type {
  ApproveResult,
  Handoff,
  NodeFailure,
  RegisterResult,
  SyncEvent,
  SyncResult,
} from '../../shared/contract-repair.ts';
import { terminalText as t } from '../../shared/network-text.ts';
import { LOADS_AT_START, cannotRefresh, refreshesRegistry, staleFailure } from '../../shared/provider-words.ts';
import type { ClusterKind } from '../../shared/model.ts';
import { flag, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { EXIT, UsageError, table, writeJson } from './io.ts';
import { holdAdminPassword, secretGiven, SECRET_OPTIONS } from './secret-options.ts';
import { unfiltered } from './verbosity.ts';

function formatHandoff(h: Handoff): string {
  const lines = [
    `Hand-off: ${h.action} on ${h.node} by hand (this product has no API for it).`,
    `  Open: ${h.adminUrl}`,
    ...h.steps.map((s, i) => `  ${i + 1}. ${s}`),
  ];
  if (h.fields)
    lines.push(
      `  Fields: name "${h.fields.name}", key ${h.fields.key ?? '(from the consumer)'}, trusted ${h.fields.trusted ? 'yes' : 'no'}, secret: type it twice`,
    );
  lines.push(`  Source: ${h.source}`);
  return `${lines.join('\n')}\n`;
}

/** On a terminal, waits for Enter (true) or Ctrl+C/end (false); elsewhere returns false at once. */
async function waitForEnter(ctx: CommandContext, prompt: string): Promise<boolean> {
  const stdin = ctx.io.stdin;
  if (!stdin.isTTY) return false;
  unfiltered(ctx.io.stderr).write(prompt);
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      stdin.off('data', onData);
      stdin.off('end', onEnd);
      stdin.pause();
      resolve(ok);
    };
    const onData = (b: Buffer) => done(!b.includes(3));
    const onEnd = () => done(false);
    stdin.on('data', onData);
    stdin.on('end', onEnd);
    stdin.resume();
  });
}

/** The nodes that still lack the key, in the product's words: what requests fail with there, and the fix. */
const missingLine = (cluster: string, kind: ClusterKind, missingOn: string[]) =>
  missingOn.length
    ? `Still not loaded on ${missingOn.join(', ')}: requests the balancer sends there fail with ${staleFailure(kind)}. ${
        refreshesRegistry(kind)
          ? `Run: oslc-admin sync ${cluster}`
          : `Restart ${missingOn.length === 1 ? 'that node' : 'those nodes'}: ${LOADS_AT_START}`
      }\n`
    : '';

/** The nodes that could not be asked, one line each with its coded error. */
const unreachableLines = (cluster: string, unreachable: NodeFailure[]) =>
  unreachable.length
    ? `Not checked — ${unreachable.length} node(s) could not be asked:\n${unreachable
        .map((f) => `  ${f.node}: ${f.code}: ${t(f.message)}\n`)
        .join('')}When they answer again, run: oslc-admin sync ${cluster}\n`
    : '';

/** The work was done on the nodes but its audit line could not be written: said beside the result. */
const auditNote = (r: { auditError?: { message: string } }) =>
  r.auditError ? `Warning: ${t(r.auditError.message)}\n` : '';
/** In --json, the same failure as `auditError` in the document. */
const withAuditError = <T extends object>(value: T, r: { auditError?: unknown }) =>
  r.auditError ? { ...value, auditError: r.auditError } : value;
/** Exit 1 instead of 0 when the audit line was lost (the result itself stands). */
const auditExit = (code: number, r: { auditError?: unknown }) =>
  code === EXIT.OK && r.auditError ? EXIT.PROBLEM : code;

const APPROVE_USAGE = 'oslc-admin approve <cluster> --key K [--node ID] [--json]';
export async function approveCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    { ...HOME_OPTION, key: { type: 'string' }, node: { type: 'string' }, json: { type: 'boolean' } },
    APPROVE_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const key = str(p, 'key');
  if (key === undefined) throw new UsageError(`--key is required\nusage: ${APPROVE_USAGE}`);
  const node = str(p, 'node');
  const cluster = p.positionals[0]!;
  const { kind } = await ctx.engine.getCluster({ cluster });
  const r: ApproveResult = await ctx.engine.approve({ cluster, key, ...(node !== undefined ? { node } : {}) });
  if (flag(p, 'json'))
    writeJson(
      ctx.io,
      withAuditError(
        r.handoff
          ? { key: r.key, node: r.node, verified: r.verified, handoff: r.handoff, unreachable: r.unreachable }
          : {
              key: r.key,
              node: r.node,
              verified: r.verified,
              missingOn: r.missingOn,
              alreadyApproved: r.alreadyApproved,
              unreachable: r.unreachable,
            },
        r,
      ),
    );
  else if (r.handoff) {
    ctx.io.stdout.write(formatHandoff(r.handoff));
    ctx.io.stdout.write(unreachableLines(cluster, r.unreachable));
    ctx.io.stdout.write(auditNote(r));
    if (await waitForEnter(ctx, `When you have approved it on ${r.node}, press Enter to re-probe (Ctrl+C to stop) `)) {
      const probe = await ctx.engine.probeNode({ cluster, node: r.node, key });
      ctx.io.stdout.write(`${t(key)} on ${r.node}: ${probe.state}${probe.problem ? ` (${t(probe.problem)})` : ''}\n`);
      if (probe.state === 'approved') {
        ctx.io.stdout.write(
          refreshesRegistry(kind)
            ? `Next: oslc-admin sync ${cluster}\n`
            : `Next: restart the other nodes (${LOADS_AT_START})\n`,
        );
        return auditExit(EXIT.OK, r);
      }
    } else ctx.io.stdout.write(`Then re-probe: oslc-admin probe ${cluster} --node ${r.node} --key ${t(key)}\n`);
  } else {
    ctx.io.stdout.write(
      r.alreadyApproved
        ? `${t(r.key)} is already approved (seen on ${r.node}); no node holds it provisionally.\n`
        : `Approved ${t(r.key)} on ${r.node}${r.verified ? ', verified by a probe straight to the node' : r.unverifiedReason ? `, not verified: ${t(r.unverifiedReason)}` : ` but the probe says ${r.probe?.state ?? 'nothing'}`}.\n`,
    );
    ctx.io.stdout.write(missingLine(cluster, kind, r.missingOn));
    ctx.io.stdout.write(unreachableLines(cluster, r.unreachable));
    ctx.io.stdout.write(auditNote(r));
  }
  // Exit 0 when the key is approved and verified on its node, even where other nodes could not be
  // asked (they are named above): loading it everywhere else is sync's job, so `approve … && sync …`
  // goes on to sync, and sync exits 1 for the nodes it cannot refresh.
  return auditExit(r.handoff ? EXIT.PROBLEM : r.verified ? EXIT.OK : EXIT.PROBLEM, r);
}

const REGISTER_USAGE =
  'oslc-admin register <cluster> --name N (--secret-stdin | --secret-file FILE) [--key K] [--trusted] [--node ID] [--json]';
export async function registerCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      name: { type: 'string' },
      key: { type: 'string' },
      ...SECRET_OPTIONS.secret,
      trusted: { type: 'boolean' },
      node: { type: 'string' },
      json: { type: 'boolean' },
    },
    REGISTER_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const name = str(p, 'name');
  if (name === undefined) throw new UsageError(`--name is required\nusage: ${REGISTER_USAGE}`);
  if (!flag(p, 'secret-stdin') && str(p, 'secret-file') === undefined)
    throw new UsageError(
      `--secret-stdin is required: the consumer secret is read from stdin (or --secret-file), never from the command line\nusage: ${REGISTER_USAGE}`,
    );
  const cluster = p.positionals[0]!;
  const { kind } = await ctx.engine.getCluster({ cluster });
  const secret = (await secretGiven(ctx, p))!;
  const key = str(p, 'key');
  const node = str(p, 'node');
  const r: RegisterResult = await ctx.engine.register({
    cluster,
    name,
    secret,
    trusted: flag(p, 'trusted'),
    ...(key !== undefined ? { key } : {}),
    ...(node !== undefined ? { node } : {}),
  });
  if (flag(p, 'json')) writeJson(ctx.io, r);
  else if (r.handoff)
    ctx.io.stdout.write(formatHandoff(r.handoff) + unreachableLines(cluster, r.unreachable) + auditNote(r));
  else
    ctx.io.stdout.write(
      `Registered and approved ${t(r.key)} on ${r.node}${r.verified ? ' (verified)' : ''}; tracking it, secret in the OS keychain.\n${missingLine(cluster, kind, r.missingOn)}${unreachableLines(cluster, r.unreachable)}${auditNote(r)}`,
    );
  // The same rule as approve: 0 when registered, approved and verified on its node.
  return auditExit(r.verified ? EXIT.OK : EXIT.PROBLEM, r);
}

const DELETE_USAGE = 'oslc-admin consumer delete <cluster> --key K [--node ID]';
export async function deleteConsumerCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(argv, { ...HOME_OPTION, key: { type: 'string' }, node: { type: 'string' } }, DELETE_USAGE, {
    min: 1,
    max: 1,
    names: ['cluster'],
  });
  const key = str(p, 'key');
  if (key === undefined) throw new UsageError(`--key is required\nusage: ${DELETE_USAGE}`);
  const node = str(p, 'node');
  const r = await ctx.engine.deleteConsumer({
    cluster: p.positionals[0]!,
    key,
    ...(node !== undefined ? { node } : {}),
  });
  ctx.io.stdout.write(
    `Deleted ${t(r.key)} from the repository through ${r.node}${r.untracked ? ' and stopped tracking it' : ''}. Other nodes keep it in memory until they are refreshed (sync).\n${auditNote(r)}`,
  );
  return auditExit(EXIT.OK, r);
}

function syncEventLine(e: SyncEvent): string | null {
  switch (e.type) {
    case 'refreshed':
      return `${e.node}: refreshed (${e.latencyMs} ms${e.attempts > 1 ? `, attempt ${e.attempts}` : ''})`;
    case 'failed':
      return `${e.node}: attempt ${e.attempt} failed — ${e.error.code}: ${t(e.error.message)}${e.willRetry ? ' (retrying)' : ''}`;
    case 'verifying':
      return 'Verifying every tracked key on every node…';
    default:
      return null;
  }
}

export function formatSync(r: SyncResult): string {
  // A kind that cannot refresh a running node (Lyo) says so once, in the notes, not on every row.
  const cannot = (n: SyncResult['nodes'][number]) => !n.refreshed && cannotRefresh(n);
  const out = [
    '',
    table(
      ['NODE', 'REFRESHED', 'ATTEMPTS', 'ERROR'],
      r.nodes.map((n) => [
        n.id,
        n.refreshed ? 'yes' : cannot(n) ? 'cannot' : 'NO',
        String(n.attempts),
        cannot(n) ? 'NOT_SUPPORTED (see the notes)' : n.error ? `${n.error.code}: ${t(n.error.message)}` : '',
      ]),
    ),
    '',
  ];
  const failed = r.nodes.filter((n) => !n.refreshed && !cannot(n)).map((n) => n.id);
  if (r.verified.consistent && r.nodes.length > 0 && r.nodes.every(cannot))
    out.push('All nodes consistent (verified only: this kind cannot refresh a running node).');
  else if (r.verified.consistent && failed.length)
    out.push(
      `No drift found, but ${failed.join(', ')} ${failed.length > 1 ? 'were' : 'was'} not refreshed (see above).`,
    );
  else if (r.verified.consistent) out.push('All nodes consistent: every reachable node holds the same approved keys.');
  else if (r.verified.drift.length) out.push('Remaining drift:', ...r.verified.drift.map((d) => `  - ${t(d.message)}`));
  else out.push('Not verified on every node: see the notes below.');
  if (r.notices.length) out.push('', 'Notes:', ...r.notices.map((n) => `  - ${t(n)}`));
  return `${out.join('\n')}\n`;
}

const SYNC_USAGE = 'oslc-admin sync <cluster> [--json] [--user U] [--password-stdin | --password-file FILE]';
export async function syncCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    { ...HOME_OPTION, json: { type: 'boolean' }, user: { type: 'string' }, ...SECRET_OPTIONS.password },
    SYNC_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const cluster = p.positionals[0]!;
  await holdAdminPassword(ctx, p, cluster);
  const json = flag(p, 'json');
  // Ctrl+C (or SIGTERM, from `timeout` or a service manager) stops the sync where it is: the engine
  // records what was done (audit line), it is printed, exit 130 (143 for SIGTERM).
  const abort = new AbortController();
  let stoppedBy: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals) => {
    stoppedBy ??= signal;
    abort.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const r = await ctx.engine
    .sync(
      { cluster },
      {
        signal: abort.signal,
        onProgress: (e) => {
          // One line per node as it finishes; with --json they go to stderr so stdout stays one document.
          const line = syncEventLine(e);
          if (line && (e.type !== 'failed' || !e.willRetry || !json))
            (json ? ctx.io.stderr : ctx.io.stdout).write(`${line}\n`);
        },
      },
    )
    .finally(() => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    });
  if (json)
    writeJson(ctx.io, {
      nodes: r.nodes,
      verified: r.verified,
      notices: r.notices,
      balancer: r.balancer,
      ...(r.auditError ? { auditError: r.auditError } : {}),
      ...(r.interrupted ? { interrupted: true } : {}),
    });
  else ctx.io.stdout.write(formatSync(r));
  const balancerDown = r.balancer !== undefined && !r.balancer.up;
  if (r.interrupted) return stoppedBy === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED;
  // A kind that cannot refresh a running node (Lyo) is not a failure of this sync: there it verifies,
  // and exits 0 when every key is where it should be (1 on drift, with the restart to do).
  return r.nodes.every((n) => n.refreshed || cannotRefresh(n)) &&
    r.verified.consistent &&
    !balancerDown &&
    !r.auditError
    ? EXIT.OK
    : EXIT.PROBLEM;
}

const TRUST_USAGE = 'oslc-admin trust <cluster> --fingerprint SHA256 [--node ID]';
export async function trustCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(argv, { ...HOME_OPTION, fingerprint: { type: 'string' }, node: { type: 'string' } }, TRUST_USAGE, {
    min: 1,
    max: 1,
    names: ['cluster'],
  });
  const fingerprint256 = str(p, 'fingerprint');
  if (fingerprint256 === undefined)
    throw new UsageError(
      `--fingerprint is required (the SHA-256 fingerprint shown in the TLS_UNTRUSTED error)\nusage: ${TRUST_USAGE}`,
    );
  const node = str(p, 'node');
  const r = await ctx.engine.trustCertificate({
    cluster: p.positionals[0]!,
    fingerprint256,
    ...(node !== undefined ? { node } : {}),
  });
  ctx.io.stdout.write(
    `Trusting the certificate ${fingerprint256.toUpperCase()} for ${r.cluster} (${r.pinned.length} pinned).\n`,
  );
  return EXIT.OK;
}

const AUDIT_USAGE = 'oslc-admin audit <cluster> [--json]';
export async function auditCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(argv, { ...HOME_OPTION, json: { type: 'boolean' } }, AUDIT_USAGE, {
    min: 1,
    max: 1,
    names: ['cluster'],
  });
  const r = await ctx.engine.audit({ cluster: p.positionals[0]! });
  if (flag(p, 'json')) writeJson(ctx.io, r);
  else {
    ctx.io.stdout.write(
      `${table(
        ['TIME', 'USER', 'ACTION', 'NODE', 'KEY', 'OUTCOME', 'DETAIL'],
        r.entries.map((e) => [
          e.time,
          t(e.user),
          e.action,
          e.node ?? '-',
          t(e.key ?? '-'),
          e.outcome,
          t(e.detail ?? ''),
        ]),
      )}\n`,
    );
    if (r.skipped)
      ctx.io.stderr.write(`warning: ${r.skipped} unreadable line(s) skipped (e.g. a line torn by a crash)\n`);
  }
  return EXIT.OK;
}
