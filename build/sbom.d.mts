// Types for sbom.mjs.
export declare const BUNDLED_DIR: string;
export declare const APP_BUNDLES: Readonly<Record<'main' | 'preload' | 'renderer', string>>;
export declare const BUNDLED_INTO: string;
export declare function sbomFileName(name: string, version: string): string;
export interface PackageRef {
  name: string;
  version: string;
  license: string | null;
  dir: string;
}
export declare function packageOfModule(root: string, modulePath: string): PackageRef | null;
export declare function inlinedPackages(
  root: string,
  bundles: Record<string, string[]>,
): (PackageRef & { bundledInto: string[] })[];
export declare function recordedAppBundles(root: string): Record<string, string[]>;
export declare function npmPurl(name: string, version: string): string;
export interface CycloneDxComponent {
  type: string;
  name: string;
  group?: string;
  version: string;
  'bom-ref': string;
  purl?: string;
  licenses?: unknown[];
  properties?: { name: string; value: string }[];
}
export interface CycloneDxBom {
  bomFormat: 'CycloneDX';
  specVersion: string;
  metadata: { component: CycloneDxComponent; tools?: unknown };
  components: CycloneDxComponent[];
  dependencies: { ref: string; dependsOn?: string[] }[];
}
export declare function writeSbom(opts: {
  root: string;
  stage: string;
  bundles: Record<string, string[]>;
  runtimes: { electron: string; node: string | null };
  file: string;
}): CycloneDxBom;
