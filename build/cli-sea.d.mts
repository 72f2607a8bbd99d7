// Types for cli-sea.mjs.
export declare const CLI_NATIVE_PACKAGES: readonly string[];
export declare function cliExecutableName(platform?: string): string;
export declare function bundleCliForSea(root: string, outfile: string): Promise<string[]>;
export declare function buildCliExecutable(opts: {
  root: string;
  dest: string;
  nodeBinary?: string;
  log?: (msg: string) => void;
}): Promise<{
  exe: string;
  modules: { name: string; version: string }[];
  /** The node_modules files inlined into the executable's script (for the SBOM). */
  bundled: string[];
  /** The Node version the executable is made of. */
  node: string;
}>;
