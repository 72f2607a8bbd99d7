/** Validation of everything that comes from outside: user input, imported files, stored config. */
import { z } from 'zod';
import { AppError, ErrorCode } from './errors.ts';
import { CLUSTER_KINDS, DEFAULT_MAX_RESPONSE_BYTES, DEFAULT_TIMEOUTS } from './model.ts';
import type { ClusterDefinition } from './model.ts';

const MAX_TEXT = 256;
/** Printable text without control characters. */
const text = (max = MAX_TEXT) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    // eslint-disable-next-line no-control-regex -- rejecting control characters is the point
    .refine((s) => !/[\u0000-\u001f\u007f\ufffd]/.test(s), 'must not contain control characters or invalid UTF-8');

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

export const httpUrlSchema = z
  .string()
  .trim()
  .max(2048, 'must be at most 2048 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.hostname !== '' && !u.username && !u.password;
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL with a host and no user or password in it')
  .transform((s) => s.replace(/\/+$/, ''));

export const consumerKeySchema = text(256);

export const fingerprintSchema = z
  .string()
  .trim()
  .transform((s) => s.toUpperCase().replace(/[^0-9A-F]/g, ''))
  .refine((s) => s.length === 64, 'must be a SHA-256 fingerprint (64 hex digits)')
  .transform((s) => s.match(/../g)!.join(':'));

const pemSchema = z
  .string()
  .max(512 * 1024, 'CA bundle must be at most 512 KiB')
  .refine((s) => s.includes('-----BEGIN CERTIFICATE-----'), 'must be a PEM certificate bundle');

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
    const keys = new Set<string>();
    c.consumers.forEach((k, i) => {
      if (keys.has(k.key))
        ctx.addIssue({ code: 'custom', path: ['consumers', i, 'key'], message: 'duplicate consumer key' });
      keys.add(k.key);
    });
    if (c.kind === 'clearquest' && (!c.repo || !c.db)) {
      ctx.addIssue({
        code: 'custom',
        path: [c.repo ? 'db' : 'repo'],
        message: 'a clearquest cluster needs --repo and --db',
      });
    }
  }) satisfies z.ZodType<ClusterDefinition, unknown>;

/** What a user supplies to add a cluster; the rest gets defaults. */
export const clusterInputSchema = z.object({
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
});
export type ClusterInput = z.input<typeof clusterInputSchema>;

/** Formats the first problems of a zod error as `field.path: message; …`. */
export function describeIssues(error: z.ZodError, prefix = ''): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${[prefix, ...i.path.map(String)].filter(Boolean).join('.') || '(input)'}: ${i.message}`)
    .join('; ');
}

/** Parses or throws BAD_INPUT naming the field(s): `what.path: message`, or `what: message` for a plain value. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const first = r.error.issues[0];
  const field = first?.path.length ? first.path.map(String).join('.') : what;
  const plain = r.error.issues.every((i) => i.path.length === 0);
  const message = plain
    ? `${what}: ${r.error.issues.map((i) => i.message).join('; ')}`
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
