/**
 * Coded errors. An error is a value with a stable `code`, a human message and, where it concerns
 * one, the node. They cross IPC and the browser-mode server as plain objects ({@link ErrorInfo}).
 */
import type { Fix } from './fix.ts';

export const ErrorCode = {
  // Input
  BAD_INPUT: 'BAD_INPUT',
  CLUSTER_NOT_FOUND: 'CLUSTER_NOT_FOUND',
  CLUSTER_EXISTS: 'CLUSTER_EXISTS',
  NODE_NOT_FOUND: 'NODE_NOT_FOUND',
  CONSUMER_NOT_TRACKED: 'CONSUMER_NOT_TRACKED',
  KEY_NOT_UNIQUE: 'KEY_NOT_UNIQUE',
  // Local storage
  CONFIG_CORRUPT: 'CONFIG_CORRUPT',
  CONFIG_UNREADABLE: 'CONFIG_UNREADABLE',
  CONFIG_TOO_NEW: 'CONFIG_TOO_NEW',
  CONFIG_UNWRITABLE: 'CONFIG_UNWRITABLE',
  CONFIG_LOCKED: 'CONFIG_LOCKED',
  KEYCHAIN_UNAVAILABLE: 'KEYCHAIN_UNAVAILABLE',
  CREDENTIALS_MISSING: 'CREDENTIALS_MISSING',
  SECRET_MISSING: 'SECRET_MISSING',
  // Network, always about one node (or the balancer)
  NODE_UNREACHABLE: 'NODE_UNREACHABLE',
  NODE_TIMEOUT: 'NODE_TIMEOUT',
  TLS_UNTRUSTED: 'TLS_UNTRUSTED',
  RESPONSE_TOO_LARGE: 'RESPONSE_TOO_LARGE',
  LOGIN_PAGE: 'LOGIN_PAGE',
  UNEXPECTED_STATUS: 'UNEXPECTED_STATUS',
  UNEXPECTED_RESPONSE: 'UNEXPECTED_RESPONSE',
  AUTH_FAILED: 'AUTH_FAILED',
  // Provider operations
  DISCOVERY_FAILED: 'DISCOVERY_FAILED',
  NOT_SUPPORTED: 'NOT_SUPPORTED',
  PROVISIONAL_KEY_NOT_FOUND: 'PROVISIONAL_KEY_NOT_FOUND',
  // The user stopped the operation (Ctrl+C, a cancelled request); what was done is reported
  INTERRUPTED: 'INTERRUPTED',
  // Anything we did not foresee
  INTERNAL: 'INTERNAL',
} as const;

export type ErrorCodeName = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The plain-object form of an error, safe to serialise; never carries a secret. */
export interface ErrorInfo {
  code: ErrorCodeName;
  message: string;
  /** The node this is about, when it is about one. */
  node?: string;
  /** Extra facts for the UI (e.g. a presented certificate's fingerprint). No secrets. */
  details?: Record<string, unknown>;
  /** What the admin can do about it, as data each door renders its own way (shared/fix.ts). */
  fix?: Fix;
}

export class AppError extends Error {
  readonly code: ErrorCodeName;
  readonly node: string | undefined;
  readonly details: Record<string, unknown> | undefined;
  readonly fix: Fix | undefined;

  constructor(
    code: ErrorCodeName,
    message: string,
    opts: { node?: string; details?: Record<string, unknown>; fix?: Fix; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.node = opts.node;
    this.details = opts.details;
    this.fix = opts.fix;
  }

  toJSON(): ErrorInfo {
    return {
      code: this.code,
      message: this.message,
      ...(this.node !== undefined ? { node: this.node } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
      ...(this.fix !== undefined ? { fix: this.fix } : {}),
    };
  }
}

export function isAppError(e: unknown): e is AppError {
  return e instanceof AppError;
}

/** Turns anything thrown into an {@link ErrorInfo}; unknown errors become INTERNAL. */
export function toErrorInfo(e: unknown): ErrorInfo {
  if (e instanceof AppError) return e.toJSON();
  const message = e instanceof Error ? e.message : String(e);
  return { code: ErrorCode.INTERNAL, message: `Internal error: ${message}` };
}

/** The most characters of a caller's text (a name, a key, an id) that an error message repeats. */
export const ECHO_MAX = 80;

/**
 * A caller's text as an error repeats it: cut to {@link ECHO_MAX} characters, saying how long it
 * was, so a 1 MB "name" makes a readable one-line error (and response body), not a flood.
 */
export function echoed(text: string, max = ECHO_MAX): string {
  const chars = Array.from(text);
  return chars.length > max
    ? `${chars.slice(0, max).join('')}… (${chars.length.toLocaleString('en-US')} characters)`
    : text;
}

/** Shorthand for a BAD_INPUT error that names the field. */
export function badInput(field: string, problem: string): AppError {
  return new AppError(ErrorCode.BAD_INPUT, `${field}: ${problem}`, { details: { field } });
}
