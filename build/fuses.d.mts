// Types for fuses.mjs (plain JS: electron-builder loads the hooks that use it without tsx).
import type { FuseConfig, FuseState } from '@electron/fuses';
export declare const FUSES: Readonly<FuseConfig>;
export declare function describeFuses(config?: FuseConfig): string;
export declare const STAND_IN_MARKER: string;
export declare const ALLOW_STAND_IN_ENV: string;
export declare function electronBinaryPath(opts: {
  appOutDir: string;
  platform: string;
  executableName: string;
  productFilename: string;
}): string;
export declare function isStandIn(appOutDir: string, binaryPath: string): boolean;
export declare function flipAndVerify(
  binaryPath: string,
  opts?: { resetAdHocDarwinSignature?: boolean },
): Promise<FuseConfig<FuseState>>;
