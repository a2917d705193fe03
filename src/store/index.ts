export { openDatabase, migrate } from './database.js';
export type { Db, Migration } from './database.js';
export { createRedisClient, type RedisClient, type RedisClientOptions } from './redis.js';
