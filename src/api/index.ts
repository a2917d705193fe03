/** The public surface of api/: other folders import only this file. */
export { ApiKeyStore, type KeyVerifier } from './api-keys.js';
export { buildIdentifyServer } from './identify-server.js';
export { PgApiKeyStore } from './pg-api-keys.js';
export { PgRequestLog, SqliteRequestLog, type RequestLog } from './request-log.js';
export { selfSignedServerCert } from './self-signed.js';
export { featuresFromInput, handshakeSchema, HandshakeInputError } from './tlsmon/handshake-input.js';
export { buildTlsmonApi } from './tlsmon/server.js';
export { PolicyVersions } from './tlsmon/policy-versions.js';
export { BatchWorker, type BatchWorkerSource } from './batch-worker.js';
export { buildDevicesApi, type DevicesApiContext } from './devices/server.js';
