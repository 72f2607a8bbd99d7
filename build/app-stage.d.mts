// Types for app-stage.mjs (plain JS so electron-builder's hooks and build/dist.mjs run without tsx).
export declare const APP_FILES: readonly string[];
export declare function packageName(specifier: string): string;
export declare function bundleRuntimeDependencies(bundleFile: string): Promise<string[]>;
export interface AppPackageJson {
  name: string;
  version: string;
  description: string;
  license: string;
  author: string;
  type?: string;
  main: string;
  dependencies: Record<string, string>;
}
export declare function appPackageJson(
  rootPkg: { dependencies?: Record<string, string>; [key: string]: unknown },
  runtimeDeps: string[],
): AppPackageJson;
export declare function stageApp(opts: { root: string; dest: string }): Promise<{
  packageJson: AppPackageJson;
  modules: { name: string; version: string }[];
}>;
export declare function listFiles(dir: string): string[];
export declare function installedClosure(
  names: string[],
  root: string,
): { name: string; version: string; dir: string }[];
export declare function copyPackage(from: string, to: string): void;
