export * from './kafka';
export * from './cassandra';
export * from './topics';
export * from './config';
export * from './logger';
export * from './metrics';
export * from './operations-router';
export * from './rate-limited-log';
