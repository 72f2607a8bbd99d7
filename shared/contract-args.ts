/**
 * The schema of each operation's argument fields, beside the contract (contract*.ts declares the
 * operations; this file says what their arguments must be). The engine's dispatcher
 * (electron/core/ops/index.ts) checks every call against it before the operation runs, so no
 * operation checks its own fields. Kept out of contract*.ts so that the sandboxed preload, which
 * needs only the operation names, does not carry the validator.
 *
 * `cluster` is not listed: the engine checks the name when it looks the cluster up. An operation
 * without an entry takes no field beyond its cluster, or checks in its area: diagnose, flow and
 * report (electron/core/diagnose/), whose modules are also called directly.
 */
import * as z from 'zod';
import type { ConsoleContract } from './contract-console.ts';
import type { RepairContract } from './contract-repair.ts';
import type { ArgOf, CoreContract, OperationName } from './contract.ts';
import { consumerKeySchema, fingerprintSchema, plainTextSchema, secretSchema, userSchema } from './schema.ts';
import type { ArgFields } from './schema.ts';

type FieldsOf<C extends { [K in keyof C]: { arg: unknown } }> = { [K in keyof C]?: ArgFields<C[K]['arg']> };

const CORE: FieldsOf<CoreContract> = {
  importCluster: {
    json: z.string({ error: 'must be the text of an exported cluster' }),
    trustPins: z.boolean({ error: 'must be true or false' }).optional(),
  },
  storeCredentials: { user: userSchema, password: secretSchema },
  trackConsumer: { key: consumerKeySchema, name: userSchema.optional(), secret: secretSchema.optional() },
  untrackConsumer: { key: consumerKeySchema },
  probeNode: { key: consumerKeySchema, secret: secretSchema.optional() },
};

const REPAIR: FieldsOf<RepairContract> = {
  approve: { key: consumerKeySchema },
  register: {
    name: plainTextSchema(256),
    key: consumerKeySchema.optional(),
    secret: secretSchema,
    trusted: z.boolean().optional(),
  },
  deleteConsumer: { key: consumerKeySchema },
  trustCertificate: { fingerprint256: fingerprintSchema },
};

const CONSOLE: FieldsOf<ConsoleContract> = {
  sandboxFriend: { name: userSchema, secret: secretSchema },
};

/** Every operation's checked fields, in the order they are checked. */
export const ARG_FIELDS: { [K in OperationName]?: ArgFields<ArgOf<K>> } = { ...CORE, ...REPAIR, ...CONSOLE };
