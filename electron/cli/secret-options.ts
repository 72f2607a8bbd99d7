/**
 * The one set of secret options every command that reads a secret offers: the admin password as
 * `--password-stdin` or `--password-file FILE`, a consumer secret as `--secret-stdin` or
 * `--secret-file FILE`. A file must be a regular file of the running user that no one else may read
 * (mode 0600 or stricter), one line, at most 4096 bytes. Never a command-line value, never an
 * environment variable.
 */
import { open } from 'node:fs/promises';
import type { ClusterDefinition } from '../../shared/model.ts';
import { accounts } from '../core/keychain.ts';
import { flag, str } from './args.ts';
import type { Options, Parsed } from './args.ts';
import type { CommandContext } from './context.ts';
import { UsageError, readSecretFromStdin } from './io.ts';
import { MAX_SECRET_CHARS } from '../../shared/model.ts';

/** The largest password or secret file read, in bytes: a secret, not a document (the engine's own limit). */
export const PASSWORD_FILE_MAX_BYTES = MAX_SECRET_CHARS;

export const SECRET_OPTIONS = {
  password: {
    'password-stdin': { type: 'boolean' },
    'password-file': { type: 'string' },
  },
  secret: {
    'secret-stdin': { type: 'boolean' },
    'secret-file': { type: 'string' },
  },
} as const satisfies Record<string, Options>;

/**
 * A secret from a file only its owner can read (e.g. root's, for a systemd service): read once,
 * bounded, one line. Refused when group or others have any access, when it is not the running user's,
 * or not a regular file. `option` names the flag in every message.
 */
export async function readPasswordFile(file: string, option = '--password-file'): Promise<string> {
  const what = `${option} ${file}`;
  let fh;
  try {
    fh = await open(file, 'r');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(
      `${what}: ${code === 'ENOENT' ? 'no such file' : code === 'EACCES' ? 'permission denied' : `cannot be opened (${code ?? 'error'})`}`,
    );
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new UsageError(`${what}: not a regular file`);
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid)
      throw new UsageError(`${what}: owned by uid ${st.uid}, not by the user running oslc-admin (uid ${uid})`);
    if ((st.mode & 0o077) !== 0)
      throw new UsageError(
        `${what}: group or others may access it (mode ${(st.mode & 0o777).toString(8).padStart(3, '0')}); make it readable by its owner only: chmod 600 ${file}`,
      );
    const buf = Buffer.alloc(PASSWORD_FILE_MAX_BYTES + 1);
    let length = 0;
    for (;;) {
      const { bytesRead } = await fh.read(buf, length, buf.length - length, length);
      if (bytesRead === 0) break;
      length += bytesRead;
      if (length > PASSWORD_FILE_MAX_BYTES)
        throw new UsageError(`${what}: larger than ${PASSWORD_FILE_MAX_BYTES} bytes; it must hold the secret only`);
    }
    let text: string;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(buf.subarray(0, length));
    } catch {
      throw new UsageError(`${what}: not valid UTF-8`);
    }
    text = text.replace(/\r?\n$/, '');
    if (!text) throw new UsageError(`${what}: empty`);
    if (/[\r\n]/.test(text)) throw new UsageError(`${what}: more than one line; it must hold the secret only`);
    return text;
  } finally {
    await fh.close();
  }
}

/** The admin password given on this command line (stdin or a file), or undefined. */
export async function passwordGiven(ctx: CommandContext, p: Parsed): Promise<string | undefined> {
  const file = str(p, 'password-file');
  if (flag(p, 'password-stdin') && file !== undefined)
    throw new UsageError('--password-stdin and --password-file: give the password one way only');
  if (file !== undefined) return readPasswordFile(file, '--password-file');
  if (flag(p, 'password-stdin')) return readSecretFromStdin(ctx.io, '--password-stdin');
  return undefined;
}

/** The consumer secret given on this command line (stdin or a file), or undefined. */
export async function secretGiven(ctx: CommandContext, p: Parsed): Promise<string | undefined> {
  const file = str(p, 'secret-file');
  if (flag(p, 'secret-stdin') && file !== undefined)
    throw new UsageError('--secret-stdin and --secret-file: give the secret one way only');
  if (file !== undefined) return readPasswordFile(file, '--secret-file');
  if (flag(p, 'secret-stdin')) return readSecretFromStdin(ctx.io, '--secret-stdin');
  return undefined;
}

/**
 * `--password-stdin` / `--password-file` on a command that uses the admin login: the password is
 * held for this call only, never stored. The user name must be known already (from `login`).
 * Returns the cluster's definition (which also proves the cluster exists).
 */
export async function holdAdminPassword(ctx: CommandContext, p: Parsed, cluster: string): Promise<ClusterDefinition> {
  const def = await ctx.engine.getCluster({ cluster });
  const how = flag(p, 'password-stdin')
    ? '--password-stdin'
    : str(p, 'password-file') !== undefined
      ? '--password-file'
      : null;
  // `--user U` names the admin for this call only (no keychain needed, nothing stored).
  const user = str(p, 'user');
  if (how === null) {
    if (user !== undefined)
      throw new UsageError('--user: goes with --password-stdin or --password-file (the password for this call only)');
    return def;
  }
  if (user !== undefined && user.trim() === '') throw new UsageError('--user: must not be empty');
  if (!user && !def.adminUser)
    throw new UsageError(
      `${how}: no admin user is stored for cluster ${cluster}; name it with --user U (nothing is stored)`,
    );
  if (user) ctx.engine.holdAdminUser(def.name, user);
  const password = await passwordGiven(ctx, p);
  ctx.secrets.hold(accounts.admin(def.name), password!);
  return def;
}
