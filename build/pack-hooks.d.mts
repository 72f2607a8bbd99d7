// Types for pack-hooks.mjs: the part of electron-builder's hook context the hooks read.
export interface PackContext {
  appOutDir: string;
  electronPlatformName: string;
  /** electron-builder's Arch enum value: 0 ia32, 1 x64, 2 armv7l, 3 arm64, 4 universal. */
  arch: number;
  packager: { executableName: string; appInfo: { productFilename: string } };
}
export declare function keyringBinaryPackages(platform: string, arch: string): string[];
export declare function afterExtract(context: PackContext): Promise<void>;
export declare function afterPack(context: PackContext, log?: (msg: string) => void): Promise<void>;
