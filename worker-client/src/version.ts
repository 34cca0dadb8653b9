/** SDK version sent in the handshake `meta` (kept equal to package.json by hand on release). */
export const SDK_VERSION = '0.1.0';
