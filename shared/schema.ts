/** Validation of everything that comes from outside: user input, imported files, stored config. */
import * as z from 'zod';
import { AppError, badInput, ErrorCode } from './errors.ts';
import { CLUSTER_KINDS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUTS, MAX_SECRET_CHARS } from './model.ts';
import type { ClusterDefinition } from './model.ts';

const MAX_TEXT = 256;
/**
 * C0, DEL and C1 controls, the bidirectional marks, embeddings, overrides and isolates, line and
 * paragraph separators, and U+FFFD (what invalid UTF-8 decodes to): none belongs in a name, key or label.
 */
export const CONTROL_OR_BIDI =
  // eslint-disable-next-line no-control-regex -- refusing control characters is the point
  /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffd]/;

/** A name or user as typed: trimmed, 1–256 characters, no control or bidi character. */
export const plainTextSchema = (max = MAX_TEXT) => text(max);
/** Printable text without control characters. */
const text = (max = MAX_TEXT) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine(
      (s) => !CONTROL_OR_BIDI.test(s),
      'must not contain control characters, bidirectional controls or invalid UTF-8',
    );

/** The largest cluster the engine works in one wave (and the sandbox can run). */
export const MAX_CLUSTER_NODES = 128;

export const clusterNameSchema = text(64).refine(
  (s) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s),
  'use letters, digits, ".", "_" and "-", starting with a letter or digit',
);

export const nodeIdSchema = text(64).refine(
  (s) => /^[A-Za-z0-9][A-Za-z0-9_.-]*$/.test(s),
  'use letters, digits, ".", "_" and "-"',
);

function parsedUrl(s: string): URL | null {
  try {
    return new URL(s);
  } catch {
    return null;
  }
}

export const httpUrlSchema = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine(
    // eslint-disable-next-line no-control-regex -- refusing control characters is the point
    (s) => !/[\u0000-\u0020\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(s),
    'must not contain spaces, control or bidirectional characters',
  )
  .refine((s) => {
    const u = parsedUrl(s);
    return (
      u !== null &&
      (u.protocol === 'http:' || u.protocol === 'https:') &&
      u.hostname !== '' &&
      !u.username &&
      !u.password
    );
  }, 'must be an http:// or https:// URL with a host and no user or password in it')
  .refine((s) => parsedUrl(s)?.port !== '0', 'port 0 is not a port anything listens on (use 1–65535)')
  .refine((s) => {
    const u = parsedUrl(s);
    return u === null || (u.search === '' && u.hash === '');
  }, 'must not carry a query (?…) or a fragment (#…)')
  .transform((s) => s.replace(/\/+$/, ''));

/**
 * The form two URLs are compared in: scheme and host lower-case, default port dropped, no trailing
 * slash (`HTTP://Node1:80/ccm/` and `http://node1/ccm` are one node).
 */
export function urlIdentity(s: string): string {
  const u = parsedUrl(s);
  return (u ? u.href : s).replace(/\/+$/, '');
}

export const consumerKeySchema = text(256);

/** A user or consumer name: no control or bidi character (it is shown in tables and the audit log). */
export const userSchema = text(256);

export { MAX_SECRET_CHARS } from './model.ts';

/** A password or consumer secret: not empty, at most {@link MAX_SECRET_CHARS} characters, kept as typed. */
export const secretSchema = z
  .string()
  .min(1, 'must not be empty')
  .max(MAX_SECRET_CHARS, `must be at most ${MAX_SECRET_CHARS} characters`);

/**
 * A SHA-256 fingerprint as browsers and `openssl x509 -fingerprint -sha256` show it: 64 hex digits,
 * in pairs separated by ':' (or by nothing). Anything else is refused, never stripped: a fingerprint
 * with junk in it may be a different certificate's.
 */
export const fingerprintSchema = z
  .string()
  .trim()
  .refine(
    (s) => /^[0-9A-Fa-f]{64}$/.test(s) || /^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2}){31}$/.test(s),
    'must be a SHA-256 fingerprint: 64 hex digits, optionally in pairs separated by ":" (nothing else)',
  )
  .transform((s) => s.toUpperCase().replace(/:/g, '').match(/../g)!.join(':'));

const pemSchema = z
  .string()
  .max(512 * 1024, 'CA bundle must be at most 512 KiB')
  .refine(
    (s) => s.includes('-----BEGIN CERTIFICATE-----'),
    'must be a PEM certificate bundle (-----BEGIN CERTIFICATE-----)',
  );

export const nodeSchema = z.object({ id: nodeIdSchema, label: text(128), url: httpUrlSchema });

export const trackedConsumerSchema = z.object({
  key: consumerKeySchema,
  name: text(256),
  hasSecret: z.boolean(),
});

export const clusterDefinitionSchema = z
  .object({
    name: clusterNameSchema,
    kind: z.enum(CLUSTER_KINDS),
    balancerUrl: httpUrlSchema,
    nodes: z.array(nodeSchema).min(1, 'a cluster needs at least one node').max(MAX_CLUSTER_NODES),
    repo: text(128).nullable(),
    db: text(128).nullable(),
    caPem: pemSchema.nullable(),
    pinnedFingerprints: z.array(fingerprintSchema).max(64),
    timeouts: z.object({
      connectMs: z.number().int().min(100).max(120_000),
      totalMs: z.number().int().min(100).max(600_000),
    }),
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024),
    adminUser: text(256).nullable(),
    consumers: z.array(trackedConsumerSchema).max(1000),
  })
  .superRefine((c, ctx) => {
    const ids = new Set<string>();
    c.nodes.forEach((n, i) => {
      if (ids.has(n.id))
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id "${n.id}"` });
      ids.add(n.id);
    });
    duplicateUrls(c.nodes, ctx);
    const keys = new Set<string>();
    c.consumers.forEach((k, i) => {
      if (keys.has(k.key))
        ctx.addIssue({ code: 'custom', path: ['consumers', i, 'key'], message: 'duplicate consumer key' });
      keys.add(k.key);
    });
    needsRepoAndDb(c, ctx);
  }) satisfies z.ZodType<ClusterDefinition, unknown>;

/** Two nodes at one URL (compared in {@link urlIdentity} form) would be one node counted twice. */
function duplicateUrls(nodes: readonly { url: string }[], ctx: z.RefinementCtx): void {
  const seen = new Map<string, number>();
  nodes.forEach((n, i) => {
    const id = urlIdentity(n.url);
    const first = seen.get(id);
    if (first !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['nodes', i, 'url'],
        message: `duplicate node URL: ${n.url} is node ${first + 1}'s URL too`,
      });
    else seen.set(id, i);
  });
}

/** The kinds whose every URL names a repository and database (ClearQuest's, and the sandbox that plays it). */
const KINDS_WITH_REPO = new Set(['clearquest', 'sandbox']);

function needsRepoAndDb(c: { kind: string; repo?: string | null; db?: string | null }, ctx: z.RefinementCtx): void {
  if (!KINDS_WITH_REPO.has(c.kind) || (c.repo && c.db)) return;
  ctx.addIssue({
    code: 'custom',
    path: [c.repo ? 'db' : 'repo'],
    message: `a ${c.kind} cluster needs its repository and database names (the ones in its URLs)`,
  });
}

/** What a user supplies to add a cluster; the rest gets defaults. */
export const clusterInputSchema = z
  .object({
    name: clusterNameSchema,
    kind: z.enum(CLUSTER_KINDS),
    balancerUrl: httpUrlSchema,
    nodes: z
      .array(z.object({ id: nodeIdSchema.optional(), label: text(128).optional(), url: httpUrlSchema }))
      .min(1, 'a cluster needs at least one node (--node URL)')
      .max(MAX_CLUSTER_NODES),
    repo: text(128).nullable().optional(),
    db: text(128).nullable().optional(),
    caPem: pemSchema.nullable().optional(),
    pinnedFingerprints: z.array(fingerprintSchema).max(64).optional(),
    timeouts: z
      .object({ connectMs: z.number().int().min(100).max(120_000), totalMs: z.number().int().min(100).max(600_000) })
      .partial()
      .optional(),
    maxResponseBytes: z
      .number()
      .int()
      .min(1024)
      .max(64 * 1024 * 1024)
      .optional(),
    adminUser: text(256).nullable().optional(),
  })
  .superRefine((c, ctx) => {
    duplicateUrls(c.nodes, ctx);
    needsRepoAndDb(c, ctx);
  });
export type ClusterInput = z.input<typeof clusterInputSchema>;

/** Formats the first problems of a zod error as `field.path: message; …`, in words (not the validator's). */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(input)'}: ${issueWords(i)}`)
    .join('; ');
}

/**
 * One problem in words an admin reads: "must be at least 100", not zod's default "Too small: expected
 * number to be >=100". A message the schema wrote itself is kept as it is.
 */
export function issueWords(issue: z.core.$ZodIssue): string {
  const i = issue as z.core.$ZodIssue & {
    origin?: string;
    minimum?: number | bigint;
    maximum?: number | bigint;
    inclusive?: boolean;
    expected?: string;
  };
  const fmt = (n: number | bigint | undefined) => (typeof n === 'number' ? n.toLocaleString('en-US') : String(n));
  switch (i.code) {
    case 'too_small':
      if (!/^Too small/.test(i.message)) return i.message;
      if (i.origin === 'string')
        return Number(i.minimum) <= 1 ? 'must not be empty' : `must be at least ${fmt(i.minimum)} characters`;
      if (i.origin === 'array' || i.origin === 'set') return `needs at least ${fmt(i.minimum)}`;
      return `must be ${i.inclusive === false ? 'more than' : 'at least'} ${fmt(i.minimum)}`;
    case 'too_big':
      if (!/^Too big/.test(i.message)) return i.message;
      if (i.origin === 'string') return `must be at most ${fmt(i.maximum)} characters`;
      if (i.origin === 'array' || i.origin === 'set') return `takes at most ${fmt(i.maximum)}`;
      return `must be ${i.inclusive === false ? 'less than' : 'at most'} ${fmt(i.maximum)}`;
    case 'invalid_type':
      if (!/^Invalid input/.test(i.message)) return i.message;
      if (i.expected === 'int') return 'must be a whole number';
      if (i.expected === 'number') return 'must be a number';
      if (i.expected === 'string') return 'must be text';
      if (i.expected === 'boolean') return 'must be true or false';
      if (i.expected === 'array') return 'must be a list';
      if (i.expected === 'object') return 'must be an object';
      return i.message.includes('received undefined') ? 'is required' : i.message;
    default:
      return i.message;
  }
}

/** Parses or throws BAD_INPUT naming the field(s): `what.path: message`, or `what: message` for a plain value. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const field = first?.path.length ? first.path.map(String).join('.') : what;
  const plain = r.error.issues.every((i) => i.path.length === 0);
  const message = plain
    ? `${what}: ${r.error.issues.map(issueWords).join('; ')}`
    : `Invalid ${what}: ${describeIssues(r.error)}`;
  throw new AppError(ErrorCode.BAD_INPUT, message, { details: { field } });
}

/** Builds a full definition from user input, filling defaults and node ids (`node1`, `node2`, …). */
export function clusterFromInput(input: unknown): ClusterDefinition {
  const i = parseOrThrow(clusterInputSchema, input, 'cluster');
  const def: ClusterDefinition = {
    name: i.name,
    kind: i.kind,
    balancerUrl: i.balancerUrl,
    nodes: i.nodes.map((n, idx) => {
      const id = n.id ?? `node${idx + 1}`;
      return { id, label: n.label ?? `${id} (${new URL(n.url).host})`, url: n.url };
    }),
    repo: i.repo ?? null,
    db: i.db ?? null,
    caPem: i.caPem ?? null,
    pinnedFingerprints: i.pinnedFingerprints ?? [],
    timeouts: { ...DEFAULT_TIMEOUTS, ...i.timeouts },
    maxResponseBytes: i.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    adminUser: i.adminUser ?? null,
    consumers: [],
  };
  return parseOrThrow(clusterDefinitionSchema, def, 'cluster');
}

/**
 * The fields of an operation's argument that the engine checks before the operation runs, each with
 * its schema, declared beside the contract in shared/contract-args.ts. `cluster` is not among them: the
 * engine checks the name when it looks the cluster up (an unknown one is CLUSTER_NOT_FOUND).
 */
export type ArgFields<A> = { readonly [F in keyof A]?: z.ZodType };

/**
 * Checks an operation's argument field by field, in the order the schema lists them: the first bad
 * one is BAD_INPUT `field: problem` (as {@link parseOrThrow} words it). Answers the argument with
 * each checked field parsed (trimmed, normalised); an optional field that is absent stays absent.
 */
export function parseArgFields<A>(fields: ArgFields<A>, arg: A): A {
  if (arg === null || typeof arg !== 'object' || Array.isArray(arg)) throw badInput('arg', 'must be an object');
  const out = { ...arg } as Record<string, unknown>;
  for (const [field, schema] of Object.entries(fields) as [string, z.ZodType][]) {
    const value = out[field];
    if (value === undefined && schema.safeParse(undefined).success) continue;
    out[field] = parseOrThrow(schema, value, field);
  }
  return out as A;
}
