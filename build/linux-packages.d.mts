// Types for linux-packages.mjs.
export declare const PACKAGE_NAME: string;
export declare const CLI_COMMAND: string;
export declare const WATCH_UNIT: string;
export declare const CLI_DIR: string;
interface PackageOptions {
  root: string;
  src: string;
  dest: string;
  version: string;
  electronVersion: string;
  arch?: string;
  logger?: (msg: string) => void;
}
export declare function makeDeb(opts: PackageOptions): Promise<string>;
export declare function makeRpm(opts: PackageOptions): Promise<string>;
