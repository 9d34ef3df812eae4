import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { LocalServerError } from './errors';
import { infraHome, repoRoot } from './paths';

const run = promisify(execFile);

/**
 * Resolves a server's runtime classpath from Maven Central into the local Maven cache
 * (~/.m2) with `mvn dependency:build-classpath`; the result is cached in .infra and
 * recomputed only when the pom changes.
 */
export async function resolveClasspath(server: 'kafka' | 'cassandra'): Promise<string> {
  const pom = join(repoRoot, 'infra', server, 'pom.xml');
  const out = join(infraHome, server, 'classpath.txt');
  if (existsSync(out) && statSync(out).mtimeMs >= statSync(pom).mtimeMs) {
    const cached = readFileSync(out, 'utf8').trim();
    if (cached.split(':').every((jar) => existsSync(jar))) return cached;
  }
  mkdirSync(dirname(out), { recursive: true });
  try {
    await run('mvn', ['-q', '-B', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${out}`], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; code?: string | number };
    if (e.code === 'ENOENT') {
      throw new LocalServerError('maven', 'Maven (mvn) is not on PATH: install Maven 3.8+ or point KAFKA_BROKERS / CASSANDRA_CONTACT_POINTS at running servers');
    }
    throw new LocalServerError('maven', `could not resolve the ${server} jars with Maven (${pom})`, `${e.stdout ?? ''}${e.stderr ?? ''}`.split('\n').slice(-30).join('\n'));
  }
  return readFileSync(out, 'utf8').trim();
}
