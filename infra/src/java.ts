import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LocalServerError } from './errors';

const run = promisify(execFile);

/** The java binary to use: $JAVA_HOME/bin/java, else `java` on PATH; it must be Java 17 or newer. */
export async function javaBinary(): Promise<string> {
  const java = process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java';
  let text: string;
  try {
    const { stderr, stdout } = await run(java, ['-version']);
    text = `${stderr}${stdout}`;
  } catch {
    throw new LocalServerError('java', `cannot run ${java}: install a Java 17 JDK or set JAVA_HOME`);
  }
  const major = /version "(\d+)/.exec(text)?.[1];
  if (!major || Number(major) < 17) {
    throw new LocalServerError('java', `Java 17 or newer is needed, ${java} is: ${text.split('\n')[0] ?? text}`);
  }
  return java;
}
