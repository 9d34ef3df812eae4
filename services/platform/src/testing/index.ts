// Test doubles of platform's ports, for the services' unit tests (never imported by
// production code): `@mobilecs/platform/testing`.
export * from './fake-kafka';
