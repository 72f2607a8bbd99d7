// Types for dist.mjs.
export interface DistOptions {
  offline: boolean;
  electronDist: string | null;
  out: string | null;
  skipBuild: boolean;
  dir: boolean;
  platforms: Partial<Record<'linux' | 'win' | 'mac', string[]>>;
  arch: string[];
  help?: boolean;
}
export declare function parseArgs(argv: string[]): DistOptions;
export declare function dist(
  opts: DistOptions,
  log?: (msg: string) => void,
): Promise<{
  out: string;
  artifacts: string[];
  sums: string[];
  /** The CycloneDX SBOM (listed in SHA256SUMS). */ sbom: string;
}>;
export declare const LINUX_DEFAULT_TARGETS: readonly string[];
export declare function splitTargets(
  requested: Record<string, string[]>,
  hostPlatform?: string,
): { platforms: Record<string, string[]>; own: string[] };
export declare function cliInBuild(platforms: Record<string, string[]>, hostPlatform?: string): boolean;
