export * from './client';
export * from './schema';
export * from './data-record-table';
