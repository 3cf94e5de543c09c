export * from './elementwise.js';
export * from './reduce.js';
export * from './shape.js';
export * from './indexing.js';
export * from './linalg.js';
export { unbroadcast } from './util.js';
