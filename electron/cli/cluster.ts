/** `cluster …`, `login`, `logout`, `consumer …`: managing definitions and the secrets that go with them. */
import { writeFile } from 'node:fs/promises';
import { CLUSTER_KINDS } from '../../shared/model.ts';
import type { ClusterDefinition } from '../../shared/model.ts';
import { flag, list, parse, str, HOME_OPTION } from './args.ts';
import type { CommandContext } from './context.ts';
import { ErrorCode, isAppError } from '../../shared/errors.ts';
import { EXIT, INPUT_LIMITS, UsageError, readTextFileBounded, table, writeJson } from './io.ts';
import { readPasswordFromTty } from './tty.ts';
import { passwordGiven, secretGiven, SECRET_OPTIONS } from './secret-options.ts';
import { addFromUrl, checkCommand, CHECK_USAGE, FROM_USAGE } from './cluster-connect.ts';

function showCluster(c: ClusterDefinition): string {
  const lines = [
    `${c.name} (${c.kind})`,
    `  balancer: ${c.balancerUrl}`,
    ...(c.repo ? [`  repository: ${c.repo}  database: ${c.db ?? '-'}`] : []),
    `  admin: ${c.adminUser ?? '(no login stored)'}`,
    `  CA bundle: ${c.caPem ? 'custom' : 'system'}${c.pinnedFingerprints.length ? `, ${c.pinnedFingerprints.length} pinned certificate(s)` : ''}`,
    `  timeouts: connect ${c.timeouts.connectMs} ms, total ${c.timeouts.totalMs} ms; response cap ${c.maxResponseBytes} bytes`,
    '',
    table(
      ['NODE', 'URL', 'LABEL'],
      c.nodes.map((n) => [n.id, n.url, n.label]),
    ),
  ];
  if (c.consumers.length) {
    lines.push(
      '',
      table(
        ['CONSUMER KEY', 'NAME', 'SECRET'],
        c.consumers.map((k) => [k.key, k.name, k.hasSecret ? 'in keychain' : 'none']),
      ),
    );
  }
  return lines.join('\n');
}

/** The definition's field names as `cluster add` spells them: its options. */
const OPTION_OF_FIELD: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/\bnodes\.(\d+)\.url\b/g, (m) => `--node #${Number(m[1]) + 1}`],
  [/\bnodes\b/g, () => '--node'],
  [/\bbalancerUrl\b/g, () => '--balancer'],
  [/\bcaPem\b/g, () => '--ca'],
  [/\brepo\b(?= *:)/g, () => '--repo'],
  [/\bdb\b(?= *:)/g, () => '--db'],
  [/\bkind\b(?= *:)/g, () => '--kind'],
  [/\bname\b(?= *:)/g, () => '<name>'],
];

/**
 * A BAD_INPUT from the engine about a definition field, reworded to name the option it came from
 * (`--ca FILE: certificate 1 … cannot be parsed`, not `caPem: …`): exit 2.
 */
function asOptionError(e: unknown, ca: string | undefined): unknown {
  if (!isAppError(e) || e.code !== ErrorCode.BAD_INPUT) return e;
  let message = e.message.replace(/^Invalid cluster: /, '');
  for (const [re, name] of OPTION_OF_FIELD)
    message = message.replace(re, (...m: unknown[]) => name(m as unknown as RegExpMatchArray));
  if (ca !== undefined) message = message.replace(/--ca\b/g, `--ca ${ca}`);
  return new UsageError(message);
}

const CLUSTER_USAGE = {
  add: 'oslc-admin cluster add <name> --kind sandbox|clearquest|jazz|lyo --balancer URL --node URL [--node URL…] [--repo R --db D] [--ca FILE] [--json]',
  addFrom: FROM_USAGE,
  check: CHECK_USAGE,
  list: 'oslc-admin cluster list [--json]',
  show: 'oslc-admin cluster show <name> [--json]',
  remove: 'oslc-admin cluster remove <name>',
  export: 'oslc-admin cluster export <name> [--out FILE]',
  import: 'oslc-admin cluster import <file> [--rename NAME] [--trust-pins]',
};

export async function clusterCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  const { io } = ctx;
  switch (sub) {
    case 'add': {
      const p = parse(
        rest,
        {
          ...HOME_OPTION,
          kind: { type: 'string' },
          balancer: { type: 'string' },
          node: { type: 'string', multiple: true },
          repo: { type: 'string' },
          db: { type: 'string' },
          ca: { type: 'string' },
          from: { type: 'string' },
          json: { type: 'boolean' },
        },
        CLUSTER_USAGE.add,
        { min: 1, max: 1, names: ['name'] },
      );
      if (str(p, 'from') !== undefined) {
        const from = str(p, 'ca');
        return addFromUrl(ctx, p, from ? await readTextFileBounded(from, INPUT_LIMITS.caBytes, '--ca') : null);
      }
      const kind = str(p, 'kind');
      if (!kind)
        throw new UsageError(`--kind is required (one of ${CLUSTER_KINDS.join(', ')})\nusage: ${CLUSTER_USAGE.add}`);
      if (!str(p, 'balancer')) throw new UsageError(`--balancer is required\nusage: ${CLUSTER_USAGE.add}`);
      const ca = str(p, 'ca');
      const caPem = ca ? await readTextFileBounded(ca, INPUT_LIMITS.caBytes, '--ca') : null;
      const def = await ctx.engine
        .addCluster({
          name: p.positionals[0]!,
          kind: kind as ClusterDefinition['kind'],
          balancerUrl: str(p, 'balancer')!,
          nodes: list(p, 'node').map((url) => ({ url })),
          repo: str(p, 'repo') ?? null,
          db: str(p, 'db') ?? null,
          caPem,
        })
        .catch((e: unknown) => {
          throw asOptionError(e, ca);
        });
      if (flag(p, 'json')) writeJson(io, def);
      else
        io.stdout.write(
          `Added cluster ${def.name} with ${def.nodes.length} node(s). Next: oslc-admin login ${def.name} --user <admin>\n`,
        );
      return EXIT.OK;
    }
    case 'list': {
      const p = parse(rest, { ...HOME_OPTION, json: { type: 'boolean' } }, CLUSTER_USAGE.list, {
        min: 0,
        max: 0,
        names: [],
      });
      const { clusters, notices } = await ctx.engine.listClusters();
      for (const n of notices) io.stderr.write(`warning: ${n}\n`);
      if (flag(p, 'json')) writeJson(io, { clusters, notices });
      else if (!clusters.length)
        io.stdout.write(
          'No clusters yet. Add one with `oslc-admin cluster add`, or run `oslc-admin sandbox --register sandbox`.\n',
        );
      else
        io.stdout.write(
          `${table(
            ['NAME', 'KIND', 'BALANCER', 'NODES', 'CONSUMERS'],
            clusters.map((c) => [c.name, c.kind, c.balancerUrl, String(c.nodeCount), String(c.consumerCount)]),
          )}\n`,
        );
      return EXIT.OK;
    }
    case 'show': {
      const p = parse(rest, { ...HOME_OPTION, json: { type: 'boolean' } }, CLUSTER_USAGE.show, {
        min: 1,
        max: 1,
        names: ['name'],
      });
      const def = await ctx.engine.getCluster({ cluster: p.positionals[0]! });
      if (flag(p, 'json')) writeJson(io, def);
      else io.stdout.write(`${showCluster(def)}\n`);
      return EXIT.OK;
    }
    case 'remove': {
      const p = parse(rest, { ...HOME_OPTION }, CLUSTER_USAGE.remove, { min: 1, max: 1, names: ['name'] });
      const r = await ctx.engine.removeCluster({ cluster: p.positionals[0]! });
      io.stdout.write(
        `Removed cluster ${r.removed}; forgot ${r.secretsForgotten} keychain entr${r.secretsForgotten === 1 ? 'y' : 'ies'}.\n`,
      );
      return EXIT.OK;
    }
    case 'export': {
      const p = parse(rest, { ...HOME_OPTION, out: { type: 'string' } }, CLUSTER_USAGE.export, {
        min: 1,
        max: 1,
        names: ['name'],
      });
      const { json } = await ctx.engine.exportCluster({ cluster: p.positionals[0]! });
      const out = str(p, 'out');
      if (out) {
        await writeFile(out, `${json}\n`, { flag: 'wx', mode: 0o600 }).catch((e: NodeJS.ErrnoException) => {
          throw new UsageError(
            `--out: cannot write ${out}: ${e.code === 'EEXIST' ? 'the file exists (choose another name)' : (e.code ?? e.message)}`,
          );
        });
        io.stderr.write(`Exported to ${out} (no secrets).\n`);
      } else io.stdout.write(`${json}\n`);
      return EXIT.OK;
    }
    case 'import': {
      const p = parse(
        rest,
        { ...HOME_OPTION, rename: { type: 'string' }, 'trust-pins': { type: 'boolean' } },
        CLUSTER_USAGE.import,
        {
          min: 1,
          max: 1,
          names: ['file'],
        },
      );
      const json = await readTextFileBounded(p.positionals[0]!, INPUT_LIMITS.importBytes, '<file>');
      const rename = str(p, 'rename');
      const trustPins = flag(p, 'trust-pins');
      const def = await ctx.engine.importCluster({
        json,
        ...(rename !== undefined ? { rename } : {}),
        ...(trustPins ? { trustPins } : {}),
      });
      io.stdout.write(
        `Imported cluster ${def.name} with ${def.nodes.length} node(s). Store its admin login with: oslc-admin login ${def.name} --user <admin>\n`,
      );
      if (def.pinsToReview.length > 0) {
        // A pin is trust: the file's pins are not taken on its word (issue 18, defect 12).
        io.stdout.write(
          `${def.pinsToReview.length} pinned certificate fingerprint(s) in the file were NOT trusted. Check each against the node's certificate, then trust it:\n${def.pinsToReview.map((f) => `  oslc-admin trust ${def.name} --fingerprint ${f}`).join('\n')}\n(or import with --trust-pins to keep the file's pins as they are)\n`,
        );
      }
      return EXIT.OK;
    }
    case 'check':
      return checkCommand(ctx, rest);
    default:
      throw new UsageError(
        `unknown or missing subcommand "cluster ${sub ?? ''}"\nusage:\n  ${Object.values(CLUSTER_USAGE).join('\n  ')}`,
      );
  }
}

const LOGIN_USAGE = 'oslc-admin login <cluster> --user U [--password-stdin | --password-file FILE] [--no-verify]';
export async function loginCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(
    argv,
    {
      ...HOME_OPTION,
      user: { type: 'string' },
      ...SECRET_OPTIONS.password,
      'no-verify': { type: 'boolean' },
    },
    LOGIN_USAGE,
    { min: 1, max: 1, names: ['cluster'] },
  );
  const user = str(p, 'user');
  if (!user) throw new UsageError(`--user is required\nusage: ${LOGIN_USAGE}`);
  const cluster = p.positionals[0]!;
  await ctx.engine.getCluster({ cluster }); // unknown cluster: fail before asking for a password
  const password =
    (await passwordGiven(ctx, p)) ?? (await readPasswordFromTty(ctx.io, `Password for ${user} on ${cluster}: `));
  // The login is tried on one node first (the first that answers); a refused one is not stored.
  const verify = !flag(p, 'no-verify');
  const r = await ctx.engine.storeCredentials({ cluster, user, password, verify });
  const how = !verify
    ? ' (not verified: --no-verify)'
    : r.verifiedOn
      ? ` (verified: ${r.verifiedOn} accepted it)`
      : ' (not verified: this kind has no admin login to try)';
  ctx.io.stdout.write(`Stored the admin login for ${cluster} (user ${user}) in the OS keychain${how}.\n`);
  return EXIT.OK;
}

const LOGOUT_USAGE = 'oslc-admin logout <cluster>';
export async function logoutCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const p = parse(argv, { ...HOME_OPTION }, LOGOUT_USAGE, { min: 1, max: 1, names: ['cluster'] });
  const r = await ctx.engine.forgetCredentials({ cluster: p.positionals[0]! });
  ctx.io.stdout.write(r.forgotten ? 'Forgot the stored admin password.\n' : 'No admin password was stored.\n');
  return EXIT.OK;
}

const CONSUMER_USAGE = {
  track: 'oslc-admin consumer track <cluster> --key K [--name N] [--secret-stdin | --secret-file FILE]',
  untrack: 'oslc-admin consumer untrack <cluster> --key K',
};
export async function consumerCommand(ctx: CommandContext, argv: string[]): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub === 'track') {
    const p = parse(
      rest,
      { ...HOME_OPTION, key: { type: 'string' }, name: { type: 'string' }, ...SECRET_OPTIONS.secret },
      CONSUMER_USAGE.track,
      { min: 1, max: 1, names: ['cluster'] },
    );
    const key = str(p, 'key');
    if (key === undefined) throw new UsageError(`--key is required\nusage: ${CONSUMER_USAGE.track}`);
    const cluster = p.positionals[0]!;
    await ctx.engine.getCluster({ cluster });
    const secret = await secretGiven(ctx, p);
    const name = str(p, 'name');
    await ctx.engine.trackConsumer({
      cluster,
      key,
      ...(name !== undefined ? { name } : {}),
      ...(secret !== undefined ? { secret } : {}),
    });
    ctx.io.stdout.write(
      `Tracking consumer ${key} on ${cluster}${secret !== undefined ? '; its secret is in the OS keychain' : ' (no secret: probes tell only whether the key is loaded)'}.\n`,
    );
    return EXIT.OK;
  }
  if (sub === 'untrack') {
    const p = parse(rest, { ...HOME_OPTION, key: { type: 'string' } }, CONSUMER_USAGE.untrack, {
      min: 1,
      max: 1,
      names: ['cluster'],
    });
    const key = str(p, 'key');
    if (key === undefined) throw new UsageError(`--key is required\nusage: ${CONSUMER_USAGE.untrack}`);
    await ctx.engine.untrackConsumer({ cluster: p.positionals[0]!, key });
    ctx.io.stdout.write(`No longer tracking ${key}; its secret was removed from the keychain.\n`);
    return EXIT.OK;
  }
  throw new UsageError(
    `unknown or missing subcommand "consumer ${sub ?? ''}"\nusage:\n  ${Object.values(CONSUMER_USAGE).join('\n  ')}`,
  );
}
