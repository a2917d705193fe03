/** The public surface of verify/: other folders import only this file. */
export { BundleStore } from './bundle-store.js';
export { compareVersions, generateVendorKey, signBundle } from './bundle.js';
export { BundleRejected } from './checkers.js';
export { verifyModelPackage, type ModelVerifyOptions } from './model-package.js';
