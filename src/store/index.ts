export { openDatabase, migrate } from './database.js';
export type { Db, Migration } from './database.js';
