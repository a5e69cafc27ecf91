// Types for scripts/build-stamp.mjs (imported by test/server/start.test.ts).
export const STAMP_DIRS: readonly string[];
export const STAMP_FILES: readonly string[];
export const BUILD_OUTPUTS: readonly string[];
export const STAMP_PATH: string;
/** Hex SHA-256 over the build's inputs under `root`. */
export function computeStamp(root: string): string;
/** True when the outputs exist and dist/.build-stamp equals the current stamp. */
export function buildIsCurrent(root: string): boolean;
export function writeStamp(root: string): void;
