// shared/ is typechecked without Node or DOM types (tsconfig.shared.json) to keep it portable.
// WHATWG URL, atob and AbortSignal exist in every runtime we target (Node, Chromium, Electron); only they are declared.
declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly hostname: string;
  readonly host: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly hash: string;
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  href: string;
  toString(): string;
}
interface AbortSignal {
  readonly aborted: boolean;
  readonly reason: unknown;
}
declare function atob(data: string): string;
