// shared/ is typechecked without Node or DOM types (tsconfig.shared.json) to keep it portable.
// WHATWG URL exists in every runtime we target (Node, Chromium, Electron), so it alone is declared.
declare class URL {
  constructor(url: string, base?: string);
  readonly protocol: string;
  readonly hostname: string;
  readonly host: string;
  readonly port: string;
  readonly pathname: string;
  readonly search: string;
  readonly origin: string;
  readonly username: string;
  readonly password: string;
  href: string;
  toString(): string;
}
