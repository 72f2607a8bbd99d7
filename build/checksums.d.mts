// Types for checksums.mjs.
export declare const SUMS_FILE: string;
export declare function sha256File(file: string): Promise<string>;
export declare function writeSha256Sums(dir: string, files: string[]): Promise<string[]>;
export declare function parseSha256Sums(text: string): { name: string; sha256: string }[];
