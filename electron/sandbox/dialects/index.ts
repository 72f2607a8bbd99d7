/** The dialects by name. */
import { clearquestDialect } from './clearquest.ts';
import { jazzDialect } from './jazz.ts';
import { lyoDialect } from './lyo.ts';
import { sandboxDialect } from './sandbox.ts';
import type { Dialect, DialectName } from './types.ts';

export { DIALECT_NAMES, isDialectName, type Dialect, type DialectName } from './types.ts';

export const DIALECTS: Record<DialectName, Dialect> = {
  sandbox: sandboxDialect,
  clearquest: clearquestDialect,
  jazz: jazzDialect,
  lyo: lyoDialect,
};
