/** Launch args for Chromium in CI containers (often run as root, no GPU). */
export declare const chromiumArgs: readonly string[];
export declare const NOT_FOUND_MESSAGE: string;
/** Path to a usable Chromium executable, or null. */
export declare function findChromium(): string | null;
